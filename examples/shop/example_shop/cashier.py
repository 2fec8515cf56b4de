"""The DYNQR cashier screen's "scanned by": acquire2/getCashierUrlInfo through the SDK
client (`AsyncClient.get_cashier_url_info`).

It only decorates the screen: any failure (refusal, bad signature, timeout) is None and
the screen keeps saying "Waiting for payment"; the order's status never depends on it.
"""

from __future__ import annotations

import logging

from botimpay_sdk import AsyncClient, SdkError

logger = logging.getLogger("example_shop")


class Cashier:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def scanned_by(self, token_url: str) -> str | None:
        """The masked phone of the wallet that scanned the QR, or None (nobody yet)."""
        try:
            payer = await self.client.get_cashier_url_info(token_url)
        except SdkError as exc:  # ApiError, SignatureError, TransportError...
            logger.info("getCashierUrlInfo failed: %s", exc)
            return None
        return payer.mobile_number_mask
