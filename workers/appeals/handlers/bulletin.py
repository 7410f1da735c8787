"""Reports (spec §14, L 第十九条 一月一通报): the monthly bulletin of the MonthlyBulletin process.

The process's timer fires on days 1–10 of every month; this handler decides, on the working-day
calendar, whether today is the first working day of the month. If not, it only says so
(`bulletinToday` false) and the process ends. If it is, it renders the previous month's bulletin
(.docx) and ledger (.xlsx), keeps them under `<data dir>/reports/<yyyy-mm>/` and returns them as
File variables for the office's review task. A redelivered task renders the same files again and
overwrites them: no duplicates. `bulletinDate` (an ISO date, optional) stands in for "today", so an
operator can produce a missed month's bulletin by starting the process with it. A timer run later in the
month than its first working day (the engine was down that day) makes the bulletins then, once: not when
a MonthlyBulletin instance already has the previous month (`bulletinPeriod`).
A timer run issues the previous month only when the install was in use by its end (a process instance
started before it); a fresh install's first run makes no empty bulletin (`bulletinIdlePeriod`).

One bulletin per county (issue 19, docs/city-level.md). The timer's instance has no tenant (a model
deployed once for every county). With a chart that names counties it renders nothing itself: it says
whether today is the day and lists the counties (`bulletinPerCounty`, `bulletinCounties`, `bulletinDay`),
and the process starts itself once per county (`CallActivity_CountyBulletins`, `countyCode` → the
instance's tenant, CountyTenantPlugin). Each county's instance renders that county's bulletin from its
own ledger rows with its own issuer (乙县服企办 …) into its own folder, and its review task is its own
office's (the tenant confines it). An operator starts one county's with `countyCode`, or all of them
without. A chart without counties: one bulletin, as before.

The city's own bulletin (临沧 第十一条、第十九条): with a chart that names counties the timer's instance
also starts one in the city's tenant (`bulletinTenants` = the counties' tenants and the city's), which renders
某市企业诉求办理情况通报 (`ledger.reports.produce_city_report`: the counties side by side, their transfers, the
city departments' handling and ranking) into DATA_DIR/reports/<city tenant>/<yyyy-mm>/, issued by the city's
office, and sets `bulletinLevel` = `city`: its review task is the city office's (`Task_ReviewCityBulletin`,
group `city-center`), and the tenant keeps the counties' offices out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..camunda import FileValue
from ..context import AppContext
from ..deadlines import now
from ..documents.fields import city_issuer_of
from ..ledger import Period, is_first_workday_of_month, produce_report
from ..ledger.city import CountyTransfers, city_figures
from ..ledger.counties import County
from ..ledger.reports import city_report_folder, first_workday_of_month, produce_city_report, report_folder
from ..runtime import Task
from ..vocabulary import BulletinLevel
from . import router

REVIEW_WORKING_DAYS = 2


def _chart(ctx: AppContext):  # noqa: ANN202 - OrgChart | None
    try:
        return ctx.org_chart()
    except LookupError:  # no org chart synced yet: the whole ledger, the documents' defaults
        return None


def _city(ctx: AppContext, period: Period) -> list[CountyTransfers] | None:
    """The city's per-county comparison of the period (a section of the bulletin), when the chart names
    the city's departments (临沧 第十一条、第十九条); None otherwise."""
    try:
        chart = ctx.org_chart()
    except LookupError:
        return None
    if not chart.of_kind("city-department"):
        return None
    return city_figures(ctx.camunda, period.start_at, period.end_at)


def _today(value: Any) -> dt.date:
    if value in (None, ""):
        return now().date()
    if isinstance(value, dt.datetime):
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def _previous_month(today: dt.date) -> Period:
    return Period.containing(today.replace(day=1) - dt.timedelta(days=1), "month")


def _late(ctx: AppContext, calendar, today: dt.date, instance: str) -> bool:  # noqa: ANN001 - WorkdayCalendar
    """Whether a timer run on `today` comes after the month's first working day with the previous month's
    bulletin not yet made by any other MonthlyBulletin instance (a variable `bulletinPeriod` of that month)."""
    if today <= first_workday_of_month(calendar, today):
        return False
    made = ctx.camunda.get("/history/variable-instance", processDefinitionKey="MonthlyBulletin",
                           variableName="bulletinPeriod", variableValue=_previous_month(today).key)
    return not any(v.get("processInstanceId") != instance for v in made)


def _in_use(ctx: AppContext, period: Period) -> bool:
    """Whether the install was in use by the end of `period`: the engine's history holds a process instance
    (an appeal, a timer run, any other) started before the period's end. A fresh install's timer finds none
    from before the month it was installed in, so it issues no bulletin of a month it did not run in."""
    started = ctx.camunda.get("/history/process-instance",
                              startedBefore=period.end_at.strftime("%Y-%m-%dT%H:%M:%S.000%z"), maxResults=1)
    return bool(started)


@router.topic("prepareMonthlyBulletin", variables=("bulletinDate", "countyCode"), lock_duration_ms=300_000,
              auto_extend=True)
def prepare_monthly_bulletin(task: Task, ctx: AppContext) -> dict[str, Any]:
    """On the first working day of a month: the previous month's bulletin and ledger of the instance's
    county as files (of the city's instance, the city's own bulletin, `bulletinLevel=city`); for the timer's
    instance of a chart with counties, the counties and the city to make one each (`bulletinTenants`).
    A timer run after the month's first working day (the engine was down that day, the job was run late)
    makes the previous month's bulletins as on that day, unless a MonthlyBulletin instance already has that
    month (`bulletinPeriod`): once, never twice (tester 4 F3). A timer run (on time or late) issues the
    previous month only when the install was in use by its end (`_in_use`); otherwise (a fresh install) it
    says so (`bulletinIdlePeriod`, the month's key) and makes nothing. An explicit `bulletinDate` is obeyed as given.
    Raises LookupError for a `countyCode` the chart names no county for."""
    calendar = ctx.calendar()
    today = _today(task.get("bulletinDate"))
    chart = _chart(ctx)
    tenant = task.tenant_id or task.get("countyCode") or None
    per_county = tenant is None and chart is not None and bool(chart.counties)
    at_city = chart is not None and tenant is not None and tenant == chart.city_tenant
    level = str(BulletinLevel.CITY if at_city else BulletinLevel.COUNTY)
    timer = task.get("bulletinDate") in (None, "")
    if timer and _late(ctx, calendar, today, task.process_instance_id):
        today = first_workday_of_month(calendar, today)
    if not is_first_workday_of_month(calendar, today):
        return {"bulletinToday": False, "bulletinReady": False, "bulletinPerCounty": per_county,
                "bulletinLevel": level}
    if timer and not _in_use(ctx, _previous_month(today)):
        return {"bulletinToday": False, "bulletinReady": False, "bulletinPerCounty": per_county,
                "bulletinLevel": level, "bulletinIdlePeriod": _previous_month(today).key}
    if per_county:
        counties = [c.tenant for c in chart.all_counties()]
        return {"bulletinToday": True, "bulletinReady": False, "bulletinPerCounty": True, "bulletinLevel": level,
                "bulletinPeriod": _previous_month(today).key, "bulletinCounties": counties, "bulletinTenants": [*counties, chart.city_tenant],
                "bulletinDay": today.isoformat()}
    period = _previous_month(today)
    due = calendar.add_working_days(now(), REVIEW_WORKING_DAYS)
    if at_city:
        folder = city_report_folder(ctx.settings.data_dir, period.key, tenant)
        made = produce_city_report(ctx.db, ctx.camunda, period, folder,
                                   [County.of(chart, c.tenant) for c in chart.all_counties()], calendar=calendar,
                                   org=city_issuer_of(chart), chart_font=ctx.settings.reports.chart_font)
        return {
            "bulletinToday": True, "bulletinReady": True, "bulletinPerCounty": False, "bulletinLevel": level,
            "bulletinPeriod": period.key, "bulletinPeriodLabel": period.label, "bulletinSummary": made.summary,
            "bulletinFolder": str(folder),
            "bulletinDocument": FileValue(made.bulletin.filename, made.bulletin.read(), made.bulletin.mime_type),
            "bulletinReviewDue": due.iso(),
        }
    county = County.of(chart, tenant) if chart is not None else None
    folder = report_folder(ctx.settings.data_dir, period.key, county)
    produced = produce_report(ctx.db, period, folder, calendar=calendar,
                              org=ctx.document_org(county.tenant) if chart is not None else None,
                              chart_font=ctx.settings.reports.chart_font, city=_city(ctx, period), county=county)
    return {
        "bulletinToday": True,
        "bulletinReady": True,
        "bulletinPerCounty": False,
        "bulletinLevel": level,
        "bulletinPeriod": period.key,
        "bulletinPeriodLabel": period.label,
        "bulletinSummary": produced.summary,
        "bulletinFolder": str(folder),
        "bulletinDocument": FileValue(produced.bulletin.filename, produced.bulletin.read(), produced.bulletin.mime_type),
        "ledgerWorkbook": FileValue(produced.workbook.filename, produced.workbook.read(), produced.workbook.mime_type),
        "bulletinReviewDue": due.iso(),
    }
