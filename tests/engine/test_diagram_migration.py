"""Appeals started on the single-canvas diagram finish on the drill-down one (docs/diagrams.md).

The restructured `EnterpriseAppeal` moved activities into new collapsed subprocesses (dispatch, extension,
overdue, escalation, follow-up). `appeals deploy` migrates the running instances of older versions; the
engine's generated plan leaves out activities whose parent scope is new, so `deploy.migration_plan` maps
them by id. Here appeals wait in the old version at each kind of moved wait state — a user task with timers,
a task in the escalation chain with its timer, the follow-up with its message boundary, a task of the new
dispatch level, the extension approval — and then finish on the new version, timers fired through REST.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from appeals.deploy import deploy, migration_plan
from appeals.settings import PROJECT_ROOT

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, dispatch_to, follow_up, propose, register_and_accept, report, sign

SINGLE_CANVAS = Path(__file__).resolve().parents[1] / "fixtures" / "EnterpriseAppeal-single-canvas.bpmn"
CURRENT = PROJECT_ROOT / "bpmn" / "EnterpriseAppeal.bpmn"
NAME = "diagram-migration"


def _models(root: Path, bpmn: Path) -> Path:
    """A model folder with this EnterpriseAppeal and the repository's decision tables and forms."""
    (root / "bpmn").mkdir(parents=True)
    shutil.copy(bpmn, root / "bpmn" / "EnterpriseAppeal.bpmn")
    for folder in ("dmn", "forms"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    return root


def _latest(workers: EngineHandle) -> str:
    return workers.admin.get("/process-definition/key/EnterpriseAppeal")["id"]


def test_the_plan_maps_every_wait_state_moved_into_a_new_subprocess(workers: EngineHandle, tmp_path: Path) -> None:
    admin = workers.admin
    old = admin.deploy("diagram-migration-plan", [("EnterpriseAppeal.bpmn", SINGLE_CANVAS.read_bytes())],
                       changed_only=False)
    [old_id] = [d["id"] for d in old["deployedProcessDefinitions"].values()]
    current = deploy(admin, _models(tmp_path / "current", CURRENT), name="diagram-migration-plan")
    assert current.created and not [m for m in current.migrations if m.error]
    new_id = _latest(workers)
    generated = admin.post("/migration/generate", {"sourceProcessDefinitionId": old_id,
                                                   "targetProcessDefinitionId": new_id, "updateEventTriggers": True})
    plan = migration_plan(admin, old_id, new_id)
    by_source = {i["sourceActivityIds"][0]: i for i in plan["instructions"]}
    moved = {"Task_ProposeDispatch", "SubProcess_Handling", "Task_HandleAppeal", "BoundaryEvent_HandlingReminder",
             "BoundaryEvent_HandlingOverdue", "BoundaryEvent_LongOverdue", "Task_ApproveExtension", "Task_Interview",
             "Task_CoordinateByDeputy", "BoundaryEvent_DeputyOverdue", "Task_FollowUp",
             "BoundaryEvent_SurveyAnswered", "Task_ReworkAppeal", "Task_ProvideAssistOpinion#multiInstanceBody"}
    assert moved <= set(by_source), f"not mapped: {moved - set(by_source)}"
    assert not moved & {i["sourceActivityIds"][0] for i in generated["instructions"]}, \
        "the engine's generator does map them now: migration_plan could be simpler"
    assert all(i["targetActivityIds"] == i["sourceActivityIds"] for i in plan["instructions"])
    assert by_source["BoundaryEvent_DeputyOverdue"]["updateEventTrigger"]
    assert not by_source["Task_HandleAppeal"]["updateEventTrigger"]
    assert "Task_VerifyAppeal" in {i["sourceActivityIds"][0] for i in generated["instructions"]}


def test_running_appeals_of_the_single_canvas_version_finish_on_the_new_one(workers: EngineHandle,
                                                                             tmp_path: Path) -> None:
    admin = workers.admin
    # the single-canvas version becomes the latest, without migrating anything to it
    admin.deploy(NAME, [(p.name, p.read_bytes()) for p in
                        sorted(_models(tmp_path / "old", SINGLE_CANVAS).rglob("*.*"))], changed_only=False)
    old_definition = _latest(workers)

    handling = Appeal.start(workers, "MG-HANDLE")
    dispatch_to(handling, "dept-hr", "hr-handler")
    deputy = Appeal.start(workers, "MG-DEPUTY")
    dispatch_to(deputy, "dept-natural-resources", "land-handler")
    deputy.complete("Task_HandleAppeal", "land-handler", handlingAction="escalate",
                    escalationReason="涉及跨部门用地指标，本单位无法解决")
    deputy.task("Task_CoordinateByDeputy", "deputy-resources")
    followed = Appeal.start(workers, "MG-FOLLOWUP")
    dispatch_to(followed, "dept-industry", "industry-handler")
    report(followed, "industry-handler")
    followed.task("Task_FollowUp", "office-clerk")
    proposed = Appeal.start(workers, "MG-PROPOSE")
    register_and_accept(proposed)
    proposed.task("Task_ProposeDispatch", "office-clerk")
    extended = Appeal.start(workers, "MG-EXTENSION")
    dispatch_to(extended, "dept-power-supply", "power-handler")
    extended.complete("Task_HandleAppeal", "power-handler", handlingAction="extension", extensionDays=3,
                      extensionReason="需等待设备到货")
    extended.task("Task_ApproveExtension", "office-clerk")
    appeals = [handling, deputy, followed, proposed, extended]
    assert {admin.get(f"/process-instance/{a.id}")["definitionId"] for a in appeals} == {old_definition}

    # the drill-down version is deployed as `appeals deploy` does it: the running appeals move to it
    result = deploy(admin, _models(tmp_path / "new", CURRENT), name=NAME)
    assert result.created
    [moved] = [m for m in result.migrations if m.source == f"EnterpriseAppeal:{old_definition.split(':')[1]}"]
    assert moved.error is None and moved.instances == len(appeals), moved
    new_definition = _latest(workers)
    assert {admin.get(f"/process-instance/{a.id}")["definitionId"] for a in appeals} == {new_definition}
    assert "SubProcess_Escalation" in str(admin.get(f"/process-instance/{deputy.id}/activity-instances"))

    # each finishes on the new diagram; the timers moved with their tasks
    handling.fire_timer("BoundaryEvent_HandlingReminder")
    assert "Task_HandleAppeal" in handling.waiting_at()
    # the reminder's notification runs beside the task: let the workers finish it first (a user
    # completing the task meanwhile races the worker and gets the engine's concurrent-update refusal)
    wait_for(lambda: not admin.get("/external-task", processInstanceId=handling.id), message="the reminder sent")
    report(handling, "hr-handler")
    follow_up(handling)

    deputy.fire_timer("BoundaryEvent_DeputyOverdue")
    deputy.complete("Task_CoordinateByCountyHead", "county-head", coordinationDecision="resolved",
                    coordinationOpinion="已协调自然资源局调剂指标")
    report(deputy, "land-handler")
    follow_up(deputy)

    follow_up(followed)

    propose(proposed, "dept-hr")
    proposed.complete("Task_ApproveDispatch", "office-director", approvalDecision="approve", approvalComment="同意")
    sign(proposed, "hr-handler")
    report(proposed, "hr-handler")
    follow_up(proposed)

    extended.complete("Task_ApproveExtension", "office-clerk", extensionDecision="approve", extensionComment="同意")
    wait_for(lambda: "Task_HandleAppeal" in extended.waiting_at(), message="back to handling after the extension")
    report(extended, "power-handler")
    follow_up(extended)

    for appeal in appeals:
        appeal.wait_until_ended(timeout=60)
        assert appeal.variables_history("closeReason") == "satisfied", appeal.id
