"""The city's own monthly bulletin against the real engine (issue 19, 临沧 第十一条、第十九条; docs/city-level.md
'Figures at both levels'): the MonthlyBulletin timer's job, executed over REST, starts each county's bulletin and
the city's; the city's (tenant `city`) goes to the city's office for review and to no county's office, and its
.docx counts the transfers this test made from both counties. `appeals city-report --docx` writes the same
document by hand.

The session's engine holds other tests' transfers of the same month: the figures before this test's transfers
are taken first (the same library functions), and the document must show exactly those plus this test's."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from appeals.ledger import Period
from appeals.ledger.city import CountyTransfers, city_cases, city_figures, city_report
from appeals.ledger.reports import first_workday_of_month
from appeals.workdays import SHANGHAI

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal, approve, follow_up, propose, register_and_accept
from .test_city import approve_at_city, city_instance_of, propose_at_city, sign_at_city
from .test_tenancy import invisible_to, refused_to, start_in_b


def _tables(content: bytes) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in table.rows] for table in Document(io.BytesIO(content)).tables]


def _transfer_rows(content: bytes) -> dict[str, list[str]]:
    table = next(t for t in _tables(content) if t[0][:2] == ["县（区）", "转报件数"])
    return {row[0]: row[1:4] for row in table[1:]}


def _handling_row(content: bytes, name: str) -> list[str]:
    table = next(t for t in _tables(content) if t[0][-1] == "不满意返工")
    return next(row[1:] for row in table[1:] if row[0] == name)


def _expected(before: dict[str, CountyTransfers], county: str, transferred: int, answered: int) -> list[str]:
    line = before.get(county, CountyTransfers(county))
    return [str(len(line.transferred) + transferred), str(len(line.answered) + answered),
            str(line.open + transferred - answered)]


def _children(workers: EngineHandle, parent: str) -> list[dict]:
    return workers.admin.get("/process-instance", superProcessInstance=parent)


def tasklist_process_names(workers: EngineHandle, user: str, instance: str) -> set[str]:
    """The process names Tasklist shows under `user`'s tasks of `instance`: the task list it reads
    (HAL) embeds each task's process definition when the user may read it."""
    listed = workers.client(user).request("GET", "/task", params={"processInstanceId": instance},
                                          headers={"Accept": "application/hal+json"})
    assert listed["_embedded"]["task"], (user, instance)
    return {d.get("name") for d in listed["_embedded"].get("processDefinition", [])}


def test_the_monthly_timer_makes_the_citys_bulletin_for_the_citys_office(
        workers: EngineHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    from appeals.context import AppContext
    from appeals.handlers import bulletin

    admin = workers.admin
    today = dt.datetime.now(SHANGHAI)
    period = Period.containing(today.date(), "month")
    # the figures so far (other tests' transfers of this month)
    before = {line.county: line for line in city_figures(admin, period.start_at, period.end_at)}
    earlier = city_report(city_cases(admin, period.start_at, period.end_at), [], period, today)
    earlier_industry = earlier.handling.get("city-dept-industry")
    industry_before = (earlier_industry.on_time, earlier_industry.classes["A"]) if earlier_industry else (0, 0)

    # 某县 transfers an appeal (交办情形 转报市级); 市工信局 handles it on time, class A; the county closes it
    a = Appeal.start(workers, "CITY-BULLETIN-A")
    register_and_accept(a)
    propose(a, "dept-industry", situation="city")
    approve(a, "county-head", comment="超出县级权限，同意转报市级")
    city_a = city_instance_of(workers, a)
    propose_at_city(city_a, "city-dept-industry", "single")
    approve_at_city(city_a, "city-director")
    sign_at_city(city_a, "city-industry-handler", "王五")
    city_a.complete("Task_HandleCityAppeal", "city-industry-handler", handlingAction="report", resultClass="A",
                    replyText="市工信局协调解决，已书面答复企业", replyMethod="written")
    city_a.wait_until_ended()
    follow_up(a)
    a.wait_until_ended()
    # 乙县 transfers one that the city has registered but not yet dispatched
    b = start_in_b(workers, "CITY-BULLETIN-B")
    b.complete("Task_VerifyAppeal", "yx-office-clerk", verifyNote="已核实", scopeDecision="accept")
    b.complete("Task_ProposeDispatch", "yx-office-clerk", leadDepartment="dept-industry", assistingDepartments=[],
               dispatchSituation="city", dispatchNote="超出县级权限")
    b.complete("Task_ApproveDispatch", "yx-county-head", approvalDecision="approve", approvalComment="同意转报市级")
    city_b = city_instance_of(workers, b)
    city_b.task("Task_ProposeCityDispatch", "city-officer")

    # the timer fires on the first working day of next month (the handler's "today"; the job runs over REST)
    next_month = (period.end_at.astimezone(SHANGHAI) + dt.timedelta(hours=1)).date()
    bulletin_day = first_workday_of_month(AppContext().calendar(), next_month)
    monkeypatch.setattr(bulletin, "now", lambda: dt.datetime.combine(bulletin_day, dt.time(9), SHANGHAI))
    # the timer's instances: no super instance (only history shows it; the runtime list does not say, so
    # the children the worker's plan starts at once would count too)
    def timer_instances() -> set[str]:
        return {i["id"] for i in admin.get("/history/process-instance", processDefinitionKey="MonthlyBulletin")
                if not i.get("superProcessInstanceId")}

    tops = timer_instances()
    (job,) = admin.get("/job", processDefinitionKey="MonthlyBulletin", timers="true")
    admin.execute_job(job["id"])
    (parent,) = wait_for(lambda: timer_instances() - tops, message="the timer's instance")
    children = wait_for(lambda: len(found := _children(workers, parent)) == 3 and found, timeout=60,
                        message="one bulletin per county and the city's")
    by_tenant = {c["tenantId"]: Appeal(workers, c["id"]) for c in children}
    assert set(by_tenant) == {"mouxian", "yixian", "city"}
    city = by_tenant["city"]
    task = city.task("Task_ReviewCityBulletin", "city-officer", timeout=180)
    by_tenant["mouxian"].task("Task_ReviewBulletin", "office-clerk", timeout=180)
    by_tenant["yixian"].task("Task_ReviewBulletin", "yx-office-clerk", timeout=180)
    monkeypatch.undo()

    # the city's office only: no county's office or head sees it
    for user in ("office-clerk", "yx-office-clerk"):
        refused_to(city, user, "Task_ReviewCityBulletin")
    invisible_to(city, "county-head")
    # Tasklist names the city's review by its process; the city's office reads the definition, not the
    # counties' bulletins nor the timer's instance
    assert tasklist_process_names(workers, "city-officer", city.id) == {"企业诉求办理情况月度通报"}
    for county in ("mouxian", "yixian"):
        refused_to(by_tenant[county], "city-officer", "Task_ReviewBulletin")
        invisible_to(by_tenant[county], "city-officer")
    invisible_to(Appeal(workers, parent), "city-officer")
    officer = workers.client("city-officer")
    assert not officer.get("/process-instance", processDefinitionKey="MonthlyBulletin")
    assert [t["taskDefinitionKey"] for t in officer.tasks(processDefinitionKey="MonthlyBulletin")] == \
        ["Task_ReviewCityBulletin"]
    variables = admin.get(f"/process-instance/{city.id}/variables", deserializeValues="false")
    assert variables["bulletinLevel"]["value"] == "city" and variables["bulletinPeriod"]["value"] == period.key
    folder = Path(variables["bulletinFolder"]["value"])
    assert folder == workers.settings.data_dir / "reports" / "city" / period.key
    assert variables["bulletinDocument"]["valueInfo"]["filename"].startswith("某市企业诉求办理情况通报")
    content = city.user("city-officer").request("GET", f"/task/{task['id']}/variables/bulletinDocument/data")
    assert content == next(folder.glob("*.docx")).read_bytes()

    paragraphs = [p.text for p in Document(io.BytesIO(content)).paragraphs]
    assert paragraphs[0] == "某市企业诉求办理情况通报" and paragraphs[1] == f"（{period.label}）"
    assert paragraphs[2].startswith("某市企业服务中心")
    rows = _transfer_rows(content)
    assert {"某县", "乙县"} <= set(rows), (rows, city_figures(admin, period.start_at, period.end_at))
    assert rows["某县"] == _expected(before, "某县", 1, 1)
    assert rows["乙县"] == _expected(before, "乙县", 1, 0)
    on_time, class_a = _handling_row(content, "市工信局")[1], _handling_row(content, "市工信局")[3]
    assert (int(on_time), int(class_a)) == (industry_before[0] + 1, industry_before[1] + 1)
    assert variables["bulletinSummary"]["value"].startswith(
        f"{period.label}，各县（区）转报市级企业诉求{sum(len(x.transferred) for x in before.values()) + 2}件")

    # reviewed and published by the city's office; the counties' by theirs; the timer's instance ends
    city.complete("Task_ReviewCityBulletin", "city-officer", publishDecision="publish", reviewComment="同意印发")
    by_tenant["mouxian"].complete("Task_ReviewBulletin", "office-clerk", publishDecision="publish", reviewComment="同意")
    by_tenant["yixian"].complete("Task_ReviewBulletin", "yx-office-clerk", publishDecision="hold", reviewComment="暂缓")
    Appeal(workers, parent).wait_until_ended(timeout=60)
    ends = admin.get("/history/activity-instance", processInstanceId=city.id, activityType="noneEndEvent")
    assert [e["activityId"] for e in ends] == ["EndEvent_CityBulletinPublished"]

    # by hand: `appeals city-report --docx` writes the same figures into the same folder
    from appeals.cli import main

    for old in folder.glob("*.docx"):
        old.unlink()
    result = CliRunner().invoke(main, ["city-report", "--period", period.key, "--docx"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    by_hand = next(folder.glob("*.docx")).read_bytes()
    assert _transfer_rows(by_hand) == rows
    assert _handling_row(by_hand, "市工信局")[1] == on_time


def test_the_citys_staff_download_the_citys_bulletin_from_the_comparison_page(
        workers: EngineHandle, dashboard: str) -> None:
    from appeals.ledger.bulletin import DOCX_MIME

    from .test_county_figures import _login

    key = dt.datetime.now(SHANGHAI).strftime("%Y-%m")
    session, answer = _login(dashboard, "city-officer")
    assert answer.status_code == 200 and 'id="city-bulletin"' in answer.text
    got = session.get(f"{dashboard}/city-bulletin.docx?period={key}", timeout=180)
    assert got.status_code == 200 and got.headers["Content-Type"].startswith(DOCX_MIME)
    assert Document(io.BytesIO(got.content)).paragraphs[0].text == "某市企业诉求办理情况通报"
    period = Period.parse(key)
    lines = city_figures(workers.admin, period.start_at, period.end_at)
    if lines:
        total = CountyTransfers("合计", [p for x in lines for p in x.transferred], [p for x in lines for p in x.answered])
        assert _transfer_rows(got.content) == {x.county: [str(len(x.transferred)), str(len(x.answered)), str(x.open)]
                                               for x in [*lines, total]}
    else:
        paragraphs = [p.text for p in Document(io.BytesIO(got.content)).paragraphs]
        assert "本期各县（区）无转报市级诉求。" in paragraphs
    clerk, _ = _login(dashboard, "office-clerk")
    assert clerk.get(f"{dashboard}/city-bulletin.docx?period={key}", timeout=60).status_code == 404
