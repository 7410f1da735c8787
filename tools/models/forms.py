"""Bootstrap of forms/*.form: Camunda Forms (form-js schema 16, as Tasklist 7.24 renders it).

Run `python tools/models/forms.py` to regenerate; afterwards the .form files are ordinary Camunda
Modeler forms. Field keys are the process variables of docs/data-dictionary.md.
"""

from __future__ import annotations

import json
from pathlib import Path

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"

CHANNELS = [("来电反映（12345热线）", "hotline"), ("线上问卷（扫码填报）", "online"), ("领导入企走访", "visit"),
            ("部门转办", "transfer"), ("来人来函/电话/邮件", "self_report"), ("恳谈会/接待日", "meeting")]
CATEGORIES = [("政策执行", "policy"), ("合同履行", "contract"), ("用地审批", "land"), ("用电保障", "power"),
              ("融资服务", "financing"), ("人才服务", "talent"), ("招工用工", "labor"), ("项目推动", "project"),
              ("软环境建设", "environment"), ("其它", "other")]
KINDS = [("咨询", "consultation"), ("求助", "help"), ("建议", "suggestion"), ("投诉", "complaint")]
RESULT_CLASSES = [("A类：已经解决或基本解决", "A"), ("B类：正在解决或列入规划逐步解决", "B"),
                  ("C类：目前条件限制或其他原因需以后解决", "C")]
SATISFACTION = [("非常满意", "very_satisfied"), ("比较满意", "satisfied"), ("基本满意", "basically_satisfied"),
                ("不满意", "dissatisfied")]
SITUATIONS = [("情况清楚，只需一个部门办理（主任审批，2个工作日内交办）", "single"),
              ("涉及多个部门、情况相对复杂（分管副县长审批，3个工作日内交办）", "multi"),
              ("重大事项，需县主要领导召集专题会议研究（县长审批）", "major"),
              ("超出县级权限，需转报市级协调（县长审批后转报）", "city"),
              ("恳谈会、接待日议定事项（服企办交办，1个工作日内）", "meeting")]
PHONE = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"
USCC = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"

def _id(prefix: str, key: str) -> str:
    return f"{prefix}_{key}"


def absent(variable: str) -> str:
    """FEEL: hide when the variable is missing or empty."""
    return f'={variable} = null or {variable} = ""'


def text(markdown: str, key: str, hide: str | None = None) -> dict:
    component = {"id": _id("Text", key), "type": "text", "text": markdown}
    if hide:
        component["conditional"] = {"hide": hide}
    return component


def field(type_: str, key: str, label: str, required: bool = False, readonly: bool = False,
          description: str | None = None, hide: str | None = None, **validate) -> dict:
    component: dict = {"id": _id("Field", key), "key": key, "label": label, "type": type_}
    if description:
        component["description"] = description
    rules = {"required": required} if required else {}
    rules.update(validate)
    if rules and not readonly:
        component["validate"] = rules
    if readonly:
        component["readonly"] = True
    if hide:
        component["conditional"] = {"hide": hide}
    return component


def textfield(key, label, required=False, **kw):
    return field("textfield", key, label, required, **kw)


def textarea(key, label, required=False, max_length=5000, **kw):
    if not kw.get("readonly"):
        kw.setdefault("maxLength", max_length)
    return field("textarea", key, label, required, **kw)


def choice(type_, key, label, values, required=True, **kw):
    component = field(type_, key, label, required, **kw)
    component["values"] = [{"label": lbl, "value": val} for lbl, val in values]
    return component


def select(key, label, values, required=True, **kw):
    return choice("select", key, label, values, required, **kw)


def radio(key, label, values, required=True, **kw):
    return choice("radio", key, label, values, required, **kw)


def dynamic_select(key, label, values_key, required=True, multiple=False, **kw):
    component = field("taglist" if multiple else "select", key, label, required, **kw)
    component["valuesKey"] = values_key
    return component


def summary() -> list[dict]:
    """The appeal as staff need to see it on every task (read-only)."""
    return [
        text("**登记编号：** {{registrationNumber}}　**企业：** {{enterpriseName}}　**联系人：** {{contactName}}",
             "AppealSummary"),
        textarea("problemDescription", "主要困难和问题", readonly=True),
        textarea("requestedHelp", "希望协调解决的具体事项", readonly=True),
    ]


def form(form_id: str, title: str, components: list[dict]) -> dict:
    return {
        "id": form_id,
        "type": "default",
        "components": [text(f"## {title}", "Title")] + components,
        "executionPlatform": "Camunda Platform",
        "executionPlatformVersion": "7.24.0",
        "exporter": {"name": "appeals forms bootstrap", "version": "1.0"},
        "schemaVersion": 16,
    }


FORMS = [
    form("AppealRegistrationForm", "企业反映困难问题登记表", [
        text("**请补正以下登记信息：** {{registrationErrors}}", "RegistrationErrors", hide=absent("registrationErrors")),
        textfield("enterpriseName", "企业名称", True, maxLength=100),
        textfield("creditCode", "统一社会信用代码", True, description="18位，末位为校验码（GB 32100-2015）",
                  pattern=USCC, minLength=18, maxLength=18),
        textfield("enterpriseAddress", "详细地址", True, maxLength=200),
        textfield("contactName", "联系人", True, maxLength=50),
        textfield("contactPosition", "职务", maxLength=50),
        textfield("contactPhone", "联系电话", True, description="手机号或带区号的座机号", pattern=PHONE),
        textfield("contactEmail", "电子邮箱", validationType="email", maxLength=100),
        select("channel", "反映形式", CHANNELS),
        textfield("externalId", "来源编号", description="如12345工单号，没有可不填", maxLength=64),
        select("appealKind", "诉求类型", KINDS),
        select("category", "问题类别", CATEGORIES),
        textarea("problemDescription", "主要困难和问题", True),
        textarea("requestedHelp", "希望协调解决的具体事项", True),
    ]),
    form("VerifyAppealForm", "核实诉求并判定受理范围", summary() + [
        select("category", "问题类别", CATEGORIES),
        select("appealKind", "诉求类型", KINDS),
        textarea("verifyNote", "与企业核实情况", True, max_length=2000),
        radio("scopeDecision", "受理意见", [
            ("纳入办理（求助、建议、投诉）", "accept"),
            ("咨询类，直接答复", "consultation"),
            ("不予受理（涉诉、仲裁、行政复议或涉密事项）", "out_of_scope"),
        ]),
        textarea("outOfScopeReason", "不予受理的理由（将告知企业）", True, max_length=2000,
                 hide="=scopeDecision != \"out_of_scope\""),
    ]),
    form("AnswerConsultationForm", "答复咨询类诉求", summary() + [
        textarea("consultationAnswer", "答复内容（政策依据、办理渠道）", True),
        select("answerMethod", "答复方式", [("电话答复", "phone"), ("书面答复", "written"), ("当面答复", "in_person")]),
    ]),
    form("ProposeDispatchForm", "拟定交办意见", summary() + [
        text("**上次审批意见：** {{approvalComment}}", "LastApproval", hide=absent("approvalComment")),
        text("**承办单位退回理由：** {{returnReason}}", "LastReturn", hide=absent("returnReason")),
        text("系统建议牵头单位：{{suggestedLeadName}}；建议配合单位：{{suggestedAssistingNames}}", "Suggestion"),
        dynamic_select("leadDepartment", "牵头承办单位", "departmentOptions"),
        dynamic_select("assistingDepartments", "配合办理单位", "departmentOptions", required=False, multiple=True),
        radio("dispatchSituation", "交办情形", SITUATIONS),
        textarea("dispatchNote", "拟办意见", True, max_length=2000),
    ]),
    form("ApproveDispatchForm", "审批交办方案", summary() + [
        text("**拟办意见：** {{dispatchNote}}\n\n牵头单位：{{leadDepartmentName}}；配合单位：{{assistingDepartmentNames}}",
             "Proposal"),
        text("**本事项需提请召开专题会议研究。**", "SpecialMeeting", hide="=specialMeetingRequired != true"),
        radio("approvalDecision", "审批意见", [("同意交办", "approve"), ("退回修改", "reject")]),
        textarea("approvalComment", "批示意见", True, max_length=2000),
    ]),
    form("SignDispatchForm", "签收交办单并联系企业", summary() + [
        text("交办编号：{{dispatchNumber}}；办结时限：{{handlingDue}}", "DispatchInfo"),
        radio("signDecision", "签收意见", [("签收办理", "sign"), ("不属于本单位职责，退回服企办", "return")]),
        textarea("returnReason", "退回理由", True, max_length=2000, hide="=signDecision != \"return\""),
        textfield("handlerName", "具体承办人", True, maxLength=50, hide="=signDecision = \"return\""),
        field("checkbox", "enterpriseContacted", "已与企业取得联系", hide="=signDecision = \"return\""),
    ]),
    form("AssistOpinionForm", "提出配合办理意见", summary() + [
        text("牵头单位：{{leadDepartmentName}}", "Lead"),
        textarea("assistOpinion", "配合办理意见", True, max_length=3000),
    ]),
    form("HandleAppealForm", "办理诉求并答复企业", summary() + [
        text("**配合单位意见：**\n\n{{assistOpinionsText}}", "AssistOpinions", hide=absent("assistOpinionsText")),
        text("**延期：** {{extensionNotice}}", "ExtensionNotice", hide=absent("extensionNotice")),
        text("**上级协调意见（请抓紧落实）：** {{coordinationOpinion}}", "Coordination",
             hide=absent("coordinationOpinion")),
        text("**催办：** 已超过办理时限，{{reminderNumber}}", "Overdue", hide=absent("reminderNumber")),
        radio("handlingAction", "本次操作", [("报送办理结果", "report"), ("申请延期", "extension"),
                                          ("本单位无法解决，提请上级协调", "escalate")]),
        textarea("escalationReason", "无法解决的原因及需协调的事项", True, max_length=3000,
                 hide="=handlingAction != \"escalate\""),
        radio("resultClass", "办理结果类别", RESULT_CLASSES, hide="=handlingAction != \"report\""),
        textarea("replyText", "答复企业内容（面复或书面答复）", True, hide="=handlingAction != \"report\""),
        select("replyMethod", "答复方式", [("面复", "in_person"), ("书面答复", "written"), ("电话答复", "phone")],
               hide="=handlingAction != \"report\""),
        field("number", "extensionDays", "申请延长工作日数", True, hide="=handlingAction != \"extension\"",
              min=1, max=20),
        textarea("extensionReason", "延期理由", True, max_length=2000, hide="=handlingAction != \"extension\""),
    ]),
    form("ApproveExtensionForm", "审批延期申请", summary() + [
        text("承办单位：{{handlerGroupName}}；已申请延期 {{extensionCount}} 次；当前时限：{{handlingDue}}",
             "ExtensionState"),
        text("**申请延长：** {{extensionDays}} 个工作日；理由：{{extensionReason}}\n\n按规定最迟可延至：{{extensionCapDue}}",
             "ExtensionRequest"),
        radio("extensionDecision", "审批意见", [("同意延期", "approve"), ("不同意延期", "deny")]),
        textarea("extensionComment", "审批说明", True, max_length=1000),
    ]),
    form("RecheckProgressForm", "复查督办台账事项", summary() + [
        text("办理结果类别：{{resultClass}}；承办单位答复：{{replyText}}", "LastResult"),
        textarea("recheckNote", "复查情况", True, max_length=3000),
        radio("recheckDecision", "复查结论", [("已经解决，转回访", "solved"), ("仍在办理，继续督办", "in_progress"),
                                          ("暂不具备解决条件，已向企业说明，办结", "explained")]),
    ]),
    form("FollowUpForm", "回访企业并评价满意度", summary() + [
        text("办理结果：{{resultClass}}　答复：{{replyText}}{{consultationAnswer}}", "Result"),
        select("followUpMethod", "回访方式", [("电话回访", "phone"), ("实地走访", "visit"), ("12345回访", "hotline")]),
        radio("reallySolved", "问题是否真实解决", [("是", "yes"), ("否", "no")]),
        radio("satisfaction", "企业满意度", SATISFACTION),
        textarea("followUpNote", "回访记录（实效性、企业意见建议）", True, max_length=3000),
    ]),
    form("ReworkAppealForm", "重新办理并答复企业", summary() + [
        text("**企业不满意：** {{followUpNote}}（第{{handlingRound}}轮办理）", "Dissatisfaction"),
        radio("resultClass", "办理结果类别", RESULT_CLASSES),
        textarea("replyText", "重新答复企业内容", True),
    ]),
    form("DissatisfactionReviewForm", "企业诉求“接诉即办”不满意诉求审核反馈表", summary() + [
        text("经两次办理答复，企业仍不满意：{{followUpNote}}", "Dissatisfaction"),
        textarea("reviewExplanation", "办理情况及不满意原因说明", True, max_length=5000),
        textfield("departmentHeadName", "单位主要负责同志（签字）", True, maxLength=50),
        field("checkbox", "headSigned", "已由单位主要负责同志签字并加盖单位公章", True),
    ]),
    form("ReviewDissatisfactionForm", "专班核查不满意诉求", summary() + [
        text("**承办单位说明：** {{reviewExplanation}}（负责人：{{departmentHeadName}}）", "Explanation"),
        textarea("reviewOpinion", "核查意见", True, max_length=3000),
        radio("reviewDecision", "核查结论", [("理由充分，说明情况后办结", "close_with_explanation"),
                                         ("实行专项督办，直至问题解决", "special_supervision")]),
    ]),
    form("SpecialSupervisionForm", "专项督办办理", summary() + [
        text("**专班核查意见：** {{reviewOpinion}}", "ReviewOpinion"),
        radio("resultClass", "办理结果类别", RESULT_CLASSES),
        textarea("replyText", "办理情况及答复企业内容", True),
    ]),
]

COORDINATION = [
    form("CoordinateAppealForm", "领导协调企业诉求", summary() + [
        text("**承办单位：** {{handlerGroupName}}\n\n**提请协调原因：** {{escalationReason}}", "Escalation"),
        text("**下级协调意见：** {{coordinationOpinion}}", "LowerOpinion", hide=absent("coordinationOpinion")),
        radio("coordinationDecision", "协调结论", [("已协调解决，交承办单位落实", "resolved"),
                                              ("本级无法解决，报请上级协调", "pass_up")]),
        textarea("coordinationOpinion", "协调意见（会议决定或批示）", True, max_length=3000),
    ]),
    form("CityCoordinationForm", "市企业服务中心协调办理", summary() + [
        text("**转报编号：** {{transferNumber}}\n\n**县级协调情况：** {{coordinationOpinion}}", "Transfer"),
        textarea("coordinationOpinion", "市级协调意见（交县直部门落实）", True, max_length=3000),
    ]),
    form("InterviewForm", "约谈承办单位负责人", summary() + [
        text("**{{interviewTitle}}**：{{cardDepartmentName}}被亮{{cardKind}}牌（{{reminderNumber}}）", "Card"),
        textfield("interviewedPerson", "被约谈人及职务", True, maxLength=100),
        textarea("interviewNote", "约谈记录及整改要求", True, max_length=3000),
    ]),
]
MEETING_KINDS = [("亲清政企恳谈会", "roundtable"), ("县长（副县长）服务企业接待日", "reception_day")]
ITEM_HELP = ("每行一项，用“｜”分隔：企业名称｜统一社会信用代码｜联系人｜联系电话｜议定事项｜牵头单位（可空）｜"
             "当场解决（是/否）")
MEETINGS = [
    form("MeetingPlanForm", "筹备恳谈会或接待日", [
        select("meetingKind", "会议类型", MEETING_KINDS),
        textfield("meetingTitle", "会议名称", True, maxLength=100),
        field("datetime", "meetingAt", "召开时间", True),
        textfield("hostLeader", "主持领导", True, maxLength=50),
        textfield("meetingPlace", "地点", maxLength=100),
    ]),
    form("CollectTopicsForm", "收集议题", [
        text("**{{meetingTitle}}**（{{meetingAt}}）", "Meeting"),
        textarea("topics", "议题（每行一项：企业｜困难问题｜意见建议）", True, max_length=20000),
    ]),
    form("FixAgendaForm", "确定议程和参会企业", [
        text("**{{meetingTitle}}**（{{meetingAt}}）", "Meeting"),
        text("**请调整：** {{attendanceNote}}", "Attendance", hide=absent("attendanceNote")),
        textarea("agenda", "会议议程", True, max_length=5000),
        textarea("attendees", "参会企业（每行一家；恳谈会不少于10家）", True, max_length=5000),
    ]),
    form("RecordMinutesForm", "记录会议纪要和议定事项", [
        text("**{{meetingTitle}}**", "Meeting"),
        textarea("minutesText", "会议纪要", True, max_length=20000),
        textarea("decidedItems", "议定事项", True, description=ITEM_HELP, max_length=20000),
    ]),
]
LOOK_BACK = [
    form("LookBackForm", "年终回头看复查", [
        text("**{{lookBackRegistrationNumber}}** {{lookBackEnterprise}}（承办单位：{{lookBackDepartment}}）\n\n"
             "办结方式：{{lookBackCloseReason}}", "Item"),
        radio("lookBackSolved", "问题是否仍保持解决", [("是，保持解决", "yes"), ("否，问题反弹或未真正解决", "no")]),
        textarea("lookBackNote", "复查情况", True, max_length=3000),
    ]),
]
FORMS += COORDINATION + MEETINGS + LOOK_BACK

if __name__ == "__main__":
    for definition in FORMS:
        path = FORMS_DIR / f"{definition['id']}.form"
        path.write_text(json.dumps(definition, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}")
