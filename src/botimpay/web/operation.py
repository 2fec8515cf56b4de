"""One merchant API endpoint as the pipeline (web/merchant_api.py) serves it: its path
under /sgs/api/, the bizContent model it validates, the request and response models the
API docs show, and the handler that runs the use case and returns the body's fields."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from botimpay.services.auth import MerchantAuth
from botimpay.web.state import AppState

Handler = Callable[[AppState, MerchantAuth, Any, int], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Operation:
    path: str
    summary: str
    biz_model: type[BaseModel]
    request_model: type[BaseModel]
    response_model: type[BaseModel]
    handler: Handler
