"""Layout bootstrap of bpmn/YearEndLookBack.bpmn: the December 回头看 of closed appeals (spec §13).

Run `python tools/models/year_end_look_back.py`; afterwards the .bpmn file is edited in Camunda Modeler.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bpmn_builder import Process  # noqa: E402

LOCAL = [
    ("lookBackPid", "lookBackItem.prop('processInstanceId').stringValue()"),
    ("lookBackRegistrationNumber", "lookBackItem.prop('registrationNumber').stringValue()"),
    ("lookBackEnterprise", "lookBackItem.prop('enterpriseName').stringValue()"),
    ("lookBackDepartment", "lookBackItem.prop('department').stringValue()"),
    ("lookBackCloseReason", "lookBackItem.prop('closeReason').stringValue()"),
    ("lookBackSolved", "null"),
    ("lookBackNote", "null"),
]


def listeners() -> str:
    parts = []
    for name, value in LOCAL:
        expression = "${execution.setVariableLocal('" + name + "', " + value + ")}"
        escaped = expression.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&#39;")
        parts.append(f'<camunda:taskListener event="create" expression="{escaped}" />')
    return "<bpmn:extensionElements>" + "".join(parts) + "</bpmn:extensionElements>"


p = Process("YearEndLookBack", "年终回头看", ttl="P1825D", version_tag="1.0")
p.start("StartEvent_December", "每年12月1日", 0, 0, timer_cycle="0 0 9 1 12 ?")
p.message("Message_StartLookBack", "StartLookBack")
p.start("StartEvent_Manual", "服企办发起回头看", 0, 1, message="Message_StartLookBack")
p.gateway("Gateway_JoinStart", "", 1, 0)
p.external("Task_SelectLookBack", "选取本年度已销号诉求", 2, 0, "selectLookBackAppeals")
p.gateway("Gateway_AnyItems", "有需要复查的诉求？", 3, 0, default="SequenceFlow_NoItems")
p.user_task("Task_LookBack", "回头看复查", 4, 0, "office", "LookBackForm", due="${lookBackDue}", extra_xml=listeners())
p.multi_instance("Task_LookBack", "${lookBackItems.elements()}", "lookBackItem")
p.external("Task_RecordLookBack", "登记复查结果并重新交办反弹问题", 5, 0, "recordLookBack")
p.end("EndEvent_LookBackDone", "回头看完成", 6, 0)
p.end("EndEvent_NothingToReview", "无需复查", 3, 1)
p.flow("SequenceFlow_DecemberToJoin", "StartEvent_December", "Gateway_JoinStart")
p.flow("SequenceFlow_ManualToJoin", "StartEvent_Manual", "Gateway_JoinStart")
p.flow("SequenceFlow_ToSelect", "Gateway_JoinStart", "Task_SelectLookBack")
p.flow("SequenceFlow_ToAnyItems", "Task_SelectLookBack", "Gateway_AnyItems")
p.flow("SequenceFlow_HasItems", "Gateway_AnyItems", "Task_LookBack", name="有", condition="${lookBackCount > 0}")
p.flow("SequenceFlow_NoItems", "Gateway_AnyItems", "EndEvent_NothingToReview", name="无")
p.flow("SequenceFlow_ToRecord", "Task_LookBack", "Task_RecordLookBack")
p.flow("SequenceFlow_ToDone", "Task_RecordLookBack", "EndEvent_LookBackDone")

if __name__ == "__main__":
    p.write()
