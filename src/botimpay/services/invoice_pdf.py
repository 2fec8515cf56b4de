"""The monthly fee invoice as a PDF (reportlab): one A4 page of header, fee lines,
VAT and total. The same invoice always renders to the same bytes.

Text is set in Bitstream Vera (shipped with reportlab), embedded, so a viewer and a
text extractor (pypdf) read it back; amounts are AED with two decimals, never a float.
The file is `invariant` (no creation time, fixed document id): an invoice of a closed
month is byte-for-byte the same on every download.
"""

from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from botimpay.domain.invoice import VAT_PERCENT, Invoice
from botimpay.domain.query_pages import GULF
from botimpay.protocol.money import Money

ISSUER = "Botim Money (botimpay gateway)"
FONT, BOLD = "BotimpayVera", "BotimpayVera-Bold"


def _fonts() -> None:
    """Registers the two embedded fonts once per process."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))


def _aed(amount: Money) -> str:
    return f"{amount.amount:,}"


def _day(instant_ms: int) -> str:
    return datetime.fromtimestamp(instant_ms / 1000, GULF).strftime("%Y-%m-%d %H:%M")


def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13)
    title = ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=18, leading=24)
    note = ParagraphStyle("note", parent=body, fontSize=8, leading=11, textColor=colors.grey)
    return title, body, note


def _header(invoice: Invoice, body: ParagraphStyle) -> Table:
    month = invoice.month
    rows = [
        ("Invoice number", invoice.number),
        ("Billing month", f"{month.label} ({month.code})"),
        ("Period (UTC+4)", f"{_day(month.start_ms)} to {_day(month.end_ms)}"),
        ("Invoice date", _day(month.end_ms)[:10]),
        ("Merchant", invoice.merchant_name),
        ("Partner ID", invoice.partner_id),
        ("Business type", invoice.business_type.value),
        ("Issued by", ISSUER),
    ]
    cells = [[Paragraph(label, body), Paragraph(escape(value), body)] for label, value in rows]
    table = Table(cells, colWidths=[38 * mm, 132 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _lines(invoice: Invoice) -> Table:
    head = ["Description", "Count", "Before VAT", f"VAT {VAT_PERCENT}", "Amount"]
    rows: list[list[str]] = [head]
    for line in invoice.lines:
        rows.append(
            [
                line.description,
                str(line.count),
                _aed(line.before_vat),
                _aed(line.vat),
                _aed(line.total),
            ]
        )
    rows += [
        ["Total before VAT (AED)", "", "", "", _aed(invoice.before_vat)],
        [f"VAT {VAT_PERCENT} (AED)", "", "", "", _aed(invoice.vat)],
        ["Total fees (AED)", "", "", "", _aed(invoice.total)],
    ]
    table = Table(rows, colWidths=[66 * mm, 18 * mm, 30 * mm, 26 * mm, 30 * mm], repeatRows=1)
    totals = len(invoice.lines) + 1
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9.5),
                ("FONT", (0, 0), (-1, 0), BOLD, 9.5),
                ("FONT", (0, -1), (-1, -1), BOLD, 10.5),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEABOVE", (0, totals), (-1, totals), 0.5, colors.grey),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f5")),
                ("SPAN", (0, totals), (3, totals)),
                ("SPAN", (0, totals + 1), (3, totals + 1)),
                ("SPAN", (0, -1), (3, -1)),
                ("ALIGN", (0, totals), (0, -1), "RIGHT"),
            ]
        )
    )
    return table


def render(invoice: Invoice) -> bytes:
    """The invoice as PDF bytes."""
    _fonts()
    title, body, note = _styles()
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"Invoice {invoice.partner_id} {invoice.month.code}",
        author=ISSUER,
        subject=f"Fee invoice for {invoice.month.label}",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        invariant=1,
    )
    document.build(
        [
            Paragraph("Tax invoice: acquiring fees", title),
            Spacer(1, 4 * mm),
            _header(invoice, body),
            Spacer(1, 8 * mm),
            _lines(invoice),
            Spacer(1, 8 * mm),
            Paragraph(
                "Amounts in AED (dirhams). Fees include UAE VAT at"
                f" {VAT_PERCENT}; each line's fees are the gateway's fee postings of the"
                " merchant's orders in the period (a refund's returned fee share is"
                " negative). Fees were deducted from settlements: nothing is due.",
                note,
            ),
        ]
    )
    return out.getvalue()
