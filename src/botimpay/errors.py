"""The one error tree of the botimpay server; every class says when it is raised.

A class lives beside the code that raises it when that is not here (its module in
brackets); all share the root, so `except BotimpayError` catches every error raised
on purpose, and anything else is a bug.

BotimpayError           root of everything botimpay raises on purpose
├── ConfigError         bad settings, key material, database URL or CLI arguments
├── ApiError            a request fails with a documented response code
│   ├── InvalidParameter      400 INVALID_PARAMETER: a field is missing or wrong
│   ├── AuthenticationError   403 / signature: the caller is not who it says
│   ├── BusinessError         62xxx: the request is valid, the rules say no
│   └── OrderBusy             SYSTEM_ERROR: an order kept changing under every retry
│                                                            [services/transitions.py]
├── CheckoutRefused     a customer's payment or sign-in is refused (reason + message)
├── MoneyError          a value cannot be Money (also a ValueError)    [protocol/money.py]
├── LedgerError         an entry does not balance or is malformed
│   │                   (also a ValueError)                            [domain/ledger.py]
│   └── InsufficientFunds   a posting would take an account below zero [domain/ledger.py]
├── DuplicateKey        a row's unique key (idempotency key, number) is taken
│                                                                 [store/conflicts.py]
├── RowChanged          a conditional save found its row changed since it was read;
│                       the transaction runs again                [store/conflicts.py]
├── QrImageError        an upload is not an image, too large, or has no QR code
│                                                                [services/qrcodes.py]
├── TargetRefused       a notifyUrl's host may not be reached (policy, DNS, bad URL)
│                                                                        [netguard.py]
├── UnknownRun          no test-plan run has the id asked for     [services/testplan.py]
├── SandboxOnly         a sandbox feature (faults, the test plan) asked of production
│                                                               [services/faults.py]
├── ConsoleRefused      a console order action's form is unusable (amount, wallet,
│                       a sandbox action in production)   [services/console_actions.py]
├── Injected            a sandbox fault answers a call instead of its handler; never
│                       leaves the front door                         [web/faulting.py]
├── HeadTooLarge        a request head is over a limit; answered 431, never escapes
│                                                                [web/http_limits.py]
└── DuplicateKeyError   a JSON body names one key twice; becomes INVALID_PARAMETER
                        (also a ValueError)                            [web/body.py]
"""

from __future__ import annotations

from botimpay_sdk import codes  # the one code table, below protocol/ and errors alike
from botimpay_sdk.codes import ResponseCode


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
