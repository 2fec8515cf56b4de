"""The Developers page's copyable snippets, filled with one merchant's values.

curl and the Python SDK come from the landing page's builders (web/landing.py), so
both pages show the same signed request; the Java one follows the official Java
SDK's usage (PayBy-java: ApiConfig, KeyCert, PayByClient). Key file names are the
ones this page downloads: `gateway-public-<id>.pem` and, from "generate a key
pair", `merchant-private-<id>.pem`.
"""

from __future__ import annotations

import json
from pathlib import Path

from botimpay.web.landing import DemoKeys, Snippet, _snippets

__all__ = ["Snippet", "snippets"]


def snippets(public_url: str, partner_id: str, *, sandbox: bool) -> list[Snippet]:
    """curl (signed by openssl), Python SDK and Java SDK placeOrder examples; in the
    sandbox also paying the order as test wallet 1."""
    keys = DemoKeys(
        partner_id=partner_id,
        name="",
        private_key=Path(f"merchant-private-{partner_id}.pem"),
        public_key=Path(f"merchant-public-{partner_id}.pem"),
        gateway_public_key=Path(f"gateway-public-{partner_id}.pem"),
        found=True,
    )
    shared = {snippet.slug: snippet for snippet in _snippets(public_url, keys)}
    chosen = [shared["curl"], shared["sdk"], _java(public_url + "/sgs/api", keys)]
    return [*chosen, shared["pay"]] if sandbox else chosen


def _java(api_url: str, keys: DemoKeys) -> Snippet:
    """As the Java SDK guide's getPayByClient and placeOrder, with this merchant's values
    (Java string literals: JSON's escaping is valid Java for these ASCII values)."""

    def text(value: object) -> str:
        return json.dumps(str(value))

    lines = [
        "// com.payby.gateway:payby-sdk:1.3.21 (the Java SDK guide's Maven setup)",
        "ApiConfig apiConfig = new ApiConfig();",
        f"apiConfig.setDomain({text(api_url)});",
        "// your private key as PKCS#8 PEM (openssl pkcs8 -topk8 -nocrypt), our public key",
        "String merchantPrivateKey = new String(Files.readAllBytes(",
        f"    Paths.get({text(keys.private_key)})));",
        "String gatewayPublicKey = new String(Files.readAllBytes(",
        f"    Paths.get({text(keys.gateway_public_key)})));",
        "apiConfig.setCert(new KeyCert(merchantPrivateKey, gatewayPublicKey));",
        "List<Pair<String, String>> headers = new ArrayList<>();",
        f'headers.add(new ImmutablePair<>("partner-id", {text(keys.partner_id)}));',
        "apiConfig.setFixHeaders(headers);",
        "ClientConfig config = new OkHttpClientConfig.Builder()",
        "    .interceptor(new OkHttpClientConfig.SignInterceptor(apiConfig.getCert()))",
        "    .apiConfig(apiConfig).build();",
        "PayByClient client = new PayByClient(config);",
        "",
        "PlaceOrderRequest order = new PlaceOrderRequest();",
        'order.setMerchantOrderNo("M" + System.currentTimeMillis());',
        'order.setSubject("Green tea");',
        'order.setTotalAmount(new ExternalMoney(new BigDecimal("10.50"), "AED"));',
        'order.setPaySceneCode("JSAPI");',
        "SgsResponseWrap<PlaceOrderResponse> response =",
        "    client.execute(SgsApi.PLACE_ACQUIRE_ORDER, SgsRequestWrap.wrap(order));",
        "System.out.println(JSON.toJSONString(response.getBody()));",
    ]
    return Snippet("java", "Place an order with the Java SDK (payby-sdk)", "java", "\n".join(lines))
