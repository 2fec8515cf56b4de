"""QR output is a well-formed SVG document and a well-formed PNG of the right size."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
import zlib
from decimal import Decimal

import pytest
import segno

from botimpay_sdk import qr_png, qr_svg

TOKEN_URL = "http://127.0.0.1:8000/pay-page/main?ft=Zm9vYmFyYmF6cXV4cXV1eA&t=1700000000000"


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        payload = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + payload) == crc, kind
        chunks.append((kind, payload))
        pos += 12 + length
    return chunks


def test_svg_is_a_document_of_the_right_size() -> None:
    svg = qr_svg(TOKEN_URL, scale=3, border=2)
    root = ET.fromstring(svg)  # noqa: S314
    assert root.tag.endswith("svg")
    modules = segno.make(TOKEN_URL, error="m").symbol_size(scale=1, border=2)[0]
    assert Decimal(root.attrib["width"]) == modules * 3
    assert Decimal(root.attrib["height"]) == modules * 3
    assert not svg.startswith("<?xml")


def test_png_is_well_formed_and_decodes_to_the_right_size() -> None:
    png = qr_png(TOKEN_URL, scale=4, border=4)
    chunks = _png_chunks(png)
    kinds = [kind for kind, _ in chunks]
    assert kinds[0] == b"IHDR"
    assert kinds[-1] == b"IEND"
    assert b"IDAT" in kinds
    width, height, bit_depth, colour_type = struct.unpack(">IIBB", chunks[0][1][:10])
    size = segno.make(TOKEN_URL, error="m").symbol_size(scale=4, border=4)[0]
    assert width == height == size
    raw = zlib.decompress(b"".join(payload for kind, payload in chunks if kind == b"IDAT"))
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    row_bytes = (width * channels * bit_depth + 7) // 8
    assert len(raw) == height * (row_bytes + 1)  # one filter byte per row


def test_empty_data_is_refused() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        qr_png("")
    with pytest.raises(ValueError, match="non-empty"):
        qr_svg("")
