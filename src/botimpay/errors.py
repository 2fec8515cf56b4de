"""The one error tree of the botimpay server; every class says when it is raised.

BotimpayError                 root of everything botimpay raises on purpose
├── ApiError                  a request fails with a documented response code
│   ├── InvalidParameter      400 INVALID_PARAMETER: a field is missing or wrong
│   ├── AuthenticationError   403 / signature: the caller is not who it says
│   └── BusinessError         62xxx: the request is valid, the rules say no
└── ConfigError               bad settings, key material or CLI arguments
"""

from __future__ import annotations

from botimpay.protocol import codes
from botimpay.protocol.codes import ResponseCode


class BotimpayError(Exception):
    """Root of every error botimpay raises on purpose."""


class ConfigError(BotimpayError):
    """Raised for unusable configuration: a bad database URL, key file or option."""


class ApiError(BotimpayError):
    """Raised when a merchant request must be answered with a documented code."""

    def __init__(self, code: ResponseCode, message: str | None = None) -> None:
        self.code = code
        self.message = message or code.msg
        super().__init__(f"{code.code} {code.msg}: {self.message}")


class InvalidParameter(ApiError):
    """Raised when a request field is missing, malformed or out of range."""

    def __init__(self, message: str, code: ResponseCode = codes.INVALID_PARAMETER) -> None:
        super().__init__(code, message)


class AuthenticationError(ApiError):
    """Raised for an unknown partner, a bad signature, a disabled merchant or a blocked IP.

    `signature_failed` marks the case the reference answers with applyStatus ERROR.
    """

    def __init__(self, message: str, *, signature_failed: bool = False) -> None:
        super().__init__(codes.UNAUTHORIZED, message)
        self.signature_failed = signature_failed


class BusinessError(ApiError):
    """Raised when the business rules refuse a valid request (a 62xxx code)."""


class CheckoutRefused(BotimpayError):
    """Raised when a customer's payment or sign-in is refused; `reason` is a stable code
    the checkout and the sandbox API show, `message` is for the customer."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(f"{reason}: {message}")
