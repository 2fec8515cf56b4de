"""Runtime settings: one frozen object built by the CLI, passed to create_app.

Worker processes receive it through BOTIMPAY_* environment variables, the
only place settings are read from the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from enum import StrEnum

from botimpay.errors import ConfigError

DEFAULT_DB = "./botimpay.db"


class Mode(StrEnum):
    SANDBOX = "sandbox"
    PRODUCTION = "production"


@dataclass(frozen=True, slots=True)
class Settings:
    db_url: str = DEFAULT_DB
    mode: Mode = Mode.SANDBOX
    public_url: str = "http://127.0.0.1:8000"
    rate_limit: int = 1000  # verified requests/s per merchant (services/rate_limits.py)
    # Where the limit is counted for every process and node: Redis when set, else the
    # database on PostgreSQL, else (SQLite) a side file when `workers` > 1.
    redis_url: str = ""
    workers: int = 1  # `serve --workers`: processes sharing this host's database
    auth_failure_rate: int = 20  # refused (unauthenticated) requests/s per client IP
    max_body_bytes: int = 64 * 1024
    sweep_interval_ms: int = 5_000
    run_sweeper: bool = True
    settle_delay_ms: int = 24 * 3600 * 1000
    card_pending_ms: int = 5_000
    # Notification dispatcher (botimpay.notify)
    run_dispatcher: bool = True
    dispatch_interval_ms: int = 500
    notify_connect_timeout_ms: int = 5_000
    notify_read_timeout_ms: int = 10_000
    notify_per_merchant: int = 4
    notify_lease_ms: int = 60_000
    # Notification targets: comma-separated CIDRs production may deliver to even though
    # they are loopback, link-local, private or multicast (sandbox allows every address).
    notify_allow_cidrs: str = ""
    # Hardening of the HTTP edge (uvicorn): proxies trusted for X-Forwarded-For
    # (comma-separated IPs or CIDRs, "" = none) and request header limits.
    forwarded_allow_ips: str = ""
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    # Operator surfaces: the API docs (/docs, /openapi.json) and /metrics. With a
    # metrics token, /metrics wants `Authorization: Bearer <token>`; in production
    # /metrics is off without one.
    docs: bool = True
    metrics_token: str = ""
    # The merchant API's request log: written every flush interval; each merchant's
    # newest rows are kept (0: no limit), and/or the last days of business time (0: all).
    request_log_flush_ms: int = 200
    request_log_max_rows: int = 100_000
    request_log_days: int = 0
    request_log_prune_ms: int = 60_000

    @property
    def is_sandbox(self) -> bool:
        return self.mode is Mode.SANDBOX

    @property
    def notify_allowed_networks(self) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.notify_allow_cidrs.split(",") if part.strip())

    def to_env(self) -> dict[str, str]:
        return {f"BOTIMPAY_{f.name.upper()}": str(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        settings = cls()
        changes: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"BOTIMPAY_{f.name.upper()}")
            if raw is None:
                continue
            current = getattr(settings, f.name)
            try:
                if isinstance(current, bool):
                    changes[f.name] = raw.lower() in ("1", "true", "yes")
                elif isinstance(current, Mode):
                    changes[f.name] = Mode(raw)
                elif isinstance(current, int):
                    changes[f.name] = int(raw)
                else:
                    changes[f.name] = raw
            except ValueError as exc:
                raise ConfigError(f"BOTIMPAY_{f.name.upper()}={raw!r} is not valid") from exc
        return replace(settings, **changes)  # type: ignore[arg-type]
