"""Settings of the public web pages, from environment variables (next to `appeals.settings`).

No secret has a default: APPEALS_PUBLIC_SECRET signs sessions, CSRF tokens and survey links;
APPEALS_PUBLIC_PASSWORD is the password of the technical user `appeals-public`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..settings import Settings, SettingsError

MIN_SECRET_LENGTH = 32


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


@dataclass(frozen=True)
class PublicSettings:
    """Configuration of the public app; `base` holds the engine URL, database and county prefix."""

    base: Settings = field(default_factory=Settings)
    secret: str | None = None
    user: str = "appeals-public"
    password: str | None = None
    base_url: str = "http://localhost:8090"
    # Flask-Limiter notation ("5 per minute;20 per hour"), per client IP
    rate_submit: str = "5 per minute;30 per hour"
    rate_lookup: str = "10 per minute;60 per hour"
    rate_survey: str = "10 per minute;30 per hour"
    rate_default: str = "120 per minute"
    rate_storage: str = "memory://"
    rate_enabled: bool = True
    trusted_proxies: int = 0
    survey_max_age_days: int = 30
    max_request_bytes: int = 256 * 1024
    registration_wait_seconds: float = 10.0
    help_phone: str = "12345"
    secure_cookies: bool | None = None  # None: only when base_url is https

    @classmethod
    def from_env(cls, base: Settings | None = None) -> PublicSettings:
        return cls(
            base=base or Settings.from_env(),
            secret=_env("APPEALS_PUBLIC_SECRET"),
            user=_env("APPEALS_PUBLIC_USER", cls.user),
            password=_env("APPEALS_PUBLIC_PASSWORD"),
            base_url=_env("APPEALS_PUBLIC_BASE_URL", cls.base_url).rstrip("/"),
            rate_submit=_env("APPEALS_PUBLIC_RATE_SUBMIT", cls.rate_submit),
            rate_lookup=_env("APPEALS_PUBLIC_RATE_LOOKUP", cls.rate_lookup),
            rate_survey=_env("APPEALS_PUBLIC_RATE_SURVEY", cls.rate_survey),
            rate_default=_env("APPEALS_PUBLIC_RATE_DEFAULT", cls.rate_default),
            rate_storage=_env("APPEALS_PUBLIC_RATE_STORAGE", cls.rate_storage),
            trusted_proxies=_int("APPEALS_PUBLIC_TRUSTED_PROXIES", 0),
            survey_max_age_days=_int("APPEALS_PUBLIC_SURVEY_DAYS", cls.survey_max_age_days),
            help_phone=_env("APPEALS_PUBLIC_HELP_PHONE", cls.help_phone),
        )

    @property
    def cookies_secure(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.base_url.startswith("https://")

    def require_secret(self) -> str:
        return require_secret(self.secret)

    def require_credentials(self) -> tuple[str, str]:
        if not self.password:
            raise SettingsError(
                "APPEALS_PUBLIC_PASSWORD is not set: the public pages talk to the engine as the "
                f"technical user '{self.user}', created by `appeals org sync` when that variable is set."
            )
        return self.user, self.password


def require_secret(secret: str | None) -> str:
    if not secret:
        raise SettingsError(
            "APPEALS_PUBLIC_SECRET is not set: it signs the sessions, CSRF tokens and survey links "
            "of the public pages (generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
        )
    if len(secret) < MIN_SECRET_LENGTH:
        raise SettingsError(f"APPEALS_PUBLIC_SECRET must have at least {MIN_SECRET_LENGTH} characters")
    return secret
