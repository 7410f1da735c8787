"""The bulletin (通报) as a Word document: title, period, figures, tables, ranking, cards, the
overdue list and charts (L 第十九条 一月一通报; T 二(五)2 一季度一测评、半年一排名、年终总评).

Built with the layout helpers of `appeals.documents.layout` (base document, GB/T 9704 page, Chinese
fonts, form tables), so the bulletin looks like the other documents of the system.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from collections.abc import Mapping, Sequence

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from ..documents.fields import Org
from ..documents.layout import (
    HEI_FONT,
    KAI_FONT,
    SIZE_3,
    SIZE_5,
    C,
    FormTable,
    add_page_number_field,
    add_paragraph,
    add_title,
    label,
    new_document,
    set_properties,
    text_width,
    value,
)
from ..documents.values import clean
from ..vocabulary import APPEAL_KIND_LABELS, CATEGORY_LABELS, CHANNEL_LABELS, STAFF_STATUS_LABELS
from ..workdays import SHANGHAI
from .city import CityHandling, CountyLine, CountyTransfers
from .figures import PENALTY, WEIGHTS, Rates, Report, ReviewRow
from .labels import DASH, day, pct
from .periods import AnyPeriod, Period

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLES = {
    "month": "企业诉求办理情况通报",
    "quarter": "企业诉求办理情况季度测评通报",
    "half": "企业诉求办理情况半年排名通报",
    "year": "企业诉求办理工作年终总评通报",
    "range": "企业诉求办理情况通报",
}
OVERDUE_ROWS_IN_DOCUMENT = 100
CARD_ROWS_IN_DOCUMENT = 100
TABLE_SIZE = Pt(9)
LINE = Pt(28)
INDENT = Pt(32)
CENTER = WD_ALIGN_PARAGRAPH.CENTER


def title_of(period: AnyPeriod, issuer: Org) -> str:
    return f"{issuer.county}{TITLES[period.kind]}"


def _heading(doc: DocxDocument, text: str) -> None:
    add_paragraph(doc, text, font=HEI_FONT, size=SIZE_3, line=LINE, first_line=INDENT, before=Pt(6))


def _body(doc: DocxDocument, text: str) -> None:
    add_paragraph(doc, text, size=SIZE_3, line=LINE, first_line=INDENT, align=WD_ALIGN_PARAGRAPH.JUSTIFY)


def _note(doc: DocxDocument, text: str) -> None:
    add_paragraph(doc, text, size=SIZE_5, line=Pt(18), before=Pt(3), after=Pt(6))


def _table(doc: DocxDocument, widths: Sequence[float], header: Sequence[str], rows: Sequence[Sequence[str]],
           *, align_first: bool = False) -> FormTable:
    """A data table: a bold-less centred header row (repeated on every page) and value rows."""
    table = FormTable(doc, widths, size=TABLE_SIZE)
    table.row(*(label(h) for h in header), height_mm=8, header=True)
    for row in rows:
        cells = [value(str(c), align=None if (align_first and i == 0) else CENTER) for i, c in enumerate(row)]
        table.row(*cells, height_mm=6.5)
    return table


def _scale(widths: Sequence[float], total: float) -> list[float]:
    factor = total / sum(widths)
    return [w * factor for w in widths]


def _picture(doc: DocxDocument, png: bytes, width_mm: float) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = CENTER
    paragraph.add_run().add_picture(io.BytesIO(png), width=Mm(width_mm))


def summary_text(report: Report) -> str:
    """The 总体情况 paragraph (also the summary the office sees in Tasklist)."""
    o = report.overall
    parts = [
        f"{report.period.label}，共受理企业诉求{report.received}件，交办{o.dispatched}件，"
        f"承办单位报送办理结果{o.handled}件，回访{o.follow_ups}次，销号{report.closed}件。",
        f"响应率{pct(o.response_rate)}（按时签收{o.signed_on_time}件/应签收{o.sign_decided}件），"
        f"按时办结率{pct(o.on_time_rate)}（{o.handled_on_time}/{o.handled}），"
        f"解决率{pct(o.resolution_rate)}（A类{o.solved}/{o.handled}），"
        f"满意率{pct(o.satisfaction_rate)}（{o.satisfied}/{o.follow_ups}）。",
    ]
    if o.pending_sign:
        parts.append(f"另有{o.pending_sign}件交办后尚在签收时限内，不计入响应率。")
    last_day = (report.cutoff - dt.timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    parts.append(f"截至{last_day.year}年{last_day.month}月{last_day.day}日，超期未办结诉求{o.overdue}件；"
                 f"本期亮黄牌{o.yellow_cards}张、红牌{o.red_cards}张。")
    return "".join(parts)


def suggestion_note(report: Report) -> str:
    """How often the office kept the suggested category (issue 16), for the 总体情况 section."""
    rate = report.suggestion_accepted / report.suggestion_checked
    return (f"注：本期交办的{report.suggestion_checked}件诉求中，服企办确认的问题类别与系统建议一致的"
            f"{report.suggestion_accepted}件，建议准确率{pct(rate)}。")


def _summary_table(doc: DocxDocument, o: Rates, width: float) -> None:
    rows = [
        ("响应率", o.signed_on_time, o.sign_decided, pct(o.response_rate), "本期交办、已签收或已过签收时限的诉求中按时签收的比例"),
        ("按时办结率", o.handled_on_time, o.handled, pct(o.on_time_rate), "本期报送办理结果的诉求中在（延期后）时限内报送的比例"),
        ("解决率", o.solved, o.handled, pct(o.resolution_rate), "本期报送办理结果的诉求中A类（已解决或基本解决）的比例"),
        ("满意率", o.satisfied, o.follow_ups, pct(o.satisfaction_rate), "本期回访中非常满意、比较满意、基本满意的比例"),
    ]
    table = FormTable(doc, _scale([22, 16, 16, 18, 84], width), size=TABLE_SIZE)
    table.row(label("指标"), label("分子"), label("分母"), label("比率"), label("口径"), height_mm=8, header=True)
    for name, numerator, denominator, rate, meaning in rows:
        table.row(label(name), value(str(numerator), align=CENTER), value(str(denominator), align=CENTER),
                  value(rate, align=CENTER), value(meaning), height_mm=7)


def _department_rows(report: Report) -> list[list[str]]:
    rows = []
    for d in sorted(report.departments, key=lambda d: (d.rank is None, d.rank or 0, d.code)):
        r = d.rates
        rows.append([d.name, r.dispatched, pct(r.response_rate), r.handled, pct(r.on_time_rate),
                     pct(r.resolution_rate), r.follow_ups, pct(r.satisfaction_rate), r.overdue,
                     f"{r.yellow_cards}/{r.red_cards}"])
    return rows


def _ranking_rows(report: Report) -> list[list[str]]:
    rows = []
    for d in report.ranking:
        r = d.rates
        rows.append([d.rank, d.name, f"{d.score:.2f}", pct(r.response_rate), pct(r.on_time_rate),
                     pct(r.resolution_rate), pct(r.satisfaction_rate), r.yellow_cards, r.red_cards, r.overdue])
    return rows


def _counts_table(doc: DocxDocument, report: Report, width: float) -> None:
    groups = [("问题类别", report.by_category, CATEGORY_LABELS), ("反映渠道", report.by_channel, CHANNEL_LABELS),
              ("诉求类型", report.by_kind, APPEAL_KIND_LABELS),
              ("办理状态", report.by_status, STAFF_STATUS_LABELS)]
    table = FormTable(doc, _scale([26, 70, 30], width * 0.7), size=TABLE_SIZE)
    table.row(label("分类"), label("项目"), label("件数"), height_mm=8, header=True)
    for title, counts, labels in groups:
        if not counts:
            continue
        ordered = [k for k in labels if k in counts] + sorted(k for k in counts if k not in labels)
        first = None
        for key in ordered:
            index = table.row(C(""), value(labels.get(key, "未填写" if key == "unknown" else key)),
                              value(str(counts[key]), align=CENTER), height_mm=6.5)
            first = index if first is None else first
        table.group(title, first, index)


def _review_table(doc: DocxDocument, review: Sequence[ReviewRow], width: float) -> None:
    def s(x: float | None) -> str:
        return DASH if x is None else f"{x:.2f}"

    rows = [[r.year.rank or DASH, r.name, *(s(q) for q in r.quarter_scores), s(r.year.score),
             "后两位，写出书面检查" if r.bottom else ""]
            for r in sorted(review, key=lambda r: (r.year.rank is None, r.year.rank or 0, r.code))]
    _table(doc, _scale([10, 40, 15, 15, 15, 15, 18, 30], width),
           ["名次", "单位", "一季度", "二季度", "三季度", "四季度", "全年得分", "备注"], rows)


NUMERALS = "一二三四五六七八九十"


def _transfers_section(doc: DocxDocument, city: Sequence[CountyTransfers], width: float) -> None:
    """Each county's transfers to the city in the period and how the city's departments answered them."""
    if not city:
        _body(doc, "本期各县（区）无转报市级诉求。")
        return
    total = CountyTransfers("合计", [p for x in city for p in x.transferred],
                            [p for x in city for p in x.answered], [p for x in city for p in x.on_time])
    _table(doc, _scale([40, 20, 20, 20, 30], width * 0.85),
           ["县（区）", "转报件数", "已反馈", "未办结", "市直部门按时办结率"],
           [[line.county, len(line.transferred), len(line.answered), line.open,
             DASH if line.on_time_rate is None else f"{line.on_time_rate:.1f}%"] for line in [*city, total]],
           align_first=True)
    _note(doc, "注：各县（区）本期转报市级的诉求；按时办结率为市直部门在办理时限内报送结果的比例（临沧 第十一条、第十九条）。")


def county_rows(counties: Sequence[CountyLine]) -> list[list[object]]:
    """The city bulletin's counties side by side, with a 合计 row (each county's own figures, `figures()`)."""
    total, received = Rates(), 0
    rows: list[list[object]] = []
    for line in [*counties, None]:
        if line is None:
            name, o, count = "合计", total, received
        else:
            name, o, count = line.county.name, line.report.overall, line.report.received
            total.add(dataclasses.replace(o))
            received += count
        rows.append([name, count, o.dispatched, pct(o.response_rate), o.handled, pct(o.on_time_rate),
                     pct(o.resolution_rate), pct(o.satisfaction_rate), o.overdue, f"{o.yellow_cards}/{o.red_cards}"])
    return rows


def city_summary_text(report: Report, handling: Mapping[str | None, CityHandling],
                      transfers: Sequence[CountyTransfers]) -> str:
    """The city bulletin's 总体情况 paragraph (also the summary the city's office sees in Tasklist)."""
    o, h = report.overall, handling.get(None) or CityHandling()
    per_county = "、".join(f"{t.county}{len(t.transferred)}件" for t in transfers)
    parts = [
        f"{report.period.label}，各县（区）转报市级企业诉求{report.received}件" + (f"（{per_county}）" if per_county else "")
        + f"，市级交办市直部门{o.dispatched}件，市直部门报送办理结果并反馈县（区）{o.handled}件"
        f"（按时{h.on_time}件、逾期{h.late}件；A类{h.classes.get('A', 0)}件、B类{h.classes.get('B', 0)}件、"
        f"C类{h.classes.get('C', 0)}件），县（区）回访{o.follow_ups}次、不满意返工{h.rework}次。",
        f"市直部门响应率{pct(o.response_rate)}（按时签收{o.signed_on_time}件/应签收{o.sign_decided}件），"
        f"按时办结率{pct(o.on_time_rate)}（{o.handled_on_time}/{o.handled}），"
        f"解决率{pct(o.resolution_rate)}（A类{o.solved}/{o.handled}），"
        f"满意率{pct(o.satisfaction_rate)}（{o.satisfied}/{o.follow_ups}）。",
    ]
    last_day = (report.cutoff - dt.timedelta(microseconds=1)).astimezone(SHANGHAI).date()
    parts.append(f"截至{last_day.year}年{last_day.month}月{last_day.day}日，市直部门超期未办结诉求{o.overdue}件；"
                 f"本期市直部门亮黄牌{o.yellow_cards}张、红牌{o.red_cards}张。")
    return "".join(parts)


def render_bulletin(
    report: Report,
    trend: Sequence[tuple[Period, Rates]],
    *,
    org: Mapping[str, str] | None = None,
    issued_on: dt.date | None = None,
    review: Sequence[ReviewRow] | None = None,
    chart_font: str | None = None,
    city: Sequence[CountyTransfers] | None = None,
    counties: Sequence[CountyLine] | None = None,
    handling: Mapping[str | None, CityHandling] | None = None,
) -> bytes:
    """The bulletin of `report` as .docx bytes (with the trend chart and, for a year, the review).
    `chart_font`: the settings' `reports.chart_font` (None: the Debian Chinese fonts).

    `city`: the city's per-county comparison of the period (`ledger.city.city_figures`: transfers,
    answered, open, the city departments' on-time rate per county), a last section when given.

    The city's own bulletin (issue 19, docs/city-level.md) is the same document at the city's level:
    `counties` (each county's own figures, `ledger.city.CountyLine`) and `handling` (the city departments'
    results on time/late, A/B/C and reworks, `ledger.city.city_report`) make it one, with `report` the city
    departments' figures and `org` the city's office: 总体情况, the counties side by side, their transfers
    (`city`), the city departments' handling, ranking, cards and overdue appeals; no category counts, and
    the trend only when `trend` is given."""
    from . import charts  # matplotlib loads only when a bulletin is rendered

    at_city = counties is not None
    units = "市直部门" if at_city else "承办单位"
    issuer = Org.of(org)
    period = report.period
    doc = new_document()
    width = (text_width(doc.sections[0]) / 36000)  # EMU → mm
    title = title_of(period, issuer)
    add_title(doc, title, after=Pt(0))
    add_paragraph(doc, f"（{period.label}）", font=KAI_FONT, size=SIZE_3, align=CENTER, line=LINE)
    issued_on = issued_on or report.as_of.astimezone(SHANGHAI).date()
    add_paragraph(doc, f"{issuer.office_full_name}\u3000\u3000{issued_on.year}年{issued_on.month}月{issued_on.day}日",
                  size=SIZE_3, align=CENTER, line=LINE, after=Pt(6))
    footer = doc.sections[0].footer.paragraphs[0]
    footer.alignment = CENTER
    add_page_number_field(footer)
    numbers = iter(NUMERALS)

    def heading(text: str) -> None:
        _heading(doc, f"{next(numbers)}、{text}")

    heading("总体情况")
    if at_city:
        _body(doc, clean(city_summary_text(report, handling or {}, city or [])))
    else:
        _body(doc, clean(summary_text(report)))
    _summary_table(doc, report.overall, width)
    if report.suggestion_checked:
        _note(doc, suggestion_note(report))

    if at_city:
        heading("各县（区）办理情况")
        if counties:
            _table(doc, _scale([30, 12, 12, 14, 12, 16, 14, 14, 12, 14], width),
                   ["县（区）", "受理", "交办", "响应率", "办结", "按时办结率", "解决率", "满意率", "超期", "黄/红牌"],
                   county_rows(counties), align_first=True)
            _note(doc, "注：各县（区）本县的受理、交办与各项比率，与各县（区）月度通报同一口径（docs/figures.md）。")
        else:
            _body(doc, "本市未设县（区）。")
        heading("各县（区）转报市级情况")
        _transfers_section(doc, city or [], width)

    heading(f"各{units}办理情况" if not at_city else "市直部门办理情况")
    rows = _department_rows(report)
    if rows:
        _table(doc, _scale([34, 12, 14, 12, 16, 14, 12, 14, 12, 14], width),
               [units, "交办", "响应率", "办结", "按时办结率", "解决率", "回访", "满意率", "超期", "黄/红牌"],
               rows, align_first=True)
        names = [d.name for d in report.departments]
        _picture(doc, charts.department_rates_chart(names, {
            key: [getattr(d.rates, key) for d in report.departments] for key in WEIGHTS
        }, f"{period.label}各{units}办理情况", chart_font), min(width, 160))
    else:
        _body(doc, "本期无交办诉求。")
    if at_city and handling:
        found = [d for d in sorted(report.departments, key=lambda d: d.code) if d.code in handling]
        if found:
            _table(doc, _scale([34, 14, 14, 14, 12, 12, 12, 14], width),
                   [units, "报送结果", "按时报送", "逾期报送", "A类", "B类", "C类", "不满意返工"],
                   [[d.name, d.rates.handled, handling[d.code].on_time, handling[d.code].late,
                     handling[d.code].classes.get("A", 0), handling[d.code].classes.get("B", 0),
                     handling[d.code].classes.get("C", 0), handling[d.code].rework] for d in found],
                   align_first=True)
            _note(doc, "注：报送结果指市直部门办理结果已反馈县（区）的诉求；返工指县（区）回访企业不满意、退回重新办理的次数。")

    ranked_heading = f"{units}排名" if period.kind != "quarter" else f"{units}测评"
    heading(ranked_heading)
    ranking = _ranking_rows(report)
    if ranking:
        _table(doc, _scale([10, 34, 14, 14, 16, 14, 14, 10, 10, 10], width),
               ["名次", units, "得分", "响应率", "按时办结率", "解决率", "满意率", "黄牌", "红牌", "超期"], ranking)
    else:
        _body(doc, f"本期无可排名的{units}。")
    weights = "、".join(f"{name}{w}%" for name, w in zip(("响应率", "按时办结率", "解决率", "满意率"),
                                                         WEIGHTS.values(), strict=True))
    _note(doc, f"注：得分＝各项比率加权平均×100（{weights}；某项无分母时不计该项并按其余权重折算），"
               f"每张黄牌扣{PENALTY['yellow_cards']:g}分、红牌扣{PENALTY['red_cards']:g}分、"
               f"每件超期未办结扣{PENALTY['overdue']:g}分，最低0分；得分相同名次并列。")
    if review is not None:
        heading("年度测评")
        _review_table(doc, review, width)

    heading("亮牌情况")
    if report.cards:
        counts: dict[str, list[int]] = {}
        for card in report.cards:
            counts.setdefault(card.department_name, [0, 0])[0 if card.kind == "yellow" else 1] += 1
        _body(doc, f"本期共亮黄牌{report.overall.yellow_cards}张、红牌{report.overall.red_cards}张。")
        _table(doc, _scale([60, 30, 30], width * 0.7), [units, "黄牌", "红牌"],
               [[name, y, r] for name, (y, r) in sorted(counts.items(), key=lambda i: (-i[1][1], -i[1][0], i[0]))],
               align_first=True)
        listed = report.cards[-CARD_ROWS_IN_DOCUMENT:]
        _table(doc, _scale([20, 30, 12, 40, 50, 24], width), ["日期", units, "亮牌", "诉求", "事由", "后续措施"],
               [[day(c.issued_at), c.department_name, c.label,
                 " ".join(x for x in (c.registration_number, c.enterprise_name) if x), c.reason or "",
                 c.escalation_label] for c in listed])
        if len(report.cards) > len(listed):
            _note(doc, f"注：此处列出最近的{len(listed)}张，全部亮牌记录见问题台账。")
    else:
        _body(doc, "本期无亮牌。")

    heading("超期未办结诉求")
    if report.overdue:
        shown = report.overdue[:OVERDUE_ROWS_IN_DOCUMENT]
        _table(doc, _scale([9, 46, 44, 30, 20, 16], width),
               ["序号", "登记编号", "企业名称", units, "办结时限", "超期工作日"],
               [[i, o.registration_number or "", o.enterprise_name or "", o.department_name or "",
                 day(o.handling_due), DASH if o.overdue_workdays is None else o.overdue_workdays]
                for i, o in enumerate(shown, start=1)])
        if report.overall.overdue > len(shown):
            _note(doc, f"注：共{report.overall.overdue}件，此处列出超期最久的{len(shown)}件，全部清单见问题台账。")
    else:
        _body(doc, "截至本期末，无超期未办结诉求。")

    if not at_city:
        heading("分类统计")
        if report.received:
            _counts_table(doc, report, width)
        else:
            _body(doc, "本期未受理企业诉求。")

    if trend:
        heading(f"近{len(trend)}个月趋势")
        _picture(doc, charts.trend_chart([m.short_label for m, _ in trend], {
            key: [getattr(r, key) for _, r in trend] for key in WEIGHTS
        }, f"近{len(trend)}个月各项比率", chart_font), min(width, 160))
    _note(doc, "计算口径见《通报指标口径说明》（docs/figures.md）：比率无分母时记为“—”；"
               "延期获批的诉求按延期后的时限计算是否按时办结。")

    if city is not None and not at_city:
        heading("市级转报办理情况（各县比较）")
        _transfers_section(doc, city, width)

    set_properties(doc, f"{title}（{period.label}）", issuer.office_full_name)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
