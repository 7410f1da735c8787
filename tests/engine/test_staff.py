"""The staff's day (issue 13) without the browser: the dispatch e-mail carries the documents to the lead
department only. The pages in the real browser: tests/browser/test_staff.py."""

from __future__ import annotations

from email.message import Message

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, approve, propose, register_and_accept


def test_the_dispatch_email_carries_the_documents_to_the_lead_only(workers: EngineHandle, mail_server) -> None:
    appeal = Appeal.start(workers, "STAFF-3")
    register_and_accept(appeal)
    propose(appeal, "dept-industry", situation="multi", assisting=["dept-energy"])
    approve(appeal, "deputy-industry", comment="请工信局牵头尽快办理")
    appeal.task("Task_SignDispatch", "industry-handler")
    number = appeal.variables()["registrationNumber"]

    def dispatched() -> list[Message]:
        return [m for m in mail_server.messages("【交办】") if number in str(m["Subject"])]
    messages = wait_for(lambda: len(dispatched()) >= 2 and dispatched(), message="the dispatch e-mails")

    def files(message: Message) -> list[str]:
        return [part.get_filename() for part in message.iter_attachments()]
    to_lead = [m for m in messages if "industry-handler@" in str(m["To"])]
    to_assisting = [m for m in messages if "energy-handler@" in str(m["To"])]
    assert to_lead and to_assisting
    names = files(to_lead[0])
    assert any("交办单" in n for n in names), names
    assert any("登记表" in n for n in names), names
    assert any("批示笺" in n for n in names), names
    assert files(to_assisting[0]) == []
