"""From a record in our field names to a `WorkOrder` (an appeal) or a `Rejected` (the quarantine).

Both sources (Open311, spreadsheet) first map their record onto the field names below, then call
`build_order`. Only what makes a record impossible to handle as an appeal rejects it (no order
number, no description, a received time that cannot be read); everything else — a missing or
wrong credit code, a bad phone number — starts the appeal, and the office corrects it in the
process's correction step (补正登记信息).

Fields: orderNumber, enterpriseName, creditCode, enterpriseAddress, contactName, contactPosition,
contactPhone, contactEmail, problemDescription, requestedHelp, category, appealKind, receivedAt,
updatedAt, status, withdrawReason, withdrawnAt, reminders [{id, at, text}],
survey {satisfaction, reallySolved, note, at}.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from ..validation import check_phone, normalize_free_text, normalize_text, split_phones, validate_registration
from ..vocabulary import CATEGORY_LABELS, REGISTRATION_FIELDS, AppealKind, Category, Channel, Satisfaction
from ..workdays import SHANGHAI
from . import Intake, Rejected, Reminder, Survey, WorkOrder
from .timeparse import EXCEL_EPOCH, BadTime, parse_datetime  # noqa: F401 - re-exported for the sources

FIELDS = (
    "orderNumber", "enterpriseName", "creditCode", "enterpriseAddress", "contactName", "contactPosition",
    "contactPhone", "contactEmail", "problemDescription", "requestedHelp", "category", "appealKind",
    "receivedAt", "updatedAt", "status", "withdrawReason", "withdrawnAt",
)
ORDER_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$")

# words a 12345 category or title may contain, first match wins (a 12345 category is often a path
# such as 经济管理-企业服务-用电报装)
CATEGORY_KEYWORDS = (
    ("power", ("用电", "供电", "电力", "停电", "电价", "增容")),
    ("land", ("用地", "土地", "规划许可", "不动产")),
    ("financing", ("融资", "贷款", "金融", "担保", "贴息")),
    ("labor", ("招工", "用工", "工资", "劳动", "社保")),
    ("talent", ("人才", "职称", "落户", "培训")),
    ("contract", ("合同", "欠款", "账款", "拖欠", "履约")),
    ("project", ("项目", "立项", "审批", "开工", "施工")),
    ("policy", ("政策", "补贴", "奖补", "扶持", "减税", "税费")),
    ("environment", ("营商环境", "软环境", "执法", "检查", "环境")),
    ("other", ("其它", "其他")),
)
# the words a 12345 record may use for our codes
KINDS: dict[AppealKind, tuple[str, ...]] = {
    AppealKind.CONSULTATION: ("咨询", "consultation"), AppealKind.HELP: ("求助", "求决", "help"),
    AppealKind.SUGGESTION: ("建议", "意见", "suggestion"), AppealKind.COMPLAINT: ("投诉", "举报", "complaint"),
}
SATISFACTION: dict[Satisfaction, tuple[str, ...]] = {
    Satisfaction.VERY_SATISFIED: ("very_satisfied", "非常满意", "很满意"),
    Satisfaction.SATISFIED: ("satisfied", "满意", "比较满意"),
    Satisfaction.BASICALLY_SATISFIED: ("basically_satisfied", "基本满意"),
    Satisfaction.DISSATISFIED: ("dissatisfied", "不满意", "很不满意", "非常不满意"),
}
YES = {"yes", "y", "true", "1", "是", "已解决", "解决", "真实解决"}
NO = {"no", "n", "false", "0", "否", "未解决", "没有解决"}
WITHDRAWN = {"withdrawn", "已撤回", "撤回", "撤单", "已撤单", "申请撤回"}


def iso(moment: dt.datetime | None) -> str | None:
    """Beijing-time ISO 8601 with offset, as the process variables use."""
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds") if moment else None


def clean_text(value: Any) -> str:
    """Free text (a reason, a note): appeals.validation.normalize_free_text (Chinese punctuation kept)."""
    return normalize_free_text(value)


def clean_order_number(value: Any) -> str:
    return re.sub(r"\s", "", normalize_text(value))


def map_category(value: Any) -> tuple[str, str | None]:
    """Our category code for a category code, name or 12345 category path; a note when guessed."""
    text = normalize_text(value)
    if not text:
        return "other", "工单未注明问题类别，暂归入“其它”，请核实后调整"
    if text.lower() in set(Category):
        return text.lower(), None
    for code, name in CATEGORY_LABELS.items():
        if text == name:
            return code, None
    for code, words in CATEGORY_KEYWORDS:
        if any(word in text for word in words):
            return code, None
    return "other", f"问题类别“{text[:30]}”无法对应，暂归入“其它”，请核实后调整"


def map_kind(value: Any) -> str | None:
    text = normalize_text(value).lower()
    if not text:
        return None
    for code, words in KINDS.items():
        if text == code or any(word in text for word in words):
            return code
    return None


def map_satisfaction(value: Any) -> str | None:
    text = normalize_text(value).lower().replace(" ", "")
    for code, words in SATISFACTION.items():
        if text in words:
            return code
    return None


def map_yes_no(value: Any) -> str | None:
    text = normalize_text(value).lower()
    if text in YES:
        return "yes"
    if text in NO:
        return "no"
    return None


def fingerprint(raw: Any) -> str:
    """A stable hash of a raw record (the same bad record is quarantined once)."""
    text = raw if isinstance(raw, str) else json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def jsonable(value: Any) -> Any:
    """A raw value made JSON-safe (datetimes as ISO text) for the registry and the quarantine."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _reminders(value: Any, notes: list[str]) -> tuple[Reminder, ...]:
    if not value:
        return ()
    items = value if isinstance(value, list) else [value]
    found: list[Reminder] = []
    for item in items:
        if not isinstance(item, Mapping):
            notes.append("一条催单记录格式不正确，已忽略")
            continue
        text = clean_text(item.get("text"))
        try:
            at = parse_datetime(item.get("at"))
        except BadTime:
            at = None
        rid = normalize_text(item.get("id")) or fingerprint([iso(at), text])[:16]
        found.append(Reminder(rid, at, text))
    return tuple(found)


def _survey(value: Any, notes: list[str]) -> Survey | None:
    if not value or not isinstance(value, Mapping):
        return None
    satisfaction = map_satisfaction(value.get("satisfaction"))
    if satisfaction is None:
        notes.append(f"12345回访满意度“{normalize_text(value.get('satisfaction'))[:20]}”无法识别，已忽略")
        return None
    solved = map_yes_no(value.get("reallySolved"))
    if solved is None:  # the hotline asks about satisfaction; unless told otherwise, dissatisfied = unsolved
        solved = "no" if satisfaction == "dissatisfied" else "yes"
    try:
        at = parse_datetime(value.get("at"))
    except BadTime:
        at = None
    return Survey(satisfaction, solved, clean_text(value.get("note")), at)


def build_order(fields: Mapping[str, Any], source: str, raw: Mapping[str, Any] | None = None,
                allow_serial: bool = False) -> Intake:
    """A work order, or the reasons (Chinese) why the record cannot be one."""
    raw_json = jsonable(dict(raw)) if raw is not None else None
    field_json = jsonable(dict(fields))
    order_number = clean_order_number(fields.get("orderNumber"))
    reasons: list[str] = []
    if not order_number:
        reasons.append("缺少工单编号")
    elif not ORDER_NUMBER.match(order_number):
        reasons.append(f"工单编号“{order_number[:40]}”格式不正确（只能是字母、数字、-和_，3至64位）")
    if not normalize_text(fields.get("problemDescription")):
        reasons.append("缺少诉求内容（主要困难和问题）")
    received = updated = withdrawn_at = None
    try:
        received = parse_datetime(fields.get("receivedAt"), allow_serial)
    except BadTime as exc:
        reasons.append(f"受理时间“{str(exc)[:40]}”无法识别")
    notes: list[str] = []
    try:
        updated = parse_datetime(fields.get("updatedAt"), allow_serial)
    except BadTime:
        notes.append("更新时间无法识别，已忽略")
    if reasons:
        return Rejected(source, "；".join(reasons), order_number or None, field_json, raw_json)
    try:
        withdrawn_at = parse_datetime(fields.get("withdrawnAt"), allow_serial)
    except BadTime:
        withdrawn_at = None
    category, note = map_category(fields.get("category"))
    if note:
        notes.append(note)
    values = {name: fields.get(name) for name in REGISTRATION_FIELDS}
    values.update(channel=Channel.HOTLINE, externalId=order_number, category=category,
                  appealKind=map_kind(fields.get("appealKind")))
    phones, _words = split_phones(values.get("contactPhone"))
    if phones and check_phone(values.get("contactPhone"))[1]:
        # "13912345678/13812345678", "139 1234 5678（王经理）": the order is kept with the first number;
        # the office sees the operator's whole text in 核实诉求 (importNotes)
        original = normalize_text(values["contactPhone"], fold=False)[:100]
        notes.append(f"12345工单联系电话为“{original}”，已取第一个号码{phones[0]}作为联系电话")
        values["contactPhone"] = phones[0]
    other_phones = ",".join(phones[1:]) or None  # the enterprise's other numbers: its lookup takes any
    checked = validate_registration(values, require_credit_code=False)
    registration = {name: checked.normalized.get(name) for name in REGISTRATION_FIELDS}
    registration.update(channel=Channel.HOTLINE, externalId=order_number, category=category,
                        appealKind=values["appealKind"], receivedAt=iso(received))
    # what the import decided for the office (e.g. 其它 for an order without a service code), shown in 核实
    registration["importNotes"] = "；".join(notes) or None
    registration["otherContactPhones"] = other_phones
    notes.extend(checked.errors)  # the process's validation asks the office to correct these
    status = normalize_text(fields.get("status")).lower()
    withdrawn = status in WITHDRAWN
    return WorkOrder(
        order_number=order_number,
        source=source,
        registration=registration,
        received_at=received,
        updated_at=updated,
        withdrawn=withdrawn,
        withdraw_reason=(clean_text(fields.get("withdrawReason")) or "12345平台撤回工单") if withdrawn else None,
        withdrawn_at=withdrawn_at,
        reminders=_reminders(fields.get("reminders"), notes),
        survey=_survey(fields.get("survey"), notes),
        fields=field_json,
        raw=raw_json or field_json,
        notes=notes,
    )
