"""The shop's configuration: command-line options, each with an environment variable fallback."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

DEMO_PARTNER_ID = "200000000888"
DEMO_KEY_DIR = Path("botimpay-keys")


@dataclass(frozen=True, slots=True)
class Settings:
    gateway_url: str  # e.g. http://127.0.0.1:8000 (API under /sgs/api, JS library under /static)
    partner_id: str
    private_key: Path
    gateway_public_key: Path
    host: str = "127.0.0.1"
    port: int = 8001
    public_url: str = ""  # how the gateway reaches this shop (notifyUrl); default http://host:port
    db: Path = Path("shop.db")
    time_scale: Decimal = Decimal(1)  # multiplies the SDK's pacing, for a scaled test-plan run

    @property
    def api_base_url(self) -> str:
        return self.gateway_url.rstrip("/") + "/sgs/api"

    @property
    def shop_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def notify_url(self) -> str:
        return self.shop_url + "/botim/notify"


_OPTIONS = (
    # option, environment variable, default, help
    ("--gateway-url", "BOTIMPAY_GATEWAY_URL", "http://127.0.0.1:8000", "the gateway's base URL"),
    ("--partner-id", "BOTIMPAY_PARTNER_ID", DEMO_PARTNER_ID, "your merchant (partner) id"),
    (
        "--private-key",
        "BOTIMPAY_PRIVATE_KEY",
        str(DEMO_KEY_DIR / "demo-merchant-private.pem"),
        "path of your RSA private key (PEM)",
    ),
    (
        "--gateway-public-key",
        "BOTIMPAY_GATEWAY_PUBLIC_KEY",
        str(DEMO_KEY_DIR / f"gateway-public-{DEMO_PARTNER_ID}.pem"),
        "path of the gateway public key for your partner id (PEM)",
    ),
    ("--host", "SHOP_HOST", "127.0.0.1", "interface to listen on"),
    ("--port", "SHOP_PORT", "8001", "port to listen on"),
    (
        "--public-url",
        "SHOP_PUBLIC_URL",
        "",
        "URL the gateway uses to reach this shop (default http://HOST:PORT)",
    ),
    ("--db", "SHOP_DB", "shop.db", "SQLite file holding the shop's orders"),
    (
        "--time-scale",
        "SHOP_TIME_SCALE",
        "1",
        "multiplies the query and cancel timings (a test-plan run's timeScale, e.g. 0.1)",
    ),
)


def parse(argv: Sequence[str] | None, environ: Mapping[str, str]) -> Settings:
    """Settings from `argv`; an option not given falls back to its environment variable."""
    parser = argparse.ArgumentParser(
        prog="python -m example_shop",
        description="Example shop paying through a botimpay gateway with botimpay-sdk.",
    )
    for option, env, default, text in _OPTIONS:
        parser.add_argument(
            option,
            default=environ.get(env, default),
            help=f"{text} [env {env}; default {default or 'see above'}]",
        )
    args = parser.parse_args(argv)
    try:
        port = int(args.port)
    except ValueError:
        parser.error(f"--port must be a number, not {args.port!r}")
    try:
        time_scale = Decimal(args.time_scale)
    except InvalidOperation:
        time_scale = Decimal(0)
    if not time_scale.is_finite() or time_scale <= 0:
        parser.error(f"--time-scale must be a number greater than 0, not {args.time_scale!r}")
    return Settings(
        gateway_url=args.gateway_url,
        partner_id=args.partner_id,
        private_key=Path(args.private_key),
        gateway_public_key=Path(args.gateway_public_key),
        host=args.host,
        port=port,
        public_url=args.public_url,
        db=Path(args.db),
        time_scale=time_scale,
    )
