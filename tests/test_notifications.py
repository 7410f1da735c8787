"""Notifications through real peers: aiosmtpd for e-mail, a local HTTP server for SMS and webhooks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from sqlalchemy import select

from appeals.context import AppContext
from appeals.db.outbox_models import OutboxMessage
from appeals.notify import Channels, deliver, recipients, render
from appeals.org import DEMO_ORG, load
from appeals.runtime import Task
from appeals.settings import Settings

from .conftest import EngineHandle, wait_for
from .scenario import Appeal, approve, propose, register_and_accept
from .sinks import HttpSink, MailServer


def dispatch(appeal: Appeal, lead: str, situation: str = "single", assisting=None, approver="office-director"):
    register_and_accept(appeal)
    propose(appeal, lead, situation=situation, assisting=assisting)
    approve(appeal, approver)


def test_dispatch_tells_the_lead_with_contact_data_and_the_assisting_without(
        workers: EngineHandle, mail_server: MailServer, http_sink: HttpSink) -> None:
    appeal = Appeal.start(workers, "NT-DISPATCH", category="power")
    dispatch(appeal, "dept-power-supply", situation="multi", assisting=["dept-energy"], approver="deputy-industry")
    number = wait_for(lambda: appeal.variables().get("dispatchNumber"), message="dispatch")
    registration = appeal.variables()["registrationNumber"]
    mails = wait_for(lambda: len(mail_server.messages(registration)) >= 3 and mail_server.messages(registration),
                     message="dispatch mails")
    by_to = {str(m["To"]).split("<")[-1].rstrip(">"): m for m in mails}
    lead = by_to["gdgs@county.example.gov.cn"]
    assisting = by_to["nyj@county.example.gov.cn"]
    assert "牵头办理" in str(lead["Subject"]) and number in MailServer.body(lead)
    assert "13912345678" in MailServer.body(lead), "the lead department gets the enterprise's phone"
    assert "13912345678" not in MailServer.body(assisting), "an assisting department does not"
    assert "power-handler@county.example.gov.cn" in by_to
    sms = wait_for(lambda: [s for s in http_sink.sms(registration) if s["phone"] == "13800000016"], message="sms")
    assert len(sms) == 1 and "交办" in sms[0]["text"]
    headers = [h for path, h, body in http_sink.requests if body is sms[0]][0]
    assert headers["Authorization"].startswith("Bearer ") and headers["Idempotency-Key"]


def test_out_of_scope_explanation_reaches_the_enterprise(workers: EngineHandle, mail_server: MailServer,
                                                         http_sink: HttpSink) -> None:
    appeal = Appeal.start(workers, "NT-SCOPE", contactPhone="13700002222", contactEmail="boss@example.com")
    appeal.complete("Task_VerifyAppeal", "office-clerk", verifyNote="仲裁中", scopeDecision="out_of_scope",
                    outOfScopeReason="该事项已申请劳动仲裁，依法通过仲裁途径解决")
    appeal.wait_until_ended()
    sms = wait_for(lambda: [s for s in http_sink.sms("劳动仲裁") if s["phone"] == "13700002222"], message="sms")
    assert len(sms) == 1
    mail = wait_for(lambda: [m for m in mail_server.messages("说明") if "boss@example.com" in str(m["To"])],
                    message="mail")
    assert "劳动仲裁" in MailServer.body(mail[0])


def test_smtp_down_retries_then_incident_then_exactly_once(workers: EngineHandle, mail_server: MailServer) -> None:
    mail_server.stop()
    try:
        appeal = Appeal.start(workers, "NT-DOWN", category="policy")
        dispatch(appeal, "dept-industry")
        incident = wait_for(lambda: appeal.incidents(), timeout=60, message="an incident")[0]
        assert incident["activityId"] == "Event_NotifyDispatched"
        assert "NotificationError" in incident["incidentMessage"]
        task = workers.admin.get("/external-task", processInstanceId=appeal.id, activityId="Event_NotifyDispatched")[0]
        details = workers.admin.request("GET", f"/external-task/{task['id']}/errorDetails")
        assert b"Traceback" in details or "Traceback" in str(details)
    finally:
        mail_server.start()
    registration = appeal.variables()["registrationNumber"]
    assert mail_server.messages(registration) == []
    workers.admin.put(f"/external-task/{task['id']}/retries", {"retries": 1})
    appeal.task("Task_SignDispatch", "industry-handler")
    mails = mail_server.messages(registration)
    recipients_ = sorted(str(m["To"]) for m in mails)
    assert len(recipients_) == len(set(recipients_)) >= 2, "every recipient got the message exactly once"


def test_killed_worker_is_redelivered_and_sends_exactly_once(workers: EngineHandle, mail_server: MailServer) -> None:
    worker = workers.worker
    worker.pause("sendNotification")
    mail_server.handler.rcpt_delay = 60.0  # the killed worker hangs in the SMTP conversation
    env = dict(os.environ)
    process = subprocess.Popen(
        [sys.executable, "-m", "appeals.cli", "worker", "--topic", "sendNotification", "--lock-ms", "4000",
         "--poll-timeout", "1"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        appeal = Appeal.start(workers, "NT-KILL", category="policy")
        dispatch(appeal, "dept-industry")

        def attempted():
            with AppContext().db.connect() as conn:
                return conn.execute(select(OutboxMessage.attempts).where(
                    OutboxMessage.process_instance_id == appeal.id, OutboxMessage.channel == "email",
                    OutboxMessage.attempts > 0)).first()
        wait_for(attempted, timeout=60, message="the subprocess worker sending")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
        worker.resume("sendNotification")
    registration = appeal.variables()["registrationNumber"]
    appeal.task("Task_SignDispatch", "industry-handler", timeout=60)  # redelivered after the lock expired
    mails = mail_server.messages(registration)
    recipients_ = sorted(str(m["To"]) for m in mails)
    assert recipients_ and len(recipients_) == len(set(recipients_)), recipients_


def test_a_redelivered_task_sends_nothing_twice(workers: EngineHandle, mail_server: MailServer) -> None:
    from appeals.handlers.notifications import send_notification

    variables = {"registrationNumber": "某县服企办收（2026）第999号", "enterpriseName": "重投测试公司",
                 "handlerGroup": "dept-finance", "handlingDue": "2026-12-01T18:00:00+08:00",
                 "notificationEvent": "reminder"}
    task = Task(id="t-1", topic="sendNotification", process_instance_id="pi-redeliver", business_key=None,
                activity_id="Event_Reminder", variables=variables, activity_instance_id="Event_Reminder:abc")
    ctx = AppContext()
    first = send_notification(task, ctx)
    second = send_notification(task, ctx)
    assert "0 already sent" in first["lastNotification"]
    assert " 0 sent" in second["lastNotification"]
    assert len(mail_server.messages("第999号")) == len(set(str(m["To"]) for m in mail_server.messages("第999号")))


def test_webhook_markdown_and_no_contact_data_in_group_chats(http_sink: HttpSink, tmp_path, fresh_database_url) -> None:
    chart = load(DEMO_ORG)
    raw = chart.to_dict()
    for group in raw["groups"]:
        if group["id"] == "dept-finance":
            group["webhook"] = f"{http_sink.url}/webhook/finance"
    from appeals.db import engine_for, upgrade
    from appeals.org import parse

    chart = parse(raw)
    variables = {"registrationNumber": "某县服企办收（2026）第7号", "enterpriseName": "<b>&{{ 7*7 }}</b>",
                 "leadDepartment": "dept-finance", "contactPhone": "13912345678", "contactName": "王经理",
                 "dispatchNumber": "某县服企办交（2026）第3号", "problemDescription": "{% for x in y %}😀"}
    found = recipients("dispatched", variables, chart)
    webhook = [r for r in found if r.channel == "webhook"]
    assert webhook and webhook[0].address.endswith("/webhook/finance")
    message = render("dispatched", webhook[0], variables, {})
    assert "13912345678" not in message.body, "no contact data in a group chat"
    assert "<b>&{{ 7*7 }}</b>" in message.subject and "{% for x in y %}😀" in message.body
    upgrade(fresh_database_url)
    db = engine_for(fresh_database_url)
    settings = Settings.from_env()
    report = deliver(db, Channels(settings), "Event:1", "pi-1", "dispatched", [message])
    assert report.sent == 1
    posted = [b for p, _h, b in http_sink.requests if p == "/webhook/finance"]
    assert posted[-1]["msgtype"] == "markdown" and "第7号" in posted[-1]["markdown"]["content"]
