"""The appeal's vocabulary: every status and code list, each once, with its Chinese labels.

Codes are the values the engine stores in process variables (and the forms offer as options); they are
`StrEnum` members, so `AppealStatus.CLOSED == "closed"` and a member written into a variable is the
plain string. Labels are dicts keyed by the enum, one per audience:

- staff (the office, departments, leaders: ledger, bulletin, documents, Tasklist texts);
- public (the enterprise: the public lookup page);
- hotline (the 12345 platform: status notes and the spreadsheet export).

`CODE_LISTS` names the enum behind each process variable; tests/static/test_vocabulary.py checks that every
value a BPMN condition compares a variable with and every option a form offers is a member.

Sources: categories spec §6 (T 附件1), result classes L 第十七条, satisfaction T 附件5.
"""

from __future__ import annotations

from enum import StrEnum


class AppealStatus(StrEnum):
    """The process variable `appealStatus` (set by the handlers) and the ledger's derived `status`.

    `RETURNED` and `FOLLOWED_UP` are derived by the ledger only (ledger/recording.py `derive_status`)."""

    REGISTERED = "registered"
    ROUTING = "routing"
    AWAITING_APPROVAL = "awaiting_approval"
    DISPATCHED = "dispatched"
    TRANSFERRED_TO_CITY = "transferred_to_city"
    RETURNED = "returned"
    HANDLING = "handling"
    EXTENSION_REQUESTED = "extension_requested"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    RESULT_REPORTED = "result_reported"
    ON_SUPERVISION_LEDGER = "on_supervision_ledger"
    REWORK = "rework"
    UNDER_REVIEW = "under_review"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"


S = AppealStatus

STAFF_STATUS_LABELS: dict[AppealStatus, str] = {
    S.REGISTERED: "已登记待交办",
    S.ROUTING: "研究交办中",
    S.AWAITING_APPROVAL: "交办方案审批中",
    S.DISPATCHED: "已交办待签收",
    S.TRANSFERRED_TO_CITY: "已转报市级",
    S.RETURNED: "已退回待重新交办",
    S.HANDLING: "办理中",
    S.EXTENSION_REQUESTED: "申请延期审批中",
    S.OVERDUE: "已超期督办中",
    S.ESCALATED: "已提请上级协调",
    S.RESULT_REPORTED: "已报送结果待回访",
    S.ON_SUPERVISION_LEDGER: "督办台账（B/C类）",
    S.REWORK: "不满意重新办理",
    S.UNDER_REVIEW: "不满意诉求核查",
    S.FOLLOWED_UP: "已回访待销号",
    S.CLOSED: "已销号",
}
"""For the office: ledger workbook and bulletin ('办理状态')."""

PUBLIC_STATUS_LABELS: dict[AppealStatus, str] = {
    S.REGISTERED: "已登记，正在核实情况",
    S.ROUTING: "正在研究交办",
    S.AWAITING_APPROVAL: "交办方案审批中",
    S.DISPATCHED: "已交办承办单位",
    S.TRANSFERRED_TO_CITY: "已转报市级部门办理",
    S.RETURNED: "正在研究交办",
    S.HANDLING: "承办单位正在办理",
    S.EXTENSION_REQUESTED: "承办单位正在办理（申请延期中）",
    S.OVERDUE: "承办单位正在办理（已超过时限，正在督办）",
    S.ESCALATED: "已提请上级领导协调办理",
    S.RESULT_REPORTED: "已答复，待回访",
    S.ON_SUPERVISION_LEDGER: "已答复，列入督办台账持续跟踪",
    S.REWORK: "重新办理中",
    S.UNDER_REVIEW: "专班核查中",
    S.FOLLOWED_UP: "已回访，正在办结",
    S.CLOSED: "已办结",
}
"""For the enterprise: the public progress lookup."""

HOTLINE_STATUS_LABELS: dict[AppealStatus, str] = {
    S.REGISTERED: "已登记待核实", S.ROUTING: "分办中", S.AWAITING_APPROVAL: "交办审批中", S.DISPATCHED: "已交办",
    S.TRANSFERRED_TO_CITY: "已转报市级", S.HANDLING: "办理中", S.EXTENSION_REQUESTED: "延期审批中",
    S.RESULT_REPORTED: "已答复待回访", S.ON_SUPERVISION_LEDGER: "列入督办台账", S.REWORK: "重新办理中",
    S.UNDER_REVIEW: "不满意审核中", S.CLOSED: "已办结",
}
"""For the 12345 platform: the spreadsheet export's '办理状态' (a status missing here is exported as
'登记中', as before: overdue, escalated)."""

PUBLIC_HANDLING_STATUSES = frozenset({S.DISPATCHED, S.TRANSFERRED_TO_CITY, S.HANDLING, S.EXTENSION_REQUESTED,
                                      S.OVERDUE})
"""Statuses during which the public page shows the handling deadline."""


class Channel(StrEnum):
    """`channel`: how the appeal came in."""

    HOTLINE = "hotline"
    ONLINE = "online"
    VISIT = "visit"
    TRANSFER = "transfer"
    SELF_REPORT = "self_report"
    MEETING = "meeting"


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.HOTLINE: "来电反映(12345)",
    Channel.ONLINE: "线上问卷",
    Channel.VISIT: "领导走访",
    Channel.TRANSFER: "部门转办",
    Channel.SELF_REPORT: "来人来函",
    Channel.MEETING: "恳谈会接待日",
}


class Category(StrEnum):
    """`category`: the problem category (spec §6)."""

    POLICY = "policy"
    CONTRACT = "contract"
    LAND = "land"
    POWER = "power"
    FINANCING = "financing"
    TALENT = "talent"
    LABOR = "labor"
    PROJECT = "project"
    ENVIRONMENT = "environment"
    OTHER = "other"


CATEGORY_LABELS: dict[Category, str] = {
    Category.POLICY: "政策执行",
    Category.CONTRACT: "合同履行",
    Category.LAND: "用地审批",
    Category.POWER: "用电保障",
    Category.FINANCING: "融资服务",
    Category.TALENT: "人才服务",
    Category.LABOR: "招工用工",
    Category.PROJECT: "项目推动",
    Category.ENVIRONMENT: "软环境建设",
    Category.OTHER: "其它",
}


class AppealKind(StrEnum):
    """`appealKind`."""

    CONSULTATION = "consultation"
    HELP = "help"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"


APPEAL_KIND_LABELS: dict[AppealKind, str] = {
    AppealKind.CONSULTATION: "咨询", AppealKind.HELP: "求助", AppealKind.SUGGESTION: "建议",
    AppealKind.COMPLAINT: "投诉",
}


class ResultClass(StrEnum):
    """`resultClass` (L 第十七条): A solved, B being solved, C cannot be solved now."""

    A = "A"
    B = "B"
    C = "C"


RESULT_CLASS_LABELS: dict[ResultClass, str] = {
    ResultClass.A: "已经解决或基本解决",
    ResultClass.B: "正在解决或列入规划逐步解决",
    ResultClass.C: "目前条件限制或其他原因需以后解决",
}
RESULT_CLASS_NAMES: dict[ResultClass, str] = {code: f"{code}类（{label}）" for code, label in RESULT_CLASS_LABELS.items()}
"""The one name of a class wherever it is shown (A类（已经解决或基本解决）): the forms' options and views
(tests/static/test_forms.py keeps them equal), the documents, the similar-case hints (tester 5 F10)."""
RESULT_CLASS_SHORT: dict[ResultClass, str] = {ResultClass.A: "已解决", ResultClass.B: "正在解决",
                                              ResultClass.C: "暂不能解决"}
"""The short form: the ledger's '是否解决' and the 12345 status note."""
SUPERVISED_RESULT_CLASSES = frozenset({ResultClass.B, ResultClass.C})
"""B and C stay on the supervision ledger (督办台账)."""


class Satisfaction(StrEnum):
    """`satisfaction` / `lastSatisfaction` (T 附件5, in the order printed on the form)."""

    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


SATISFACTION_LABELS: dict[Satisfaction, str] = {
    Satisfaction.VERY_SATISFIED: "非常满意",
    Satisfaction.SATISFIED: "比较满意",
    Satisfaction.BASICALLY_SATISFIED: "基本满意",
    Satisfaction.DISSATISFIED: "不满意",
}
SATISFIED_LEVELS = frozenset({Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED,
                              Satisfaction.BASICALLY_SATISFIED})
"""The answers that count as satisfied (with a really solved problem: close)."""


class YesNo(StrEnum):
    """`reallySolved`, `lookBackSolved`."""

    YES = "yes"
    NO = "no"


class CloseReason(StrEnum):
    """`closeReason`, set by closeAppeal (handlers/followup.py `close_reason`)."""

    SATISFIED = "satisfied"
    OUT_OF_SCOPE = "out_of_scope"
    EXPLAINED = "explained"
    EXPLAINED_AFTER_REVIEW = "explained_after_review"
    WITHDRAWN = "withdrawn"
    SETTLED_AT_MEETING = "settled_at_meeting"
    MERGED = "merged"  # a duplicate merged into another appeal of the same enterprise (issue 16)


CLOSE_REASON_LABELS: dict[CloseReason, str] = {
    CloseReason.SATISFIED: "企业满意销号",
    CloseReason.OUT_OF_SCOPE: "不予受理",
    CloseReason.EXPLAINED: "说明情况后办结",
    CloseReason.EXPLAINED_AFTER_REVIEW: "核查后说明情况办结",
    CloseReason.WITHDRAWN: "工单撤回",
    CloseReason.MERGED: "重复反映，合并办理",
}
"""For the office: the ledger workbook's '办结方式' (settled_at_meeting is printed as its code, as before)."""
LOOK_BACK_CLOSE_REASON_LABELS: dict[CloseReason, str] = {
    CloseReason.SATISFIED: "企业满意销号", CloseReason.EXPLAINED: "说明情况后办结",
    CloseReason.EXPLAINED_AFTER_REVIEW: "专班核查后办结", CloseReason.SETTLED_AT_MEETING: "会上即知即办",
}
"""The closed appeals the December look-back re-checks (its keys), with the label its form shows."""
PUBLIC_CLOSE_REASON_LABELS: dict[CloseReason, str] = {
    CloseReason.SATISFIED: "已办结销号",
    CloseReason.OUT_OF_SCOPE: "不属于受理范围，已说明理由",
    CloseReason.EXPLAINED: "已说明情况后办结",
    CloseReason.EXPLAINED_AFTER_REVIEW: "经专班核查，已说明情况后办结",
    CloseReason.WITHDRAWN: "已撤回",
    CloseReason.SETTLED_AT_MEETING: "已在会上办结",
    CloseReason.MERGED: "与您此前反映的同一问题合并办理",
}
HOTLINE_CLOSE_REASON_LABELS: dict[CloseReason, str] = {
    CloseReason.SATISFIED: "企业满意，已办结销号", CloseReason.OUT_OF_SCOPE: "不属于受理范围，已向企业说明",
    CloseReason.EXPLAINED: "已向企业说明情况后办结",
    CloseReason.EXPLAINED_AFTER_REVIEW: "经专班审核，已说明情况后办结",
    CloseReason.WITHDRAWN: "工单已撤回，已销号",
    CloseReason.MERGED: "与企业此前反映的同一问题合并办理",
}


class ReplyMethod(StrEnum):
    """`replyMethod` (HandleAppealForm) and `answerMethod` (AnswerConsultationForm)."""

    IN_PERSON = "in_person"
    WRITTEN = "written"
    PHONE = "phone"


REPLY_METHOD_LABELS: dict[ReplyMethod, str] = {ReplyMethod.IN_PERSON: "面复", ReplyMethod.WRITTEN: "书面答复",
                                               ReplyMethod.PHONE: "电话答复"}


class FollowUpMethod(StrEnum):
    """`followUpMethod`; `online` is the public survey page, `hotline` the 12345 platform's survey."""

    PHONE = "phone"
    VISIT = "visit"
    HOTLINE = "hotline"
    ONLINE = "online"


FOLLOW_UP_METHOD_LABELS: dict[FollowUpMethod, str] = {
    FollowUpMethod.PHONE: "电话回访", FollowUpMethod.VISIT: "实地走访", FollowUpMethod.HOTLINE: "12345回访",
    FollowUpMethod.ONLINE: "在线评价",
}


class FollowUpOutcome(StrEnum):
    """`followUpOutcome`, set by recordFollowUp."""

    CLOSE = "close"
    REWORK = "rework"
    REVIEW = "review"


class CityRoundKind(StrEnum):
    """`cityRoundKind`: what a transferred appeal's city department does after a dissatisfied follow-up
    (domain §12, docs/city-level.md): set on the county's flows into Task_SendFollowUpToCity."""

    REWORK = "rework"
    REVIEW_FORM = "review_form"
    SUPERVISION = "supervision"


class DispatchSituation(StrEnum):
    """`dispatchSituation` (交办情形, ProposeDispatchForm)."""

    SINGLE = "single"
    MULTI = "multi"
    MAJOR = "major"
    CITY = "city"
    MEETING = "meeting"


class CitySituation(StrEnum):
    """`citySituation` (市级交办情形, CityDispatchProposalForm; dmn/CityDispatchApproval.dmn, 临沧 第十三条)."""

    SINGLE = "single"
    MULTI = "multi"
    COMPLEX = "complex"
    MAJOR = "major"


class ScopeDecision(StrEnum):
    """`scopeDecision` (VerifyAppealForm)."""

    ACCEPT = "accept"
    CONSULTATION = "consultation"
    OUT_OF_SCOPE = "out_of_scope"
    MERGE = "merge"  # a duplicate: merged into another appeal of the same enterprise (issue 16)


class SignDecision(StrEnum):
    """`signDecision` (SignDispatchForm)."""

    SIGN = "sign"
    RETURN = "return"


class HandlingAction(StrEnum):
    """`handlingAction` (HandleAppealForm)."""

    REPORT = "report"
    EXTENSION = "extension"
    ESCALATE = "escalate"


class ApprovalDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class ExtensionDecision(StrEnum):
    APPROVE = "approve"
    DENY = "deny"


class CoordinationDecision(StrEnum):
    RESOLVED = "resolved"
    PASS_UP = "pass_up"


class RecheckDecision(StrEnum):
    SOLVED = "solved"
    IN_PROGRESS = "in_progress"
    EXPLAINED = "explained"


class ReviewDecision(StrEnum):
    CLOSE_WITH_EXPLANATION = "close_with_explanation"
    SPECIAL_SUPERVISION = "special_supervision"


class PublishDecision(StrEnum):
    PUBLISH = "publish"
    HOLD = "hold"


class BulletinLevel(StrEnum):
    """`bulletinLevel` (MonthlyBulletin): whose monthly bulletin an instance makes — a county's, reviewed by
    its office, or the city's own (临沧 第十九条), reviewed by the city's office (`city-center`)."""

    COUNTY = "county"
    CITY = "city"


class MeetingKind(StrEnum):
    ROUNDTABLE = "roundtable"
    RECEPTION_DAY = "reception_day"


class Card(StrEnum):
    """`cardKind` and `previousCard` (dmn/CardLadder.dmn): the card a late department is shown."""

    NONE = "none"
    YELLOW = "yellow"
    RED = "red"


CARD_LABELS: dict[Card, str] = {Card.YELLOW: "黄牌", Card.RED: "红牌"}
"""The card's name in Chinese text (`none` is no card and has no label)."""


class SupervisionLevel(StrEnum):
    """`supervisionLevel` (dmn/CardLadder.dmn's second input; the card ledger's `level`): whose 催办函 and
    card — a county's department's, or a city department's (临沧 第十八条: the city supervises as a county)."""

    COUNTY = "county"
    CITY = "city"


class Interview(StrEnum):
    """`interview` (约谈, from dmn/CardLadder.dmn, which also names its group and title); `none` when
    the card comes without one."""

    NONE = "none"
    TASK_FORCE = "task_force"
    LEADER = "leader"


class Escalation(StrEnum):
    """The card ledger's `escalation` (后续措施): what follows the card, from its `interview`."""

    DEPUTY_INTERVIEW = "deputy_interview"
    PRINCIPAL_INTERVIEW = "principal_interview"


ESCALATION_OF_INTERVIEW: dict[Interview, Escalation] = {Interview.TASK_FORCE: Escalation.DEPUTY_INTERVIEW,
                                                        Interview.LEADER: Escalation.PRINCIPAL_INTERVIEW}
"""CardLadder's `interview` → the escalation the card ledger records (`none` records none)."""

ESCALATION_LABELS: dict[Escalation, str] = {Escalation.DEPUTY_INTERVIEW: "约谈分管负责人",
                                            Escalation.PRINCIPAL_INTERVIEW: "约谈主要负责人"}



CODE_LISTS: dict[str, type[StrEnum]] = {
    "bulletinLevel": BulletinLevel,
    "appealStatus": AppealStatus,
    "channel": Channel,
    "category": Category,
    "appealKind": AppealKind,
    "resultClass": ResultClass,
    "revisedResultClass": ResultClass,  # the new answer of a rework or special supervision (docs/rules.md)
    "satisfaction": Satisfaction,
    "lastSatisfaction": Satisfaction,
    "reallySolved": YesNo,
    "lookBackSolved": YesNo,
    "closeReason": CloseReason,
    "replyMethod": ReplyMethod,
    "answerMethod": ReplyMethod,
    "followUpMethod": FollowUpMethod,
    "followUpOutcome": FollowUpOutcome,
    "cityRoundKind": CityRoundKind,
    "dispatchSituation": DispatchSituation,
    "citySituation": CitySituation,
    "scopeDecision": ScopeDecision,
    "signDecision": SignDecision,
    "handlingAction": HandlingAction,
    "approvalDecision": ApprovalDecision,
    "extensionDecision": ExtensionDecision,
    "coordinationDecision": CoordinationDecision,
    "recheckDecision": RecheckDecision,
    "reviewDecision": ReviewDecision,
    "publishDecision": PublishDecision,
    "meetingKind": MeetingKind,
    "interview": Interview,
    "cardKind": Card,
    "previousCard": Card,
}
"""The enum of each coded process variable (forms' option values and BPMN conditions use these)."""

REGISTRATION_FIELDS: tuple[str, ...] = (
    "enterpriseName", "creditCode", "enterpriseAddress", "contactName", "contactPosition", "contactPhone",
    "contactEmail", "channel", "externalId", "appealKind", "category", "problemDescription", "requestedHelp",
)
"""The registration's process variables (登记表), as validated by `validation.validate_registration`."""

