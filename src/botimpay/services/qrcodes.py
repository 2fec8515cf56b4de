"""QR codes: drawing them (segno, SVG and PNG) and reading them from uploaded images (zxing-cpp).

Decoding is CPU work on untrusted bytes: the size and pixel count are capped
before Pillow decodes anything, and callers run it in a worker thread.
"""

from __future__ import annotations

import io
import warnings

import segno
import zxingcpp
from PIL import Image, UnidentifiedImageError

from botimpay.errors import BotimpayError

MAX_DATA_BYTES = 2048  # UTF-8; level M holds 2,331 bytes, so anything within this fits


def data_bytes(data: str) -> int:
    """The size QR capacity is counted in: UTF-8 bytes, not characters ("€" is 3)."""
    return len(data.encode("utf-8", "surrogatepass"))


MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 24_000_000  # a 6000 x 4000 photo; more is refused before decoding
_DECODE_EDGE = 1600  # large photos are scaled down to this longest edge first
_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


class QrImageError(BotimpayError):
    """Raised when an uploaded picture is not an image, too large, or holds no QR code."""


def _code(data: str) -> segno.QRCode:
    if not data:
        raise ValueError("QR data must not be empty")
    if data_bytes(data) > MAX_DATA_BYTES:
        raise ValueError(f"QR data is limited to {MAX_DATA_BYTES} bytes of UTF-8")
    return segno.make(data, error="m", micro=False)


def qr_svg(data: str, *, scale: int = 4) -> bytes:
    """A standalone SVG document (black on white, 4-module quiet zone)."""
    out = io.BytesIO()
    _code(data).save(out, kind="svg", scale=scale, border=4, dark="#000", light="#fff")
    return out.getvalue()


def qr_png(data: str, *, scale: int = 8) -> bytes:
    """A PNG image, `scale` pixels per module."""
    out = io.BytesIO()
    _code(data).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    if not data:
        raise QrImageError("The upload is empty: choose a picture of a QR code.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise QrImageError(f"The picture is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_FORMATS)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise QrImageError("The picture has too many pixels; send a smaller one.")
            image.load()
    except QrImageError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise QrImageError(
            "This file is not a picture (PNG, JPEG, GIF, WebP or BMP) that can be read."
        ) from exc
    except Image.DecompressionBombWarning as exc:
        raise QrImageError("The picture has too many pixels; send a smaller one.") from exc
    return image


def _grey(image: Image.Image) -> Image.Image:
    """Greyscale on white: transparent pixels become white, as on a screen."""
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    grey = image.convert("L")
    if max(grey.size) > _DECODE_EDGE:
        grey.thumbnail((_DECODE_EDGE, _DECODE_EDGE))
    return grey


def decode_qr(data: bytes) -> str:
    """The text of the first QR code in an image; QrImageError when there is none."""
    image = _open(data)
    try:
        found = zxingcpp.read_barcodes(_grey(image), formats=_QR_ONLY)
    finally:
        image.close()
    texts = [barcode.text for barcode in found if barcode.valid and barcode.text]
    if not texts:
        raise QrImageError("No QR code was found in this picture.")
    return texts[0]
