"""Hypothesis settings of the fuzz suite and its example budget.

CI (`CI=true`) is derandomized and keeps no example database, so a run is
reproducible; locally examples are random and failures are replayed from a
database in the system's temporary directory (never `.hypothesis/` in the repo).
`BOTIMPAY_FUZZ_EXAMPLES` is the whole suite's example budget (`make fuzz`: 20000).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase

EXAMPLES_ENV = "BOTIMPAY_FUZZ_EXAMPLES"
DEFAULT_EXAMPLES = 3000  # the whole suite, per backend: well under 2 minutes in CI

CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")

# Hypothesis keeps caches (and by default its example database) in `.hypothesis/` of
# the working directory; this suite keeps them out of the repository.
HOME = Path(tempfile.gettempdir()) / "botimpay-hypothesis"
set_hypothesis_home_dir(HOME)

_COMMON = {
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
        # The only function-scoped fixture is the autouse health check, which is meant
        # to run once per test (after its batch of examples), not per example.
        HealthCheck.function_scoped_fixture,
    ],
}

settings.register_profile("botimpay-fuzz-ci", derandomize=True, database=None, **_COMMON)
settings.register_profile(
    "botimpay-fuzz",
    database=DirectoryBasedExampleDatabase(str(HOME / "examples")),
    **_COMMON,
)

PROFILE = settings.get_profile("botimpay-fuzz-ci" if CI else "botimpay-fuzz")

# Each test's share of the budget: the seven operations, the envelope and raw bytes,
# and the unsigned surfaces.
_WEIGHTS = {
    "acquire2/placeOrder": 2.0,
    "acquire2/getOrder": 1.0,
    "acquire2/cancelOrder": 1.0,
    "acquire2/updateExpiredTime": 1.0,
    "acquire2/revokeOrder": 1.0,
    "acquire2/refund/placeOrder": 1.5,
    "acquire2/refund/getOrder": 1.0,
    "acquire2/getOrderPayer": 0.6,
    "acquire2/getCashierUrlInfo": 0.6,
    "acquire2Query/queryOrderPage": 0.8,
    "acquire2Query/queryRefundOrderPage": 0.6,
    "member/getBalance": 0.4,
    "acquire2/download/getOrderStatement": 0.4,
    "acquire2/download/getInvoice": 0.4,
    "envelope": 2.0,
    "raw": 1.5,
    "sandbox/pay": 1.0,
    "sandbox/clock": 0.5,
    "pages/checkout": 1.2,
    "pages/qr": 0.8,
    "pages/other": 0.6,
}


def total_examples() -> int:
    raw = os.environ.get(EXAMPLES_ENV, "").strip()
    return int(raw) if raw else DEFAULT_EXAMPLES


def budget(name: str) -> settings:
    """The profile with `name`'s share of the example budget."""
    share = total_examples() * _WEIGHTS[name] / sum(_WEIGHTS.values())
    return settings(PROFILE, max_examples=max(10, round(share)))
