"""The console's Balances page:
wallets, merchant accounts, pending vs available, daily volume and fees as SVG.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
