"""The console's Test plan page (sandbox): arm the go-live cases and watch their verdicts."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
