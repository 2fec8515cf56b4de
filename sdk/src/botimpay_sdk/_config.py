"""A client's resolved settings: partner id, keys, base URL, retry, pacing, clock."""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import rsa

from botimpay_sdk._exceptions import ConfigError
from botimpay_sdk._pacing import Pacing
from botimpay_sdk._retry import RetryPolicy
from botimpay_sdk._types import Clock
from botimpay_sdk._version import __version__

BASE_URLS: Final = {
    "uat": "https://uat.test2pay.com/sgs/api",
    "production": "https://api.payby.com/sgs/api",
    "local": "http://127.0.0.1:8000/sgs/api",
}
"""Preset names accepted as `base_url`."""

_PARTNER_ID = re.compile(r"^[0-9]{1,12}$")
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


def resolve_base_url(value: str) -> str:
    """A preset name or an http(s) URL, without a trailing slash."""
    url = BASE_URLS.get(value.strip().lower(), value.strip())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        presets = ", ".join(sorted(BASE_URLS))
        raise ConfigError(f"base_url must be one of {presets} or an http(s) URL, not {value!r}")
    return url.rstrip("/")


def check_partner_id(value: str) -> str:
    if not isinstance(value, str) or not _PARTNER_ID.match(value):
        raise ConfigError("partner_id must be 1 to 12 digits")
    return value


def check_language(value: str | None) -> str | None:
    if value is not None and not _LANGUAGE.match(value):
        raise ConfigError(f"language must be a language tag like 'en', not {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Config:
    partner_id: str
    private_key: rsa.RSAPrivateKey
    gateway_public_key: rsa.RSAPublicKey
    base_url: str
    retry: RetryPolicy
    pacing: Pacing
    clock: Clock
    rng: random.Random
    language: str | None = None
    user_agent: str = f"botimpay-sdk/{__version__}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path}"

    def now_ms(self) -> int:
        return int(self.clock.time() * 1000)
