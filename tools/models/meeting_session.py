"""Layout bootstrap of bpmn/MeetingSession.bpmn: 恳谈会 and 接待日 (spec §11).

Run `python tools/models/meeting_session.py`; afterwards the .bpmn file is edited in Camunda Modeler.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bpmn_builder import Process  # noqa: E402

p = Process("MeetingSession", "恳谈会和接待日", ttl="P1825D", version_tag="1.0")
p.start("StartEvent_MeetingPlanned", "筹备会议", 0, 0, form="MeetingPlanForm", initiator="organizer")
p.external("Task_PrepareMeeting", "计算会议时限", 1, 0, "prepareMeeting")
p.user_task("Task_CollectTopics", "收集议题", 2, 0, "office", "CollectTopicsForm", due="${topicsDue}")
p.gateway("Gateway_JoinAgenda", "", 3, 0)
p.user_task("Task_FixAgenda", "确定议程和参会企业", 4, 0, "office", "FixAgendaForm", due="${agendaDue}")
p.external("Task_CheckAttendance", "核对参会企业", 5, 0, "checkMeetingAttendance")
p.gateway("Gateway_AttendanceOk", "参会企业是否达到要求？", 6, 0, default="SequenceFlow_AttendanceShort")
p.timer_catch("Event_MeetingTime", "会议召开", 7, 0, "${meetingStartsAt}")
p.user_task("Task_RecordMinutes", "记录会议纪要和议定事项", 8, 0, "office", "RecordMinutesForm", due="${minutesDue}")
p.external("Task_CreateMeetingItems", "议定事项转为企业诉求", 9, 0, "createMeetingItems")
p.end("EndEvent_ItemsDispatched", "议定事项已交办", 10, 0)

p.flow("SequenceFlow_ToPrepare", "StartEvent_MeetingPlanned", "Task_PrepareMeeting")
p.flow("SequenceFlow_ToTopics", "Task_PrepareMeeting", "Task_CollectTopics")
p.flow("SequenceFlow_ToJoinAgenda", "Task_CollectTopics", "Gateway_JoinAgenda")
p.flow("SequenceFlow_ToAgenda", "Gateway_JoinAgenda", "Task_FixAgenda")
p.flow("SequenceFlow_ToCheck", "Task_FixAgenda", "Task_CheckAttendance")
p.flow("SequenceFlow_ToAttendanceOk", "Task_CheckAttendance", "Gateway_AttendanceOk")
p.flow("SequenceFlow_AttendanceOk", "Gateway_AttendanceOk", "Event_MeetingTime", name="是",
       condition="${attendanceOk}")
p.flow("SequenceFlow_AttendanceShort", "Gateway_AttendanceOk", "Gateway_JoinAgenda", name="不足，调整",
       via="below", lane=1)
p.flow("SequenceFlow_ToMinutes", "Event_MeetingTime", "Task_RecordMinutes")
p.flow("SequenceFlow_ToCreateItems", "Task_RecordMinutes", "Task_CreateMeetingItems")
p.flow("SequenceFlow_ToEnd", "Task_CreateMeetingItems", "EndEvent_ItemsDispatched")

if __name__ == "__main__":
    p.write()
