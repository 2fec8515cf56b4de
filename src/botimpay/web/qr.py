"""QR images for tokenUrls: GET /qr.svg and /qr.png (segno)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["QR"])
