"""to_order keeps recent decodings keyed by the whole row: equal rows share one Order,
and any change to a row (status, version, ...) decodes afresh, so it is never stale."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from botimpay.domain.order import OrderStatus
from botimpay.store.orders_repo import to_order
from botimpay.store.tables import orders

Row = namedtuple("Row", [column.name for column in orders.c])  # type: ignore[misc]


def _row(**changes: Any) -> Any:
    values: dict[str, Any] = dict.fromkeys(Row._fields)
    values.update(
        id=1,
        order_no="131795652915968693",
        partner_id="200000000888",
        merchant_order_no="M-1",
        fingerprint="f" * 64,
        status="CREATED",
        revoked=0,
        total_fils=1234,
        currency="AED",
        subject="Tea",
        pay_scene_code="JSAPI",
        pay_scene_params='{"one_time_payment":false}',
        payee_mid="200000000888",
        details="{}",
        request_time=1,
        expired_time=2,
        token="t",
        created_at=1,
        updated_at=1,
        version=1,
        refunded_fils=0,
        fee_refunded_fils=0,
    )
    values.update(changes)
    return Row(**values)


def test_equal_rows_share_one_decoding() -> None:
    assert to_order(_row()) is to_order(_row())


def test_a_changed_row_is_decoded_afresh() -> None:
    before = to_order(_row())
    after = to_order(_row(status="FAILURE", fail_code="ORDER_CLOSED", version=2, updated_at=5))
    assert before.status is OrderStatus.CREATED
    assert after.status is OrderStatus.FAILURE
    assert after.version == 2
    assert to_order(_row()).status is OrderStatus.CREATED
