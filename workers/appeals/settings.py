"""Settings from environment variables, in one typed place.

No secret has a default here. The demo passwords are applied only by `make run` (the Makefile's
`DEMO_ENV`) and documented in the README as local-demo values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Runtime configuration of the CLI and the workers."""

    engine_url: str = "http://localhost:8080/engine-rest"
    admin_user: str = "admin"
    admin_password: str | None = None
    worker_user: str = "appeals-worker"
    worker_password: str | None = None
    data_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data")
    database_url: str | None = None
    org_prefix: str = "某县"
    http_timeout: float = 10.0
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "fuqiban@county.example.gov.cn"
    smtp_starttls: bool = False
    sms_url: str | None = None
    sms_token: str | None = None
    public_base_url: str = "http://localhost:8090"
    pdf: bool = True  # APPEALS_PDF: also a PDF of every document, when LibreOffice is installed

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(_env("APPEALS_DATA_DIR", str(PROJECT_ROOT / "data"))).resolve()
        return cls(
            engine_url=_env("APPEALS_ENGINE_URL", cls.engine_url).rstrip("/"),
            admin_user=_env("CAMUNDA_ADMIN_USER", cls.admin_user),
            admin_password=_env("CAMUNDA_ADMIN_PASSWORD"),
            worker_user=_env("APPEALS_WORKER_USER", cls.worker_user),
            worker_password=_env("APPEALS_WORKER_PASSWORD"),
            data_dir=data_dir,
            database_url=_env("APPEALS_DATABASE_URL"),
            org_prefix=_env("APPEALS_ORG_PREFIX", cls.org_prefix),
            http_timeout=float(_env("APPEALS_HTTP_TIMEOUT", str(cls.http_timeout))),
            smtp_host=_env("APPEALS_SMTP_HOST"),
            smtp_port=int(_env("APPEALS_SMTP_PORT", "25")),
            smtp_user=_env("APPEALS_SMTP_USER"),
            smtp_password=_env("APPEALS_SMTP_PASSWORD"),
            smtp_from=_env("APPEALS_SMTP_FROM", cls.smtp_from),
            smtp_starttls=_env("APPEALS_SMTP_STARTTLS", "false").lower() in ("1", "true", "yes"),
            sms_url=_env("APPEALS_SMS_URL"),
            sms_token=_env("APPEALS_SMS_TOKEN"),
            public_base_url=_env("APPEALS_PUBLIC_BASE_URL", cls.public_base_url).rstrip("/"),
            pdf=_env("APPEALS_PDF", "auto").lower() not in ("0", "off", "false", "no"),
        )

    @property
    def ledger_url(self) -> str:
        """SQLAlchemy URL of the application database (sequences, outbox, ledger)."""
        return self.database_url or f"sqlite:///{self.data_dir / 'appeals.sqlite'}"

    def require_admin(self) -> tuple[str, str]:
        if not self.admin_password:
            raise SettingsError(
                "CAMUNDA_ADMIN_PASSWORD is not set: the admin credentials come from the "
                "environment (see README, 'Demo logins')."
            )
        return self.admin_user, self.admin_password

    def require_worker(self) -> tuple[str, str]:
        if not self.worker_password:
            raise SettingsError(
                "APPEALS_WORKER_PASSWORD is not set: the workers' technical user needs its "
                "password from the environment."
            )
        return self.worker_user, self.worker_password


class SettingsError(RuntimeError):
    """A required setting is missing or invalid."""
