"""The tabular documents (登记表, 交办单, 反馈表, 评价表): A4 tables laid out like the source paper forms (L 附件,
T 附件4/5, T 二(四)3)."""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from ..vocabulary import (
    APPEAL_KIND_LABELS,
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    RESULT_CLASS_LABELS,
    RESULT_CLASS_NAMES,
    SATISFACTION_LABELS,
)
from .fields import Org, Values
from .layout import (
    SIZE_4,
    SIZE_5,
    SIZE_SMALL_4,
    FormTable,
    add_paragraph,
    add_title,
    label,
    new_document,
    value,
)

GAP = "\u3000" * 4  # between two header items on one line


def _header(doc: DocxDocument, *items: tuple[str, str]) -> None:
    """A line above the table: '问题类别：政策执行' (several items separated by full-width spaces)."""
    line = GAP.join(f"{name}：{content}" for name, content in items)
    add_paragraph(doc, line, size=SIZE_4, line=Pt(26))


def _notes(doc: DocxDocument, *lines: str) -> None:
    for number, line in enumerate(lines):
        add_paragraph(doc, line, size=SIZE_SMALL_4, line=Pt(20), before=Pt(6) if number == 0 else None,
                      left=Pt(24) if number else Pt(0), first_line=Pt(0) if number else None)


def _result(v: Values) -> str:
    code = v.code("resultClass", RESULT_CLASS_LABELS)
    return RESULT_CLASS_NAMES[code] if code else ""


def _departments(v: Values) -> list[str]:
    lines = [v.t("leadDepartmentName")]
    if v.has("assistingDepartmentNames"):
        lines.append(f"配合：{v.t('assistingDepartmentNames')}")
    return [line for line in lines if line]


# ------------------------------------------------------------------------ L 企业反映困难问题登记表

def registration(v: Values, org: Org, title: str) -> DocxDocument:
    doc = new_document()
    add_title(doc, title)
    kind = v.label("appealKind", APPEAL_KIND_LABELS)
    category = v.label("category", CATEGORY_LABELS)
    _header(doc, ("问题类别", category), *((("诉求类型", kind),) if kind else ()))
    _header(doc, ("登记编号", v.t("registrationNumber")))
    table = FormTable(doc, [14, 32, 45, 22, 43])
    g = label("")
    first = table.row(g, label("企业名称"), value(v.t("enterpriseName"), 3))
    table.row(g, label("统一社会信用代码"), value(v.t("creditCode"), 3))
    table.row(g, label("详细地址"), value(v.t("enterpriseAddress"), 3))
    table.row(g, label("反映时间"), value(v.date("reportedAt", "receivedAt", with_time=True)),
              label("反映形式"), value(v.label("channel", CHANNEL_LABELS)))
    table.row(g, label("联系人"), value(v.t("contactName")), label("职\u3000务"), value(v.t("contactPosition")))
    last = table.row(g, label("联系电话"), value(v.t("contactPhone")), label("电子邮箱"), value(v.t("contactEmail")))
    table.group("企业基本情况", first, last)
    first = table.row(g, label("主要困难和问题"), value(v.t("problemDescription"), 3), height_mm=45)
    last = table.row(g, label("希望协调解决的具体事项"), value(v.t("requestedHelp"), 3), height_mm=35)
    table.group("企业反映问题", first, last)
    row = table.row(g, label("受理时间"), value(v.date("receivedAt", with_time=True)),
                    label("受理人员"), value(v.t("receivedBy")))
    table.group("受理情况", row, row)
    table.row(label("备\u3000注", 2), value(v.t("remarks"), 3), height_mm=18)
    _notes(
        doc,
        "注：1. 问题类别按政策执行、合同履行、用地审批、用电保障、融资服务、人才服务、招工用工、项目推动、"
        "软环境建设、其它进行分类；",
        "2. 登记编号统一用：XX服企办收（20XX）第XX号；",
        "3. 反映形式为来电反映、电子邮件、来人来函等。",
    )
    return doc


# --------------------------------------------------------------- L 企业反映困难问题交办单 / 转报单

def dispatch(v: Values, org: Org, title: str) -> DocxDocument:
    doc = new_document()
    add_title(doc, title)
    _header(doc, ("交办单位（盖章）", org.office_full_name))
    _header(doc, ("交办编号", v.t("dispatchNumber")))
    table = FormTable(doc, [14, 34, 45, 22, 41])
    g = label("")
    first = table.row(g, label("需要办理或协调解决事项"), value(v.t("requestedHelp", "problemDescription"), 3),
                      height_mm=45)
    table.row(g, label("反映企业"), value(v.t("enterpriseName"), 3))
    table.row(g, label("企业地址"), value(v.t("enterpriseAddress"), 3))
    last = table.row(g, label("联系人"), value(v.t("contactName")), label("联系电话"), value(v.t("contactPhone")))
    table.group("交办事项", first, last)
    first = table.row(g, label("牵头办理部门"), value(v.t("leadDepartmentName")),
                      label("办结时限"), value(v.date("handlingDue")))
    last = table.row(g, label("配合办理部门"), value(v.t("assistingDepartmentNames"), 3))
    table.group("办理要求", first, last)
    first = table.row(g, label("签批领导"), value(v.t("approverName")), label("交办日期"), value(v.date("dispatchedAt")))
    last = table.row(g, label("签批意见"), value(v.t("approvalComment"), 3), height_mm=20)
    table.group("签交情况", first, last)
    table.row(label("备\u3000注", 2), value(v.t("remarks"), 3), height_mm=18)
    _notes(
        doc,
        "注：1. 交办编号统一用：XX服企办交（20XX）第XX号；",
        "2. 向承办单位下发《企业反映困难问题交办单》时，必须附服务企业发展领导小组领导的批示笺和"
        "《企业反映困难问题登记表》。",
    )
    return doc


def transfer(v: Values, org: Org, title: str) -> DocxDocument:
    doc = new_document()
    add_title(doc, title)
    _header(doc, ("转报单位（盖章）", org.office_full_name))
    _header(doc, ("转报编号", v.t("transferNumber")))
    table = FormTable(doc, [14, 34, 45, 22, 41])
    g = label("")
    first = table.row(g, label("需要帮助协调解决事项"), value(v.t("requestedHelp", "problemDescription"), 3),
                      height_mm=45)
    table.row(g, label("反映企业"), value(v.t("enterpriseName"), 3))
    table.row(g, label("企业地址"), value(v.t("enterpriseAddress"), 3))
    last = table.row(g, label("联系人"), value(v.t("contactName")), label("联系电话"), value(v.t("contactPhone")))
    table.group("转报事项", first, last)
    table.row(label("办理建议", 2), value(v.t("handlingSuggestion"), 3), height_mm=35)
    first = table.row(g, label("签批领导"), value(v.t("approverName")),
                      label("转报日期"), value(v.date("transferredAt", "dispatchedAt")))
    last = table.row(g, label("签批意见"), value(v.t("approvalComment"), 3), height_mm=20)
    table.group("签报情况", first, last)
    table.row(label("备\u3000注", 2), value(v.t("remarks"), 3), height_mm=18)
    _notes(
        doc,
        "注：1. 转报编号统一用：XX服企办报（20XX）第XX号；",
        "2. 向市级转报《企业反映困难问题转报单》时，必须附县（区）服务企业发展领导小组领导的批示笺和"
        "《企业反映困难问题登记表》。",
    )
    return doc


# ------------------------------------------------------ T 附件4 反馈表, with L 第十七条 A/B/C classes

def handling_feedback(v: Values, org: Org, title: str) -> DocxDocument:
    doc = new_document(landscape=True)
    add_title(doc, title)
    _header(doc, ("提报单位", v.t("leadDepartmentName")), ("交办编号", v.t("dispatchNumber")),
            ("提报时间", v.date("submittedAt")))
    table = FormTable(doc, [11, 27, 45, 32, 48, 24, 24, 14], size=SIZE_5)
    center = WD_ALIGN_PARAGRAPH.CENTER
    table.row(label("序号"), label("企业名称"), label("存在问题、困难、诉求描述"), label("是否解决"),
              label("解决方式"), label("所属镇街（部门）"), label("镇街（部门）联系人及联系方式"), label("备注"),
              header=True)
    contact = [line for line in (v.t("departmentContactName"), v.t("departmentContactPhone")) if line]
    table.row(value("1", align=center), value(v.t("enterpriseName")), value(v.t("problemDescription")),
              value(_result(v)), value(v.t("replyText")), value(_departments(v)), value(contact),
              value(v.t("remarks")), height_mm=40)
    add_paragraph(doc, f"单位主要负责人（审核）：{v.t('departmentHeadName')}{GAP}（单位盖章）",
                  size=SIZE_SMALL_4, line=Pt(22), before=Pt(8))
    _notes(
        doc,
        "注：是否解决按办理结果分A、B、C三类标注：A类为已经解决或基本解决，B类为正在解决或列入规划逐步解决，"
        "C类为目前条件限制或其他原因需以后解决。",
    )
    return doc


# ------------------------------------------------------------------------- T 附件5 满意度评价表

def satisfaction(v: Values, org: Org, title: str) -> DocxDocument:
    doc = new_document(landscape=True)
    add_title(doc, title)
    _header(doc, ("提报单位", org.office_full_name), ("提报时间", v.date("evaluatedAt")))
    _header(doc, ("评价企业", v.t("enterpriseName")), ("登记编号", v.t("registrationNumber")))
    table = FormTable(doc, [12, 52, 52, 30, 32, 47], size=SIZE_5)
    center = WD_ALIGN_PARAGRAPH.CENTER
    table.row(label("序号"), label("问题描述"), label("解决情况"), label("解决部门"), label("满意度评价"),
              label("意见建议"), header=True)
    chosen = v.code("satisfaction", SATISFACTION_LABELS)
    options = [
        f"{number}.{name}" + (" ✔" if code == chosen else "")
        for number, (code, name) in enumerate(SATISFACTION_LABELS.items(), start=1)
    ]
    solved = [line for line in (_result(v), v.t("replyText")) if line]
    table.row(value("1", align=center), value(v.t("problemDescription")), value(solved), value(_departments(v)),
              value(options), value(v.t("followUpNote")), height_mm=40)
    _notes(doc, "备注：满意度评价按满意程度直接划“✔”。")
    return doc


# ----------------------------------------------------------- T 二(四)3 不满意诉求审核反馈表

def dissatisfaction_review(v: Values, org: Org, title: str) -> DocxDocument:
    doc = new_document()
    add_title(doc, title)
    # a transferred appeal's form is filled by the city department (docs/city-level.md): it is the 填报单位
    _header(doc, ("填报单位（盖章）", v.t("reviewDepartmentName", "leadDepartmentName")))
    table = FormTable(doc, [34, 44, 30, 48])
    table.row(label("企业名称"), value(v.t("enterpriseName"), 3))
    table.row(label("统一社会信用代码"), value(v.t("creditCode")), label("登记编号"), value(v.t("registrationNumber")))
    table.row(label("企业联系人"), value(v.t("contactName")), label("联系电话"), value(v.t("contactPhone")))
    table.row(label("承办单位"), value(v.t("leadDepartmentName")), label("交办编号"), value(v.t("dispatchNumber")))
    table.row(label("配合单位"), value(v.t("assistingDepartmentNames"), 3))
    table.row(label("诉求内容"), value(v.t("problemDescription"), 3), height_mm=30)
    table.row(label("第一次办理答复情况"), value(v.t("firstReplyText"), 3), height_mm=25)
    table.row(label("第二次办理答复情况"), value(v.t("replyText"), 3), height_mm=25)
    table.row(label("办理结果类别"), value(_result(v)), label("回访满意度"), value(v.label("satisfaction", SATISFACTION_LABELS)))
    table.row(label("企业不满意的原因"), value(v.t("followUpNote"), 3), height_mm=20)
    table.row(label("审核说明（不满意原因分析及处理意见）"), value(v.t("reviewExplanation"), 3), height_mm=40)
    table.row(label("单位主要负责人（签字）"), value(v.t("departmentHeadName")), label("填报日期"),
              value(v.date("reviewedAt")), height_mm=22)
    table.row(label("专班核查意见"), value(v.t("checkOpinion"), 3), height_mm=30)
    _notes(
        doc,
        "注：承办单位经两次办理答复后企业仍不满意的，填写本表，由本单位主要负责同志签字并加盖单位公章，"
        "报服务企业发展领导小组办公室（专班），由专班提出核查意见。",
    )
    return doc
