"""The fields of each document kind (documented in docs/documents.md) and a typed view on them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .values import DocumentError, clean, code_label, code_of, format_date, text


@dataclass(frozen=True)
class Field:
    name: str
    meaning: str
    source: str
    required: bool = False


@dataclass(frozen=True)
class Org:
    """Who issues the documents: from the org chart (county, number_prefix, the office group's name)."""

    county: str = "某县"
    office_name: str = "县服务企业发展领导小组办公室"
    number_prefix: str = "某县"

    @classmethod
    def of(cls, org: Mapping[str, str] | None) -> Org:
        org = org or {}
        default = cls()
        return cls(
            county=clean(str(org.get("county") or default.county)),
            office_name=clean(str(org.get("office_name") or default.office_name)),
            number_prefix=clean(str(org.get("number_prefix") or default.number_prefix)),
        )

    @property
    def office_full_name(self) -> str:
        """The office's full name as issuing organ: '县服务企业发展领导小组办公室' of '某县' is
        '某县服务企业发展领导小组办公室' (a name relative to the county gets the county's name)."""
        name, county = self.office_name, self.county
        if not county or name.startswith(county):
            return name
        if name[:1] and county.endswith(name[:1]):  # '县…' under '某县', '旗…' under '乌审旗'
            return county + name[1:]
        return county + name


# '县服务企业发展领导小组办公室（县工信局）': the bracket says where the office sits, it is not part
# of the name printed as issuing organ
_TRAILING_BRACKET = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def issuer_of(chart: Any) -> dict[str, str]:
    """The issuing organisation of documents and reports from an org chart (`appeals.org.OrgChart`):
    {"county", "number_prefix", "office_name"} — the office group's name without its bracket."""
    offices = chart.of_kind("office")
    office_name = _TRAILING_BRACKET.sub("", offices[0].name) if offices else ""
    return {"county": chart.county, "number_prefix": chart.number_prefix, "office_name": office_name}


def city_issuer_of(chart: Any) -> dict[str, str]:
    """The city's office as the issuing organisation of the city's documents (its 催办函, 临沧 第十八条; its monthly bulletin, 第十九条):
    {"county": the city, "number_prefix": the city's prefix, "office_name": the city service center's name
    (`city-center`, the city's office) without its bracket}."""
    centers = chart.of_kind("city-center")
    office_name = _TRAILING_BRACKET.sub("", centers[0].name) if centers else "市服务企业发展领导小组办公室"
    return {"county": chart.city, "number_prefix": chart.city_prefix, "office_name": office_name}


class Values:
    """Read access to the caller's fields: literal text, labels of codes, dates."""

    def __init__(self, fields: Mapping[str, Any]) -> None:
        self._fields = fields

    def raw(self, name: str) -> Any:
        return self._fields.get(name)

    def has(self, name: str) -> bool:
        return bool(self.t(name))

    def t(self, name: str, *fallbacks: str) -> str:
        """Text of a field (or of the first non-empty fallback field); '' when missing."""
        for key in (name, *fallbacks):
            value = text(self._fields.get(key))
            if value:
                return value
        return ""

    def date(self, name: str, *fallbacks: str, with_time: bool = False) -> str:
        for key in (name, *fallbacks):
            value = format_date(self._fields.get(key), with_time=with_time)
            if value:
                return value
        return ""

    def label(self, name: str, labels: Mapping[str, str]) -> str:
        return code_label(self._fields.get(name), labels, name)

    def code(self, name: str, labels: Mapping[str, str]) -> str | None:
        return code_of(self._fields.get(name), labels, name)

    def integer(self, name: str) -> int | None:
        value = self._fields.get(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise DocumentError(f"{name}: not a whole number: {text(value)!r}") from None


def F(name: str, meaning: str, source: str, required: bool = False) -> Field:  # noqa: N802
    return Field(name, meaning, source, required)


# Sources: L = 临沧 办法 and its 附件 (登记表, 交办单, 转报单); T = 滕州 实施意见 附件2–5 and 二(四)3;
# spec = shared/spec/domain.md; GB = GB/T 9704-2012; "added" = not on the source form, see docs.
FIELDS: dict[str, tuple[Field, ...]] = {
    "registration": (
        F("registrationNumber", "登记编号，如 某县服企办收（2026）第12号", "L 登记表 表头", True),
        F("category", "问题类别（代码，印中文：政策执行…其它）", "L 登记表 表头、第十条"),
        F("appealKind", "诉求类型（咨询/求助/建议/投诉）", "spec §4, T 二(二)2 (added to the header)"),
        F("enterpriseName", "企业名称", "L 登记表", True),
        F("creditCode", "统一社会信用代码", "spec §4 (added row)"),
        F("enterpriseAddress", "详细地址", "L 登记表"),
        F("reportedAt", "反映时间（缺省用 receivedAt）", "L 登记表"),
        F("channel", "反映形式（代码，印中文：来电反映(12345)…）", "L 登记表"),
        F("contactName", "联系人", "L 登记表"),
        F("contactPosition", "职务", "L 登记表"),
        F("contactPhone", "联系电话", "L 登记表"),
        F("contactEmail", "电子邮箱", "L 登记表"),
        F("problemDescription", "主要困难和问题", "L 登记表"),
        F("requestedHelp", "希望协调解决的具体事项", "L 登记表"),
        F("receivedAt", "受理时间", "L 登记表"),
        F("receivedBy", "受理人员", "L 登记表"),
        F("remarks", "备注", "L 登记表"),
    ),
    "dispatch": (
        F("dispatchNumber", "交办编号，如 某县服企办交（2026）第12号", "L 交办单 表头", True),
        F("requestedHelp", "需要办理或协调解决事项（缺省用 problemDescription）", "L 交办单"),
        F("problemDescription", "主要困难和问题（仅在 requestedHelp 为空时印出）", "L 登记表"),
        F("enterpriseName", "反映企业", "L 交办单", True),
        F("enterpriseAddress", "企业地址", "L 交办单"),
        F("contactName", "联系人", "L 交办单"),
        F("contactPhone", "联系电话", "L 交办单"),
        F("leadDepartmentName", "牵头办理部门", "L 交办单、第十四条", True),
        F("handlingDue", "办结时限（日期）", "L 交办单、第十六条"),
        F("assistingDepartmentNames", "配合办理部门（列表，以“、”分隔）", "L 交办单"),
        F("approverName", "签批领导", "L 交办单"),
        F("approvalComment", "签批意见", "L 第十二条 批示 (added row)"),
        F("dispatchedAt", "交办日期", "L 交办单"),
        F("remarks", "备注", "L 交办单"),
    ),
    "transfer": (
        F("transferNumber", "转报编号，如 某县服企办报（2026）第3号", "L 转报单 表头", True),
        F("requestedHelp", "需要帮助协调解决事项（缺省用 problemDescription）", "L 转报单"),
        F("problemDescription", "主要困难和问题（仅在 requestedHelp 为空时印出）", "L 登记表"),
        F("enterpriseName", "反映企业", "L 转报单", True),
        F("enterpriseAddress", "企业地址", "L 转报单"),
        F("contactName", "联系人", "L 转报单"),
        F("contactPhone", "联系电话", "L 转报单"),
        F("handlingSuggestion", "办理建议", "L 转报单"),
        F("approverName", "签批领导", "L 转报单"),
        F("approvalComment", "签批意见", "L 第十二条 批示 (added row)"),
        F("transferredAt", "转报日期（缺省用 dispatchedAt）", "L 转报单"),
        F("dispatchedAt", "转报日期的缺省值", "process variable"),
        F("remarks", "备注", "L 转报单"),
    ),
    "reminder_letter": (
        F("reminderNumber", "发文字号，如 某县服企办催（2026）第3号", "GB 7.2.4, L 第十八条 催办函", True),
        F("leadDepartmentName", "主送机关（牵头办理部门）", "GB 7.3.2", True),
        F("enterpriseName", "反映企业（标题与正文）", "L 第十八条", True),
        F("dispatchNumber", "交办编号", "L 交办单"),
        F("dispatchedAt", "交办日期", "L 交办单"),
        F("handlingDue", "办结时限", "L 第十六条"),
        F("overdueDays", "已超期天数（整数；0 = 今日到期）", "spec §9"),
        F("problemDescription", "企业反映的主要困难和问题", "L 登记表"),
        F("requestedHelp", "需要办理或协调解决事项", "L 交办单"),
        F("replyDue", "要求答复日期（缺省：尽快）", "added"),
        F("assistingDepartmentNames", "抄送机关（配合办理部门）", "GB 7.4.2"),
        F("officeContactName", "附注：联系人", "GB 7.3.7 附注"),
        F("officeContactPhone", "附注：联系电话", "GB 7.3.7 附注"),
        F("issuedAt", "成文日期（缺省：今天，Asia/Shanghai）", "GB 7.3.5"),
    ),
    "handling_feedback": (
        F("leadDepartmentName", "提报单位 / 所属镇街（部门）", "T 附件4", True),
        F("dispatchNumber", "交办编号（表头）", "L 交办单 (added)"),
        F("submittedAt", "提报时间", "T 附件4"),
        F("enterpriseName", "企业名称", "T 附件4", True),
        F("problemDescription", "存在问题、困难、诉求描述", "T 附件4"),
        F("resultClass", "是否解决：A/B/C 类", "T 附件4, L 第十七条"),
        F("replyText", "解决方式（办理情况及答复）", "T 附件4, L 第十七条"),
        F("assistingDepartmentNames", "配合办理部门（印在所属部门下）", "L 第十四条"),
        F("departmentContactName", "镇街（部门）联系人", "T 附件4"),
        F("departmentContactPhone", "镇街（部门）联系方式", "T 附件4"),
        F("departmentHeadName", "主要领导审核", "L 第十七条 (added line)"),
        F("remarks", "备注", "T 附件4"),
    ),
    "satisfaction": (
        F("evaluatedAt", "提报时间（回访日期）", "T 附件5"),
        F("enterpriseName", "评价企业（表头）", "W 附件3 (added)", True),
        F("registrationNumber", "登记编号（表头）", "L 登记表 (added)"),
        F("problemDescription", "问题描述", "T 附件5"),
        F("resultClass", "解决情况：A/B/C 类", "T 附件5, L 第十七条"),
        F("replyText", "解决情况：办理答复", "T 附件5"),
        F("leadDepartmentName", "解决部门", "T 附件5"),
        F("assistingDepartmentNames", "解决部门：配合", "T 附件5"),
        F("satisfaction", "满意度评价（四档，划“✔”；为空则为空白问卷）", "T 附件5, spec §12"),
        F("followUpNote", "意见建议（回访记录）", "T 附件5"),
    ),
    "dissatisfaction_review": (
        F("leadDepartmentName", "填报单位 / 承办单位", "T 二(四)3", True),
        F("reviewDepartmentName", "填报单位（转报市级的诉求：填表的市直部门，代替承办单位）", "docs/city-level.md"),
        F("enterpriseName", "企业名称", "T 二(四)3", True),
        F("creditCode", "统一社会信用代码", "spec §4"),
        F("registrationNumber", "登记编号", "L 登记表"),
        F("contactName", "企业联系人", "L 登记表"),
        F("contactPhone", "联系电话", "L 登记表"),
        F("dispatchNumber", "交办编号", "L 交办单"),
        F("assistingDepartmentNames", "配合单位", "L 交办单"),
        F("problemDescription", "诉求内容", "L 登记表"),
        F("firstReplyText", "第一次办理答复情况", "T 二(四)3, 二(五)1"),
        F("replyText", "第二次办理答复情况", "T 二(四)3, 二(五)1"),
        F("resultClass", "办理结果类别 A/B/C", "L 第十七条"),
        F("satisfaction", "回访满意度", "T 二(五)1"),
        F("followUpNote", "企业不满意的原因（回访记录）", "spec §12"),
        F("reviewExplanation", "审核说明（不满意原因分析及处理意见）", "T 二(四)3"),
        F("departmentHeadName", "单位主要负责人（签字）", "T 二(四)3"),
        F("reviewedAt", "填报日期", "T 二(四)3"),
        F("checkOpinion", "专班核查意见（专班填写，通常为空）", "T 二(四)3"),
    ),
}


def check_required(kind: str, values: Values) -> None:
    missing = [f.name for f in FIELDS[kind] if f.required and not values.has(f.name)]
    if missing:
        raise DocumentError(f"{kind}: required field(s) missing: {', '.join(missing)}")
