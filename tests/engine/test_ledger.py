"""The ledger against the real engine: appeals driven along different paths while the milestone
handlers record them step by step; then the ledger rebuilt from history into a second database must
hold the same rows. And the MonthlyBulletin process: skip a day that is not the first working day,
render and review the bulletin on one that is.

Until the milestone handlers record milestones themselves, `LEDGER_WIRING` wraps them in this
module (exactly the calls docs/figures.md asks the handlers to make). Once they do, the wrapper
only records each milestone a second time, which changes nothing: the test holds either way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.engine import Engine

from appeals import db
from appeals.db.ledger_models import LedgerAppeal, LedgerDepartment, LedgerEnterprise, LedgerFollowUp
from appeals.deadlines import now
from appeals.handlers import router
from appeals.ledger import rebuild_from_history, record_milestone, signed_time
from appeals.ledger.cli import ledger as ledger_commands
from appeals.ledger.recording import handler_variables
from appeals.ledger.reports import first_workday_of_month
from appeals.runtime import Task

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, approve, dispatch_to, follow_up, propose, register_and_accept, report, sign

# topic → milestone: the wiring docs/figures.md describes for the milestone handlers
LEDGER_WIRING = {
    "registerAppeal": "registered",
    "dispatchAppeal": "dispatched",
    "collectAssistOpinions": "signed",
    "applyExtensionDecision": "extension",
    "recordResult": "result_reported",
    "applyFollowUpOutcome": "followed_up",
    "closeAppeal": "closed",
}


def _recording(original, milestone: str):
    def handler(task: Task, svc: Any) -> dict[str, Any]:
        output = dict(original.call(task, svc))
        if milestone == "registered":  # what registerAppeal is asked to add
            output.setdefault("registeredAt", now().isoformat(timespec="seconds"))
        at = signed_time(svc.camunda, task.process_instance_id) if milestone == "signed" else None
        variables = {**task.variables, **output, "businessKey": task.business_key}
        record_milestone(svc.db, task.process_instance_id, milestone, variables, at=at)
        return output

    return handler


@pytest.fixture(scope="module")
def recording(workers: EngineHandle) -> Iterator[Engine]:
    """The milestone handlers record into the application database while this module runs."""
    from appeals.context import AppContext

    saved = dict(router.topics)
    for topic, milestone in LEDGER_WIRING.items():
        original = router.topics[topic]
        variables = tuple(dict.fromkeys((*original.variables, *handler_variables(milestone))))
        router.topics[topic] = dataclasses.replace(original, handler=_recording(original, milestone),
                                                   variables=variables, takes_context=True)
    yield AppContext().db
    router.topics.clear()
    router.topics.update(saved)


def _rows(engine: Engine, ids: set[str]) -> dict[str, Any]:
    """The ledger rows of the given appeals (and what they refer to), without surrogate ids."""
    a, f = LedgerAppeal.__table__, LedgerFollowUp.__table__
    with engine.connect() as conn:
        appeals = {r["process_instance_id"]: dict(r) for r in conn.execute(
            select(a).where(a.c.process_instance_id.in_(ids))).mappings()}
        follow_ups = sorted(tuple(r) for r in conn.execute(select(f).where(f.c.process_instance_id.in_(ids))))
        codes = {r.get(k) for r in appeals.values() for k in ("lead_department", "handler_group")} - {None}
        departments = sorted(tuple(r) for r in conn.execute(
            select(LedgerDepartment.__table__).where(LedgerDepartment.__table__.c.code.in_(codes))))
        credit = {r["credit_code"] for r in appeals.values()} - {None}
        enterprises = sorted(tuple(r) for r in conn.execute(
            select(LedgerEnterprise.__table__).where(LedgerEnterprise.__table__.c.credit_code.in_(credit))))
    return {"appeals": appeals, "follow_ups": follow_ups, "departments": departments, "enterprises": enterprises}


def test_the_rebuilt_ledger_equals_the_one_kept_step_by_step(recording: Engine, workers: EngineHandle,
                                                              tmp_path: Path, fresh_database_url) -> None:
    appeals: dict[str, Appeal] = {}

    # 1. the happy path: dispatched, signed, A, satisfied, closed
    happy = appeals["happy"] = Appeal.start(workers, "LEDGER-HAPPY", category="power")
    dispatch_to(happy, "dept-power-supply", "power-handler")
    report(happy, "power-handler", "A")
    follow_up(happy, "very_satisfied")

    # 2. returned, re-dispatched, extended, reported, dissatisfied once, reworked, satisfied
    rework = appeals["rework"] = Appeal.start(workers, "LEDGER-REWORK", category="power")
    register_and_accept(rework)
    propose(rework, "dept-power-supply")
    approve(rework, "office-director")
    rework.complete("Task_SignDispatch", "power-handler", signDecision="return", returnReason="属于能源局职责")
    propose(rework, "dept-energy")
    approve(rework, "office-director")
    sign(rework, "energy-handler")
    rework.complete("Task_HandleAppeal", "energy-handler", handlingAction="extension", extensionDays=3,
                    extensionReason="需协调上级电网")
    rework.complete("Task_ApproveExtension", "office-clerk", extensionDecision="approve", extensionComment="同意")
    report(rework, "energy-handler", "A")
    follow_up(rework, "dissatisfied")
    rework.complete("Task_ReworkAppeal", "energy-handler", revisedResultClass="A", revisedReplyText="重新协调后已接电")
    follow_up(rework, "satisfied")

    # 3. class B: stays on the supervision ledger, re-reported after a re-check, then solved
    ledger_b = appeals["ledger_b"] = Appeal.start(workers, "LEDGER-B")
    dispatch_to(ledger_b, "dept-industry", "industry-handler")
    report(ledger_b, "industry-handler", "B")
    ledger_b.fire_timer("Event_RecheckDue")
    ledger_b.complete("Task_RecheckProgress", "office-clerk", recheckNote="推进中", recheckDecision="in_progress")
    ledger_b.fire_timer("Event_RecheckDue")
    ledger_b.complete("Task_RecheckProgress", "office-clerk", recheckNote="已解决", recheckDecision="solved")
    follow_up(ledger_b, "basically_satisfied")

    # 4. a consultation answered by the office; 5. out of scope
    consult = appeals["consult"] = Appeal.start(workers, "LEDGER-CONSULT", appealKind="consultation")
    consult.complete("Task_VerifyAppeal", "office-clerk", verifyNote="咨询政策", scopeDecision="consultation",
                     category="financing")
    consult.complete("Task_AnswerConsultation", "office-clerk", consultationAnswer="已告知", answerMethod="phone")
    follow_up(consult, "satisfied")
    scope = appeals["scope"] = Appeal.start(workers, "LEDGER-SCOPE")
    scope.complete("Task_VerifyAppeal", "office-clerk", verifyNote="已起诉", scopeDecision="out_of_scope",
                   outOfScopeReason="已进入诉讼程序")

    # 6. still running: transferred to the city (its own CityAppeal); 7. waiting for the approval
    city = appeals["city"] = Appeal.start(workers, "LEDGER-CITY", category="land")
    register_and_accept(city)
    propose(city, "dept-natural-resources", situation="city")
    approve(city, "county-head")
    wait_for(lambda: city.waiting_at() == ["Event_DispatchResultReturned"], message="the transfer to the city")
    waiting = appeals["waiting"] = Appeal.start(workers, "LEDGER-WAITING")
    register_and_accept(waiting)
    propose(waiting, "dept-industry")
    waiting.task("Task_ApproveDispatch", "office-director")

    for name in ("happy", "rework", "ledger_b", "consult", "scope"):
        appeals[name].wait_until_ended()
    ids = {a.id for a in appeals.values()}
    wait_for(lambda: len(_rows(recording, ids)["appeals"]) == len(ids), message="every appeal in the ledger")
    stepwise = _rows(recording, ids)

    db.upgrade(fresh_database_url)
    rebuilt_engine = db.engine_for(fresh_database_url)
    summary = rebuild_from_history(workers.admin, rebuilt_engine, process_instance_ids=ids)
    assert summary.appeals == len(ids)
    rebuilt = _rows(rebuilt_engine, ids)
    for name, appeal in appeals.items():
        assert rebuilt["appeals"][appeal.id] == stepwise["appeals"][appeal.id], name
    assert rebuilt == stepwise

    rows = stepwise["appeals"]
    assert [rows[appeals[n].id]["status"] for n in appeals] == [
        "closed", "closed", "closed", "closed", "closed", "transferred_to_city", "registered"]
    rw = rows[appeals["rework"].id]
    assert (rw["dispatch_count"], rw["return_count"], rw["extension_count"], rw["follow_up_rounds"]) == (2, 1, 1, 2)
    assert rw["handler_group"] == "dept-energy" and rw["last_return_reason"] == "属于能源局职责"
    assert rw["handling_due"] > rw["dispatched_at"] and rw["handled_on_time"] is True
    b = rows[appeals["ledger_b"].id]
    assert b["first_result_reported_at"] <= b["result_reported_at"], "re-reported after the re-check"
    assert b["status"] == "closed" and b["result_class"] == "B" and b["follow_up_rounds"] == 1
    assert rows[appeals["consult"].id]["handler_group"] is None and rows[appeals["consult"].id]["kind"] == "consultation"
    assert rows[appeals["scope"].id]["close_reason"] == "out_of_scope"
    assert rows[appeals["city"].id]["handler_group"] == "city-center"
    assert rows[appeals["city"].id]["dispatch_situation"] == "city"
    assert rows[appeals["happy"].id]["business_key"] == "LEDGER-HAPPY"

    # rebuilding again changes nothing; nor does `appeals ledger rebuild` over the step-by-step ledger
    rebuild_from_history(workers.admin, rebuilt_engine, process_instance_ids=ids)
    assert _rows(rebuilt_engine, ids) == stepwise
    result = CliRunner().invoke(click.Group("appeals", commands=[ledger_commands]), ["ledger", "rebuild"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "ledger rebuilt:" in result.output
    assert _rows(recording, ids) == stepwise


def _bulletin_instances(workers: EngineHandle) -> set[str]:
    """The top-level instances (on the first working day the timer's starts one more per county)."""
    return {i["id"] for i in workers.admin.get("/history/process-instance", processDefinitionKey="MonthlyBulletin")
            if not i.get("superProcessInstanceId")}


def test_monthly_bulletin_skips_other_days_and_renders_on_the_first_working_day(
        workers: EngineHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    from appeals.context import AppContext
    from appeals.handlers import bulletin as bulletin_handler

    admin = workers.admin
    # the timer fires: whether today is the first working day decides the path; a run after it (late: the
    # engine was down that day) counts as that day unless an instance made the previous month's bulletins.
    # The session's engine is a fresh install (every instance started today): the previous month had no
    # product running, so the timer makes no (empty) bulletin of it, on the day or late
    today = now().date()
    calendar = AppContext().calendar()
    first = first_workday_of_month(calendar, today)
    previous = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")

    def made() -> list:
        return admin.get("/history/variable-instance", processDefinitionKey="MonthlyBulletin",
                         variableName="bulletinPeriod", variableValue=previous)

    the_day = today == first or (today > first and not made())
    before = _bulletin_instances(workers)
    jobs = admin.get("/job", processDefinitionKey="MonthlyBulletin", timers="true")
    assert len(jobs) == 1, "the timer start event waits for its next cycle"
    assert 1 <= int(jobs[0]["dueDate"][8:10]) <= 11, jobs[0]["dueDate"]  # days 1–10 (11: 09:00 east of UTC)
    admin.execute_job(jobs[0]["id"])
    (started,) = wait_for(lambda: _bulletin_instances(workers) - before, message="the timer's instance")

    def ended():
        return admin.get(f"/history/process-instance/{started}")["state"] == "COMPLETED"
    wait_for(ended, message="the timer's instance to end without a bulletin")
    ends = admin.get("/history/activity-instance", processInstanceId=started, activityType="noneEndEvent")
    assert [e["activityId"] for e in ends] == ["EndEvent_NotFirstWorkday"]
    variables = {v["name"]: v["value"] for v in admin.get("/history/variable-instance", processInstanceId=started)}
    assert variables["bulletinToday"] is False and "bulletinPeriod" not in variables
    assert _bulletin_instances(workers) - before == {started}, "no county's bulletin started"
    if the_day:
        assert variables["bulletinIdlePeriod"] == previous, "the day, but the month before the install"

    # later, the install in use: the timer run on the 10th of the month after next (the workers' clock; late,
    # or the first working day after a long holiday) makes next month's bulletins, once. (Not this month's:
    # tests/engine/test_city_bulletin.py may have made them, and then "never twice" holds.)
    day = (today.replace(day=1) + dt.timedelta(days=62)).replace(day=10)
    month = (day.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    monkeypatch.setattr(bulletin_handler, "now", lambda: dt.datetime.combine(day, dt.time(9), tzinfo=now().tzinfo))
    for run in range(2):
        before = _bulletin_instances(workers)
        (job,) = admin.get("/job", processDefinitionKey="MonthlyBulletin", timers="true")
        admin.execute_job(job["id"])
        (started,) = wait_for(lambda b=before: _bulletin_instances(workers) - b, message="the timer's instance")
        flag = wait_for(lambda s=started: admin.get("/history/variable-instance", processInstanceId=s,
                                                    variableName="bulletinToday"), message="the day decided")
        variables = {v["name"]: v["value"] for v in admin.get("/history/variable-instance", processInstanceId=started)}
        if run == 0:  # the bulletins of that month, one per county and the city's
            assert flag[0]["value"] is True and variables["bulletinPeriod"] == month, variables
            assert variables["bulletinDay"] == first_workday_of_month(calendar, day).isoformat()
            admin.delete(f"/process-instance/{started}?skipCustomListeners=true")  # its children too
        else:  # never twice
            wait_for(lambda s=started: admin.get(f"/history/process-instance/{s}")["state"] == "COMPLETED",
                     message="the second run to end without a bulletin")
            assert flag[0]["value"] is False and "bulletinIdlePeriod" not in variables
    monkeypatch.undo()

    # an operator produces a county's bulletin of a month for a given day: 2 November 2026 (1 November is a
    # Sunday); without `countyCode` it would be one per county (tests/engine/test_county_figures.py)
    instance = admin.start_process("MonthlyBulletin", {"bulletinDate": "2026-11-02", "countyCode": "mouxian"})
    bulletin = Appeal(workers, instance["id"])
    task = bulletin.task("Task_ReviewBulletin", "office-clerk", timeout=120)
    assert task["due"]
    variables = admin.get(f"/process-instance/{instance['id']}/variables", deserializeValues="false")
    assert variables["bulletinReady"]["value"] is True and variables["bulletinPeriod"]["value"] == "2026-10"
    assert variables["bulletinDocument"]["type"] == "File"
    assert variables["bulletinDocument"]["valueInfo"]["filename"].endswith("2026年10月.docx")
    assert variables["ledgerWorkbook"]["valueInfo"]["filename"].endswith(".xlsx")
    folder = Path(variables["bulletinFolder"]["value"])
    assert sorted(p.suffix for p in folder.iterdir()) == [".docx", ".xlsx"]
    bulletin.complete("Task_ReviewBulletin", "office-clerk", publishDecision="publish", reviewComment="同意")
    bulletin.wait_until_ended()
    ends = admin.get("/history/activity-instance", processInstanceId=instance["id"], activityType="noneEndEvent")
    assert [e["activityId"] for e in ends] == ["EndEvent_BulletinPublished"]
