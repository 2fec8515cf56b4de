"""QR codes for a DYNQR `tokenUrl` (or anything else), as SVG text or PNG bytes."""

from __future__ import annotations

import io

import segno


def _make(data: str, error: str) -> segno.QRCode:
    if not isinstance(data, str) or not data:
        raise ValueError("data must be a non-empty string")
    return segno.make(data, error=error, micro=False)


def qr_svg(
    data: str,
    *,
    scale: int = 4,
    border: int = 4,
    dark: str = "#000",
    light: str | None = "#fff",
    error: str = "m",
) -> str:
    """An SVG document (no XML declaration, fit for inlining in HTML) encoding `data`."""
    return _make(data, error).svg_inline(scale=scale, border=border, dark=dark, light=light)


def qr_png(data: str, *, scale: int = 8, border: int = 4, error: str = "m") -> bytes:
    """A PNG image encoding `data`; `scale` pixels per module, `border` quiet modules."""
    out = io.BytesIO()
    _make(data, error).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()
