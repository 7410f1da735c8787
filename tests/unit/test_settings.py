"""Settings in one place: names and defaults from an environment, and facts kept once (the survey message
quotes the validity the page enforces). Only appeals.settings reads the environment: tests/static/test_settings.py."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from appeals.settings import PublicSettings, Settings


def test_names_and_defaults_from_an_environment() -> None:
    empty = Settings.from_env({})
    assert empty.engine.url == "http://localhost:8080/engine-rest" and empty.engine.admin_password is None
    assert empty.smtp.host is None and empty.smtp.port == 25 and not empty.smtp.starttls
    assert empty.pdf.enabled and empty.public.survey_days == 30 and empty.notify.retry_seconds == 30.0
    assert empty.hotline.url is None and empty.org.prefix_override is None
    assert empty.ledger_url.startswith("sqlite:///") and empty.ledger_url.endswith("appeals.sqlite")
    given = Settings.from_env({
        "APPEALS_ENGINE_URL": "http://e:1/engine-rest/", "APPEALS_SMTP_STARTTLS": "yes", "APPEALS_PDF": "off",
        "APPEALS_PUBLIC_SURVEY_DAYS": "7", "APPEALS_HOTLINE_URL": "http://h/open311/v2/", "APPEALS_ORG_PREFIX": "某某县",
        "APPEALS_NOTIFY_RETRY_SECONDS": "1", "APPEALS_DATABASE_URL": "postgresql+psycopg://x/y", "APPEALS_SMS_URL": "",
    })
    assert given.engine.url == "http://e:1/engine-rest" and given.smtp.starttls and not given.pdf.enabled
    assert given.public.survey_days == 7 and given.hotline.url == "http://h/open311/v2"
    assert given.org.prefix_override == "某某县" and given.notify.retry_seconds == 1.0
    assert given.ledger_url == "postgresql+psycopg://x/y" and given.sms.url is None, "empty counts as unset"


def test_the_survey_message_quotes_the_validity_the_page_enforces(monkeypatch, tmp_path: Path) -> None:
    import appeals.handlers.notifications as notifications
    from appeals.org import DEMO_ORG, load
    from appeals.runtime import Task

    sent: list[Any] = []

    def deliver(db, channels, key, pid, event, messages, retry_seconds, lease_seconds=None):
        sent.extend(messages)
        return SimpleNamespace(sent=len(sent), already_sent=0, skipped=[])

    monkeypatch.setattr(notifications, "deliver", deliver)
    settings = Settings(data_dir=tmp_path, public=PublicSettings(secret="s" * 40, survey_days=7))
    ctx = SimpleNamespace(settings=settings, db=None, org_chart=lambda: load(DEMO_ORG))
    task = Task(id="t-1", topic="sendNotification", process_instance_id="pi-1", business_key=None,
                activity_id="Event_Survey", variables={
                    "notificationEvent": "survey_link", "contactPhone": "13912345678", "contactName": "王经理",
                    "enterpriseName": "某公司", "registrationNumber": "某县服企办收（2026）第1号"})
    notifications.send_notification(task, ctx)
    assert sent and all("7天内有效" in message.body for message in sent)
