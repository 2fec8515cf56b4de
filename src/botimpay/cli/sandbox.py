"""`botimpay sandbox ...`: sandbox events a merchant cannot cause through the API
(chargebacks, voids)."""

from __future__ import annotations

from typing import Any

import click

from botimpay.cli.common import db_option, run_db
from botimpay.cli.orders import echo_json
from botimpay.domain.chargeback import ChargebackKind, parse_chargeback, parse_void
from botimpay.errors import ConfigError, InvalidParameter
from botimpay.services.chargebacks import (
    ChargebackResult,
    ChargebackService,
    acquire_chargeback,
    void_order,
)
from botimpay.services.faults import SandboxOnly
from botimpay.services.operator import business_clock, find_order, is_sandbox
from botimpay.store.database import Database

FULL = ("full", "all")


@click.group()
def sandbox() -> None:
    """Sandbox events: chargebacks and voids (sandbox databases only)."""


async def _service(db: Database, feature: str) -> ChargebackService:
    if not await is_sandbox(db):
        raise SandboxOnly(feature)
    return ChargebackService(db, await business_clock(db), sandbox=True)


def _report(result: ChargebackResult, as_json: bool) -> None:
    item, order = result.chargeback, result.order
    void = item.kind is ChargebackKind.VOID
    wire: dict[str, Any] = (
        {"voidOrder": void_order(item, order)}
        if void
        else {"acquireChargeback": acquire_chargeback(item, order)}
    )
    if as_json:
        echo_json({**wire, "notifyId": result.notify_id})
        return
    what = "VOID" if void else "chargeback"
    click.echo(f"{what} {item.status.value}: {item.amount} of order {order.order_no}")
    rows = {
        "voidOrderNo" if void else "chargeback no": item.chargeback_no,
        "voidMerchantOrderNo" if void else "caseType": item.merchant_ref
        if void
        else item.case_type,
        "fee returned": item.fee_returned,
        "returned so far": f"{order.refunded} of {order.total}",
        "notification": (
            f"{result.notify_id} queued for {item.notify_url}"
            if result.notify_id
            else ("none (no URL)" if not item.notify_url else "none (repeat)")
        ),
    }
    for name, value in rows.items():
        click.echo(f"  {name:20} {value}")


def _refusal(exc: InvalidParameter, names: dict[str, str]) -> ConfigError:
    message = exc.message
    for wire, shown in names.items():
        if message.startswith(wire):
            return ConfigError(f"{shown}{message.removeprefix(wire)}")
    return ConfigError(message)


@sandbox.command("chargeback")
@db_option
@click.argument("ref", metavar="ORDER")
@click.argument("amount_text", metavar="AMOUNT")
@click.option("--partner-id", default=None, help="the merchant, when several used ORDER")
@click.option("--case-type", default=None, help="fraud, dispute, duplicate... [default: DISPUTE]")
@click.option("--json", "as_json", is_flag=True, help="the acquireChargeback object as JSON")
def chargeback(
    db_url: str,
    ref: str,
    amount_text: str,
    partner_id: str | None,
    case_type: str | None,
    as_json: bool,
) -> None:
    """Charge AMOUNT (exact AED, or `full` for what is left) of the paid ORDER (orderNo
    or merchantOrderNo) back to its payer, and queue the signed chargeback notification
    (a running `serve` or `worker` delivers it). Never more than is left after refunds."""

    async def work(db: Database) -> ChargebackResult:
        service = await _service(db, "`botimpay sandbox chargeback`")
        order = await find_order(db, ref, partner_id=partner_id)
        full = amount_text.strip().lower() in FULL
        raw: dict[str, Any] = {
            "orderNo": order.order_no,
            "amount": str((order.total - order.refunded).amount) if full else amount_text.strip(),
        }
        if case_type is not None:
            raw["caseType"] = case_type
        try:
            request = parse_chargeback(raw)
        except InvalidParameter as exc:
            raise _refusal(exc, {"amount": "AMOUNT", "caseType": "--case-type"}) from None
        return await service.chargeback(request)

    _report(run_db(db_url, work), as_json)


@sandbox.command("void")
@db_option
@click.argument("ref", metavar="ORDER")
@click.option("--partner-id", default=None, help="the merchant, when several used ORDER")
@click.option("--void-no", default=None, help="voidMerchantOrderNo [default: VOID-<orderNo>]")
@click.option("--callback-url", default=None, help="voidCallbackUrl [default: the notifyUrl]")
@click.option(
    "--outcome",
    type=click.Choice(["SUCCESS", "FAILURE"], case_sensitive=False),
    default="SUCCESS",
    show_default=True,
    help="FAILURE notifies a declined VOID and moves no money",
)
@click.option("--json", "as_json", is_flag=True, help="the voidOrder object as JSON")
def void(
    db_url: str,
    ref: str,
    partner_id: str | None,
    void_no: str | None,
    callback_url: str | None,
    outcome: str,
    as_json: bool,
) -> None:
    """VOID the whole unsettled payment of ORDER (orderNo or merchantOrderNo): the payer
    gets it all back, the gateway its fee, and the signed VOID notification is queued."""

    async def work(db: Database) -> ChargebackResult:
        service = await _service(db, "`botimpay sandbox void`")
        order = await find_order(db, ref, partner_id=partner_id)
        raw: dict[str, Any] = {"orderNo": order.order_no, "outcome": outcome.upper()}
        if void_no is not None:
            raw["voidMerchantOrderNo"] = void_no
        if callback_url is not None:
            raw["voidCallbackUrl"] = callback_url
        try:
            request = parse_void(raw)
        except InvalidParameter as exc:
            raise _refusal(
                exc, {"voidMerchantOrderNo": "--void-no", "voidCallbackUrl": "--callback-url"}
            ) from None
        return await service.void(request)

    _report(run_db(db_url, work), as_json)
