"""`botimpay pay`, `botimpay refund` and `botimpay trigger payment`: move money from the
terminal through the same services as the API, the checkout and /sandbox/api/pay.

`pay` and `trigger` are sandbox features (a production database refuses them, exit 2);
`refund` follows the API's rules in both modes. A refused step prints one line naming
the field and exits 2; a payment attempt that ran and failed prints it and exits 1.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from typing import Any

import click
from pydantic import ValidationError

from botimpay.cli.common import db_option, run_db
from botimpay.cli.orders import echo_json, when
from botimpay.clock import Clock
from botimpay.domain.order import Order
from botimpay.domain.payment import AttemptStatus, CardOutcome, Method
from botimpay.errors import CheckoutRefused, ConfigError
from botimpay.protocol.money import Money, MoneyError, parse_amount
from botimpay.protocol.refund_requests import RefundBiz
from botimpay.protocol.requests import PlaceOrderBiz
from botimpay.services.faults import SandboxOnly
from botimpay.services.merchants import MerchantService
from botimpay.services.operator import (
    business_clock,
    find_order,
    is_sandbox,
    latest_notify_url,
)
from botimpay.services.orders import OrderService
from botimpay.services.payments import TEST_CARD, Card, PaymentResult, PaymentService
from botimpay.services.refunds import RefundResult, RefundService
from botimpay.services.setup import DEMO_PARTNER_ID, TEST_PASSWORD, TEST_WALLETS, test_wallet
from botimpay.services.views import acquire_order, refund_order, refund_summary
from botimpay.services.wallets import WalletService
from botimpay.store.database import Database

FULL = ("full", "all")


def _wallet_phone(wallet: str) -> str:
    """Test wallet N (0..9) is +97156000000N; anything else is taken as a phone number."""
    text = wallet.strip()
    if text.isdigit() and len(text) <= 2:
        index = int(text)
        if index >= TEST_WALLETS:
            raise ConfigError(
                f"--wallet must be a test wallet 0 to {TEST_WALLETS - 1} or a phone number,"
                f" got {wallet!r}"
            )
        return test_wallet(index)[1]
    return text


def _amount(text: str, name: str) -> Money:
    """An exact, positive AED amount with at most two decimals; errors name `name`."""
    try:
        money = Money.from_decimal(parse_amount(text.strip(), name))
    except MoneyError as exc:
        message = str(exc)
        if message.startswith("amount "):  # the wire core's name for it
            message = f"{name} {message.removeprefix('amount ')}, got {text!r}"
        raise ConfigError(message if message.startswith(name) else f"{name}: {message}") from None
    if money.fils <= 0:
        raise ConfigError(f"{name} must be greater than 0, got {text!r}")
    return money


def _field_error(exc: ValidationError, names: dict[str, str]) -> ConfigError:
    """The first refused field of a request model, named as the command line names it."""
    first = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or "request"
    shown = names.get(str(first["loc"][0]) if first["loc"] else "", field)
    return ConfigError(f"{shown}: {str(first['msg']).removeprefix('Value error, ')}")


async def _require_sandbox(db: Database, feature: str) -> Clock:
    if not await is_sandbox(db):
        raise SandboxOnly(feature)
    return await business_clock(db)


async def _pay_as_wallet(
    db: Database,
    clock: Clock,
    order: Order,
    *,
    wallet: str,
    method: Method,
    outcome: CardOutcome,
    password: str | None,
) -> PaymentResult:
    """Exactly what POST /sandbox/api/pay does: the wallet by phone, then one attempt."""
    wallets = WalletService(db, clock, sandbox=True)
    try:
        member = await wallets.member_by_phone(_wallet_phone(wallet))
    except CheckoutRefused as exc:
        raise ConfigError(f"--wallet {wallet!r}: {exc.message}") from None
    payments = PaymentService(db, clock, sandbox=True)
    return await payments.pay(
        member_id=member.member_id,
        method=method,
        order_no=order.order_no,
        password=password,
        card=Card(*TEST_CARD),
        outcome=outcome,
    )


def _payment_wire(result: PaymentResult) -> dict[str, Any]:
    """The body /sandbox/api/pay answers with."""
    return {
        "result": result.status.value,
        "reason": result.reason.value if result.reason else None,
        "message": result.message,
        "acquireOrder": acquire_order(result.order),
    }


def _echo_fields(fields: dict[str, object]) -> None:
    width = max(len(name) for name in fields)
    for name, value in fields.items():
        click.echo(f"{name:<{width}}  {'-' if value is None else value}")


def _payment_lines(result: PaymentResult) -> None:
    reason = f" ({result.reason.value})" if result.reason else ""
    click.echo(f"payment {result.status.value}{reason}: {result.message}")
    order = result.order
    _echo_fields(
        {
            "orderNo": order.order_no,
            "merchantOrderNo": order.merchant_order_no,
            "partnerId": order.partner_id,
            "amount": order.total,
            "status": order.status.value,
            "payerMid": order.payer_mid,
            "paid": when(order.paid_time) if order.paid_time else None,
        }
    )


method_option = click.option(
    "--method",
    type=click.Choice([m.value for m in Method], case_sensitive=False),
    default=Method.BALANCE.value,
    show_default=True,
    help="the wallet's balance, or the sandbox test card",
)
outcome_option = click.option(
    "--outcome",
    type=click.Choice([o.value for o in CardOutcome], case_sensitive=False),
    default=CardOutcome.SUCCESS.value,
    show_default=True,
    help="what the bank says to a CARD payment",
)
password_option = click.option(
    "--password",
    default=TEST_PASSWORD,
    show_default=True,
    help="the wallet's payment password (asked for AED 500 and more)",
)


@click.command("pay")
@db_option
@click.argument("ref", metavar="ORDER")
@click.option("--wallet", required=True, help="test wallet 0-9, or a wallet's phone number")
@click.option("--partner-id", default=None, help="the merchant, when several used ORDER")
@method_option
@outcome_option
@password_option
@click.option("--json", "as_json", is_flag=True, help="the /sandbox/api/pay answer as JSON")
def pay(
    db_url: str,
    ref: str,
    wallet: str,
    partner_id: str | None,
    method: str,
    outcome: str,
    password: str,
    as_json: bool,
) -> None:
    """Pay ORDER (orderNo or merchantOrderNo) as a test wallet, as /sandbox/api/pay does
    (sandbox only). Exit status 1 when the attempt ran and failed."""

    async def work(db: Database) -> PaymentResult:
        clock = await _require_sandbox(db, "paying as a test wallet (`botimpay pay`)")
        order = await find_order(db, ref, partner_id=partner_id)
        return await _pay_as_wallet(
            db,
            clock,
            order,
            wallet=wallet,
            method=Method(method.upper()),
            outcome=CardOutcome(outcome.upper()),
            password=password or None,
        )

    result = run_db(db_url, work)
    if as_json:
        echo_json(_payment_wire(result))
    else:
        _payment_lines(result)
    if result.status is AttemptStatus.FAILED:
        sys.exit(1)


@click.command("refund")
@db_option
@click.argument("ref", metavar="ORDER")
@click.argument("amount_text", metavar="AMOUNT")
@click.option("--partner-id", default=None, help="the merchant, when several used ORDER")
@click.option("--reason", default=None, help="the refund's reason (at most 64 characters)")
@click.option(
    "--refund-no",
    default=None,
    help="refundMerchantOrderNo: the same one again repeats nothing [default: a new one]",
)
@click.option("--json", "as_json", is_flag=True, help="the refund/placeOrder answer as JSON")
def refund(
    db_url: str,
    ref: str,
    amount_text: str,
    partner_id: str | None,
    reason: str | None,
    refund_no: str | None,
    as_json: bool,
) -> None:
    """Refund AMOUNT (exact AED, e.g. 2.50, or `full` for what is left) of the paid
    ORDER (orderNo or merchantOrderNo), by the API's rules: never more than is left."""

    async def work(db: Database) -> RefundResult:
        clock = await business_clock(db)
        order = await find_order(db, ref, partner_id=partner_id)
        if amount_text.strip().lower() in FULL:
            amount = order.total - order.refunded
            if amount.fils <= 0:
                raise ConfigError(f"AMOUNT: order {order.order_no} has nothing left to refund")
        else:
            amount = _amount(amount_text, "AMOUNT")
        number = refund_no or f"CLI{clock.real_ms()}{secrets.token_hex(4).upper()}"
        try:
            biz = RefundBiz.model_validate(
                {
                    "refundMerchantOrderNo": number,
                    "originOrderNo": order.order_no,
                    "amount": {"amount": str(amount.amount), "currency": amount.currency},
                    "reason": reason,
                    "operatorName": "botimpay CLI",
                }
            )
        except ValidationError as exc:
            raise _field_error(
                exc, {"refundMerchantOrderNo": "--refund-no", "reason": "--reason"}
            ) from None
        refunds = RefundService(db, clock)
        return await refunds.refund(order.partner_id, biz, clock.real_ms())

    result = run_db(db_url, work)
    if as_json:
        echo_json(
            {
                "refundOrder": refund_order(result.refund, result.order),
                "refundSummary": refund_summary(result.order),
            }
        )
        return
    done, order = result.refund, result.order
    click.echo(f"refund {done.status.value}: {done.amount} of order {order.order_no}")
    _echo_fields(
        {
            "refund orderNo": done.refund_no,
            "refundMerchantOrderNo": done.refund_merchant_order_no,
            "amount": done.amount,
            "feeRefunded": done.fee_refunded,
            "reason": done.reason,
            "order status": order.status.value,
            "refunded so far": f"{order.refunded} of {order.total}",
            "left to refund": order.total - order.refunded,
            "notification": f"queued for {done.notify_url}" if done.notify_url else "none",
        }
    )


@click.group()
def trigger() -> None:
    """Make something happen in the sandbox in one step, like `stripe trigger`."""


@dataclass(frozen=True, slots=True)
class Triggered:
    payment: PaymentResult
    notify_url: str | None
    notifications: list[dict[str, Any]]


@trigger.command("payment")
@db_option
@click.option(
    "--partner-id",
    default=DEMO_PARTNER_ID,
    show_default=True,
    help="the merchant [default: the demo merchant `botimpay init` created]",
)
@click.option("--amount", "amount_text", default="10.00", show_default=True, help="exact AED")
@click.option("--wallet", default="0", show_default=True, help="test wallet 0-9, or a phone")
@click.option("--scene", default="JSAPI", show_default=True, help="JSAPI or DYNQR")
@click.option(
    "--notify-url",
    default=None,
    help="where the payment notification goes "
    "[default: the notifyUrl of the merchant's newest order that had one]",
)
@click.option("--subject", default="botimpay trigger payment", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="the order and notifications as JSON")
def trigger_payment(
    db_url: str,
    partner_id: str,
    amount_text: str,
    wallet: str,
    scene: str,
    notify_url: str | None,
    subject: str,
    as_json: bool,
) -> None:
    """Place an order for the merchant and pay it as a test wallet (sandbox only)."""
    from botimpay.notify.admin import list_notifications

    async def work(db: Database) -> Triggered:
        clock = await _require_sandbox(db, "`botimpay trigger`")
        amount = _amount(amount_text, "--amount")
        record = await MerchantService(db, clock).find(partner_id)
        if record is None:
            raise ConfigError(f"--partner-id: no merchant has partner id {partner_id!r}")
        url = notify_url or await latest_notify_url(db, partner_id)
        try:
            biz = PlaceOrderBiz.model_validate(
                {
                    "merchantOrderNo": f"TRIGGER{clock.real_ms()}{secrets.token_hex(4).upper()}",
                    "subject": subject,
                    "totalAmount": {"amount": str(amount.amount), "currency": amount.currency},
                    "paySceneCode": scene.strip().upper(),
                    "paySceneParams": {},
                    "notifyUrl": url,
                }
            )
        except ValidationError as exc:
            raise _field_error(
                exc,
                {"subject": "--subject", "notifyUrl": "--notify-url", "totalAmount": "--amount"},
            ) from None
        placed = await OrderService(db, clock, "").place(
            partner_id, biz, clock.real_ms(), merchant=record.merchant
        )
        paid = await _pay_as_wallet(
            db,
            clock,
            placed.order,
            wallet=wallet,
            method=Method.BALANCE,
            outcome=CardOutcome.SUCCESS,
            password=TEST_PASSWORD,
        )
        notes = await list_notifications(db, subject_no=placed.order.order_no)
        return Triggered(paid, url, notes)

    done = run_db(db_url, work)
    order = done.payment.order
    if as_json:
        echo_json({**_payment_wire(done.payment), "notifications": done.notifications})
    else:
        _echo_fields(
            {
                "orderNo": order.order_no,
                "merchantOrderNo": order.merchant_order_no,
                "partnerId": order.partner_id,
                "amount": order.total,
                "status": order.status.value,
                "payerMid": order.payer_mid,
            }
        )
        if done.notifications:
            for note in done.notifications:
                click.echo(
                    f"notification {note['notifyId']} ({note['kind']}) queued for {note['url']};"
                    " a running gateway or `botimpay worker` delivers it"
                )
        elif done.notify_url is None:
            click.echo("no notification queued: the order has no notifyUrl (pass --notify-url URL)")
    if done.payment.status is not AttemptStatus.SUCCESS:
        click.echo(f"payment {done.payment.status.value}: {done.payment.message}", err=True)
        sys.exit(1)


__all__ = ["pay", "refund", "trigger"]
