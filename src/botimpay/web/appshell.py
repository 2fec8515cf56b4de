"""The BOTIM app shell at /app: wallet, scan, and a webview with the payment bridge."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["App shell"], include_in_schema=False)
