"""Two gateway nodes, each in a network namespace of its own, on one PostgreSQL: driven
from this host over their bridge addresses, they pay an order once, never over-refund,
deliver each notification once, share the rate limit and follow one sandbox clock.

PostgreSQL only (`make test-pg`); skipped, with the reason, where namespaces cannot be
made. One cluster for the module: each test has a merchant of its own.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import _pg_admin
from tests.harness import Gateway, Merchant, jsapi_order, order_no
from tests.nodes.bursts import burst, own_client, passed
from tests.nodes.hosts import PG_SOCKET_DIR, Cluster, Node, Unavailable
from tests.notify.helpers import notifications

pytestmark = pytest.mark.postgres

LIMIT = 25  # calls per merchant and second, summed over both nodes
PASSWORD = "132580"
REFUND = "acquire2/refund/placeOrder"
T = TypeVar("T")


def phone(index: int) -> str:
    return f"+97156000000{index}"


@pytest.fixture(scope="module")
def cluster(
    backend_url: str | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Cluster, Gateway]]:
    """Both nodes running; the Gateway runs the CLI (init, merchants, ledger) from here."""
    if not (backend_url or "").startswith("postgresql"):
        pytest.skip("two nodes share a PostgreSQL database: set BOTIMPAY_TEST_DB (make test-pg)")
    workdir = tmp_path_factory.mktemp("nodes")
    name = "botimpay_nodes_" + uuid.uuid4().hex[:12]
    assert backend_url is not None
    user = make_url(backend_url).username or "postgres"
    db_url = f"postgresql://{user}@/{name}?host={PG_SOCKET_DIR}"  # the unix socket
    _pg_admin(backend_url, f'CREATE DATABASE "{name}"')
    serve_args = ["--rate-limit", str(LIMIT), "--dispatch-interval-ms", "100"]
    nodes = Cluster(workdir, db_url, serve_args)
    try:
        cli = Gateway(db_url=db_url, port=0, workdir=workdir)
        cli.cli("init", "--db", db_url)
        try:
            nodes.start()
        except Unavailable as exc:
            pytest.skip(f"no network namespaces here: {exc}")
        yield nodes, cli
    finally:
        nodes.stop()
        _pg_admin(backend_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def on_each(cli: Gateway, nodes: list[Node]) -> list[Merchant]:
    """One new merchant, as seen through each node."""
    merchant = cli.add_merchant()
    clients = [httpx.Client(timeout=60, trust_env=False) for _ in nodes]
    return [
        own_client(
            Merchant(
                merchant.partner_id,
                merchant.private_key,
                merchant.gateway_public_key,
                node.base_url,
            ),
            client,
        )
        for node, client in zip(nodes, clients, strict=True)
    ]


def at_once(calls: list[Callable[[httpx.Client], T]]) -> list[T]:
    """Each call on its own thread and connection, released together."""
    barrier = threading.Barrier(len(calls))

    def one(call: Callable[[httpx.Client], T]) -> T:
        with httpx.Client(timeout=60, trust_env=False) as client:
            barrier.wait(timeout=60)
            return call(client)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


def pay(client: httpx.Client, node: Node, order_no_: str, wallet: int) -> httpx.Response:
    return client.post(
        node.base_url + "/sandbox/api/pay",
        json={"orderNo": order_no_, "phone": phone(wallet), "paymentPassword": PASSWORD},
    )


def paid(merchant: Merchant, node: Node, amount: str, notify_url: str) -> dict[str, Any]:
    biz = jsapi_order(
        totalAmount={"amount": Decimal(amount), "currency": "AED"}, notifyUrl=notify_url
    )
    order: dict[str, Any] = merchant.call("acquire2/placeOrder", biz).assert_ok().order
    with httpx.Client(timeout=60, trust_env=False) as client:
        answer = pay(client, node, order["orderNo"], 0)
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] == "SUCCESS", answer.text
    return order


def test_the_nodes_are_two_hosts_on_one_database(cluster: tuple[Cluster, Gateway]) -> None:
    nodes, _ = cluster
    a, b = nodes.nodes
    assert a.address != b.address
    assert a.namespace != b.namespace
    for node in nodes.nodes:
        assert "rate limit:   25/s per merchant, shared in the database" in node.log()
        assert "host=%2Fvar%2Frun%2Fpostgresql" in node.log()  # the unix socket


def test_one_order_paid_through_both_nodes_at_once_is_paid_once(
    cluster: tuple[Cluster, Gateway],
) -> None:
    nodes, cli = cluster
    via = on_each(cli, nodes.nodes)
    before = cli.ledger_balances()
    orders = [via[i % 2].place_order().assert_ok().order for i in range(3)]
    for order in orders:
        answers = at_once(
            [
                lambda client, i=i, o=order: pay(client, nodes.nodes[i % 2], o["orderNo"], i % 10)
                for i in range(12)
            ]
        )
        outcomes = Counter((a.status_code, a.json()["result"]) for a in answers)
        assert outcomes == {(200, "SUCCESS"): 1, (409, "ERROR"): 11}, [a.text for a in answers]
        assert {a.json()["reason"] for a in answers if a.status_code == 409} == {"ALREADY_PAID"}
        for merchant in via:  # both nodes read the one payment
            got = merchant.call("acquire2/getOrder", {"orderNo": order["orderNo"]}).order
            assert got["status"] == "PAID_SUCCESS"
    after = cli.ledger_balances()
    paid_by_wallets = sum(before[key] - after[key] for key in before if key[0] == "MEMBER_WALLET")
    assert paid_by_wallets == 3 * Decimal("12.34")  # three payments, not one per node
    pending = ("MERCHANT_PENDING", via[0].partner_id)
    assert after[pending] > 0


def test_refunds_racing_across_nodes_never_over_refund(cluster: tuple[Cluster, Gateway]) -> None:
    nodes, cli = cluster
    via = on_each(cli, nodes.nodes)
    assert nodes.receiver is not None
    order = paid(via[0], nodes.nodes[1], "100.00", nodes.receiver.url("refund-race"))
    numbers = [f"R{i:02d}-{order_no()}" for i in range(20)]

    def refund(index: int) -> Callable[[httpx.Client], Any]:
        biz = {
            "refundMerchantOrderNo": numbers[index],
            "originOrderNo": order["orderNo"],
            "amount": {"amount": Decimal("10.00"), "currency": "AED"},
        }
        return lambda client: own_client(via[index % 2], client).call(REFUND, biz)

    answers = at_once([refund(i) for i in range(20)])

    outcome = Counter((a.apply_status, a.code) for a in answers)
    assert outcome == {("SUCCESS", "0"): 10, ("SUCCESS", "62006"): 10}, [a.json for a in answers]
    refunded = sum(
        Decimal(str(a.body["refundOrder"]["amount"]["amount"]))
        for a in answers
        if a.code == "0" and a.body
    )
    assert refunded == Decimal("100.00")
    for merchant in via:
        last = merchant.call("acquire2/refund/getOrder", {"refundMerchantOrderNo": numbers[0]})
        if last.code == "0" and last.body:
            remain = last.body["refundSummary"]["remainRefundAmount"]["amount"]
            assert Decimal(str(remain)) == 0


def test_each_notification_is_delivered_once_across_the_nodes(
    cluster: tuple[Cluster, Gateway],
) -> None:
    nodes, cli = cluster
    assert nodes.receiver is not None
    via = on_each(cli, nodes.nodes)
    url = nodes.receiver.url(f"n-{via[0].partner_id}")
    orders = [paid(via[i % 2], nodes.nodes[(i + 1) % 2], "5.00", url) for i in range(8)]
    for i, order in enumerate(orders[:4]):  # and a refund of half of them, through either
        biz = {
            "refundMerchantOrderNo": "R" + order_no(),
            "originOrderNo": order["orderNo"],
            "amount": {"amount": Decimal("1.00"), "currency": "AED"},
            "notifyUrl": url,
        }
        assert via[i % 2].call(REFUND, biz).code == "0"

    deadline = time.monotonic() + 30
    while True:
        mine = [v for v in notifications(cli) if v["partnerId"] == via[0].partner_id]
        if len(mine) == 12 and all(v["status"] == "DELIVERED" for v in mine):
            break
        assert time.monotonic() < deadline, mine
        time.sleep(0.3)
    time.sleep(0.5)  # a duplicate from the other node's dispatcher would arrive by now

    got = nodes.receiver.at(f"n-{via[0].partner_id}")
    sent = Counter(notify_id for notify_id, _ in got)
    assert set(sent) == {v["notifyId"] for v in mine}
    assert sent.most_common(1)[0][1] == 1, sent.most_common(3)  # no duplicates
    assert Counter(v["kind"] for v in mine) == {"PAYMENT": 8, "REFUND": 4}
    assert all(v["attempts"] == 1 for v in mine)
    paid_orders = [data["acquireOrder"]["orderNo"] for _, data in got if "acquireOrder" in data]
    assert sorted(paid_orders) == sorted(o["orderNo"] for o in orders)  # one per payment


def test_the_rate_limit_is_shared_by_both_nodes(cluster: tuple[Cluster, Gateway]) -> None:
    nodes, cli = cluster
    via = on_each(cli, nodes.nodes)
    for _ in range(3):  # a burst that straddles a window edge proves less: try again
        answers, one_window = burst(via, 40)  # 20 calls through each node
        accepted = passed(answers)
        assert accepted <= 2 * LIMIT  # two windows at most, never one budget per node
        if one_window:
            assert accepted == LIMIT, [a.code for a in answers]
            return
    pytest.fail("no burst fitted in one window in three tries")


def test_the_sandbox_clock_moved_on_one_node_moves_on_the_other(
    cluster: tuple[Cluster, Gateway],
) -> None:
    nodes, cli = cluster
    a = nodes.nodes[0]
    via = on_each(cli, nodes.nodes)
    before = via[1].place_order().assert_ok().order["expiredTime"]
    moved = httpx.post(
        a.base_url + "/sandbox/api/clock/advance",
        json={"seconds": 3600},
        timeout=60,
        trust_env=False,
    )
    assert moved.status_code == 200, moved.text
    deadline = time.monotonic() + 5  # a node reads the shared offset every second
    while True:
        after = via[1].place_order().assert_ok().order["expiredTime"]
        if after - before >= 3_600_000:
            break
        assert time.monotonic() < deadline, (before, after)
        time.sleep(0.2)
    assert after - before < 3_600_000 + 60_000
    on_a = via[0].place_order().assert_ok().order["expiredTime"]
    assert abs(on_a - after) < 60_000  # both nodes on one business time
