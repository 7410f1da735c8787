"""Notifications on the real engine through real peers: aiosmtpd for e-mail, a local HTTP server for SMS
and webhooks. The senders on their own: tests/unit/test_notifications.py."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys

from sqlalchemy import select

from appeals.context import AppContext
from appeals.db.outbox_models import OutboxMessage
from appeals.runtime import Task

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, approve, dispatch_to, propose, register_and_accept, report
from ..sinks import HttpSink, MailServer


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


def test_a_survey_link_no_channel_took_is_on_the_office_follow_up_form(workers: EngineHandle,
                                                                      http_sink: HttpSink) -> None:
    """Breaker report GAP: with no SMTP or SMS configured nobody saw the survey link ("2 without
    channel"). The handler keeps it then (variable surveyLinkUndelivered) and the office's 回访 form
    shows it, to be passed on by phone or WeChat; a delivered link is not repeated in the process."""
    from appeals.handlers.notifications import send_notification
    from appeals.settings import Settings, SmsSettings, SmtpSettings

    told = Appeal.start(workers, "NT-SURVEY-TOLD", contactPhone="13700004444", contactEmail="")
    dispatch_to(told, "dept-industry", "industry-handler")
    report(told, "industry-handler")
    task = told.task("Task_FollowUp", "office-clerk")
    sms = wait_for(lambda: [s for s in http_sink.sms("/survey/") if s["phone"] == "13700004444"], message="sms")
    assert len(sms) == 1
    assert told.variables().get("surveyLinkUndelivered") is None
    office = told.user("office-clerk")
    form = office.get(f"/task/{task['id']}/deployed-form")
    shown = [c for c in form["components"] if "{{surveyLinkUndelivered}}" in c.get("content", "")]
    assert shown and shown[0]["type"] == "html" and "surveyLinkUndelivered = null" in shown[0]["conditional"]["hide"]

    # the same step on a machine without SMTP and SMS (the demo)
    ctx = AppContext(dataclasses.replace(Settings.from_env(), smtp=SmtpSettings(), sms=SmsSettings()))
    variables = {**told.variables(), "notificationEvent": "survey_link"}
    silent = Task(id="t-survey", topic="sendNotification", process_instance_id="pi-survey-silent", business_key=None,
                  activity_id="Event_NotifySurveyLink", variables=variables,
                  activity_instance_id="Event_NotifySurveyLink:silent")
    output = send_notification(silent, ctx)
    assert "0 sent" in output["lastNotification"] and "without channel" in output["lastNotification"]
    assert "/survey/" in output["undeliveredSurveyLink"].value


def test_an_undelivered_survey_link_is_the_office_tasks_own_and_no_department_reads_it(workers: EngineHandle) -> None:
    """The survey link signs the enterprise into its survey. When no channel took it (a landline and no
    e-mail: no SMS, no mail), the office's 回访 task shows it, held as a variable local to that task; the
    appeal never holds it, so the department that reworks the appeal reads it nowhere over REST."""
    appeal = Appeal.start(workers, "NT-SURVEY-LOCAL", contactPhone="0356-6012345", contactEmail="")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    report(appeal, "industry-handler")
    task = appeal.task("Task_FollowUp", "office-clerk")
    office = appeal.user("office-clerk")
    shown = office.get(f"/task/{task['id']}/form-variables", deserializeValues="false")
    assert "/survey/" in shown["surveyLinkUndelivered"]["value"]
    local = office.get(f"/task/{task['id']}/localVariables")
    assert "/survey/" in local["surveyLinkUndelivered"]["value"]
    variables = appeal.variables()
    assert "surveyLinkUndelivered" not in variables and "undeliveredSurveyLink" not in variables
    history = appeal.engine.admin.get("/history/variable-instance", processInstanceId=appeal.id,
                                      variableNameIn="surveyLinkUndelivered,undeliveredSurveyLink")
    assert history and all(h["name"] == "surveyLinkUndelivered" and h["taskId"] == task["id"] for h in history)

    appeal.complete("Task_FollowUp", "office-clerk", followUpMethod="phone", reallySolved="no",
                    satisfaction="dissatisfied", followUpNote="企业称未解决")
    rework = appeal.task("Task_ReworkAppeal", "industry-handler")
    department = appeal.user("industry-handler")
    for path in (f"/task/{rework['id']}/variables", f"/task/{rework['id']}/form-variables"):
        seen = department.get(path, deserializeValues="false")
        assert "surveyLinkUndelivered" not in seen and "undeliveredSurveyLink" not in seen, path
        assert not [name for name, v in seen.items() if "/survey/" in str(v.get("value"))], path
    assert not department.get("/variable-instance", variableName="surveyLinkUndelivered")
    assert not department.get("/history/variable-instance", variableName="surveyLinkUndelivered")


def test_an_appeal_from_before_keeps_no_survey_link_at_the_process_level(workers: EngineHandle) -> None:
    """Appeals started before the link became the follow-up task's own (an older model; `appeals deploy`
    migrated them) may keep an undelivered link in the process variable surveyLinkUndelivered, which every
    department could read. recordFollowUp removes it after the office's follow-up (before a rework gives the
    appeal to a department), sendNotification before the next round's link; that round's undelivered link
    is then the follow-up task's own, as for any appeal."""
    appeal = Appeal.start(workers, "NT-SURVEY-OLD", contactPhone="0356-6012399", contactEmail="")
    dispatch_to(appeal, "dept-industry", "industry-handler")
    report(appeal, "industry-handler")
    task = appeal.task("Task_FollowUp", "office-clerk")
    admin = appeal.engine.admin
    # as the instance was when migrated here: its follow-up created by the old model, the link the process's
    stale = "http://localhost:8090/survey/old-round-link"
    admin.delete(f"/task/{task['id']}/localVariables/surveyLinkUndelivered")
    admin.put(f"/process-instance/{appeal.id}/variables/surveyLinkUndelivered", {"value": stale, "type": "String"})
    office = appeal.user("office-clerk")
    shown = office.get(f"/task/{task['id']}/form-variables", deserializeValues="false")
    assert shown["surveyLinkUndelivered"]["value"] == stale, "the office's form still shows the old link"

    appeal.complete("Task_FollowUp", "office-clerk", followUpMethod="phone", reallySolved="no",
                    satisfaction="dissatisfied", followUpNote="企业称未解决")
    rework = appeal.task("Task_ReworkAppeal", "industry-handler")
    department = appeal.user("industry-handler")
    seen = department.get(f"/task/{rework['id']}/variables", deserializeValues="false")
    assert "surveyLinkUndelivered" not in seen, "recordFollowUp removed the process's link"
    assert not department.get("/variable-instance", variableName="surveyLinkUndelivered")

    # migrated during the rework, still with the old variable: the next round's survey step removes it
    admin.put(f"/process-instance/{appeal.id}/variables/surveyLinkUndelivered", {"value": stale, "type": "String"})
    appeal.complete("Task_ReworkAppeal", "industry-handler", revisedResultClass="A", revisedReplyText="重新协调后已解决")
    again = appeal.task("Task_FollowUp", "office-clerk")
    assert "surveyLinkUndelivered" not in appeal.variables()
    shown = office.get(f"/task/{again['id']}/form-variables", deserializeValues="false")
    fresh = shown["surveyLinkUndelivered"]["value"]
    assert "/survey/" in fresh and fresh != stale, "this round's link, the task's own"
    local = office.get(f"/task/{again['id']}/localVariables")
    assert local["surveyLinkUndelivered"]["value"] == fresh
