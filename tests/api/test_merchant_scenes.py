"""The per-merchant product switch over HTTP: a merchant places orders only in its
enabled scenes (62026 otherwise, naming the scene and the enabled ones), changes
apply at the next request, and orders placed before a scene was disabled can still
be repeated, queried, cancelled and refunded."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.harness import Gateway, Merchant, assert_refused, jsapi_order
from tests.refunds import GET, body_of, get_refund, money, pay, refund_ok

PLACE = "acquire2/placeOrder"
CANCEL = "acquire2/cancelOrder"


def scenes_of(gateway: Gateway, partner_id: str) -> list[str]:
    """The merchant's scenes as `botimpay merchant list --json` shows them."""
    rows = json.loads(gateway.cli("merchant", "list", "--json").stdout)
    [row] = [row for row in rows if row["partnerId"] == partner_id]
    scenes: list[str] = row["scenes"]
    return scenes


def set_scenes(gateway: Gateway, shop: Merchant, scenes: str) -> None:
    gateway.cli("merchant", "update", "--partner-id", shop.partner_id, "--scenes", scenes)


def assert_not_applied(shop: Merchant, scene: str, enabled: str) -> None:
    response = shop.place_order(paySceneCode=scene)
    assert_refused(response, "62026", "PRODUCT_IS_NOT_APPLIED")
    assert f"paySceneCode {scene} is not applied for merchant {shop.partner_id}" in response.msg
    assert f"its enabled scenes are {enabled}" in response.msg, response.msg


def test_a_merchant_added_without_scenes_can_use_every_scene(gateway: Gateway) -> None:
    shop = gateway.add_merchant()
    assert scenes_of(gateway, shop.partner_id) == ["DYNQR", "JSAPI"]
    for scene in ("JSAPI", "DYNQR"):
        order = shop.place_order(paySceneCode=scene).assert_ok().order
        assert order["paySceneCode"] == scene


def test_a_merchant_limited_to_dynqr_is_refused_jsapi_until_update_enables_it(
    gateway: Gateway,
) -> None:
    shop = gateway.add_merchant(extra=["--scenes", "DYNQR"])
    assert scenes_of(gateway, shop.partner_id) == ["DYNQR"]
    shop.place_order(paySceneCode="DYNQR").assert_ok()
    assert_not_applied(shop, "JSAPI", "DYNQR")

    set_scenes(gateway, shop, "JSAPI,DYNQR")  # applies to the very next request
    assert shop.place_order(paySceneCode="JSAPI").assert_ok().order["paySceneCode"] == "JSAPI"

    set_scenes(gateway, shop, "jsapi")  # any case; now DYNQR is the refused one
    assert scenes_of(gateway, shop.partner_id) == ["JSAPI"]
    assert_not_applied(shop, "DYNQR", "JSAPI")
    shop.place_order().assert_ok()


def test_codes_before_the_switch_keep_their_meaning(gateway: Gateway) -> None:
    """An unknown code is 62012 and a documented scene botimpay does not serve is the
    gateway-wide 62026, whatever the merchant's scenes; its own switch comes after."""
    shop = gateway.add_merchant(extra=["--scenes", "DYNQR"])
    unknown = shop.place_order(paySceneCode="CRYPTO")
    assert_refused(unknown, "62012", "PAYSCENECODE_ILLEGAL")
    unserved = shop.place_order(paySceneCode="PAYPAGE")
    assert_refused(unserved, "62026", "PRODUCT_IS_NOT_APPLIED")
    assert "enabled scenes" not in unserved.msg


def test_orders_of_a_since_disabled_scene_still_work(gateway: Gateway) -> None:
    """The switch gates new orders only: earlier JSAPI orders are repeated (idempotent
    placeOrder), paid, queried, cancelled and refunded after JSAPI is disabled."""
    shop = gateway.add_merchant()
    paid_biz = jsapi_order(totalAmount=money("20.00"))
    paid_no = body_of(shop.call(PLACE, paid_biz))["acquireOrder"]["orderNo"]
    pay(gateway, paid_no)
    open_biz = jsapi_order()
    open_order = body_of(shop.call(PLACE, open_biz))["acquireOrder"]
    unpaid_no = body_of(shop.call(PLACE, jsapi_order()))["acquireOrder"]["orderNo"]

    set_scenes(gateway, shop, "DYNQR")
    assert_not_applied(shop, "JSAPI", "DYNQR")

    # a retry of an accepted placeOrder answers the order it placed
    repeat = shop.call(PLACE, open_biz).assert_ok().order
    assert (repeat["orderNo"], repeat["status"]) == (open_order["orderNo"], "CREATED")

    got = body_of(shop.call(GET, {"orderNo": paid_no}))["acquireOrder"]
    assert (got["status"], got["paySceneCode"]) == ("PAID_SUCCESS", "JSAPI")

    number = "R" + paid_biz["merchantOrderNo"][1:]
    refunded = refund_ok(shop, {"orderNo": paid_no}, "5.00", number)
    assert refunded["refundSummary"]["remainRefundAmount"]["amount"] == Decimal("15.00")
    got_refund = body_of(get_refund(shop, refundMerchantOrderNo=number))
    assert got_refund["refundOrder"] == refunded["refundOrder"]

    assert pay(gateway, unpaid_no)["paySceneCode"] == "JSAPI"  # the checkout still takes it

    cancelled = shop.call(CANCEL, {"orderNo": open_order["orderNo"]}).assert_ok().order
    assert cancelled["status"] == "FAILURE"
