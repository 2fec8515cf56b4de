"""Every exception the SDK raises, under one root.

The tree::

    SdkError                      root; catch this to catch everything below
    ├── ConfigError               bad client settings: key, base_url, partner id (also a ValueError)
    ├── InvalidRequestError       bad call arguments found before sending (also a ValueError)
    ├── AmountError               a wire amount breaks the reference's rule (also a ValueError)
    ├── TransportError            no usable HTTP answer: connect/read failure, timeout
    │   └── HttpStatusError       the gateway answered with an HTTP status other than 200
    ├── SignatureError            `sign` missing or wrong on a response or notification
    ├── ProtocolError             a verified message is not in the documented shape
    ├── ApiError                  the gateway answered with a code other than "0"
    └── UnresolvedOrderError      wait_for_final / resolve_order: no cancel got through

Building a request model (`PlaceOrderRequest`, `Money`, ...) with bad values
raises pydantic's `ValidationError` (a `ValueError`) before the SDK is called.

`retryable` tells whether the same request may simply be sent again: network
failures, HTTP 5xx and the codes 500 SYSTEM_ERROR / 504 SERVICE_TIMEOUT.
"""

from __future__ import annotations

from typing import Any

from botimpay_sdk.codes import RETRYABLE


class SdkError(Exception):
    """Root of every error raised by botimpay_sdk."""

    @property
    def retryable(self) -> bool:
        """True when sending the identical request again may succeed."""
        return False


class ConfigError(SdkError, ValueError):
    """Raised when the client is built with an unusable key, base URL or partner id."""


class InvalidRequestError(SdkError, ValueError):
    """Raised when call arguments are inconsistent, e.g. both or neither of
    `merchant_order_no` and `order_no`."""


class AmountError(SdkError, ValueError):
    """Raised by `botimpay_sdk.wire` when a value is not an amount the wire allows: not
    an exact number, more than 12 digits before or 2 after the decimal point."""


class TransportError(SdkError):
    """Raised when no usable HTTP answer arrived: DNS, connect, TLS, read, timeout.

    The request may or may not have reached the gateway.
    """

    @property
    def retryable(self) -> bool:
        return True


class HttpStatusError(TransportError):
    """Raised when the gateway answers with an HTTP status other than 200.

    The API carries every business or validation error inside an HTTP 200
    envelope, so another status means a proxy, load balancer or outage.
    """

    def __init__(self, status_code: int, message: str | None = None) -> None:
        self.status_code = status_code
        super().__init__(message or f"unexpected HTTP status {status_code}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.status_code, str(self)))

    @property
    def retryable(self) -> bool:
        return self.status_code >= 500


class SignatureError(SdkError):
    """Raised when a response or notification has no `sign` header, or one that
    does not verify over the exact bytes with the gateway public key.

    Nothing from such a message is returned. A response without `sign` is
    tolerated only when it carries one of the global error codes the official
    SDK tolerates (400, 402, 403, 404, 500, 504, 601); it then raises ApiError.
    """


class ProtocolError(SdkError):
    """Raised when a verified message is not what the reference documents:
    not JSON, no `head`, a success without `body`, a field of the wrong type."""


class ApiError(SdkError):
    """Raised when the gateway answers with `code` other than "0".

    `code` is the string from `head.code`, compare it with the constants in
    `botimpay_sdk.codes`; `msg` is `head.msg` (e.g. "INVALID_PARAMETER: ...");
    `apply_status` is "SUCCESS" for business refusals (62xxx), "FAIL" for
    global failures, "ERROR" when the gateway rejected our signature.
    """

    def __init__(
        self,
        code: str,
        msg: str,
        trace_code: str | None = None,
        apply_status: str | None = None,
    ) -> None:
        self.code = code
        self.msg = msg
        self.trace_code = trace_code
        self.apply_status = apply_status
        text = f"{code} {msg}"
        if trace_code:
            text += f" (traceCode {trace_code})"
        super().__init__(text)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.code, self.msg, self.trace_code, self.apply_status))

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE


class UnresolvedOrderError(SdkError):
    """Raised by wait_for_final and resolve_order when the deadline passed and every
    cancel attempt failed without telling the order's state (at least
    Pacing.min_cancel_attempts over Pacing.min_cancel_span). A person has to look
    at it: the reference asks to alert someone and confirm the status with support.

    `merchant_order_no` names the order; `last_status` is the last status seen
    (None if no query succeeded); the last failure is chained as `__cause__`.
    """

    def __init__(self, merchant_order_no: str, last_status: str | None, message: str) -> None:
        self.merchant_order_no = merchant_order_no
        self.last_status = last_status
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.merchant_order_no, self.last_status, str(self)))
