"""Meetings (spec §11): 恳谈会 and 接待日; each decided item becomes an appeal (channel `meeting`)."""

from __future__ import annotations

import re
from typing import Any

from ..camunda import CamundaError
from ..context import AppContext
from ..deadlines import deadline_variables, now, parse_time
from ..runtime import ModelError, Task
from ..validation import normalize_text
from ..workdays import SHANGHAI
from . import chart_of, router

MIN_ROUNDTABLE_ENTERPRISES = 10  # 乌审旗 二(二): 原则上每次会议企业代表不少于10家
ITEM_FIELDS = ("enterpriseName", "creditCode", "contactName", "contactPhone", "matter", "lead", "settled")
SEPARATOR = re.compile(r"\s*[|｜]\s*")
YES = {"是", "yes", "y", "当场解决", "已解决"}


@router.topic("prepareMeeting", variables=("meetingAt", "meetingKind"), throws=(ModelError,))
def prepare_meeting(task: Task, ctx: AppContext) -> dict[str, Any]:
    """When topics close, the agenda is fixed and the minutes are due, around the meeting time.

    From dmn/AppealDeadlines.dmn (steps `meetingTopics`, `meetingAgenda` counted back from the meeting,
    `meetingMinutes` after it) on the working-day calendar. Without a time it can read, ModelError: an
    incident at once with a Chinese message (it was BpmnError `Err_NoMeetingTime`, which nothing caught, so
    the session ended silently; tester 6, N1). An administrator sets `meetingAt` and retries.
    """
    starts = parse_time(task.get("meetingAt"))
    if starts is None:
        raise ModelError(f"会议召开时间缺失或无法识别（“{str(task.get('meetingAt') or '')[:40]}”）："
                         "请管理员补填召开时间（meetingAt）后重试此环节")
    deadlines = ctx.deadlines()
    opening = max(now(), deadlines.before(starts, "meetingTopics"))
    agenda = max(now(), deadlines.before(starts, "meetingAgenda"))
    output: dict[str, Any] = {
        "meetingStartsAt": starts.astimezone(SHANGHAI).isoformat(timespec="seconds"),
        "topicsDue": opening.isoformat(timespec="seconds"),
        "agendaDue": agenda.isoformat(timespec="seconds"),
        "attendanceNote": None,
    }
    output.update(deadline_variables("minutesDue", deadlines.due("meetingMinutes", starts)))
    return output


def _lines(text: Any) -> list[str]:
    return [line for line in (normalize_text(part) for part in str(text or "").splitlines()) if line]


@router.topic("checkMeetingAttendance", variables=("meetingKind", "attendees"))
def check_meeting_attendance(task: Task) -> dict[str, Any]:
    enterprises = sorted(set(_lines(task.get("attendees"))))
    needed = MIN_ROUNDTABLE_ENTERPRISES if task.get("meetingKind") == "roundtable" else 1
    ok = len(enterprises) >= needed
    return {
        "attendanceOk": ok,
        "attendeeCount": len(enterprises),
        "attendanceNote": None if ok else f"恳谈会参会企业应不少于{needed}家，现为{len(enterprises)}家",
    }


def parse_items(text: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """The decided items, one per line; lines that are not items come back as errors (never dropped)."""
    items, errors = [], []
    for number, line in enumerate(_lines(text), start=1):
        parts = SEPARATOR.split(line)
        if len(parts) < 5 or not parts[0] or not parts[4]:
            errors.append(f"第{number}行格式不对（应为 企业名称｜统一社会信用代码｜联系人｜联系电话｜议定事项｜牵头单位｜当场解决）：{line[:60]}")
            continue
        parts += [""] * (len(ITEM_FIELDS) - len(parts))
        item = dict(zip(ITEM_FIELDS, parts, strict=False))
        item["settled"] = item["settled"].strip().lower() in YES
        item["line"] = number
        items.append(item)
    return items, errors


def _lead_id(value: str, departments: dict[str, str]) -> str | None:
    if not value:
        return None
    if value in departments:
        return value
    by_name = {name: gid for gid, name in departments.items()}
    return by_name.get(value) or by_name.get(f"县{value}")


@router.topic("createMeetingItems", variables=("decidedItems", "meetingTitle", "meetingStartsAt", "meetingKind"))
def create_meeting_items(task: Task, ctx: AppContext) -> dict[str, Any]:
    """Start one appeal per decided item (business key MTG-<meeting>-<line>: a redelivery starts none twice)."""
    departments = {g.id: g.name for g in chart_of(task, ctx).of_kind("department")}
    items, errors = parse_items(task.get("decidedItems"))
    created = []
    for item in items:
        key = f"MTG-{task.process_instance_id[:8]}-{item['line']}"
        existing = ctx.camunda.get("/history/process-instance", processInstanceBusinessKey=key,
                                   processDefinitionKey="EnterpriseAppeal")
        if existing:
            created.append({"businessKey": key, "processInstanceId": existing[0]["id"], "settled": item["settled"]})
            continue
        variables: dict[str, Any] = {
            "enterpriseName": item["enterpriseName"], "creditCode": item["creditCode"],
            "contactName": item["contactName"], "contactPhone": item["contactPhone"],
            "problemDescription": item["matter"], "requestedHelp": item["matter"],
            "channel": "meeting", "externalId": task.get("meetingTitle"), "appealKind": "help",
            "receivedAt": task.get("meetingStartsAt") or now().isoformat(timespec="seconds"),
            "dispatchSituation": "meeting", "settledAtMeeting": item["settled"],
        }
        if task.tenant_id:  # the meeting's county
            variables["countyCode"] = task.tenant_id
        lead = _lead_id(item["lead"], departments)
        if lead:
            variables["leadDepartment"] = lead
        try:
            result = ctx.camunda.correlate("AppealSubmitted", business_key=key, variables=variables)
        except CamundaError as exc:
            errors.append(f"第{item['line']}行未能转为诉求：{exc.message[:100]}")
            continue
        created.append({"businessKey": key, "processInstanceId": (result.get("processInstance") or {}).get("id"),
                        "settled": item["settled"]})
    return {"meetingItems": created, "meetingItemCount": len(created), "meetingItemErrors": errors or None}
