"""Notifications through real peers: aiosmtpd for e-mail, a local HTTP server for SMS and webhooks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from appeals.context import AppContext
from appeals.db.outbox_models import OutboxMessage
from appeals.notify import (
    Channels,
    NotificationError,
    WebhookRefused,
    check_robot_answer,
    deliver,
    recipients,
    render,
)
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


def test_smtp_down_retries_then_hands_the_messages_to_the_office_and_the_appeal_goes_on(
        workers: EngineHandle, mail_server: MailServer) -> None:
    """Issue 12, kind 6: after the engine's retries an undelivered message is a task for the office,
    not an incident that holds the appeal."""
    mail_server.stop()
    try:
        appeal = Appeal.start(workers, "NT-DOWN", category="policy")
        dispatch(appeal, "dept-industry")
        office = workers.client("office-clerk")
        tasks = wait_for(lambda: office.tasks(processDefinitionKey="NotificationUndelivered",
                                              processVariables=[{"name": "appealProcessInstanceId",
                                                                 "operator": "eq", "value": appeal.id}]),
                         timeout=90, message="the office's task for the undelivered dispatch mails")
        assert appeal.incidents() == [], "no incident holds the appeal"
        appeal.task("Task_SignDispatch", "industry-handler")  # the appeal went on to the department
    finally:
        mail_server.start()
    registration = appeal.variables()["registrationNumber"]
    task = tasks[0]
    assert task["name"] == "电话告知未送达的通知" and task["due"]
    values = office.get(f"/task/{task['id']}/form-variables", deserializeValues="false")
    assert values["registrationNumber"]["value"] == registration
    assert "电子邮件" in values["undeliveredTo"]["value"] and "ConnectionRefusedError" in values["undeliveredTo"]["value"]
    with AppContext().db.connect() as conn:
        rows = conn.execute(select(OutboxMessage.status).where(OutboxMessage.process_instance_id == appeal.id,
                                                                OutboxMessage.channel == "email")).all()
    assert rows and {r.status for r in rows} == {"undelivered"}
    office.complete_task(task["id"], {"informNote": "已电话告知工信局办公室"})
    assert mail_server.messages(registration) == [], "nothing is sent later behind the office's back"


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


# --------------------------------------------------------------------------- issue 12: kinds 6 and 7
ROBOT_REFUSALS = [  # what DingTalk and WeCom robots answer with HTTP 200 when they do not post
    {"errcode": 310000, "errmsg": "keywords not in content"},
    {"errcode": 300001, "errmsg": "token is not exist"},
    {"errcode": 93000, "errmsg": "invalid webhook url"},
    {"errcode": 45009, "errmsg": "api freq out of limit"},
    {"errcode": "130101", "errmsg": "send too fast"},
]


def _robot_chart(http_sink: HttpSink, path: str):
    from appeals.org import parse

    raw = load(DEMO_ORG).to_dict()
    for group in raw["groups"]:
        if group["id"] == "dept-finance":
            group["webhook"] = f"{http_sink.url}{path}"
    return parse(raw)


def _robot_message(http_sink: HttpSink, path: str):
    variables = {"registrationNumber": "某县服企办收（2026）第8号", "enterpriseName": "某企业",
                 "leadDepartment": "dept-finance", "dispatchNumber": "某县服企办交（2026）第4号"}
    webhook = [r for r in recipients("dispatched", variables, _robot_chart(http_sink, path)) if r.channel == "webhook"]
    return render("dispatched", webhook[0], variables, {})


def test_a_robot_refusing_with_http_200_is_retried_and_never_recorded_as_sent(
        http_sink: HttpSink, fresh_database_url) -> None:
    from appeals.db import engine_for, upgrade

    upgrade(fresh_database_url)
    db = engine_for(fresh_database_url)
    http_sink.replies["/webhook/refusing"] = [ROBOT_REFUSALS[0], ROBOT_REFUSALS[3]]  # then it accepts
    report = deliver(db, Channels(Settings.from_env()), "Event:robot-1", "pi-robot", "dispatched",
                     [_robot_message(http_sink, "/webhook/refusing")], retry_seconds=20)
    assert report.sent == 1
    assert len([p for p, _h, _b in http_sink.requests if p == "/webhook/refusing"]) == 3
    with db.connect() as conn:
        row = conn.execute(select(OutboxMessage).where(OutboxMessage.key.like("Event:robot-1:%"))).one()
    assert row.status == "sent" and row.attempts == 3

    http_sink.replies["/webhook/always"] = [ROBOT_REFUSALS[0]] * 100
    with pytest.raises(NotificationError) as failed:
        deliver(db, Channels(Settings.from_env()), "Event:robot-2", "pi-robot", "dispatched",
                [_robot_message(http_sink, "/webhook/always")], retry_seconds=2)
    assert "310000" in str(failed.value) and not failed.value.permanent, "the engine retries it, then the office"
    with db.connect() as conn:
        row = conn.execute(select(OutboxMessage).where(OutboxMessage.key.like("Event:robot-2:%"))).one()
    assert row.status == "failed" and "keywords not in content" in row.last_error


@given(errcode=st.one_of(st.integers(min_value=1, max_value=10**7), st.integers(max_value=-1),
                         st.text("0123456789", min_size=1, max_size=7).filter(lambda t: t.strip("0"))),
       errmsg=st.text(max_size=40), extra=st.dictionaries(st.sampled_from(["msg", "data", "ok"]), st.integers()))
def test_any_non_zero_errcode_is_a_refusal(errcode, errmsg, extra) -> None:
    refusal = _Response({**extra, "errcode": errcode, "errmsg": errmsg})
    with pytest.raises(WebhookRefused):
        check_robot_answer(refusal)


@pytest.mark.parametrize("body", [{"errcode": 0, "errmsg": "ok"}, {"errcode": "0"}, {"ok": True}, [], None, "ok"])
def test_errcode_zero_or_a_body_without_errcode_is_accepted(body) -> None:
    check_robot_answer(_Response(body))


class _Response:
    def __init__(self, body) -> None:
        self.body = body

    def json(self):
        if self.body == "ok":
            raise ValueError("not JSON")
        return self.body


@pytest.mark.parametrize("smtputf8", [True, False])
def test_a_chinese_mailbox_is_delivered_with_smtputf8_or_is_permanently_undeliverable(
        smtputf8: bool, fresh_database_url, monkeypatch) -> None:
    from appeals.db import engine_for, upgrade
    from appeals.notify import Recipient, Rendered
    from appeals.stack import free_port
    from appeals.validation import check_email

    address, error = check_email("王经理@example.com")
    assert (address, error) == ("王经理@example.com", None), "accepted at intake"
    server = MailServer(free_port(), smtputf8=smtputf8)
    server.start()
    try:
        monkeypatch.setenv("APPEALS_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("APPEALS_SMTP_PORT", str(server.port))
        message = Rendered(Recipient("enterprise", "email", address, "王经理"), "诉求答复", "您好，答复如下。")
        upgrade(fresh_database_url)
        db = engine_for(fresh_database_url)
        if smtputf8:
            report = deliver(db, Channels(Settings.from_env()), f"Event:utf8-{smtputf8}", None, "reply_to_enterprise",
                             [message], retry_seconds=5)
            assert report.sent == 1
            received = server.messages("诉求答复")
            assert len(received) == 1 and "王经理@example.com" in str(received[0]["To"])
            assert "您好" in MailServer.body(received[0])
        else:
            with pytest.raises(NotificationError) as failed:
                deliver(db, Channels(Settings.from_env()), f"Event:utf8-{smtputf8}", None, "reply_to_enterprise",
                        [message], retry_seconds=5)
            assert failed.value.permanent and "SMTPUTF8" in str(failed.value)
            assert server.messages() == []
    finally:
        server.stop()


def test_an_enterprise_mailbox_the_server_cannot_take_becomes_an_office_task_and_the_appeal_ends(
        workers: EngineHandle, mail_server: MailServer, http_sink: HttpSink) -> None:
    """The issue's example: 王经理@example.com, a server without SMTPUTF8, an out-of-scope answer."""
    assert not mail_server.smtputf8
    appeal = Appeal.start(workers, "NT-UTF8", contactPhone="13700003333", contactEmail="王经理@example.com")
    appeal.complete("Task_VerifyAppeal", "office-clerk", verifyNote="仲裁中", scopeDecision="out_of_scope",
                    outOfScopeReason="该事项已申请劳动仲裁，依法通过仲裁途径解决")
    appeal.wait_until_ended()
    assert appeal.incidents() == []
    sms = wait_for(lambda: [s for s in http_sink.sms("劳动仲裁") if s["phone"] == "13700003333"], message="sms")
    assert len(sms) == 1, "the SMS went out; only the e-mail is handed to the office"
    office = workers.client("office-clerk")
    tasks = wait_for(lambda: office.tasks(processDefinitionKey="NotificationUndelivered",
                                          processVariables=[{"name": "appealProcessInstanceId", "operator": "eq",
                                                             "value": appeal.id}]),
                     timeout=60, message="the office's task")
    assert len(tasks) == 1
    values = office.get(f"/task/{tasks[0]['id']}/form-variables", deserializeValues="false")
    assert "王经理@example.com" in values["undeliveredTo"]["value"] and "SMTPUTF8" in values["undeliveredTo"]["value"]
    assert values["contactPhone"]["value"] == "13700003333"
    office.complete_task(tasks[0]["id"], {"informNote": "已电话告知王经理"})
