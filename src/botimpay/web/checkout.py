"""The built-in checkout at the tokenUrl (/pay-page/...): sign in, pay, result."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["Checkout"], include_in_schema=False)
