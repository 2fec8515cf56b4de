"""The DYNQR cashier screen's "scanned by": acquire2/getCashierUrlInfo, signed and checked
with the SDK's wire core (`botimpay_sdk.wire`) until the SDK client has a typed method.

It only decorates the screen: any failure (refusal, bad signature, timeout) is None and
the screen keeps saying "Waiting for payment"; the order's status never depends on it.
"""

from __future__ import annotations

import json
import logging
import time

import httpx
from botimpay_sdk import wire
from cryptography.hazmat.primitives.asymmetric import rsa

from example_shop.settings import Settings

PATH = "/acquire2/getCashierUrlInfo"
logger = logging.getLogger("example_shop")


class Cashier:
    def __init__(self, settings: Settings, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.http = http or httpx.AsyncClient(timeout=5.0)
        self._private_key: rsa.RSAPrivateKey | None = None
        self._gateway_key: rsa.RSAPublicKey | None = None

    def _keys(self) -> tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey]:
        if self._private_key is None or self._gateway_key is None:
            self._private_key = wire.load_private_key(self.settings.private_key)
            self._gateway_key = wire.load_public_key(self.settings.gateway_public_key)
        return self._private_key, self._gateway_key

    async def scanned_by(self, token_url: str) -> str | None:
        """The masked phone of the wallet that scanned the QR, or None (nobody yet)."""
        private_key, gateway_key = self._keys()
        envelope = {
            "requestTime": time.time_ns() // 1_000_000,
            "bizContent": {"tokenUrl": token_url},
        }
        body = json.dumps(envelope, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "Partner-Id": self.settings.partner_id,
            "sign": wire.sign(private_key, body),
        }
        try:
            response = await self.http.post(
                self.settings.api_base_url + PATH, content=body, headers=headers
            )
        except httpx.HTTPError as exc:
            logger.info("getCashierUrlInfo failed: %s", exc)
            return None
        if not wire.verify(gateway_key, response.content, response.headers.get("sign", "")):
            logger.warning("getCashierUrlInfo: the answer's signature does not verify")
            return None
        answer = json.loads(response.content)
        if answer.get("head", {}).get("code") != "0":
            return None
        mask = answer.get("body", {}).get("payer", {}).get("mobileNumberMask")
        return mask if isinstance(mask, str) and mask else None

    async def aclose(self) -> None:
        await self.http.aclose()
