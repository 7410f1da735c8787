"""Configuration of the hotline link, from environment variables (docs/hotline.md, 'Configuration').

Kept here rather than in `appeals.settings` so the hotline can be configured on its own; nothing
secret has a default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class HotlineConfig:
    """How to reach the 12345 platform's Open311 endpoint and how patiently."""

    url: str | None = None  # base URL, e.g. https://12345.example.gov.cn/open311/v2
    api_key: str | None = None
    jurisdiction: str | None = None  # Open311 jurisdiction_id of our county, when the platform needs it
    format: str = "xml"  # xml (required by Open311) | json
    page_size: int = 100
    timeout: float = 10.0  # seconds per HTTP call
    attempts: int = 4  # tries per call before giving up (tenacity stop_after_attempt)
    retry_wait: float = 1.0  # first back-off in seconds, doubling up to retry_wait_max
    retry_wait_max: float = 30.0
    retry_deadline: float = 120.0  # seconds per call, all tries together (tenacity stop_after_delay)
    lookback_days: int = 30  # the first pull asks for orders updated in the last N days
    overlap_minutes: int = 60  # each pull starts this long before the last one's newest update
    verify_tls: bool | str = True  # False, True or a CA bundle path

    @classmethod
    def from_env(cls) -> HotlineConfig:
        verify = _env("APPEALS_HOTLINE_CA_BUNDLE") or (
            (_env("APPEALS_HOTLINE_VERIFY_TLS", "true") or "true").lower() not in ("0", "false", "no")
        )
        fmt = (_env("APPEALS_HOTLINE_FORMAT", cls.format) or cls.format).lower()
        if fmt not in ("xml", "json"):
            raise ValueError(f"APPEALS_HOTLINE_FORMAT must be xml or json, not {fmt!r}")
        return cls(
            url=(_env("APPEALS_HOTLINE_URL") or "").rstrip("/") or None,
            api_key=_env("APPEALS_HOTLINE_API_KEY"),
            jurisdiction=_env("APPEALS_HOTLINE_JURISDICTION"),
            format=fmt,
            page_size=int(_env("APPEALS_HOTLINE_PAGE_SIZE", str(cls.page_size))),
            timeout=float(_env("APPEALS_HOTLINE_TIMEOUT", str(cls.timeout))),
            attempts=int(_env("APPEALS_HOTLINE_ATTEMPTS", str(cls.attempts))),
            retry_wait=float(_env("APPEALS_HOTLINE_RETRY_WAIT", str(cls.retry_wait))),
            retry_deadline=float(_env("APPEALS_HOTLINE_RETRY_DEADLINE", str(cls.retry_deadline))),
            lookback_days=int(_env("APPEALS_HOTLINE_LOOKBACK_DAYS", str(cls.lookback_days))),
            overlap_minutes=int(_env("APPEALS_HOTLINE_OVERLAP_MINUTES", str(cls.overlap_minutes))),
            verify_tls=verify,
        )

    @property
    def configured(self) -> bool:
        return bool(self.url)

    @property
    def feed(self) -> str:
        """The key of this endpoint's watermark in `hotline_feed`."""
        return f"{self.url}|{self.jurisdiction or ''}"
