"""A demo merchant page (/demo/shop) that uses the JS library, for the whole JSAPI loop."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["Demo shop"], include_in_schema=False)
