"""The 12345 hotline (spec §16) against the real engine: the sync, quarantine, the hotline down, the status pushed back,
spreadsheet import and export (docs/hotline.md). Client, simulator and spreadsheets without the engine: tests/unit/test_hotline.py."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from appeals import stack
from appeals.hotline import HotlineUnavailable
from appeals.hotline.cli import hotline
from appeals.hotline.outbox import push_status
from appeals.hotline.simulator import HotlineSimulator, SimulatorServer
from appeals.hotline.spreadsheet import EXPORT_HEADERS
from appeals.hotline.sync import orders, sync

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, approve, propose, register_and_accept, report, sign
from ..unit.test_hotline import (
    API_KEY,
    fast,
    messy_workbook,
)


def _two_syncs_at_once(config: Any, svc: Any) -> list[Any]:
    """Run two syncs of the same feed in parallel threads; their reports (fails on any error)."""
    reports: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            reports.append(sync(config, db=svc.db, camunda=svc.camunda))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    return reports


def test_timer_starts_a_sync_instance_that_completes_without_configuration(
        workers: EngineHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APPEALS_HOTLINE_URL", raising=False)
    jobs = workers.admin.get("/job", processDefinitionKey="HotlineSync", timers="true")
    assert len(jobs) == 1, "one timer start job (R/PT5M)"
    before = {p["id"] for p in workers.admin.get("/history/process-instance", processDefinitionKey="HotlineSync")}
    workers.admin.execute_job(jobs[0]["id"])
    started = wait_for(lambda: [p for p in workers.admin.get("/history/process-instance",
                                                               processDefinitionKey="HotlineSync")
                                if p["id"] not in before and p["state"] == "COMPLETED"],
                       message="the sync instance completes")
    note = workers.admin.get("/history/variable-instance", processInstanceId=started[0]["id"], variableName="syncNote")
    assert "未配置12345接口" in note[0]["value"]
    assert workers.admin.get("/job", processDefinitionKey="HotlineSync", timers="true"), "the cycle goes on"
    from appeals.handlers.hotline_sync import other_failing_sync

    assert other_failing_sync(_services().camunda, "none") is None, "the worker user may read external tasks"


# =========================================================================== against the engine
def _services() -> Any:
    from appeals.context import AppContext

    return AppContext()


def appeal_count(engine: EngineHandle, prefix: str) -> int:
    return engine.admin.get("/history/process-instance/count", processDefinitionKey="EnterpriseAppeal",
                            processInstanceBusinessKeyLike=f"12345-{prefix}%")["count"]


def appeal_of(engine: EngineHandle, order_number: str) -> Appeal:
    found = engine.admin.get("/history/process-instance", processInstanceBusinessKey=f"12345-{order_number}")
    assert len(found) == 1, f"{order_number}: {len(found)} appeals"
    return Appeal(engine, found[0]["id"])


def test_sync_creates_each_appeal_once_and_quarantines_malformed_records(workers: EngineHandle) -> None:
    svc = _services()
    simulator = HotlineSimulator(orders=20, malformed=3, seed=21, prefix="SA", api_key=API_KEY, withdrawn=0,
                                 reminded=0)
    with SimulatorServer(simulator) as server:
        config = fast(server.url)
        reports = _two_syncs_at_once(config, svc)  # two syncs at once: still one appeal per order
        assert sum(r.started for r in reports) == 20, [r.summary() for r in reports]
        assert sum(r.quarantined for r in reports) == 3
        assert appeal_count(workers, "SA") == 20
        again = sync(config, db=svc.db, camunda=svc.camunda)
        assert (again.new, again.started, again.quarantined) == (0, 0, 0)
        assert appeal_count(workers, "SA") == 20

    order_number = simulator.order_ids()[0]
    appeal = appeal_of(workers, order_number)
    variables = wait_for(lambda: (v := appeal.variables()).get("registrationNumber") and v,
                         message="the hotline appeal is registered")
    assert variables["channel"] == "hotline" and variables["externalId"] == order_number
    assert workers.admin.get(f"/history/process-instance/{appeal.id}")["tenantId"] == "mouxian", (
        "the 12345 feed is the chart's own county's: its appeals are in that county's tenant")
    assert variables["enterpriseName"] == simulator.order(order_number).ext["enterprise_name"]
    result = CliRunner().invoke(hotline, ["quarantine"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "缺少工单编号" in result.output and "缺少诉求内容（主要困难和问题）" in result.output
    assert "无法识别" in result.output


def test_drain_workers_at_once_give_one_appeal_per_order_and_link_an_appeal_started_before(
        workers: EngineHandle) -> None:
    """Two syncs, each starting up to four appeals at once, on 40 orders one of which already has its
    appeal (an earlier sync started it and stopped before writing the registry): one appeal each."""
    svc = _services()
    simulator = HotlineSimulator(orders=40, malformed=0, seed=24, prefix="SC", api_key=API_KEY, withdrawn=0,
                                 reminded=0)
    early = simulator.order_ids()[7]
    svc.camunda.correlate("AppealSubmitted", business_key=f"12345-{early}",
                          variables={"channel": "hotline", "externalId": early, "problemDescription": "已启动"})
    with SimulatorServer(simulator) as server:
        config = fast(server.url, drain_workers=4, page_size=100)
        reports = _two_syncs_at_once(config, svc)  # two syncs at once: still one appeal per order
        assert sum(r.started for r in reports) == 39 and sum(r.linked for r in reports) == 1
    assert appeal_count(workers, "SC") == 40
    rows = [row for row in orders(svc.db) if row.order_number.startswith("SC")]
    assert len(rows) == 40 and all(row.state == "started" and row.claimed_until is None for row in rows)
    assert len({row.process_instance_id for row in rows}) == 40, "two orders never share an appeal"
    for row in rows:
        assert appeal_of(workers, row.order_number).id == row.process_instance_id
    tenants = {workers.admin.get(f"/history/process-instance/{row.process_instance_id}")["tenantId"]
               for row in rows if row.order_number != early}
    assert tenants == {"mouxian"}, "appeals started by the drain's pool belong to the feed's county too"


def test_a_day_larger_than_one_sync_may_read_arrives_over_the_next_syncs(workers: EngineHandle) -> None:
    svc = _services()
    simulator = HotlineSimulator(orders=12, malformed=0, seed=25, prefix="SF", api_key=API_KEY, withdrawn=0,
                                 reminded=0)
    with SimulatorServer(simulator) as server:
        config = fast(server.url, page_size=5, max_calls=2)  # 10 orders per sync at most
        first = sync(config, db=svc.db, camunda=svc.camunda)
        assert first.new == 10 and any("上限" in e for e in first.errors)
        second = sync(config, db=svc.db, camunda=svc.camunda)  # goes on from the first one's newest update
        assert second.new == 2
    assert appeal_count(workers, "SF") == 12


def test_hotline_down_gives_a_clear_error_and_loses_nothing(workers: EngineHandle,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    svc = _services()
    simulator = HotlineSimulator(orders=4, malformed=0, seed=22, prefix="SD", api_key=API_KEY, withdrawn=0,
                                 reminded=0)
    with SimulatorServer(simulator) as server:
        simulator.set_down(True)
        with pytest.raises(HotlineUnavailable) as down:
            sync(fast(server.url), db=svc.db, camunda=svc.camunda)
        assert "12345平台不可用" in str(down.value) and "已尝试3次" in str(down.value)
        assert down.value.report is not None and down.value.report.records == 0
        dead = fast(f"http://127.0.0.1:{stack.free_port()}/open311/v2", attempts=2)
        with pytest.raises(HotlineUnavailable):
            sync(dead, db=svc.db, camunda=svc.camunda)
        assert appeal_count(workers, "SD") == 0
        simulator.set_down(False)
        back = sync(fast(server.url), db=svc.db, camunda=svc.camunda)
        assert back.started == 4 and appeal_count(workers, "SD") == 4
        result = CliRunner().invoke(hotline, ["status"], catch_exceptions=False)
        assert server.url in result.output and "正常" in result.output

        # the same through the command line, as an operator would
        monkeypatch.setenv("APPEALS_HOTLINE_RETRY_WAIT", "0.05")
        result = CliRunner().invoke(hotline, ["sync", "--url", server.url, "--api-key", API_KEY])
        assert result.exit_code == 0 and "新工单0件" in result.output, result.output
        simulator.set_down(True)
        result = CliRunner().invoke(hotline, ["sync", "--url", server.url, "--api-key", API_KEY, "--format", "json"])
        assert result.exit_code == 1 and "12345平台不可用" in result.output and "已尝试4次" in result.output


def test_reminder_withdrawal_survey_and_status_back_to_the_hotline(workers: EngineHandle) -> None:
    svc = _services()
    simulator = HotlineSimulator(orders=2, malformed=0, seed=23, prefix="SE", api_key=API_KEY, withdrawn=0,
                                 reminded=0, invalid_codes=0)
    withdrawn_no, handled_no = simulator.order_ids()
    with SimulatorServer(simulator) as server:
        config = fast(server.url, format="json")
        assert sync(config, db=svc.db, camunda=svc.camunda).started == 2

        # 催单 and withdrawal of the first order
        withdrawn = appeal_of(workers, withdrawn_no)
        withdrawn.task("Task_VerifyAppeal", "office-clerk")
        simulator.remind(withdrawn_no, "企业来电催办")
        assert sync(config, db=svc.db, camunda=svc.camunda).reminders == 1
        wait_for(lambda: withdrawn.variables().get("hotlineReminderCount") == 1, message="the reminder counted")
        simulator.withdraw(withdrawn_no, "企业已自行解决，申请撤回")
        assert sync(config, db=svc.db, camunda=svc.camunda).withdrawals == 1
        withdrawn.wait_until_ended()
        history = {v["name"]: v["value"] for v in workers.admin.get(
            "/history/variable-instance", processInstanceId=withdrawn.id)}
        assert history["closeReason"] == "withdrawn" and history["withdrawReason"] == "企业已自行解决，申请撤回"
        # the workers queue each milestone themselves (appeals.milestones.reached: the workers of this
        # test run have no hotline URL); every sync delivers what is queued
        def flushed(order_no: str, milestone: str) -> bool:
            sync(config, db=svc.db, camunda=svc.camunda)
            return milestone in [u["milestone"] for u in simulator.updates(order_no)]

        wait_for(lambda: flushed(withdrawn_no, "closed"), message="the withdrawal pushed back")
        assert simulator.order(withdrawn_no).updates[-1]["status_notes"] == "工单已撤回，已销号"

        # the second order is handled; each milestone goes back to the hotline without anyone pushing
        appeal = appeal_of(workers, handled_no)
        register_and_accept(appeal)
        propose(appeal, "dept-industry")
        approve(appeal, "office-director")
        appeal.task("Task_SignDispatch", "industry-handler")
        sign(appeal, "industry-handler")
        appeal.task("Task_HandleAppeal", "industry-handler")
        milestones = lambda: [u["milestone"] for u in simulator.updates(handled_no)]  # noqa: E731
        wait_for(lambda: flushed(handled_no, "signed"), message="dispatched and signed pushed")
        simulator.set_down(True)  # the hotline is down when the reply should go back
        report(appeal, "industry-handler", "A")
        appeal.task("Task_FollowUp", "office-clerk")
        assert "replied" not in milestones(), "the reply waits in the outbox"
        simulator.set_down(False)

        # the hotline's own follow-up answers our survey; the next sync also delivers the pending reply
        simulator.answer_survey(handled_no, "满意", "yes", "12345回访：企业表示满意")
        result = sync(config, db=svc.db, camunda=svc.camunda)
        assert result.surveys == 1
        appeal.wait_until_ended()
        history = {v["name"]: v["value"] for v in workers.admin.get(
            "/history/variable-instance", processInstanceId=appeal.id, deserializeValues="false")}
        assert history["closeReason"] == "satisfied" and '"method": "hotline"' in history["followUpHistory"]
        wait_for(lambda: flushed(handled_no, "closed"), message="the close pushed back")
        updates = simulator.updates(handled_no)
        assert milestones() == ["registered", "dispatched", "signed", "replied", "closed"], milestones()
        assert updates[1]["status_notes"].startswith("已交办") and updates[-1]["status"] == "closed"
        assert simulator.order(handled_no).status == "closed"
        assert push_status("NOT-A-HOTLINE-ORDER", "closed", {}, db=svc.db, config=config).skipped


def test_spreadsheet_import_export_and_resubmission(workers: EngineHandle, tmp_path: Path) -> None:
    svc = _services()
    info = messy_workbook(tmp_path / "export.xlsx", "XI")
    runner = CliRunner()
    result = runner.invoke(hotline, ["import", str(tmp_path / "export.xlsx")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "读取9条，新工单5件，启动诉求5件，已知工单1件，隔离3件，空行2行" in result.output
    assert appeal_count(workers, "XI") == 5
    again = runner.invoke(hotline, ["import", str(tmp_path / "export.xlsx")], catch_exceptions=False)
    assert "新工单0件，启动诉求0件，已知工单6件，已在隔离区3件" in again.output
    assert appeal_count(workers, "XI") == 5

    from appeals.hotline.registry import quarantined

    entries = {e.reason: e for e in quarantined(svc.db) if e.origin == "export.xlsx"}
    assert set(entries) == {"第11行：缺少工单编号", "第12行：缺少诉求内容（主要困难和问题）",
                            "第13行：受理时间“2026-02-30 10:00”无法识别"}
    shown = runner.invoke(hotline, ["quarantine", "show", str(entries["第11行：缺少工单编号"].id)])
    assert "工单编号丢失的一条记录" in shown.output
    still_bad = runner.invoke(hotline, ["quarantine", "resubmit", str(entries["第11行：缺少工单编号"].id)])
    assert still_bad.exit_code != 0 and "缺少工单编号" in still_bad.output
    fixed = runner.invoke(hotline, ["quarantine", "resubmit", str(entries["第11行：缺少工单编号"].id),
                                    "--set", "orderNumber=XI900"], catch_exceptions=False)
    assert fixed.exit_code == 0 and "启动诉求1件" in fixed.output, fixed.output
    fixed = runner.invoke(hotline, ["quarantine", "resubmit", str(entries["第13行：受理时间“2026-02-30 10:00”无法识别"].id),
                                    "--set", "receivedAt=2026-02-28 10:00"], catch_exceptions=False)
    assert "启动诉求1件" in fixed.output
    assert appeal_count(workers, "XI") == 7
    assert not {e.id for e in quarantined(svc.db)} & {entries["第11行：缺少工单编号"].id}

    # the wrong credit code of row 9 waits for the office's correction, as any invalid registration
    bad_code = appeal_of(workers, info["good"][3])
    bad_code.task("Task_CorrectRegistration", "office-clerk")
    assert "校验位" in bad_code.variables()["registrationErrors"]

    good = appeal_of(workers, info["good"][0])
    wait_for(lambda: good.variables().get("registrationNumber"), message="registered")
    exported = tmp_path / "results.xlsx"
    result = runner.invoke(hotline, ["export", str(exported), "--since", "2026-01-01"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(exported).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == EXPORT_HEADERS
    by_number = {r[0]: r for r in rows[1:]}
    assert set(info["good"]) <= set(by_number)
    assert by_number[info["good"][0]][1] == good.variables()["registrationNumber"]
    assert by_number[info["good"][0]][2] == "已登记待核实"
    assert by_number[info["good"][3]][2] == "登记信息待补正"
