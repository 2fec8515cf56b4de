"""`python -m example_shop [options]`: runs the example shop with uvicorn."""

from __future__ import annotations

import logging
import os
import sys

import uvicorn
from botimpay_sdk import SdkError

from example_shop.app import create_app
from example_shop.settings import parse


def main(argv: list[str] | None = None) -> int:
    settings = parse(argv, os.environ)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        app = create_app(settings)
    except SdkError as exc:  # e.g. ConfigError: a key file that is missing or not a key
        print(f"example shop: {exc}", file=sys.stderr)
        return 2
    print(f"example shop on {settings.shop_url} (merchant {settings.partner_id}, "
          f"gateway {settings.gateway_url})", flush=True)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
