"""Figures at both levels (issue 19, docs/city-level.md): the ledger, the figures, `appeals report`, the
monthly bulletin and the dashboard per county, against the real engine and workers.

One appeal in each county, driven by each county's own staff: the ledger rows carry the county (the
instance's tenant); each county's figures count only its own appeal; `appeals report --county yixian`
writes 乙县's bulletin (乙县's title and issuer) into 乙县's folder; the MonthlyBulletin process makes one
bulletin per county, each reviewed by that county's office only; the dashboard shows each county's staff
their county and refuses them the other's (both ways, over HTTP), and the city's staff the comparison."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from docx import Document
from sqlalchemy import select

from appeals.db import engine_for
from appeals.db.ledger_models import LedgerAppeal
from appeals.ledger import Period, figures
from appeals.ledger.bulletin import summary_text
from appeals.ledger.counties import County
from appeals.ledger.figures import Scope
from appeals.org import DEMO_ORG, load
from appeals.workdays import SHANGHAI

from ..conftest import DEMO_PASSWORD, EngineHandle, wait_for
from ..scenario import Appeal, dispatch_to
from .test_tenancy import invisible_to, refused_to, start_in_b

CHART = load(DEMO_ORG)
A = LedgerAppeal.__table__


def _ledger_rows(workers: EngineHandle, ids: set[str]) -> dict[str, dict]:
    engine = engine_for(workers.settings.ledger_url)
    with engine.connect() as conn:
        return {r["process_instance_id"]: dict(r) for r in conn.execute(
            select(A).where(A.c.process_instance_id.in_(sorted(ids)))).mappings()}


@pytest.fixture(scope="module")
def two_appeals(workers: EngineHandle) -> dict[str, Appeal]:
    """One appeal dispatched and signed in each county, by that county's own staff."""
    a = Appeal.start(workers, "COUNTY-FIG-A")
    dispatch_to(a, "dept-industry", "industry-handler")
    b = start_in_b(workers, "COUNTY-FIG-B", category="land")
    b.complete("Task_VerifyAppeal", "yx-office-clerk", verifyNote="已核实", scopeDecision="accept")
    b.complete("Task_ProposeDispatch", "yx-office-clerk", leadDepartment="dept-natural-resources",
               assistingDepartments=[], dispatchSituation="single", dispatchNote="建议交办")
    b.complete("Task_ApproveDispatch", "yx-office-director", approvalDecision="approve", approvalComment="同意")
    b.complete("Task_SignDispatch", "yx-land-handler", signDecision="sign", handlerName="赵六", enterpriseContacted=True)
    ids = {a.id, b.id}

    def signed() -> bool:
        rows = _ledger_rows(workers, ids)
        return len(rows) == 2 and all(r["signed_at"] for r in rows.values())
    wait_for(signed, timeout=60, message="both appeals signed in the ledger")
    return {"mouxian": a, "yixian": b}


def test_the_ledger_rows_carry_the_county_and_each_countys_figures_only_its_own(
        workers: EngineHandle, two_appeals: dict[str, Appeal]) -> None:
    a, b = two_appeals["mouxian"], two_appeals["yixian"]
    rows = _ledger_rows(workers, {a.id, b.id})
    assert (rows[a.id]["county"], rows[b.id]["county"]) == ("mouxian", "yixian")
    assert rows[b.id]["registration_number"].startswith("乙县服企办收（")

    engine = engine_for(workers.settings.ledger_url)
    month = Period.containing(dt.datetime.now(SHANGHAI).date(), "month")
    these = Scope(appeals=frozenset({a.id, b.id})).condition()
    for tenant, appeal in two_appeals.items():
        report = figures(engine, month, scope=these, county=County.of(CHART, tenant))
        assert (report.received, report.overall.dispatched, report.overall.signed_on_time) == (1, 1, 1), tenant
        assert [d.code for d in report.departments] == [rows[appeal.id]["handler_group"]], tenant
    both = figures(engine, month, scope=these)
    assert (both.received, both.overall.dispatched) == (2, 2)
    yixian = figures(engine, month, scope=these, county=County.of(CHART, "yixian"))
    assert yixian.departments[0].name == "乙县自然资源局"


def test_appeals_report_per_county(workers: EngineHandle, two_appeals: dict[str, Appeal], tmp_path: Path) -> None:
    from appeals.cli import main

    period = dt.datetime.now(SHANGHAI).strftime("%Y-%m")
    result = CliRunner().invoke(main, ["report", "--period", period, "--county", "yixian"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    folder = workers.settings.data_dir / "reports" / "yixian" / period
    docx = next(folder.glob("*.docx"))
    assert docx.name.startswith("乙县企业诉求办理情况通报") and next(folder.glob("*.xlsx")).name.startswith("乙县企业诉求问题台账")
    paragraphs = [p.text for p in Document(io.BytesIO(docx.read_bytes())).paragraphs]
    assert paragraphs[0] == "乙县企业诉求办理情况通报"
    assert any(p.startswith("乙县服务企业发展领导小组办公室") for p in paragraphs)

    home = CliRunner().invoke(main, ["report", "--period", period, "--out", str(tmp_path)], catch_exceptions=False)
    assert home.exit_code == 0, home.output
    assert next(tmp_path.glob("*.docx")).name.startswith("某县企业诉求办理情况通报")
    for wrong in ("city", "nowhere"):
        refused = CliRunner().invoke(main, ["report", "--period", period, "--county", wrong])
        assert refused.exit_code == 2 and "--county" in refused.output, refused.output


def _children(workers: EngineHandle, parent: str) -> list[dict]:
    return workers.admin.get("/process-instance", superProcessInstance=parent)


def test_the_monthly_bulletin_is_one_per_county_each_for_its_own_office(workers: EngineHandle) -> None:
    admin = workers.admin
    # an operator starts a month's bulletins for a given day (2 November 2026 is the first working day)
    parent = admin.start_process("MonthlyBulletin", {"bulletinDate": "2026-11-02"})
    children = wait_for(lambda: len(found := _children(workers, parent["id"])) == 3 and found, timeout=60,
                        message="one bulletin instance per county, and the city's")
    by_tenant = {c["tenantId"]: Appeal(workers, c["id"]) for c in children}
    assert set(by_tenant) == {"mouxian", "yixian", "city"}  # the city's: tests/engine/test_city_bulletin.py
    assert admin.get(f"/process-instance/{parent['id']}")["tenantId"] is None
    mine, theirs = by_tenant["mouxian"], by_tenant["yixian"]
    mine.task("Task_ReviewBulletin", "office-clerk", timeout=120)
    theirs.task("Task_ReviewBulletin", "yx-office-clerk", timeout=120)
    refused_to(theirs, "office-clerk", "Task_ReviewBulletin")
    refused_to(mine, "yx-office-clerk", "Task_ReviewBulletin")
    invisible_to(theirs, "office-director")

    def files(appeal: Appeal) -> dict:
        return admin.get(f"/process-instance/{appeal.id}/variables", deserializeValues="false")
    ours, yours = files(mine), files(theirs)
    assert ours["bulletinDocument"]["valueInfo"]["filename"].startswith("某县企业诉求办理情况通报")
    assert yours["bulletinDocument"]["valueInfo"]["filename"].startswith("乙县企业诉求办理情况通报")
    assert yours["ledgerWorkbook"]["valueInfo"]["filename"].startswith("乙县企业诉求问题台账")
    assert Path(ours["bulletinFolder"]["value"]) == workers.settings.data_dir / "reports" / "2026-10"
    assert Path(yours["bulletinFolder"]["value"]) == workers.settings.data_dir / "reports" / "yixian" / "2026-10"
    docx = next(Path(yours["bulletinFolder"]["value"]).glob("*.docx"))
    assert Document(io.BytesIO(docx.read_bytes())).paragraphs[0].text == "乙县企业诉求办理情况通报"

    mine.complete("Task_ReviewBulletin", "office-clerk", publishDecision="publish", reviewComment="同意")
    theirs.complete("Task_ReviewBulletin", "yx-office-clerk", publishDecision="publish", reviewComment="同意")
    by_tenant["city"].complete("Task_ReviewCityBulletin", "city-officer", publishDecision="publish", reviewComment="同意")
    Appeal(workers, parent["id"]).wait_until_ended(timeout=60)
    ends = admin.get("/history/activity-instance", processInstanceId=parent["id"], activityType="noneEndEvent")
    assert [e["activityId"] for e in ends] == ["EndEvent_CountyBulletinsDone"]


# ----------------------------------------------------------------------------- the dashboard over HTTP
def _login(url: str, user: str) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    form = session.get(f"{url}/login", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    answer = session.post(f"{url}/login", data={"username": user, "password": DEMO_PASSWORD, "csrf_token": token},
                          timeout=60)
    return session, answer


def _summary(page: str) -> str:
    return re.search(r'<p class="summary" id="summary-text">([^<]*)</p>', page).group(1).strip()


@pytest.mark.parametrize(("user", "tenant", "other"), [("office-clerk", "mouxian", "yixian"),
                                                        ("yx-office-clerk", "yixian", "mouxian"),
                                                        ("yx-county-head", "yixian", "mouxian")])
def test_the_dashboard_shows_each_countys_staff_their_own_county_only(
        workers: EngineHandle, two_appeals: dict[str, Appeal], dashboard: str, user: str, tenant: str,
        other: str) -> None:
    session, answer = _login(dashboard, user)
    assert answer.status_code == 200, answer.text[:300]
    name = CHART.county_of_tenant(tenant)
    assert re.search(rf'id="summary-title">{name}\d{{4}}年\d{{1,2}}月总体情况', answer.text), answer.text[:2000]
    engine = engine_for(workers.settings.ledger_url)
    month = Period.containing(dt.datetime.now(SHANGHAI).date(), "month")

    def equal() -> bool:  # the workers may be recording other tests' milestones: compare a quiet moment
        expected = summary_text(figures(engine, month, county=County.of(CHART, tenant)))
        # the month asked for: on the 1st–3rd the page opens on the month before (docs/dashboard.md)
        return _summary(session.get(f"{dashboard}/?period={month.key}", timeout=60).text) == expected
    wait_for(equal, timeout=30, interval=1, message=f"{user}'s board to be {name}'s figures")
    # the other county's figures: refused, however asked
    for path in (f"/?county={other}", f"/export.xlsx?county={other}", f"/chart/trend.png?county={other}"):
        assert session.get(f"{dashboard}{path}", timeout=60).status_code == 403, path


def test_the_citys_staff_see_the_comparison_and_an_administrator_may_choose(
        workers: EngineHandle, two_appeals: dict[str, Appeal], dashboard: str) -> None:
    session, answer = _login(dashboard, "city-officer")
    assert answer.status_code == 200
    assert 'id="counties"' in answer.text and 'data-county="mouxian"' in answer.text
    assert 'data-county="yixian"' in answer.text and 'id="summary-text"' not in answer.text
    assert session.get(f"{dashboard}/chart/trend.png", timeout=60).status_code == 404  # no county's board
    assert session.get(f"{dashboard}/export.xlsx", timeout=60).headers["Content-Type"].startswith(
        "application/vnd.openxmlformats")

    admin, answer = _login(dashboard, "sysadmin")
    if answer.status_code == 401:
        pytest.fail("the demo administrator cannot log in to the dashboard")
    assert "某县" in re.search(r'id="summary-title">([^<]*)<', answer.text).group(1)
    chosen = admin.get(f"{dashboard}/?county=yixian", timeout=60)
    assert chosen.status_code == 200 and "乙县" in re.search(r'id="summary-title">([^<]*)<', chosen.text).group(1)
    assert admin.get(f"{dashboard}/?county=city", timeout=60).status_code == 400
