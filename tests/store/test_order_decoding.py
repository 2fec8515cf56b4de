"""to_order with a memo (the Database's) keeps recent decodings keyed by the whole row:
equal rows share one Order, and any change to a row (status, version, ...) decodes
afresh, so it is never stale. Without a memo every row is decoded anew."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from botimpay.domain.order import OrderStatus
from botimpay.store.memo import Memo
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
    memo = Memo()
    assert to_order(_row(), memo) is to_order(_row(), memo)
    assert len(memo) == 1


def test_a_changed_row_is_decoded_afresh() -> None:
    memo = Memo()
    before = to_order(_row(), memo)
    after = to_order(
        _row(status="FAILURE", fail_code="ORDER_CLOSED", version=2, updated_at=5), memo
    )
    assert before.status is OrderStatus.CREATED
    assert after.status is OrderStatus.FAILURE
    assert after.version == 2
    assert to_order(_row(), memo).status is OrderStatus.CREATED


def test_without_a_memo_each_row_is_decoded_anew() -> None:
    assert to_order(_row()) is not to_order(_row())
    assert to_order(_row()) == to_order(_row(), Memo())


def test_a_memo_is_bounded() -> None:
    memo = Memo(maxsize=2)
    for version in range(1, 6):
        to_order(_row(version=version), memo)
    assert len(memo) == 2
