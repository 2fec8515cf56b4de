"""QR images, the app shell's JSON API and the demo shop over HTTP against a real gateway:
QR codes decode back to their data, scanning accepts only this gateway's checkout links,
sessions and CSRF guard every POST, and only /app may frame other sites.
Wallet 0 belongs to these tests."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
import zxingcpp
from PIL import Image

from tests import harness
from tests.harness import Gateway, Merchant

WALLET_PHONE = "+971 56 000 0000"
OTP = "123456"
DEMO_PARTNER_ID = "200000000888"
META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]*)">')


# --- helpers ----------------------------------------------------------------------


def decode(image: Image.Image) -> str:
    found = zxingcpp.read_barcodes(image.convert("L"))
    assert found, "no QR code found"
    return str(found[0].text)


def decode_png(data: bytes) -> str:
    return decode(Image.open(io.BytesIO(data)))


def rasterize_segno_svg(svg: str, pixels_per_module: int = 8) -> Image.Image:
    """Draws segno's SVG path (M/m moves, h runs, one module high) into a bitmap."""
    size_match = re.search(r'<path fill="#fff" d="M0 0h(\d+)v', svg)
    assert size_match, svg[:300]
    modules = int(size_match.group(1))
    path = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg)
    assert path, svg[:300]
    grid = Image.new("L", (modules, modules), 255)
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([-\d. ]+)", path.group(1)):
        numbers = [float(part) for part in args.split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            for column in range(int(x), int(x + numbers[0])):
                grid.putpixel((column, int(y)), 0)
            x += numbers[0]
    return grid.resize((modules * pixels_per_module,) * 2, Image.Resampling.NEAREST)


def png_of(text: str) -> bytes:
    import segno

    out = io.BytesIO()
    segno.make(text, micro=False).save(out, kind="png", scale=6)
    return out.getvalue()


def blank_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 320), (240, 200, 120)).save(out, "PNG")
    return out.getvalue()


class AppClient:
    """A browser stand-in for /app: cookies kept, CSRF token read from the page."""

    def __init__(self, gateway: Gateway) -> None:
        self.http = httpx.Client(base_url=gateway.base_url, timeout=30)
        self.csrf = self.page_token()

    def page_token(self) -> str:
        page = self.http.get("/app")
        assert page.status_code == 200
        found = META_CSRF.search(page.text)
        assert found, page.text[:500]
        return found.group(1)

    def sign_in(self, phone: str = WALLET_PHONE) -> httpx.Response:
        response = self.http.post(
            "/app/api/sign-in",
            json={"phone": phone, "otp": OTP},
            headers={"X-CSRF-Token": self.csrf},
        )
        if response.status_code == 200:
            self.csrf = response.json()["csrfToken"]
        return response

    def scan(self, *, image: bytes | None = None, text: str | None = None) -> httpx.Response:
        files = {"image": ("qr.png", image, "image/png")} if image is not None else None
        data = {"text": text} if text is not None else None
        if files is None and data is None:
            data = {}
        return self.http.post(
            "/app/api/scan", files=files, data=data, headers={"X-CSRF-Token": self.csrf}
        )


@pytest.fixture
def app_client(gateway: Gateway) -> Iterator[AppClient]:
    client = AppClient(gateway)
    assert client.sign_in().status_code == 200
    yield client
    client.http.close()


@pytest.fixture(scope="module")
def demo_merchant(gateway: Gateway) -> Merchant:
    """The demo merchant with the key files `botimpay init` wrote."""
    return harness.demo_merchant(gateway)


def demo_order(gateway: Gateway, product: str = "coffee", scene: str = "JSAPI") -> httpx.Response:
    return httpx.post(
        gateway.base_url + "/demo/shop/api/checkout",
        json={"productId": product, "scene": scene},
        headers={"Origin": gateway.base_url},
        timeout=30,
    )


# --- QR images ----------------------------------------------------------------------


def test_qr_png_decodes_back_to_the_data(gateway: Gateway) -> None:
    data = "http://127.0.0.1:8000/pay-page/main?ft=Zm9vYmFy_-x&t=1764100000000 ü"
    response = httpx.get(gateway.base_url + "/qr.png", params={"data": data})
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert "max-age=" in response.headers["cache-control"]
    assert decode_png(response.content) == data


def test_qr_svg_decodes_back_to_the_data(gateway: Gateway) -> None:
    data = "https://pay.example/pay-page/main?ft=abcDEF123&t=42"
    response = httpx.get(gateway.base_url + "/qr.svg", params={"data": data, "scale": "3"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "max-age=" in response.headers["cache-control"]
    assert "<script" not in response.text
    assert decode(rasterize_segno_svg(response.text)) == data


def test_qr_scale_sets_the_png_size(gateway: Gateway) -> None:
    small = httpx.get(gateway.base_url + "/qr.png", params={"data": "x", "scale": "2"})
    large = httpx.get(gateway.base_url + "/qr.png", params={"data": "x", "scale": "20"})
    assert (
        Image.open(io.BytesIO(small.content)).size[0] * 10
        == Image.open(io.BytesIO(large.content)).size[0]
    )


@pytest.mark.parametrize(
    "params",
    [
        {"data": "x" * 2049},
        {},
        {"data": ""},
        {"data": "x", "scale": "0"},
        {"data": "x", "scale": "21"},
        {"data": "x", "scale": "big"},
        {"data": "x", "scale": "\u00b2"},  # "²".isdigit() is True; was a 500 (issue 10 fuzz)
        {"data": "x", "scale": "\u0663"},  # Arabic-Indic 3
        {"data": "\u20ac" * 800},  # 800 characters but 2,400 bytes: was a 500 (overflow)
        {"data": "\ufffd" * 700},
    ],
)
@pytest.mark.parametrize("path", ["/qr.svg", "/qr.png"])
def test_qr_refuses_bad_queries_with_400(gateway: Gateway, path: str, params: dict) -> None:
    response = httpx.get(gateway.base_url + path, params=params)
    assert response.status_code == 400
    assert response.json()["message"]


def test_qr_accepts_2048_characters(gateway: Gateway) -> None:
    data = "https://pay.example/" + "a" * 2028
    response = httpx.get(gateway.base_url + "/qr.png", params={"data": data, "scale": "2"})
    assert response.status_code == 200
    assert decode_png(response.content) == data


# --- the /app page and its security headers -------------------------------------------


def test_app_page_may_frame_merchant_sites_and_other_pages_may_not(gateway: Gateway) -> None:
    app = httpx.get(gateway.base_url + "/app")
    policy = app.headers["content-security-policy"]
    assert "frame-src 'self' http: https:" in policy
    assert "script-src 'self' 'nonce-" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'self'" in policy
    cookie = app.headers["set-cookie"].lower()
    assert "bp_csrf=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie

    shop = httpx.get(gateway.base_url + "/demo/shop")
    assert shop.status_code == 200
    shop_policy = shop.headers["content-security-policy"]
    assert "frame-src 'self';" in shop_policy
    assert "http: " not in shop_policy
    assert f"frame-ancestors 'self' {gateway.base_url};" in shop_policy
    assert "unsafe-inline" not in shop_policy

    docs_page = httpx.get(gateway.base_url + "/docs")
    assert "frame-src 'self';" in docs_page.headers["content-security-policy"]
    assert docs_page.headers["x-frame-options"] == "SAMEORIGIN"


def test_demo_shop_loads_the_library_from_the_public_url(gateway: Gateway) -> None:
    other_host = gateway.base_url.replace("127.0.0.1", "localhost")
    shop = httpx.get(other_host + "/demo/shop")
    assert f'<script src="{gateway.base_url}/static/botimpay-jsapi.js" defer>' in shop.text
    policy = shop.headers["content-security-policy"]
    assert f"script-src 'self' {gateway.base_url} 'nonce-" in policy


def test_app_page_has_no_inline_handlers_and_loads_scripts_from_static(gateway: Gateway) -> None:
    client = AppClient(gateway)
    client.sign_in()
    html = client.http.get("/app").text
    assert 'name="botimpay-webview"' in html
    assert not re.search(r"\son[a-z]+=", html)
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/app.js" defer>']
    jsapi = client.http.get("/static/botimpay-jsapi.js")
    assert jsapi.status_code == 200
    assert "BotimPay.pay" in jsapi.text
    assert "botimpay:pay" in jsapi.text


# --- sign-in, sessions and CSRF ----------------------------------------------------------


def test_wallet_needs_a_session(gateway: Gateway) -> None:
    response = httpx.get(gateway.base_url + "/app/api/wallet")
    assert response.status_code == 401
    assert response.json()["error"] == "SIGNED_OUT"


def test_sign_in_needs_the_double_submit_token(gateway: Gateway) -> None:
    client = AppClient(gateway)
    body = {"phone": WALLET_PHONE, "otp": OTP}
    assert client.http.post("/app/api/sign-in", json=body).status_code == 403
    wrong = client.http.post("/app/api/sign-in", json=body, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    stranger = httpx.post(
        gateway.base_url + "/app/api/sign-in", json=body, headers={"X-CSRF-Token": client.csrf}
    )
    assert stranger.status_code == 403  # the header without the matching cookie
    foreign = client.http.post(
        "/app/api/sign-in",
        json=body,
        headers={"X-CSRF-Token": client.csrf, "Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert client.http.get("/app/api/wallet").status_code == 401


def test_sign_in_sets_the_session_and_shows_the_wallet(gateway: Gateway) -> None:
    client = AppClient(gateway)
    bad = client.http.post(
        "/app/api/sign-in",
        json={"phone": WALLET_PHONE, "otp": "000000"},
        headers={"X-CSRF-Token": client.csrf},
    )
    assert bad.status_code == 400
    assert "code" in bad.json()["message"]
    response = client.sign_in()
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "bp_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    wallet = client.http.get("/app/api/wallet").json()
    assert wallet["memberId"] == "100000000000"
    assert Decimal(str(wallet["balance"]["amount"])) > 0
    assert wallet["balanceText"].startswith("AED ")
    assert any(item["kind"] == "FUNDING" for item in wallet["history"])
    assert len(wallet["spending"]) == 7
    assert all(isinstance(day["fils"], int) for day in wallet["spending"])
    # the page now carries the session's CSRF token
    assert client.page_token() == client.csrf


def test_spending_chart_counts_a_payment_today(gateway: Gateway, app_client: AppClient) -> None:
    before = app_client.http.get("/app/api/wallet").json()
    order = demo_order(gateway).json()
    paid = httpx.post(
        gateway.base_url + "/sandbox/api/pay",
        json={"tokenUrl": order["tokenUrl"], "phone": WALLET_PHONE},
    )
    assert paid.json()["result"] == "SUCCESS", paid.text
    after = app_client.http.get("/app/api/wallet").json()
    assert after["spending"][-1]["fils"] - before["spending"][-1]["fils"] == 4500
    assert after["history"][0]["orderNo"] == order["orderNo"]
    assert after["history"][0]["amountText"] == "-AED 45.00"


def test_sign_out_needs_csrf_and_ends_the_session(app_client: AppClient) -> None:
    assert app_client.http.post("/app/api/sign-out").status_code == 403
    response = app_client.http.post("/app/api/sign-out", headers={"X-CSRF-Token": app_client.csrf})
    assert response.status_code == 200
    assert app_client.http.get("/app/api/wallet").status_code == 401


# --- scanning ------------------------------------------------------------------------------


def test_scan_reads_a_token_url_from_a_png(gateway: Gateway, app_client: AppClient) -> None:
    order = demo_order(gateway, "earbuds", "DYNQR").json()
    qr = httpx.get(gateway.base_url + "/qr.png", params={"data": order["tokenUrl"]})
    response = app_client.scan(image=qr.content)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tokenUrl"] == order["tokenUrl"]
    assert body["orderNo"] == order["orderNo"]
    assert body["merchant"] == "Demo Shop"
    assert body["amountText"] == "AED 189.00"


def test_scan_reads_a_photo_like_jpeg(gateway: Gateway, app_client: AppClient) -> None:
    order = demo_order(gateway).json()
    code = Image.open(io.BytesIO(png_of(order["tokenUrl"]))).convert("RGB")
    photo = Image.new("RGB", (900, 700), (90, 110, 130))
    photo.paste(code.resize((420, 420)), (240, 140))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=80)
    response = app_client.scan(image=out.getvalue())
    assert response.status_code == 200, response.text
    assert response.json()["tokenUrl"] == order["tokenUrl"]


def test_scan_accepts_a_pasted_link(gateway: Gateway, app_client: AppClient) -> None:
    order = demo_order(gateway).json()
    response = app_client.scan(text="  " + order["tokenUrl"] + " ")
    assert response.status_code == 200
    assert response.json()["tokenUrl"] == order["tokenUrl"]


@pytest.mark.parametrize(
    ("upload", "code", "words"),
    [
        (b"this is not a picture at all", "NO_QR", "not a picture"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "NO_QR", "not a picture"),
        (None, "NO_QR", "No QR code"),
    ],
    ids=["text", "broken-png", "no-qr"],
)
def test_scan_refuses_pictures_without_a_qr(
    app_client: AppClient, upload: bytes | None, code: str, words: str
) -> None:
    response = app_client.scan(image=upload if upload is not None else blank_png())
    assert response.status_code == 400
    assert response.json()["error"] == code
    assert words in response.json()["message"]


@pytest.mark.parametrize(
    "text",
    [
        "https://evil.example/pay-page/main?ft=abc&t=1",
        "{base}/pay-page/other?ft=abc",
        "{base}/pay-page/main?t=1",
        "hello world",
    ],
)
def test_scan_refuses_codes_of_other_sites(
    gateway: Gateway, app_client: AppClient, text: str
) -> None:
    response = app_client.scan(image=png_of(text.format(base=gateway.base_url)))
    assert response.status_code == 400
    assert response.json()["error"] == "NOT_BOTIM_PAY"
    assert "not a Botim Money payment link" in response.json()["message"]


def test_scan_refuses_an_unknown_token(gateway: Gateway, app_client: AppClient) -> None:
    response = app_client.scan(text=gateway.base_url + "/pay-page/main?ft=unknownToken123&t=1")
    assert response.status_code == 400
    assert response.json()["error"] == "TOKEN_UNKNOWN"


def test_scan_needs_a_session_csrf_and_a_small_upload(gateway: Gateway) -> None:
    anonymous = AppClient(gateway)
    assert anonymous.scan(text="x").status_code == 401
    client = AppClient(gateway)
    client.sign_in()
    no_token = client.http.post("/app/api/scan", data={"text": "x"})
    assert no_token.status_code == 403
    huge = client.scan(image=b"\x89PNG" + b"\x00" * (5 * 1024 * 1024 + 100_000))
    assert huge.status_code == 413
    as_json = client.http.post(
        "/app/api/scan", json={"text": "x"}, headers={"X-CSRF-Token": client.csrf}
    )
    assert as_json.status_code == 400


# --- the demo shop -------------------------------------------------------------------------


def test_demo_checkout_places_a_real_order(gateway: Gateway, demo_merchant: Merchant) -> None:
    response = demo_order(gateway, "watch")
    assert response.status_code == 200, response.text
    order = response.json()
    assert order["tokenUrl"].startswith(gateway.base_url + "/pay-page/main?ft=")
    assert order["merchantOrderNo"].startswith("DEMO")
    status = httpx.get(
        gateway.base_url + "/demo/shop/api/status", params={"orderNo": order["orderNo"]}
    ).json()
    assert status["status"] == "CREATED"
    seen = demo_merchant.call("acquire2/getOrder", {"orderNo": order["orderNo"]}).assert_ok()
    assert seen.order["merchantOrderNo"] == order["merchantOrderNo"]
    assert seen.order["totalAmount"]["amount"] == Decimal("1299")
    assert seen.order["paySceneCode"] == "JSAPI"


def test_demo_status_follows_the_payment(gateway: Gateway) -> None:
    order = demo_order(gateway, "coffee", "DYNQR").json()
    paid = httpx.post(
        gateway.base_url + "/sandbox/api/pay",
        json={"orderNo": order["orderNo"], "phone": WALLET_PHONE},
    )
    assert paid.json()["result"] == "SUCCESS", paid.text
    status = httpx.get(
        gateway.base_url + "/demo/shop/api/status", params={"orderNo": order["orderNo"]}
    )
    assert status.json()["status"] == "PAID_SUCCESS"
    assert status.json()["payerMid"] == "100000000000"


def test_demo_checkout_refuses_cross_site_and_bad_requests(gateway: Gateway) -> None:
    url = gateway.base_url + "/demo/shop/api/checkout"
    body = {"productId": "coffee"}
    assert httpx.post(url, json=body).status_code == 403  # no Origin
    evil = httpx.post(url, json=body, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    form = httpx.post(url, data=body, headers={"Origin": gateway.base_url})
    assert form.status_code == 403  # a cross-site form cannot send JSON
    unknown = httpx.post(url, json={"productId": "yacht"}, headers={"Origin": gateway.base_url})
    assert unknown.status_code == 400


@pytest.mark.parametrize("order_no", ["", "abc", "1" * 40, "999999999999"])
def test_demo_status_of_unknown_orders(gateway: Gateway, order_no: str) -> None:
    response = httpx.get(gateway.base_url + "/demo/shop/api/status", params={"orderNo": order_no})
    assert response.status_code in (400, 404)
    assert response.json()["message"]


def test_nul_in_a_pasted_link_is_a_named_400(app_client: AppClient) -> None:
    """Issue 10: text with NUL never reaches a database lookup (a 500 on PostgreSQL)."""
    link = f"{app_client.http.base_url}".rstrip("/") + "/pay-page/main?ft=ab\x00cd&t=1"
    response = app_client.scan(text=link)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "INVALID_PARAMETER"
    assert "NUL" in response.json()["message"]


def test_nul_in_the_sign_in_body_names_the_field(gateway: Gateway) -> None:
    client = AppClient(gateway)
    response = client.http.post(
        "/app/api/sign-in",
        content=b'{"phone":"+97156\\u00000000001","otp":"123456"}',
        headers={"X-CSRF-Token": client.csrf, "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert "phone" in response.json()["message"]
    assert "NUL" in response.json()["message"]
