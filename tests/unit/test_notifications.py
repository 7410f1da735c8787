"""Notifications without the engine, through real peers: aiosmtpd for e-mail (SMTPUTF8), a local HTTP
server for the webhooks (refusals, retries). On the real engine: tests/engine/test_notifications.py."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from appeals.db.outbox_models import OutboxMessage
from appeals.handlers.levels import CITY_LEVEL, COUNTY_LEVEL, Level
from appeals.handlers.notifications import card_extra
from appeals.notify import (
    EVENTS,
    TEMPLATES,
    Channels,
    NotificationError,
    Recipient,
    WebhookRefused,
    check_robot_answer,
    deliver,
    recipients,
    render,
)
from appeals.org import DEMO_ORG, load
from appeals.settings import Settings
from appeals.validation import check_phone
from appeals.vocabulary import CARD_LABELS, Card

from ..sinks import HttpSink, MailServer


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


@pytest.mark.slow
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


_ENTERPRISE_EVENT = next(event for event, (audiences, _t) in EVENTS.items() if "enterprise" in audiences)


@settings(deadline=None)  # each example parses the org chart: over 200 ms on a loaded machine
@given(area=st.sampled_from(["0356", "010", "021", "0871"]), number=st.integers(2_000_000, 89_999_999),
       extension=st.one_of(st.none(), st.integers(1, 9999)))
def test_a_landline_gets_no_sms_but_still_its_email(area, number, extension) -> None:
    typed = f"{area}-{number}" + (f" 转 {extension}" if extension else "")
    phone, error = check_phone(typed)
    if error:  # not every generated digit string is a valid number in that area
        return
    variables = {"contactPhone": phone, "contactEmail": "boss@example.com", "contactName": "王经理"}
    found = recipients(_ENTERPRISE_EVENT, variables, load(DEMO_ORG))
    assert [r.channel for r in found if r.audience == "enterprise"] == ["email"]


def test_a_mobile_gets_its_sms() -> None:
    phone, error = check_phone("+86 139 1234 5678")
    assert error is None
    found = recipients(_ENTERPRISE_EVENT, {"contactPhone": phone}, load(DEMO_ORG))
    assert [(r.channel, r.address) for r in found if r.audience == "enterprise"] == [("sms", "13912345678")]


@pytest.mark.parametrize("card", [Card.YELLOW, Card.RED])
def test_the_card_messages_name_the_card_as_every_other_text_does(card: Card) -> None:
    """The card e-mail and the 催办函 notice take the card's name from vocabulary.CARD_LABELS, never a
    wording of their own (docs/architecture.md: one code list)."""
    recipient = Recipient("handler", "email", "industry-handler@county.example.gov.cn", "工信局承办人")
    variables = {"cardKind": str(card), "cardDepartmentName": "县工信局", "registrationNumber": "某县服企办收（2026）第1号",
                 "interview": "none", "reminderNumber": "某县服企办催（2026）第1号", "enterpriseName": "某公司",
                 "dispatchNumber": "某县服企办交（2026）第1号", "handlingDue": "2026-11-30T17:30:00.000+0800"}
    label = CARD_LABELS[card]
    card_mail = render("card", recipient, variables, {})
    assert card_mail.subject.endswith(f"被亮{label}") and f"亮{label}。" in card_mail.body
    notice = render("overdue_notice", recipient, variables, {})
    assert f"对你单位亮{label}。" in notice.body
    others = set(CARD_LABELS.values()) - {label}
    assert not any(other in card_mail.subject + card_mail.body + notice.body for other in others)
    assert "依据督办亮牌制度" not in render("overdue_notice", recipient, {**variables, "cardKind": str(Card.NONE)}, {}).body


@pytest.mark.parametrize(("level", "government", "task_force", "other"),
                         [(COUNTY_LEVEL, "县政府", "由专班", "市"), (CITY_LEVEL, "市政府", "由市级专班", "县")])
def test_the_card_mails_interview_names_the_level_that_issued_the_card(level: Level, government: str,
                                                                       task_force: str, other: str) -> None:
    """A county's card names the county's government and task force, a city's card (督办卡 at the city level,
    `cardLevel` city) the city's: the level's own words (levels.Level), never a county word for both."""
    recipient = Recipient("handler", "email", "handler@example.gov.cn", "承办人")
    variables = {"cardKind": "red", "cardDepartmentName": "自然资源局", "registrationNumber": "服企办收（2026）第1号",
                 "cardLevel": str(level.name)}
    leader = render("card", recipient, {**variables, "interview": "leader"}, card_extra(variables))
    assert f"由{government}领导约谈其主要负责人。" in leader.body
    task_force_mail = render("card", recipient, {**variables, "interview": "task_force"}, card_extra(variables))
    assert f"{task_force}约谈其分管负责人。" in task_force_mail.body
    assert not any(f"{other}政府" in mail.body or f"{other}级专班" in mail.body
                   for mail in (leader, task_force_mail))


def test_a_card_without_its_level_is_the_countys() -> None:
    """A card recorded before `cardLevel` existed (only counties carded then) keeps the county's words."""
    assert card_extra({"cardKind": "red"})["level"] is COUNTY_LEVEL


def test_no_notification_template_spells_a_card_of_its_own() -> None:
    for template in TEMPLATES.glob("*.j2"):
        text = template.read_text(encoding="utf-8")
        assert not any(label in text for label in CARD_LABELS.values()), template.name
