"""Each county its own 12345 feed and public site, and the timers per county (docs/city-level.md, "How each
channel picks the county"), against the real engine: 乙县's simulated 12345 feed makes 乙县's appeals (tenant
yixian, 乙县's numbers) while 某县's feed's stay 某县's, also under two concurrent syncs of both feeds; an order
number 某县's feed registered first is not merged into 乙县's; each status goes back to its county's feed;
乙县's site starts 乙县's appeals and finds no 某县 appeal (nor 某县's site 乙县's); the HotlineSync timer
syncs every county's feed. Only the 12345 platform is simulated (appeals.hotline.simulator)."""

from __future__ import annotations

import dataclasses
import re
import threading
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from appeals.hotline.cli import hotline
from appeals.hotline.registry import order, quarantined
from appeals.hotline.simulator import HotlineSimulator, SimulatorServer
from appeals.hotline.sync import sync, sync_all
from appeals.org import DEMO_ORG, IdentitySync, load
from appeals.public import create_app, survey_link
from appeals.settings import PublicSettings

from ..conftest import EngineHandle, wait_for
from ..scenario import Appeal
from ..unit.test_hotline import API_KEY, fast
from ..unit.test_public import PHONE, PUBLIC_PASSWORD, SECRET, VALID, post_form, public_settings
from .test_hotline import _services


def tenant_of(engine: EngineHandle, process_instance_id: str) -> str | None:
    return engine.admin.get(f"/history/process-instance/{process_instance_id}")["tenantId"]


def appeal_of_order(engine: EngineHandle, order_number: str) -> dict[str, Any]:
    found = engine.admin.get("/history/process-instance", processInstanceBusinessKey=f"12345-{order_number}",
                             processDefinitionKey="EnterpriseAppeal")
    assert len(found) == 1, f"{order_number}: {len(found)} appeals"
    return found[0]


def registration_number(engine: EngineHandle, process_instance_id: str) -> str:
    def number() -> str | None:
        found = engine.admin.get("/history/variable-instance", processInstanceId=process_instance_id,
                                 variableName="registrationNumber")
        return found[0]["value"] if found and found[0]["value"] else None

    return wait_for(number, message="the appeal is registered")


def feeds(mouxian_url: str, yixian_url: str) -> list:
    return [fast(mouxian_url), fast(yixian_url, county="yixian")]


def test_each_county_feed_makes_its_own_county_appeals_once_under_two_concurrent_syncs(
        workers: EngineHandle) -> None:
    svc = _services()
    mouxian = HotlineSimulator(orders=8, malformed=0, seed=31, prefix="CM", api_key=API_KEY, withdrawn=0, reminded=0)
    yixian = HotlineSimulator(orders=8, malformed=0, seed=32, prefix="CY", api_key=API_KEY, withdrawn=0, reminded=0,
                              county_name="乙县")
    with SimulatorServer(mouxian) as server_m, SimulatorServer(yixian) as server_y:
        configs = feeds(server_m.url, server_y.url)
        outcomes: list[Any] = []
        errors: list[BaseException] = []

        def run() -> None:
            try:
                outcomes.extend(sync_all(configs, db=svc.db, camunda=svc.camunda))
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]  # two syncs of both feeds at once
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert not errors and all(error is None for _, _, error in outcomes), (errors, outcomes)
        started = {county: sum(r.started for c, r, _ in outcomes if c.county == county) for county in (None, "yixian")}
        assert started == {None: 8, "yixian": 8}, "one appeal per order, per county"

        for number in yixian.order_ids():
            appeal = appeal_of_order(workers, number)
            assert appeal["tenantId"] == "yixian", f"乙县's order {number} is 乙县's appeal"
            assert order(svc.db, number).county == "yixian"
        for number in mouxian.order_ids():
            appeal = appeal_of_order(workers, number)
            assert appeal["tenantId"] == "mouxian", f"某县's order {number} stays 某县's"
            assert order(svc.db, number).county is None, "the chart's own county's rows: no county (as before)"
        yx_number = registration_number(workers, appeal_of_order(workers, yixian.order_ids()[0])["id"])
        mx_number = registration_number(workers, appeal_of_order(workers, mouxian.order_ids()[0])["id"])
        assert re.fullmatch(r"乙县服企办收（\d{4}）第\d+号", yx_number), yx_number
        assert re.fullmatch(r"某县服企办收（\d{4}）第\d+号", mx_number), mx_number

        # an order number 某县's feed registered first, sent again by 乙县's feed: quarantined, not merged
        clash = mouxian.order_ids()[1]
        yixian.add_order(service_request_id=clash, description="乙县平台转来的同号工单", service_code="power")
        again = sync(configs[1], db=svc.db, camunda=svc.camunda)
        assert again.quarantined == 1 and again.started == 0
        entry = [q for q in quarantined(svc.db) if q.order_number == clash]
        assert entry and entry[0].county == "yixian" and "不转入其他县" in entry[0].reason
        assert appeal_of_order(workers, clash)["tenantId"] == "mouxian" and order(svc.db, clash).county is None

        # each status goes back to its own county's platform only (the registered milestone)
        yx_order, mx_order = yixian.order_ids()[0], mouxian.order_ids()[0]

        def pushed() -> bool:
            sync_all(configs, db=svc.db, camunda=svc.camunda)
            return bool(yixian.updates(yx_order)) and bool(mouxian.updates(mx_order))

        wait_for(pushed, timeout=60, interval=1.0, message="the registered status reaches each county's platform")
        yixian_own = set(yixian.order_ids()) - {clash}
        assert not [u for u in mouxian.updates() if u.get("service_request_id") in yixian_own]
        assert not [u for u in yixian.updates() if u.get("service_request_id") in mouxian.order_ids()]


def test_the_commands_take_a_county(workers: EngineHandle, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`appeals hotline sync --county yixian` pulls 乙县's feed (APPEALS_HOTLINE_URL__YIXIAN); `export --county`
    writes that county's orders only; `status` counts the orders per county."""
    yixian = HotlineSimulator(orders=3, malformed=0, seed=51, prefix="KY", api_key=API_KEY, withdrawn=0, reminded=0,
                              county_name="乙县")
    runner = CliRunner()
    with SimulatorServer(yixian) as server:
        monkeypatch.setenv("APPEALS_HOTLINE_URL__YIXIAN", server.url)
        monkeypatch.setenv("APPEALS_HOTLINE_API_KEY__YIXIAN", API_KEY)
        result = runner.invoke(hotline, ["sync", "--county", "yixian"], catch_exceptions=False)
        assert result.exit_code == 0 and "新工单3件" in result.output, result.output
    for number in yixian.order_ids():
        assert appeal_of_order(workers, number)["tenantId"] == "yixian"
    exported = tmp_path / "yixian.xlsx"
    result = runner.invoke(hotline, ["export", str(exported), "--county", "yixian"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    numbers = {row[0] for row in load_workbook(exported).active.iter_rows(min_row=2, values_only=True)}
    assert set(yixian.order_ids()) <= numbers and all(n.startswith(("CY", "KY", "TY")) for n in numbers), numbers
    result = runner.invoke(hotline, ["status"], catch_exceptions=False)
    assert "各县工单" in result.output and "yixian" in result.output
    result = runner.invoke(hotline, ["sync", "--county", "dongxian"])
    assert result.exit_code == 1 and "APPEALS_HOTLINE_URL__DONGXIAN" in result.output


def test_a_county_feed_needs_its_county_in_the_chart(workers: EngineHandle) -> None:
    svc = _services()
    from appeals.hotline import HotlineError

    with pytest.raises(HotlineError, match="没有租户"):
        sync(fast("http://127.0.0.1:9/open311/v2", county="nowhere"), db=svc.db, camunda=svc.camunda)
    with pytest.raises(HotlineError, match="本县"):
        sync(fast("http://127.0.0.1:9/open311/v2", county="mouxian"), db=svc.db, camunda=svc.camunda)


def test_the_hotline_sync_timer_syncs_every_county_feed(workers: EngineHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    mouxian = HotlineSimulator(orders=2, malformed=0, seed=41, prefix="TM", api_key=API_KEY, withdrawn=0, reminded=0)
    yixian = HotlineSimulator(orders=2, malformed=0, seed=42, prefix="TY", api_key=API_KEY, withdrawn=0, reminded=0,
                              county_name="乙县")
    context = workers.worker.executor.context
    with SimulatorServer(mouxian) as server_m, SimulatorServer(yixian) as server_y:
        home, other = feeds(server_m.url, server_y.url)
        monkeypatch.setattr(context, "settings", dataclasses.replace(context.settings, hotline=home,
                                                                     county_hotlines=(other,)))
        jobs = workers.admin.get("/job", processDefinitionKey="HotlineSync", timers="true")
        assert len(jobs) == 1
        before = {p["id"] for p in workers.admin.get("/history/process-instance", processDefinitionKey="HotlineSync")}
        workers.admin.execute_job(jobs[0]["id"])
        done = wait_for(lambda: [p for p in workers.admin.get("/history/process-instance",
                                                              processDefinitionKey="HotlineSync")
                                 if p["id"] not in before and p["state"] == "COMPLETED"],
                        timeout=60, message="the sync instance completes")
        note = workers.admin.get("/history/variable-instance", processInstanceId=done[0]["id"],
                                 variableName="syncNote")[0]["value"]
        assert "【本县】" in note and "【乙县】" in note, note
    for number in yixian.order_ids():
        assert appeal_of_order(workers, number)["tenantId"] == "yixian"
    for number in mouxian.order_ids():
        assert appeal_of_order(workers, number)["tenantId"] == "mouxian"


# =========================================================================== public sites
@pytest.fixture(scope="module")
def sites(workers: EngineHandle):
    """某县's site (the chart's own county's) and 乙县's (`--county yixian`), both against the session's engine."""
    chart = load(DEMO_ORG)
    IdentitySync(workers.admin).ensure_public_channel(PUBLIC_PASSWORD, tenants=[c.tenant for c in chart.all_counties()])
    yixian_site = PublicSettings(secret=SECRET, password=PUBLIC_PASSWORD, base_url="http://yixian.test",
                                 registration_wait_seconds=15.0, county="yixian")
    base = dataclasses.replace(public_settings(workers.settings), county_publics=(yixian_site,))
    home = create_app(base)
    other = create_app(dataclasses.replace(base, public=yixian_site))
    for app in (home, other):
        app.config["TESTING"] = True
    return home, other


def _submit(app, enterprise: str) -> str:
    client = app.test_client()
    response = post_form(client, "/appeal", {**VALID, "enterpriseName": enterprise}, token_from="/appeal")
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    return response.headers["Location"].rsplit("/", 1)[-1]


def _lookup(app, number: str) -> int:
    return post_form(app.test_client(), "/lookup", {"number": number, "phone": PHONE}).status_code


def test_each_county_site_starts_its_county_appeals_and_finds_no_other_county(sites, workers: EngineHandle) -> None:
    home, other = sites
    assert "乙县企业诉求服务" in other.test_client().get("/").get_data(as_text=True)
    assert "某县企业诉求服务" in home.test_client().get("/").get_data(as_text=True)

    yx_token = _submit(other, "乙县网上填报测试有限公司")
    mx_token = _submit(home, "某县网上填报测试有限公司")
    yx_pid = workers.admin.get("/process-instance", businessKey=f"WEB-{yx_token}")[0]["id"]
    mx_pid = workers.admin.get("/process-instance", businessKey=f"WEB-{mx_token}")[0]["id"]
    assert (tenant_of(workers, yx_pid), tenant_of(workers, mx_pid)) == ("yixian", "mouxian")
    yx_number, mx_number = registration_number(workers, yx_pid), registration_number(workers, mx_pid)
    assert yx_number.startswith("乙县服企办收") and mx_number.startswith("某县服企办收")

    # each site finds its own county's appeal, by number and by receipt, and not the other county's
    assert _lookup(other, yx_number) == 200 and _lookup(other, yx_token) == 200
    assert _lookup(home, mx_number) == 200 and _lookup(home, mx_token) == 200
    assert _lookup(other, mx_number) == 404 and _lookup(other, mx_token) == 404, "某县's receipt on 乙县's site"
    assert _lookup(home, yx_number) == 404 and _lookup(home, yx_token) == 404, "乙县 has a site of its own"
    page = post_form(other.test_client(), "/lookup", {"number": mx_number, "phone": PHONE}).get_data(as_text=True)
    assert "某县网上填报测试有限公司" not in page and "未查询到" in page

    # a survey link of 某县's appeal is no link on 乙县's site
    link = survey_link(mx_pid, 1, "http://yixian.test", secret=SECRET).removeprefix("http://yixian.test")
    response = other.test_client().get(link)
    assert response.status_code == 400 and "评价链接无效" in response.get_data(as_text=True)
    assert Appeal(workers, yx_pid).variables()["channel"] == "online"
