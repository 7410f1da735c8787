"""The notification outbox under concurrent deliveries of the same message (issue 14): threads and
processes running `appeals.notify.deliver` for the same key at once, against the session's kind of
application database (SQLite or PostgreSQL) and a real SMTP server (aiosmtpd) — the server receives
each message exactly once; a claim left by a dead sender is taken over; a live one is waited for."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from appeals import stack
from appeals.db import engine_for, upgrade
from appeals.db.outbox_models import OutboxMessage
from appeals.notify import Channels, DeliveryInProgress, DeliveryReport, Recipient, Rendered, deliver
from appeals.settings import PROJECT_ROOT, Settings

from ..sinks import MailServer

ADDRESS = "contact@enterprise.example.com"


@pytest.fixture
def mail() -> Iterator[MailServer]:
    """A mail server of this test alone: what it received is exactly what was sent here."""
    server = MailServer(stack.free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def outbox(fresh_database_url: str):
    upgrade(fresh_database_url)
    return engine_for(fresh_database_url)


def _message(subject: str = "请评价企业诉求办理情况（某县服企办收（2026）第1号）") -> Rendered:
    return Rendered(Recipient("enterprise", "email", ADDRESS, "王经理"), subject, "请点击链接评价办理结果。")


def _channels(mail: MailServer) -> Channels:
    return Channels(Settings.from_env({"APPEALS_SMTP_HOST": "127.0.0.1", "APPEALS_SMTP_PORT": str(mail.port)}))


def _at_once(count: int, action) -> tuple[list, list[BaseException]]:
    """Run `action()` in `count` threads released together; their results and errors."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        try:
            result = action()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            with lock:
                errors.append(exc)
            return
        with lock:
            results.append(result)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


def _row(db, key_prefix: str):
    with db.connect() as conn:
        return conn.execute(select(OutboxMessage).where(OutboxMessage.key.like(f"{key_prefix}:%"))).one()


def test_threads_delivering_the_same_message_at_once_send_it_once(outbox, mail: MailServer) -> None:
    mail.handler.rcpt_delay = 0.5  # the winner is slow: the others find it `sending` and wait
    channels = _channels(mail)
    results, errors = _at_once(8, lambda: deliver(outbox, channels, "act-1", "pi-1", "survey_link", [_message()],
                                                  retry_seconds=5))
    assert errors == []
    assert len(mail.messages()) == 1
    assert sorted((r.sent, r.already_sent) for r in results) == [(0, 1)] * 7 + [(1, 0)]
    row = _row(outbox, "act-1")
    assert row.status == "sent" and row.attempts == 1 and row.sent_at and row.claimed_until is None


_DELIVER_ONE = """
import sys
from appeals.db import engine_for
from appeals.notify import Channels, Recipient, Rendered, deliver
from appeals.settings import Settings
url, port, ready = sys.argv[1], sys.argv[2], sys.argv[3]
channels = Channels(Settings.from_env({"APPEALS_SMTP_HOST": "127.0.0.1", "APPEALS_SMTP_PORT": port}))
message = Rendered(Recipient("enterprise", "email", "contact@enterprise.example.com", "王经理"),
                   "请评价企业诉求办理情况（某县服企办收（2026）第2号）", "请点击链接评价办理结果。")
db = engine_for(url)
open(ready, "w").close()
while open(ready).read() != "go":
    pass
report = deliver(db, channels, "act-2", "pi-2", "survey_link", [message], retry_seconds=5)
print(report.sent, report.already_sent)
"""


@pytest.mark.slow
def test_two_processes_delivering_the_same_message_at_once_send_it_once(
        outbox, fresh_database_url: str, mail: MailServer, tmp_path) -> None:
    mail.handler.rcpt_delay = 0.5
    env = {"PYTHONPATH": str(PROJECT_ROOT / "workers"), "PATH": "/usr/bin:/bin"}
    flags = [tmp_path / f"ready-{n}" for n in range(2)]
    processes = [subprocess.Popen([sys.executable, "-c", _DELIVER_ONE, fresh_database_url, str(mail.port), str(flag)],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for flag in flags]
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=60)
        while not all(flag.exists() for flag in flags):
            assert dt.datetime.now() < deadline, "the processes did not start"
            assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
        for flag in flags:
            flag.write_text("go")
        outputs = [p.communicate(timeout=60) for p in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert sorted(out.split() for out, _err in outputs) == [["0", "1"], ["1", "0"]]
    assert len(mail.messages()) == 1
    assert _row(outbox, "act-2").status == "sent"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deliveries=st.integers(min_value=2, max_value=6),
       before=st.sampled_from(["absent", "pending", "failed", "sent", "lapsed"]),
       slow=st.sampled_from([0.0, 0.2]))
def test_any_number_of_concurrent_deliveries_send_a_message_at_most_once(
        outbox, mail: MailServer, deliveries: int, before: str, slow: float) -> None:
    """Whatever state an earlier delivery left (none, pending, failed, sent, a dead sender's lapsed
    claim), concurrent deliveries send the message once — none if it was sent already."""
    prefix = f"hyp-{deliveries}-{before}-{slow}-{len(mail.messages())}-{dt.datetime.now().timestamp()}"
    subject = f"请评价（{prefix}）"
    if before != "absent":
        now = dt.datetime.now(dt.UTC)
        with outbox.begin() as conn:
            conn.execute(OutboxMessage.__table__.insert().values(
                key=f"{prefix}:survey_link:email:{ADDRESS}", process_instance_id="pi", event="survey_link",
                channel="email", recipient=ADDRESS, subject=subject, body="-", attempts=1, created_at=now,
                status="sending" if before == "lapsed" else before,
                claimed_by="dead-host:1:0" if before == "lapsed" else None,
                claimed_until=now - dt.timedelta(seconds=1) if before == "lapsed" else None))
    mail.handler.rcpt_delay = slow
    channels = _channels(mail)
    results, errors = _at_once(deliveries, lambda: deliver(outbox, channels, prefix, "pi", "survey_link",
                                                           [_message(subject)], retry_seconds=5))
    assert errors == []
    expected = 0 if before == "sent" else 1
    assert len(mail.messages(subject)) == expected
    assert sum(r.sent for r in results) == expected
    assert sum(r.already_sent for r in results) == deliveries - expected
    assert _row(outbox, prefix).status == "sent"


def test_a_live_claim_is_waited_for_and_a_lapsed_one_taken_over(outbox, mail: MailServer) -> None:
    channels = _channels(mail)
    key = f"act-3:survey_link:email:{ADDRESS}"
    now = dt.datetime.now(dt.UTC)
    with outbox.begin() as conn:
        conn.execute(OutboxMessage.__table__.insert().values(
            key=key, process_instance_id="pi-3", event="survey_link", channel="email", recipient=ADDRESS,
            subject="s", body="b", attempts=1, created_at=now, status="sending", claimed_by="other:1:0",
            claimed_until=now + dt.timedelta(seconds=60)))
    # another live delivery holds it: this one waits its budget, sends nothing, and says so (retryable)
    with pytest.raises(DeliveryInProgress) as busy:
        deliver(outbox, channels, "act-3", "pi-3", "survey_link", [_message()], retry_seconds=0.5,
                lease_seconds=1.0)
    assert busy.value.keys == [key] and mail.messages() == []
    assert _row(outbox, "act-3").claimed_by == "other:1:0"

    # the other one finishes meanwhile: the waiting delivery counts it sent and sends nothing
    def finish() -> None:
        with outbox.begin() as conn:
            conn.execute(OutboxMessage.__table__.update().where(OutboxMessage.key == key).values(status="sent"))
    timer = threading.Timer(0.5, finish)
    timer.start()
    report = deliver(outbox, channels, "act-3", "pi-3", "survey_link", [_message()], retry_seconds=5)
    timer.join()
    assert (report.sent, report.already_sent) == (0, 1) and mail.messages() == []

    # a sender that died holding the claim: after its lease lapsed the next delivery sends (at least once)
    with outbox.begin() as conn:
        conn.execute(OutboxMessage.__table__.update().where(OutboxMessage.key == key).values(
            status="sending", claimed_until=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)))
    report = deliver(outbox, channels, "act-3", "pi-3", "survey_link", [_message()], retry_seconds=5)
    assert report == DeliveryReport(sent=1, already_sent=0, skipped=[])
    assert len(mail.messages()) == 1 and _row(outbox, "act-3").status == "sent"


def test_a_refused_message_is_never_recorded_as_sent_and_releases_its_claim(outbox, mail: MailServer) -> None:
    from appeals.notify import NotificationError

    class Refusing:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            return "554 Transaction failed"

    mail.stop()
    mail.handler = Refusing()  # type: ignore[assignment]
    mail.start()
    with pytest.raises(NotificationError):
        deliver(outbox, _channels(mail), "act-4", "pi-4", "survey_link", [_message()], retry_seconds=1)
    row = _row(outbox, "act-4")
    assert row.status == "failed" and row.sent_at is None and row.claimed_until is None
    assert "554" in row.last_error
