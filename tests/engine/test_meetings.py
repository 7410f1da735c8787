"""Meetings (spec §11): topics, agenda with at least 10 enterprises, minutes, items become appeals."""

from __future__ import annotations

import datetime as dt

from appeals.workdays import SHANGHAI

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, approve, propose

ENTERPRISES = [f"某县第{i}家企业有限公司" for i in range(1, 13)]


def test_roundtable_items_become_appeals_and_settled_ones_close_at_once(workers: EngineHandle) -> None:
    office = workers.client("office-clerk")
    starts = (dt.datetime.now(SHANGHAI) + dt.timedelta(days=10)).replace(hour=9, minute=0, second=0, microsecond=0)
    meeting = office.start_process("MeetingSession", {
        "meetingKind": "roundtable", "meetingTitle": "2026年第四季度亲清政企恳谈会",
        "meetingAt": starts.strftime("%Y-%m-%dT%H:%M"), "hostLeader": "县长", "meetingPlace": "县政府三楼会议室"})
    session = Appeal(workers, meeting["id"])
    session.complete("Task_CollectTopics", "office-clerk", topics="恒达机械｜用电增容慢｜建议开辟绿色通道")
    session.complete("Task_FixAgenda", "office-clerk", agenda="一、企业发言；二、部门答复",
                     attendees="\n".join(ENTERPRISES[:8]))
    session.task("Task_FixAgenda", "office-clerk")
    assert "不少于10家" in session.variables()["attendanceNote"]
    session.complete("Task_FixAgenda", "office-clerk", agenda="一、企业发言；二、部门答复",
                     attendees="\n".join(ENTERPRISES))
    session.fire_timer("Event_MeetingTime")
    session.complete("Task_RecordMinutes", "office-clerk", minutesText="会议听取了企业意见……", decidedItems="\n".join([
        "某县恒达机械制造有限公司｜91140525MA0K2U7X4L｜王经理｜13912345678｜新厂房用电增容｜县供电公司｜否",
        "某县绿源农产品加工有限公司｜91140525MA0H8C3E25｜李会计｜13912340000｜贴息贷款政策解读｜县金融办｜是",
        "这一行不是议定事项",
    ]))
    done = wait_for(lambda: workers.admin.get(f"/history/process-instance/{meeting['id']}")["state"] == "COMPLETED",
                    message="the meeting process ends")
    assert done
    items = {i["businessKey"]: i for i in session.variables_history("meetingItems")}
    assert len(items) == 2
    errors = session.variables_history("meetingItemErrors")
    assert len(errors) == 1 and "第3行" in errors[0]
    settled = next(i for i in items.values() if i["settled"])
    Appeal(workers, settled["processInstanceId"]).wait_until_ended()
    open_item = Appeal(workers, next(i for i in items.values() if not i["settled"])["processInstanceId"])
    open_item.complete("Task_VerifyAppeal", "office-clerk", verifyNote="会议议定", scopeDecision="accept",
                       category="power")
    variables = open_item.variables()
    assert variables["channel"] == "meeting" and variables["leadDepartment"] == "dept-power-supply"
    propose(open_item, "dept-power-supply", situation="meeting")
    approval = open_item.task("Task_ApproveDispatch", "office-clerk")
    assert open_item.variables()["approverGroup"] == "office", "meeting items are dispatched by the office"
    assert approval["due"]
    approve(open_item, "office-clerk")
    open_item.task("Task_SignDispatch", "power-handler")
    variables = open_item.variables()
    assert variables["batch"].endswith("批") or variables["batch"].endswith("期间")
    # a meeting item is handled in 7 days, not 5 working days
    dispatched = dt.datetime.fromisoformat(variables["dispatchedAt"])
    due = dt.datetime.fromisoformat(variables["handlingDue"])
    assert 7 <= (due.date() - dispatched.date()).days <= 10
