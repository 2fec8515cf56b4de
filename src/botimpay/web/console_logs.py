"""The console's Logs page:
the request log, filterable by operation, code and partner, with a detail view.
"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
