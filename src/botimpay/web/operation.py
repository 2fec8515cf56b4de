"""One merchant API endpoint as the pipeline (web/merchant_api.py) serves it: its path
under /sgs/api/, the bizContent model it validates, the request and response models the
API docs show, and the handler that runs the use case and returns the body's fields
(or, for a download, a RawAnswer: the bytes answered instead of the envelope)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from botimpay.protocol import codes
from botimpay.protocol.codes import ResponseCode
from botimpay.services.auth import MerchantAuth
from botimpay.web.state import AppState


@dataclass(frozen=True, slots=True)
class RawAnswer:
    """A success answered with a file instead of the envelope (getOrderStatement's ZIP,
    getInvoice's PDF): its bytes, media type and the Content-Disposition file name.
    merchant_api signs the bytes like any answer; refusals stay the envelope."""

    content: bytes
    media_type: str
    file_name: str


Reply = dict[str, Any] | RawAnswer
"""A handler's result: the body's fields, or a file."""

Handler = Callable[[AppState, MerchantAuth, Any, int], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Operation:
    path: str
    summary: str
    biz_model: type[BaseModel]
    request_model: type[BaseModel]
    response_model: type[BaseModel]
    handler: Handler
    file_media_type: str | None = None
    """Set when a success is a file (RawAnswer) of this type; the docs show it beside the
    envelope of a refusal."""
    too_early: ResponseCode = codes.REQUESTTIME_TOO_EARLY
    """The refusal of a requestTime more than 15 minutes in the past (a page may name its own)."""
    too_late: ResponseCode = codes.REQUESTTIME_TOO_LATER
    """The refusal of a requestTime more than 15 minutes in the future."""

    def window_refusal(self, window: ResponseCode) -> ResponseCode:
        """This operation's code for a requestTime outside the window."""
        return self.too_early if window == codes.REQUESTTIME_TOO_EARLY else self.too_late
