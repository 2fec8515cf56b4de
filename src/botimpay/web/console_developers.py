"""The console's Developers page:
partner id, merchant keys, gateway key, IP whitelist, default notify URL, snippets.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
