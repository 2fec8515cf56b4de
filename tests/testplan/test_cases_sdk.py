"""Our own integration passes the go-live test plan: the nine cases driven through the SDK
(`botimpay_sdk.Client` with a scaled `Pacing`, the flows sdk/README.md documents) against
a real `botimpay serve`, every one graded PASS, and what each case made happen.

The runs go in parallel for one merchant at timeScale 0.5, the scale at which the
gateway's and the client's scheduling jitter on this shared 2-core machine stays well
inside each window (see test_cases_live.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from botimpay_sdk import PaymentNotification

from tests.harness import Gateway, Merchant
from tests.testplan.client import Customer, Pace, Plan, drive_all
from tests.testplan.sdk_integration import SdkIntegration, SdkNotificationEndpoint

SCALE = Decimal("0.5")
CASES = [f"{n:03d}" for n in range(1, 10)]


@pytest.fixture
def endpoint(shop: Merchant) -> Iterator[SdkNotificationEndpoint]:
    made = SdkNotificationEndpoint(shop)
    yield made
    made.close()


def test_the_sdk_passes_all_nine_cases(
    gateway: Gateway, shop: Merchant, endpoint: SdkNotificationEndpoint
) -> None:
    def make(plan: Plan) -> SdkIntegration:
        options: dict[str, object] = {}
        if plan.case in ("001", "009"):
            options["customer"] = Customer(gateway.base_url)
        if plan.case == "001":
            options["amount"] = Decimal("600.00")  # the checkout asks for the password
        if plan.case == "009":
            options["notify_url"] = endpoint.url
        return SdkIntegration(shop, gateway.base_url, SCALE, **options)  # type: ignore[arg-type]

    plans = [Plan(case, Pace(SCALE)) for case in CASES]
    driven = dict(zip(CASES, drive_all(gateway, shop, plans, make=make), strict=True))
    failed = [run.explain() for run in driven.values() if run.verdict["status"] != "PASS"]
    assert not failed, "\n".join(failed)
    for case, run in driven.items():
        assert run.verdict["case"] == case
        assert run.verdict["merchantOrderNo"] == run.outcome.merchant_order_no
        assert all(rule["status"] == "PASS" for rule in run.verdict["rules"]), run.explain()

    calls = {case: run.outcome.calls for case, run in driven.items()}

    def codes(case: str, operation: str) -> list[str | None]:
        return [c.code for c in calls[case] if c.operation == f"acquire2/{operation}"]

    assert driven["001"].outcome.end == "PAID"
    assert codes("003", "placeOrder")[0] == "500"  # and the SDK resolved the order anyway
    assert codes("004", "placeOrder")[0] is None  # the connection was dropped
    assert codes("005", "cancelOrder") == ["500", "500", "0"]
    assert driven["005"].outcome.end == "FAILURE"  # cancelled on the third attempt
    assert codes("006", "cancelOrder")[:3] == ["500"] * 3
    assert driven["006"].outcome.end == "CANCEL_GAVE_UP"  # UnresolvedOrderError: alert a person
    assert codes("007", "getOrder")[:3] == ["500", "500", "0"]
    assert codes("008", "getOrder")[:3] == ["500"] * 3
    paid = [n for n in endpoint.received if isinstance(n, PaymentNotification)]
    assert driven["009"].outcome.merchant_order_no in {
        n.acquire_order.merchant_order_no for n in paid
    }
