"""Layout bootstrap of bpmn/EnterpriseAppeal.bpmn: the closed loop of spec §2–§8 and §12.

Run `python tools/models/enterprise_appeal.py` to regenerate the diagram; afterwards the .bpmn file is
an ordinary Camunda Modeler diagram. Variables are listed in docs/data-dictionary.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bpmn_builder import Process, x, y  # noqa: E402

p = Process("EnterpriseAppeal", "企业诉求办理", ttl="P1825D", version_tag="1.0")
p.message("Message_AppealSubmitted", "AppealSubmitted")
p.message("Message_HotlineOrderWithdrawn", "HotlineOrderWithdrawn")
p.message("Message_HotlineReminder", "HotlineReminder")
p.message("Message_SurveyAnswered", "SurveyAnswered")
p.error("Error_WrongDepartment", "交办单位不对口（退回）", "Err_WrongDepartment")




# ---------------------------------------------------------------------------- intake (rows -1..2)
p.start("StartEvent_AppealRegistered", "服企办登记诉求", 0, 0, form="AppealRegistrationForm", initiator="receivedBy")
p.start("StartEvent_AppealSubmitted", "渠道诉求已提交", 0, -1, message="Message_AppealSubmitted")
p.gateway("Gateway_JoinIntake", "", 1, 0)
p.external("Task_ValidateRegistration", "校验登记信息", 2, 0, "validateRegistration")
p.gateway("Gateway_RegistrationValid", "登记信息是否有效？", 3, 0, default="SequenceFlow_RegistrationInvalid")
p.user_task("Task_CorrectRegistration", "补正登记信息", 3, 1, "office", "AppealRegistrationForm", due="${correctionDue}")
p.external("Task_RegisterAppeal", "编号登记并计算核实时限", 4, 0, "registerAppeal")
p.user_task("Task_VerifyAppeal", "核实诉求并判定受理范围", 5, 0, "office", "VerifyAppealForm", due="${verifyDue}")
p.gateway("Gateway_Scope", "是否纳入受理范围？", 6, 0)
p.user_task("Task_AnswerConsultation", "答复咨询类诉求", 6, 1, "office", "AnswerConsultationForm", due="${verifyDue}")
p.rule_task("Task_SuggestRouting", "建议承办单位", 7, 0, "AppealRouting", {
    "suggestedLead": "${decisionResult.getSingleResult().lead}",
    "suggestedAssisting": "${decisionResult.getSingleResult().assisting}",
})
p.external("Task_PrepareDispatch", "载入交办选项", 8, 0, "prepareDispatchOptions")
p.gateway("Gateway_JoinProposal", "", 9, 0)
p.user_task("Task_ProposeDispatch", "拟定交办意见", 10, 0, "office", "ProposeDispatchForm", due="${verifyDue}")
p.rule_task("Task_DetermineApprovalLevel", "确定审批层级", 11, 0, "DispatchApproval", {
    "approverRole": "${decisionResult.getSingleResult().approverRole}",
    "specialMeetingRequired": "${decisionResult.getSingleResult().specialMeeting}",
})
p.external("Task_ResolveApprover", "确定审批人和交办时限", 12, 0, "resolveApprover")
p.user_task("Task_ApproveDispatch", "审批交办方案", 13, 0, "${approverGroup}", "ApproveDispatchForm", due="${dispatchDue}")
p.gateway("Gateway_DispatchApproved", "是否同意交办？", 14, 0, default="SequenceFlow_DispatchRejected")
p.external("Task_DispatchAppeal", "编号交办并通知承办单位", 15, 0, "dispatchAppeal")

p.flow("SequenceFlow_RegisteredToJoin", "StartEvent_AppealRegistered", "Gateway_JoinIntake")
p.flow("SequenceFlow_SubmittedToJoin", "StartEvent_AppealSubmitted", "Gateway_JoinIntake",
       waypoints=[(x(0) + 18, y(-1)), (x(1), y(-1)), (x(1), y(0) - 25)])
p.flow("SequenceFlow_ToValidate", "Gateway_JoinIntake", "Task_ValidateRegistration")
p.flow("SequenceFlow_ToValidCheck", "Task_ValidateRegistration", "Gateway_RegistrationValid")
p.flow("SequenceFlow_RegistrationValid", "Gateway_RegistrationValid", "Task_RegisterAppeal", name="有效",
       condition="${registrationValid}")
p.flow("SequenceFlow_RegistrationInvalid", "Gateway_RegistrationValid", "Task_CorrectRegistration", name="需补正")
p.flow("SequenceFlow_CorrectedToJoin", "Task_CorrectRegistration", "Gateway_JoinIntake",
       waypoints=[(x(3) - 50, y(1)), (x(1), y(1)), (x(1), y(0) + 25)])
p.external("Task_RenderRegistrationForm", "生成登记表", 4, 1, "renderDocument", inputs={"documentKind": "registration"})
p.flow("SequenceFlow_ToRenderRegistration", "Task_RegisterAppeal", "Task_RenderRegistrationForm")
p.gateway("Gateway_SettledAtMeeting", "会上已即知即办？", 5, 1, default="SequenceFlow_ToVerify")
p.flow("SequenceFlow_ToSettledCheck", "Task_RenderRegistrationForm", "Gateway_SettledAtMeeting")
p.flow("SequenceFlow_ToVerify", "Gateway_SettledAtMeeting", "Task_VerifyAppeal", name="否")
p.flow("SequenceFlow_ToScope", "Task_VerifyAppeal", "Gateway_Scope")
p.flow("SequenceFlow_ScopeAccepted", "Gateway_Scope", "Task_SuggestRouting", name="纳入办理",
       condition="${scopeDecision == 'accept'}")
p.flow("SequenceFlow_ScopeConsultation", "Gateway_Scope", "Task_AnswerConsultation", name="咨询类",
       condition="${scopeDecision == 'consultation'}")
p.flow("SequenceFlow_ToPrepareDispatch", "Task_SuggestRouting", "Task_PrepareDispatch")
p.flow("SequenceFlow_ToJoinProposal", "Task_PrepareDispatch", "Gateway_JoinProposal")
p.flow("SequenceFlow_ToPropose", "Gateway_JoinProposal", "Task_ProposeDispatch")
p.flow("SequenceFlow_ToApprovalLevel", "Task_ProposeDispatch", "Task_DetermineApprovalLevel")
p.flow("SequenceFlow_ToResolveApprover", "Task_DetermineApprovalLevel", "Task_ResolveApprover")
p.flow("SequenceFlow_ToApprove", "Task_ResolveApprover", "Task_ApproveDispatch")
p.flow("SequenceFlow_ToApprovedCheck", "Task_ApproveDispatch", "Gateway_DispatchApproved")
p.flow("SequenceFlow_DispatchApproved", "Gateway_DispatchApproved", "Task_DispatchAppeal", name="同意",
       condition="${approvalDecision == 'approve'}")
p.flow("SequenceFlow_DispatchRejected", "Gateway_DispatchApproved", "Gateway_JoinProposal", name="退回修改",
       via="above", lane=-1)

# ---------------------------------------------------------------------------- handling (rows 4..7)
p.subprocess("SubProcess_Handling", "承办单位办理", (2, 4, 15, 8.9))
p.inside("SubProcess_Handling")
p.start("StartEvent_HandlingStarted", "交办单已送达", 2, 5)
p.user_task("Task_SignDispatch", "签收交办单并联系企业", 3, 5, "${handlerGroup}", "SignDispatchForm", due="${signDue}")
p.gateway("Gateway_SignDecision", "签收还是退回？", 4, 5, default="SequenceFlow_Signed")
p.end("EndEvent_Returned", "退回交办", 4, 6.3, error="Error_WrongDepartment")
p.user_task("Task_ProvideAssistOpinion", "提出配合办理意见", 5, 5, "${assistingNode.stringValue()}", "AssistOpinionForm",
            due="${assistDue}",
            # the opinion and the department stay local to each instance; collectAssistOpinions reads them
            extra_xml='<bpmn:extensionElements>'
                      '<camunda:taskListener event="create" expression="${execution.setVariableLocal(&#39;assistDepartment&#39;, assistingNode.stringValue())}" />'
                      '<camunda:taskListener event="create" expression="${execution.setVariableLocal(&#39;assistOpinion&#39;, null)}" />'
                      '</bpmn:extensionElements>')
p.multi_instance("Task_ProvideAssistOpinion", "${assistingDepartments.elements()}", "assistingNode")
p.external("Task_CollectAssistOpinions", "汇总配合意见", 6, 5, "collectAssistOpinions")
p.gateway("Gateway_JoinHandling", "", 7, 5)
p.user_task("Task_HandleAppeal", "办理诉求并答复企业", 8, 5, "${handlerGroup}", "HandleAppealForm", due="${handlingDue}")
p.gateway("Gateway_HandlingAction", "报送结果、申请延期还是提请协调？", 9, 5)
p.end("EndEvent_HandlingReported", "办理结果已报送", 10, 5)
p.gateway("Gateway_ExtensionAllowed", "延期申请未满两次？", 9, 6, default="SequenceFlow_ExtensionRefused")
p.external("Task_RegisterExtensionRequest", "登记延期申请", 10, 6, "registerExtensionRequest")
p.user_task("Task_ApproveExtension", "审批延期申请", 11, 6, "office", "ApproveExtensionForm", due="${extensionReviewDue}")
p.external("Task_ApplyExtensionDecision", "调整办理时限", 12, 6, "applyExtensionDecision")
p.throw_event("Event_ExtensionRefused", "延期申请已满两次", 8, 6,
              listener_expression="${execution.setVariable('extensionNotice', '已申请延期两次，不得再次延期，请按时办结')}")

p.flow("SequenceFlow_ToSign", "StartEvent_HandlingStarted", "Task_SignDispatch")
p.flow("SequenceFlow_ToSignDecision", "Task_SignDispatch", "Gateway_SignDecision")
p.flow("SequenceFlow_Returned", "Gateway_SignDecision", "EndEvent_Returned", name="退回",
       condition="${signDecision == 'return'}")
p.flow("SequenceFlow_Signed", "Gateway_SignDecision", "Task_ProvideAssistOpinion", name="签收")
p.flow("SequenceFlow_ToCollect", "Task_ProvideAssistOpinion", "Task_CollectAssistOpinions")
p.flow("SequenceFlow_ToJoinHandling", "Task_CollectAssistOpinions", "Gateway_JoinHandling")
p.flow("SequenceFlow_ToHandle", "Gateway_JoinHandling", "Task_HandleAppeal")
p.flow("SequenceFlow_ToHandlingAction", "Task_HandleAppeal", "Gateway_HandlingAction")
p.flow("SequenceFlow_ResultReported", "Gateway_HandlingAction", "EndEvent_HandlingReported", name="报送结果",
       condition="${handlingAction == 'report'}")
p.flow("SequenceFlow_ExtensionRequested", "Gateway_HandlingAction", "Gateway_ExtensionAllowed", name="申请延期",
       condition="${handlingAction == 'extension'}")
p.flow("SequenceFlow_ExtensionAllowed", "Gateway_ExtensionAllowed", "Task_RegisterExtensionRequest",
       name="可以申请", condition="${extensionCount < 2}")
p.flow("SequenceFlow_ToApproveExtension", "Task_RegisterExtensionRequest", "Task_ApproveExtension")
p.flow("SequenceFlow_ToApplyExtension", "Task_ApproveExtension", "Task_ApplyExtensionDecision")
p.flow("SequenceFlow_ExtensionApplied", "Task_ApplyExtensionDecision", "Gateway_JoinHandling",
       via="below", lane=6.75)
p.flow("SequenceFlow_ExtensionRefused", "Gateway_ExtensionAllowed", "Event_ExtensionRefused", name="已满两次")
p.flow("SequenceFlow_RefusedToJoin", "Event_ExtensionRefused", "Gateway_JoinHandling",
       waypoints=[(x(8) - 18, y(6)), (x(7), y(6)), (x(7), y(5) + 25)])

# supervision of the handling deadline (spec §9): reminder, 催办函 + card, long overdue → escalation
hx, hy, hw, hh = p.nodes["Task_HandleAppeal"].box()
p.boundary("BoundaryEvent_HandlingReminder", "办理时限将至", "Task_HandleAppeal", dx=20, edge="top",
           timer_date="${handlingReminderAt}", cancel=False)
p.notify("Event_NotifyReminder", "提醒承办单位", 7, 4, "reminder")
p.end("EndEvent_ReminderSent", "已提醒", 6, 4)
p.flow("SequenceFlow_ToNotifyReminder", "BoundaryEvent_HandlingReminder", "Event_NotifyReminder",
       waypoints=[(hx + 20, hy - 18), (hx + 20, y(4)), (x(7) + 18, y(4))])
p.flow("SequenceFlow_ToReminderSent", "Event_NotifyReminder", "EndEvent_ReminderSent")
p.boundary("BoundaryEvent_HandlingOverdue", "办理超期", "Task_HandleAppeal", dx=80, edge="top",
           timer_date="${handlingDue}", cancel=False)
p.external("Task_IssueOverdueNotice", "发催办函并亮牌", 9, 4, "issueOverdueNotice")
p.external("Task_RenderReminderLetter", "生成催办函", 10, 4, "renderDocument", inputs={"documentKind": "reminder_letter"})
p.notify("Event_NotifyOverdue", "送达催办函", 11, 4, "overdue_notice")
p.gateway("Gateway_Interview", "是否需要约谈？", 12, 4, default="SequenceFlow_NoInterview")
p.end("EndEvent_OverdueHandled", "催办完成", 12, 4.85)
p.user_task("Task_Interview", "约谈承办单位负责人", 13, 4, "${interviewGroup}", "InterviewForm", due="${interviewDue}")
p.end("EndEvent_InterviewDone", "约谈完成", 13, 4.85)
p.flow("SequenceFlow_ToIssueOverdue", "BoundaryEvent_HandlingOverdue", "Task_IssueOverdueNotice",
       waypoints=[(hx + 80, hy - 18), (hx + 80, y(4)), (x(9) - 50, y(4))])
p.flow("SequenceFlow_ToRenderLetter", "Task_IssueOverdueNotice", "Task_RenderReminderLetter")
p.flow("SequenceFlow_ToNotifyOverdue", "Task_RenderReminderLetter", "Event_NotifyOverdue")
p.flow("SequenceFlow_ToInterviewCheck", "Event_NotifyOverdue", "Gateway_Interview")
p.flow("SequenceFlow_NoInterview", "Gateway_Interview", "EndEvent_OverdueHandled", name="否")
p.flow("SequenceFlow_NeedsInterview", "Gateway_Interview", "Task_Interview", name="红牌约谈",
       condition="${interview != 'none'}")
p.flow("SequenceFlow_ToInterviewDone", "Task_Interview", "EndEvent_InterviewDone")

# escalation chain (spec §10): department → deputy head → county head → city service center
p.boundary("BoundaryEvent_LongOverdue", "长期超期", "Task_HandleAppeal", dx=10, timer_date="${escalateAt}")
p.gateway("Gateway_JoinCoordination", "", 7, 7.5)
p.gateway("Gateway_JoinEscalation", "", 8, 7.5)
p.external("Task_PrepareEscalation", "提请上级协调", 9, 7.5, "prepareEscalation")
p.notify("Event_NotifyEscalated", "通知分管副县长", 10, 7.5, "escalated")
p.user_task("Task_CoordinateByDeputy", "分管副县长协调", 11, 7.5, "${escalationDeputyGroup}", "CoordinateAppealForm",
            due="${deputyCoordinationDue}")
p.gateway("Gateway_DeputyDecision", "副县长能否协调解决？", 12, 7.5, default="SequenceFlow_DeputyPassUp")
p.gateway("Gateway_JoinCounty", "", 12.55, 7.5)
p.user_task("Task_CoordinateByCountyHead", "县长协调", 13.25, 7.5, "county-head", "CoordinateAppealForm",
            due="${countyCoordinationDue}")
p.gateway("Gateway_CountyDecision", "县长能否协调解决？", 14.1, 7.5, default="SequenceFlow_CountyPassUp")
p.gateway("Gateway_JoinTransfer", "", 14.65, 8.6)
p.external("Task_TransferToCity", "转报市企业服务中心", 13.7, 8.6, "transferToCity")
p.external("Task_RenderTransferForm", "生成转报单", 12.7, 8.6, "renderDocument", inputs={"documentKind": "transfer"})
p.user_task("Task_CoordinateByCity", "市企业服务中心协调", 11.7, 8.6, "${escalationGroup}", "CityCoordinationForm",
            due="${cityCoordinationDue}")
p.boundary("BoundaryEvent_DeputyOverdue", "协调超期", "Task_CoordinateByDeputy", dx=80, edge="top",
           timer_date="${deputyCoordinationDue}")
p.boundary("BoundaryEvent_CountyOverdue", "协调超期", "Task_CoordinateByCountyHead", dx=80, edge="top",
           timer_date="${countyCoordinationDue}")
p.flow("SequenceFlow_Escalate", "Gateway_HandlingAction", "Gateway_JoinEscalation", name="提请协调",
       condition="${handlingAction == 'escalate'}",
       waypoints=[(x(9) + 25, y(5)), (x(9) + 60, y(5)), (x(9) + 60, y(7.05)), (x(8), y(7.05)), (x(8), y(7.5) - 25)])
p.notify("Event_NotifySupervision", "提请督查室挂牌督办", 7.765, 6.5, "supervision")
p.flow("SequenceFlow_LongOverdueToSupervision", "BoundaryEvent_LongOverdue", "Event_NotifySupervision",
       waypoints=[(hx + 10, hy + hh + 18), (hx + 10, y(6.5) - 18)])
p.flow("SequenceFlow_LongOverdueEscalate", "Event_NotifySupervision", "Gateway_JoinEscalation",
       waypoints=[(hx + 10, y(6.5) + 18), (hx + 10, y(7.5)), (x(8) - 25, y(7.5))])
p.flow("SequenceFlow_ToPrepareEscalation", "Gateway_JoinEscalation", "Task_PrepareEscalation")
p.flow("SequenceFlow_ToNotifyEscalated", "Task_PrepareEscalation", "Event_NotifyEscalated")
p.flow("SequenceFlow_ToDeputy", "Event_NotifyEscalated", "Task_CoordinateByDeputy")
p.flow("SequenceFlow_ToDeputyDecision", "Task_CoordinateByDeputy", "Gateway_DeputyDecision")
p.flow("SequenceFlow_DeputyResolved", "Gateway_DeputyDecision", "Gateway_JoinCoordination", name="已协调",
       condition="${coordinationDecision == 'resolved'}", via="below", lane=8.05)
p.flow("SequenceFlow_DeputyPassUp", "Gateway_DeputyDecision", "Gateway_JoinCounty", name="报县长")
dx_, dy_, dw_, dh_ = p.nodes["Task_CoordinateByDeputy"].box()
p.flow("SequenceFlow_DeputyTimeout", "BoundaryEvent_DeputyOverdue", "Gateway_JoinCounty",
       waypoints=[(dx_ + 80, dy_ - 18), (dx_ + 80, y(7.0)), (x(12.55), y(7.0)), (x(12.55), y(7.5) - 25)])
p.flow("SequenceFlow_ToCounty", "Gateway_JoinCounty", "Task_CoordinateByCountyHead")
p.flow("SequenceFlow_ToCountyDecision", "Task_CoordinateByCountyHead", "Gateway_CountyDecision")
p.flow("SequenceFlow_CountyResolved", "Gateway_CountyDecision", "Gateway_JoinCoordination", name="已协调",
       condition="${coordinationDecision == 'resolved'}", via="below", lane=8.12)
p.flow("SequenceFlow_CountyPassUp", "Gateway_CountyDecision", "Gateway_JoinTransfer", name="转报市级",
       waypoints=[(x(14.1) + 25, y(7.5)), (x(14.65), y(7.5)), (x(14.65), y(8.6) - 25)])
cx_, cy_, cw_, ch_ = p.nodes["Task_CoordinateByCountyHead"].box()
p.flow("SequenceFlow_CountyTimeout", "BoundaryEvent_CountyOverdue", "Gateway_JoinTransfer",
       waypoints=[(cx_ + 80, cy_ - 18), (cx_ + 80, y(6.95)), (x(14.65) + 45, y(6.95)), (x(14.65) + 45, y(8.6)),
                  (x(14.65) + 25, y(8.6))])
p.flow("SequenceFlow_ToTransfer", "Gateway_JoinTransfer", "Task_TransferToCity")
p.flow("SequenceFlow_ToRenderTransfer", "Task_TransferToCity", "Task_RenderTransferForm")
p.flow("SequenceFlow_ToCity", "Task_RenderTransferForm", "Task_CoordinateByCity")
p.flow("SequenceFlow_CityDecided", "Task_CoordinateByCity", "Gateway_JoinCoordination",
       waypoints=[(x(11.7) - 50, y(8.6)), (x(7), y(8.6)), (x(7), y(7.5) + 25)])
p.flow("SequenceFlow_CoordinationToHandling", "Gateway_JoinCoordination", "Gateway_JoinHandling",
       waypoints=[(x(7), y(7.5) - 25), (x(7), y(5) + 25)])
p.inside(None)

sub_x, sub_y, sub_w, sub_h = p.nodes["SubProcess_Handling"].box()
p.boundary("BoundaryEvent_Returned", "单位退回", "SubProcess_Handling", dx=x(4) - sub_x + 60, edge="top",
           error="Error_WrongDepartment")
p.flow("SequenceFlow_ReturnedToProposal", "BoundaryEvent_Returned", "Gateway_JoinProposal",
       waypoints=[(x(4) + 60, sub_y - 18), (x(4) + 60, y(2.6)), (x(9), y(2.6)), (x(9), y(0) + 25)])
p.external("Task_RenderDispatchForm", "生成交办单或转报单", 15, 1, "renderDocument",
           inputs={"documentKind": "${dispatchSituation == 'city' ? 'transfer' : 'dispatch'}"})
p.flow("SequenceFlow_ToRenderDispatch", "Task_DispatchAppeal", "Task_RenderDispatchForm")
p.notify("Event_NotifyDispatched", "通知承办单位", 15, 2, "dispatched")
p.flow("SequenceFlow_ToNotifyDispatched", "Task_RenderDispatchForm", "Event_NotifyDispatched")
p.flow("SequenceFlow_DispatchedToHandling", "Event_NotifyDispatched", "SubProcess_Handling",
       waypoints=[(x(15), y(2) + 18), (x(15), y(3)), (sub_x - 40, y(3)), (sub_x - 40, y(5)), (sub_x, y(5))])

# ---------------------------------------------------------------------------- results (rows 5..7, right)
p.gateway("Gateway_JoinResult", "", 16, 5)
p.external("Task_RecordResult", "登记办理结果", 17, 5, "recordResult")
p.gateway("Gateway_ResultClass", "办理结果类别？", 18, 5, default="SequenceFlow_ResultSolved")
p.timer_catch("Event_RecheckDue", "到复查时间", 19, 5, "${recheckDue}")
p.user_task("Task_RecheckProgress", "复查督办台账事项", 20, 5, "office", "RecheckProgressForm", due="${recheckReviewDue}")
p.gateway("Gateway_RecheckDecision", "复查结论？", 21, 5, default="SequenceFlow_RecheckInProgress")

p.flow("SequenceFlow_HandlingToJoinResult", "SubProcess_Handling", "Gateway_JoinResult",
       waypoints=[(sub_x + sub_w, y(5)), (x(16) - 25, y(5))])
p.flow("SequenceFlow_ToRecordResult", "Gateway_JoinResult", "Task_RecordResult")
p.external("Task_RenderFeedbackForm", "生成办理情况反馈表", 17, 6, "renderDocument",
           inputs={"documentKind": "handling_feedback"})
p.flow("SequenceFlow_ToRenderFeedback", "Task_RecordResult", "Task_RenderFeedbackForm")
p.flow("SequenceFlow_ToResultClass", "Task_RenderFeedbackForm", "Gateway_ResultClass")
p.flow("SequenceFlow_ResultPending", "Gateway_ResultClass", "Event_RecheckDue", name="B类或C类",
       condition="${resultClass == 'B' || resultClass == 'C'}")
p.flow("SequenceFlow_ToRecheck", "Event_RecheckDue", "Task_RecheckProgress")
p.flow("SequenceFlow_ToRecheckDecision", "Task_RecheckProgress", "Gateway_RecheckDecision")
p.flow("SequenceFlow_RecheckInProgress", "Gateway_RecheckDecision", "Gateway_JoinResult", name="仍在办理",
       via="above", lane=4.45)

# ---------------------------------------------------------------------------- follow-up (rows 9..11)
p.gateway("Gateway_JoinFollowUp", "", 2, 11.5)
p.user_task("Task_FollowUp", "回访企业并评价满意度", 3, 11.5, "office", "FollowUpForm", due="${followUpDue}")
p.gateway("Gateway_JoinRecordFollowUp", "", 3.5, 11.5)
p.external("Task_RecordFollowUp", "记录回访结果", 4, 11.5, "recordFollowUp")
p.gateway("Gateway_FollowUpOutcome", "企业是否满意？", 5, 11.5, default="SequenceFlow_Satisfied")
p.user_task("Task_ReworkAppeal", "重新办理并答复企业", 5, 12.5, "${handlerGroup}", "ReworkAppealForm", due="${reworkDue}")
p.user_task("Task_FillDissatisfactionReview", "填写不满意诉求审核反馈表", 6, 12.5, "${handlerGroup}",
            "DissatisfactionReviewForm", due="${reviewFormDue}")
p.user_task("Task_ReviewDissatisfaction", "专班核查不满意诉求", 7, 12.5, "office", "ReviewDissatisfactionForm",
            due="${reviewDue}")
p.gateway("Gateway_ReviewDecision", "核查结论？", 8, 12.5, default="SequenceFlow_ReviewSupervise")
p.user_task("Task_SpecialSupervision", "专项督办办理", 8, 13.5, "${handlerGroup}", "SpecialSupervisionForm",
            due="${supervisionDue}")
p.gateway("Gateway_JoinClose", "", 9, 11.5)
p.external("Task_CloseAppeal", "销号归档", 10, 11.5, "closeAppeal")
p.end("EndEvent_AppealClosed", "诉求已销号", 11, 11.5)

p.notify("Event_NotifySurveyLink", "发送评价链接", 2.5, 11.5, "survey_link")
p.flow("SequenceFlow_ToSurveyLink", "Gateway_JoinFollowUp", "Event_NotifySurveyLink")
p.flow("SequenceFlow_ToFollowUp", "Event_NotifySurveyLink", "Task_FollowUp")
p.flow("SequenceFlow_ToJoinRecordFollowUp", "Task_FollowUp", "Gateway_JoinRecordFollowUp")
p.flow("SequenceFlow_ToRecordFollowUp", "Gateway_JoinRecordFollowUp", "Task_RecordFollowUp")
p.boundary("BoundaryEvent_SurveyAnswered", "企业在线评价或12345回访", "Task_FollowUp", dx=70, message="Message_SurveyAnswered")
p.flow("SequenceFlow_SurveyToRecord", "BoundaryEvent_SurveyAnswered", "Gateway_JoinRecordFollowUp",
       waypoints=[(x(3) + 20, y(11.5) + 58), (x(3) + 20, y(12.05)), (x(3.5), y(12.05)), (x(3.5), y(11.5) + 25)])
p.flow("SequenceFlow_ToFollowUpOutcome", "Task_RecordFollowUp", "Gateway_FollowUpOutcome")
p.external("Task_RenderSatisfactionForm", "生成满意度评价表", 7, 11.5, "renderDocument",
           inputs={"documentKind": "satisfaction"})
p.flow("SequenceFlow_Satisfied", "Gateway_FollowUpOutcome", "Task_RenderSatisfactionForm", name="满意，销号")
p.flow("SequenceFlow_SatisfactionToClose", "Task_RenderSatisfactionForm", "Gateway_JoinClose")
p.flow("SequenceFlow_Rework", "Gateway_FollowUpOutcome", "Task_ReworkAppeal", name="不满意，重办",
       condition="${followUpOutcome == 'rework'}")
p.flow("SequenceFlow_NeedsReview", "Gateway_FollowUpOutcome", "Task_FillDissatisfactionReview",
       name="两轮后仍不满意", condition="${followUpOutcome == 'review'}",
       waypoints=[(x(5) + 25, y(11.5)), (x(6), y(11.5)), (x(6), y(12.5) - 40)])
p.flow("SequenceFlow_ReworkToFollowUp", "Task_ReworkAppeal", "Gateway_JoinFollowUp",
       waypoints=[(x(5) - 50, y(12.5)), (x(2), y(12.5)), (x(2), y(11.5) + 25)])
p.external("Task_RenderReviewForm", "生成不满意诉求审核反馈表", 6, 13.5, "renderDocument",
           inputs={"documentKind": "dissatisfaction_review"})
p.flow("SequenceFlow_ToRenderReview", "Task_FillDissatisfactionReview", "Task_RenderReviewForm")
p.flow("SequenceFlow_ToReview", "Task_RenderReviewForm", "Task_ReviewDissatisfaction")
p.flow("SequenceFlow_ToReviewDecision", "Task_ReviewDissatisfaction", "Gateway_ReviewDecision")
p.flow("SequenceFlow_ReviewClose", "Gateway_ReviewDecision", "Gateway_JoinClose", name="说明情况后办结",
       condition="${reviewDecision == 'close_with_explanation'}")
p.flow("SequenceFlow_ReviewSupervise", "Gateway_ReviewDecision", "Task_SpecialSupervision", name="专项督办")
p.flow("SequenceFlow_SupervisionToFollowUp", "Task_SpecialSupervision", "Gateway_JoinFollowUp",
       waypoints=[(x(8), y(13.5) + 40), (x(8), y(14.1)), (x(1.7), y(14.1)), (x(1.7), y(11.5)), (x(2) - 25, y(11.5))])
p.flow("SequenceFlow_ToClose", "Gateway_JoinClose", "Task_CloseAppeal")
p.flow("SequenceFlow_ToClosed", "Task_CloseAppeal", "EndEvent_AppealClosed")

# flows that join the follow-up or the close from the lines above
p.flow("SequenceFlow_ConsultationToFollowUp", "Task_AnswerConsultation", "Gateway_JoinFollowUp",
       waypoints=[(x(6) - 50, y(1)), (x(5) + 60, y(1)), (x(5) + 60, y(2.3)), (x(1.5), y(2.3)),
                  (x(1.5), y(11.5)), (x(2) - 25, y(11.5))])
p.notify("Event_NotifyOutOfScope", "告知企业不予受理", 22.5, 3, "out_of_scope")
p.flow("SequenceFlow_OutOfScope", "Gateway_Scope", "Event_NotifyOutOfScope", name="不予受理",
       condition="${scopeDecision == 'out_of_scope'}",
       waypoints=[(x(6), y(0) - 25), (x(6), y(-0.75)), (x(22.5), y(-0.75)), (x(22.5), y(3) - 18)])
p.flow("SequenceFlow_SettledToClose", "Gateway_SettledAtMeeting", "Gateway_JoinClose", name="当场解决",
       condition="${execution.getVariable('settledAtMeeting') == true}",
       waypoints=[(x(5), y(1) + 25), (x(5), y(2.45)), (x(1.3), y(2.45)), (x(1.3), y(10.95)), (x(9) - 10, y(10.95)),
                  (x(9) - 10, y(11.5) - 15)])
p.flow("SequenceFlow_OutOfScopeToClose", "Event_NotifyOutOfScope", "Gateway_JoinClose",
       waypoints=[(x(22.5), y(3) + 18), (x(22.5), y(10.7)), (x(9), y(10.7)), (x(9), y(11.5) - 25)])
p.flow("SequenceFlow_ResultSolved", "Gateway_ResultClass", "Gateway_JoinFollowUp", name="A类",
       waypoints=[(x(18), y(5) + 25), (x(18), y(10.4)), (x(2), y(10.4)), (x(2), y(11.5) - 25)])
p.flow("SequenceFlow_RecheckSolved", "Gateway_RecheckDecision", "Gateway_JoinFollowUp", name="已解决",
       condition="${recheckDecision == 'solved'}",
       waypoints=[(x(21), y(5) + 25), (x(21), y(10.55)), (x(2) + 10, y(10.55)), (x(2) + 10, y(11.5) - 15)])
p.flow("SequenceFlow_RecheckExplained", "Gateway_RecheckDecision", "Gateway_JoinClose", name="说明情况后办结",
       condition="${recheckDecision == 'explained'}",
       waypoints=[(x(21) + 25, y(5)), (x(22), y(5)), (x(22), y(10.85)), (x(9) + 10, y(10.85)), (x(9) + 10, y(11.5) - 15)])

# ---------------------------------------------------------------------------- channel events (row 15.5)
p.subprocess("SubProcess_OrderWithdrawn", "12345工单撤回", (2, 15.5, 5, 15.5), event_triggered=True)
p.inside("SubProcess_OrderWithdrawn")
p.start("StartEvent_OrderWithdrawn", "工单已撤回", 2, 15.5, message="Message_HotlineOrderWithdrawn")
p.external("Task_CloseWithdrawn", "撤回销号", 3.5, 15.5, "closeAppeal")
p.end("EndEvent_Withdrawn", "诉求已撤回", 5, 15.5)
p.flow("SequenceFlow_ToCloseWithdrawn", "StartEvent_OrderWithdrawn", "Task_CloseWithdrawn")
p.flow("SequenceFlow_ToWithdrawn", "Task_CloseWithdrawn", "EndEvent_Withdrawn")
p.inside(None)
p.subprocess("SubProcess_HotlineReminder", "12345催单", (7, 15.5, 10, 15.5), event_triggered=True)
p.inside("SubProcess_HotlineReminder")
p.start("StartEvent_HotlineReminder", "收到催单", 7, 15.5, message="Message_HotlineReminder", interrupting=False)
p.external("Task_RecordHotlineReminder", "登记催单并提醒承办单位", 8.5, 15.5, "recordHotlineReminder")
p.end("EndEvent_ReminderRecorded", "催单已登记", 10, 15.5)
p.flow("SequenceFlow_ToRecordReminder", "StartEvent_HotlineReminder", "Task_RecordHotlineReminder")
p.flow("SequenceFlow_ToReminderRecorded", "Task_RecordHotlineReminder", "EndEvent_ReminderRecorded")
p.inside(None)

if __name__ == "__main__":
    p.write()
