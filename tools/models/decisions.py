"""Bootstrap of dmn/*.dmn: the decision tables administrators edit in Camunda Modeler.

Run `python tools/models/decisions.py` to regenerate the defaults; afterwards the .dmn files are the
source: change a rule in Camunda Modeler and redeploy (`appeals deploy`), no code changes needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

DMN_DIR = Path(__file__).resolve().parents[2] / "dmn"


@dataclass
class Column:
    id: str
    label: str
    name: str  # input expression / output name
    type: str  # string | integer | boolean


def literal(value) -> str:
    """A DMN unary test / output literal in FEEL."""
    if value is None:
        return ""
    if value == "-":
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and (value[:1] in "[(" or value.isdigit()):
        return value  # a FEEL range or number test, e.g. [1..3]
    return f'"{value}"'


def table(decision_id: str, name: str, hit_policy: str, inputs: list[Column], outputs: list[Column],
          rules: list[tuple[list, list, str]], ttl: str = "P1825D") -> str:
    ins = "".join(
        f'<input id="Input_{c.id}" label={quoteattr(c.label)}>'
        f'<inputExpression id="InputExpression_{c.id}" typeRef="{c.type}"><text>{escape(c.name)}</text></inputExpression>'
        f"</input>" for c in inputs)
    outs = "".join(f'<output id="Output_{c.id}" label={quoteattr(c.label)} name="{c.name}" typeRef="{c.type}" />'
                   for c in outputs)
    rule_xml = []
    for index, (conditions, results, note) in enumerate(rules, start=1):
        entries = "".join(f'<inputEntry id="Rule{index}_In{i}"><text>{escape(literal(v))}</text></inputEntry>'
                          for i, v in enumerate(conditions))
        entries += "".join(f'<outputEntry id="Rule{index}_Out{i}"><text>{escape(literal(v))}</text></outputEntry>'
                           for i, v in enumerate(results))
        rule_xml.append(f'<rule id="Rule_{decision_id}_{index}"><description>{escape(note)}</description>{entries}</rule>')
    hit = f' hitPolicy="{hit_policy}"' if hit_policy != "UNIQUE" else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" xmlns:camunda="http://camunda.org/schema/1.0/dmn" xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Definitions_{decision_id}" name={quoteattr(name)} namespace="http://appeals.example.gov.cn/dmn" exporter="Camunda Modeler" exporterVersion="5.31.0" modeler:executionPlatform="Camunda Platform" modeler:executionPlatformVersion="7.24.0">
  <decision id="{decision_id}" name={quoteattr(name)} camunda:historyTimeToLive="{ttl}">
    <decisionTable id="DecisionTable_{decision_id}"{hit}>
      {ins}
      {outs}
      {(chr(10) + '      ').join(rule_xml)}
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="DMNDiagram_{decision_id}">
      <dmndi:DMNShape id="DMNShape_{decision_id}" dmnElementRef="{decision_id}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
"""


ROUTING = table(
    "AppealRouting", "按问题类别建议承办单位", "UNIQUE",
    [Column("Category", "问题类别", "category", "string")],
    [Column("Lead", "牵头单位", "lead", "string"), Column("Assisting", "配合单位（逗号分隔）", "assisting", "string")],
    [
        (["policy"], ["dept-industry", "dept-finance"], "政策执行：工信局牵头，财政局配合"),
        (["contract"], ["dept-finance", "dept-justice"], "合同履行：财政局牵头，司法局配合"),
        (["land"], ["dept-natural-resources", "dept-approval"], "用地审批：自然资源局牵头，行政审批局配合"),
        (["power"], ["dept-power-supply", "dept-energy"], "用电保障：供电公司牵头，能源局配合"),
        (["financing"], ["dept-finance-office", None], "融资服务：金融办"),
        (["talent"], ["dept-hr", None], "人才服务：人社局"),
        (["labor"], ["dept-hr", None], "招工用工：人社局"),
        (["project"], ["dept-development-reform", "dept-approval,dept-natural-resources"],
         "项目推动：发改局牵头，行政审批局、自然资源局配合"),
        (["environment"], ["dept-business-environment", "dept-market-regulation"],
         "软环境建设：营商环境办牵头，市场监管局配合"),
        (["other"], [None, None], "其它：不作建议，由服企办选择"),
    ],
)

APPROVAL = table(
    "DispatchApproval", "交办审批层级", "UNIQUE",
    [Column("Situation", "交办情形", "dispatchSituation", "string")],
    [Column("ApproverRole", "审批人", "approverRole", "string"),
     Column("SpecialMeeting", "需召开专题会议", "specialMeeting", "boolean")],
    [
        (["single"], ["office-director", False], "情况清楚、一个部门办理：服企办主任审批（临沧 第十二条）"),
        (["multi"], ["deputy-head", False], "多部门、情况复杂：分管牵头单位的副县长审批"),
        (["major"], ["county-head", True], "重大事项：县长审批，提请召开专题会议"),
        (["city"], ["county-head", False], "需转报市级：县长（组长）审批后转报"),
        (["meeting"], ["office", False], "恳谈会、接待日议定事项：服企办直接交办（乌审旗 二(四)）"),
    ],
)

DEADLINES = table(
    "AppealDeadlines", "各环节办理时限", "FIRST",
    [Column("Step", "环节", "step", "string"), Column("Situation", "交办情形", "dispatchSituation", "string"),
     Column("Multi", "涉及多个部门", "multiDepartment", "boolean")],
    [Column("Amount", "时限", "amount", "integer"),
     Column("Unit", "单位（workday 工作日 / day 自然日 / month 月）", "unit", "string")],
    [
        (["correction", "-", "-"], [1, "workday"], "补正登记信息"),
        (["verify", "-", "-"], [1, "workday"], "收到后第一时间核实（临沧 第十条），按1个工作日"),
        (["dispatch", "single", "-"], [2, "workday"], "一个部门：2个工作日内完成交办"),
        (["dispatch", "meeting", "-"], [1, "workday"], "会议议定事项：会后1个工作日内交办"),
        (["dispatch", "-", "-"], [3, "workday"], "多部门、重大、转报：3个工作日内"),
        (["sign", "-", "-"], [1, "workday"], "承办单位签收交办单并联系企业"),
        (["assist", "-", "-"], [3, "workday"], "配合单位向牵头单位提出意见"),
        (["handling", "meeting", True], [15, "day"], "会议事项涉及多部门：15天内办理回复"),
        (["handling", "meeting", "-"], [7, "day"], "会议一般事项：7天内办理回复"),
        (["handling", "-", "-"], [5, "workday"], "收到交办单之日起5个工作日内办结"),
        (["handlingCap", "major", "-"], [1, "month"], "重大复杂事项延期后总时限不超过1个月"),
        (["handlingCap", "-", "-"], [15, "workday"], "延期后总时限原则上不超过15个工作日"),
        (["extensionReview", "-", "-"], [1, "workday"], "服企办审批延期申请"),
        (["followUp", "-", "-"], [5, "workday"], "报送结果后5个工作日内回访"),
        (["rework", "-", "-"], [3, "workday"], "不满意当日退回，3个工作日内重新办理"),
        (["reviewForm", "-", "-"], [3, "workday"], "填写不满意诉求审核反馈表"),
        (["review", "-", "-"], [5, "workday"], "专班核查"),
        (["supervision", "-", "-"], [10, "workday"], "专项督办办理"),
        (["recheck", "-", "-"], [20, "workday"], "B/C类督办台账复查周期"),
        (["recheckReview", "-", "-"], [2, "workday"], "服企办完成复查"),
        (["reminderBefore", "-", "-"], [1, "workday"], "办理时限前1个工作日提醒承办单位"),
        (["escalateAfter", "-", "-"], [5, "workday"], "超期5个工作日仍未办结：提级协调并挂牌督办"),
        (["coordination", "-", "-"], [5, "workday"], "每一级领导协调时限（副县长、县长、市企业服务中心）"),
        (["interview", "-", "-"], [5, "workday"], "约谈承办单位负责人"),
        (["meetingTopics", "-", "-"], [3, "workday"], "会前3个工作日完成议题收集（在会议日期之前倒推）"),
        (["meetingAgenda", "-", "-"], [1, "workday"], "会前1个工作日确定议程和参会企业（倒推）"),
        (["meetingMinutes", "-", "-"], [1, "workday"], "会后1个工作日内形成纪要并交办（乌审旗 二(四)）"),
    ],
)

CARDS = table(
    "CardLadder", "督办亮牌规则", "UNIQUE",
    [Column("PreviousCard", "该单位本年度上一张牌", "previousCard", "string")],
    [Column("Card", "本次亮牌", "card", "string"), Column("Interview", "约谈", "interview", "string")],
    [
        (["none"], ["yellow", "none"], "未按时反馈：亮黄牌（滕州 二(四)2）"),
        (["yellow"], ["red", "task_force"], "连续两次黄牌：红牌警示，专班约谈分管负责人"),
        (["red"], ["red", "leader"], "连续两次红牌：政府领导约谈主要负责人"),
    ],
)

BATCHES = table(
    "AppealBatch", "诉求所属批次", "UNIQUE",
    [Column("Month", "收到诉求的月份", "receivedMonth", "integer")],
    [Column("Batch", "批次", "batch", "integer"), Column("BatchName", "批次名称", "batchName", "string")],
    [
        (["[1..3]"], [1, "第一批"], "泽州：2—4月为第一批；1月收到的诉求并入第一批"),
        (["[4..6]"], [2, "第二批"], "4—6月为第二批（4月起收集的诉求）"),
        (["[7..8]"], [3, "第三批"], "7—9月为第三批"),
        (["[9..11]"], [4, "第四批"], "9—11月为第四批（9月起收集的诉求）"),
        (["12"], [5, "回头看期间"], "12月开展回头看，期间收到的诉求单列"),
    ],
)

if __name__ == "__main__":
    for decision_id, xml in (("AppealRouting", ROUTING), ("DispatchApproval", APPROVAL),
                             ("AppealDeadlines", DEADLINES), ("CardLadder", CARDS), ("AppealBatch", BATCHES)):
        path = DMN_DIR / f"{decision_id}.dmn"
        path.write_text(xml, encoding="utf-8")
        print(f"wrote {path}")
