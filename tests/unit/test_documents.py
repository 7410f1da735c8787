"""Documents (spec §15): each kind rendered with realistic data and reopened with python-docx.

No engine: these are unit tests of appeals.documents and of the renderDocument handler.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
import stat
import zipfile
from pathlib import Path

import docx
import docx.document
import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from lxml import etree

from appeals.documents import DOCX_MIME, FIELDS, KINDS, DocumentError, render_document, safe_filename, to_pdf
from appeals.documents.fields import Org
from appeals.documents.sample import SAMPLE_APPEAL, SAMPLE_ORG
from appeals.documents.values import clean, format_date
from appeals.settings import PROJECT_ROOT, PdfSettings, Settings

ORG = SAMPLE_ORG
OFFICE = "某县服务企业发展领导小组办公室"

APPEAL = SAMPLE_APPEAL

HOSTILE = [
    "<w:p>",
    "&",
    "&amp; <b>x</b>",
    "{{ 7*7 }}",
    "{% for x in y %}{% endfor %}",
    "]]><!-- -->",
    "😀 emoji",
    '"引号" \'single\'',
    "长" * 5000,
]
CONTROL = "控\x00制\x01字\x08符\x0b与\x0c换\x0e页\x1f"
CONTROL_CLEAN = "控制字符与换页"


def reopen(content: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(content))


def body_text(d) -> str:
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def unique_cells(row) -> list:
    cells, seen = [], set()
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            cells.append(cell)
    return cells


def right_of(table, label: str) -> str:
    """Text of the cell right of the (first) cell whose text is `label`."""
    for row in table.rows:
        cells = unique_cells(row)
        for index, cell in enumerate(cells[:-1]):
            if cell.text == label:
                return cells[index + 1].text
    raise AssertionError(f"no label {label!r} in the table")


def column_values(table) -> dict[str, str]:
    """List-style forms (T 附件4/5): header row label → text of the first data row."""
    header, data = (unique_cells(r) for r in table.rows[:2])
    return {h.text: c.text for h, c in zip(header, data, strict=True)}


def render(kind: str, **overrides) -> tuple:
    fields = {**APPEAL, **overrides}
    result = render_document(kind, fields, org=ORG)
    return result, reopen(result.content)


def page_mm(d) -> tuple[float, float]:
    section = d.sections[0]
    return round(section.page_width.mm, 1), round(section.page_height.mm, 1)


# ------------------------------------------------------------------------------------ the seven kinds

def test_registration_form_has_the_fields_of_the_lincang_form() -> None:
    result, d = render("registration")
    assert result.kind == "registration" and result.title == "企业反映困难问题登记表"
    assert result.mime_type == DOCX_MIME
    assert result.filename == "企业反映困难问题登记表-某县服企办收（2026）第12号.docx"
    paragraphs = [p.text for p in d.paragraphs]
    assert paragraphs[0] == "企业反映困难问题登记表"
    assert "问题类别：用地审批" in paragraphs[1] and "诉求类型：求助" in paragraphs[1]
    assert paragraphs[2] == "登记编号：某县服企办收（2026）第12号"
    table = d.tables[0]
    expected = {
        "企业名称": "某县绿源茶业有限公司",
        "统一社会信用代码": "91530900MA6K7PXW3R",
        "详细地址": "某县工业园区茶产业片区8号",
        "反映时间": "2026年11月16日9时30分",
        "反映形式": "来电反映(12345)",
        "联系人": "李建华",
        "职\u3000务": "总经理",
        "联系电话": "13908831234",
        "电子邮箱": "lijh@lvyuan-tea.example.cn",
        "主要困难和问题": APPEAL["problemDescription"],
        "希望协调解决的具体事项": APPEAL["requestedHelp"],
        "受理时间": "2026年11月16日9时30分",
        "受理人员": "王晓燕",
        "备\u3000注": "",
    }
    for label, value in expected.items():
        assert right_of(table, label) == value, label
    # the group labels of the first column span their rows
    first_column = [row.cells[0].text for row in table.rows]
    assert first_column[:6] == ["企业基本情况"] * 6
    assert first_column[6:8] == ["企业反映问题"] * 2
    assert first_column[8] == "受理情况"
    assert "登记编号统一用：XX服企办收（20XX）第XX号" in body_text(d)


def test_registration_reported_time_may_differ_from_received_time() -> None:
    _, d = render("registration", reportedAt="2026-11-15T20:05:00+08:00")
    assert right_of(d.tables[0], "反映时间") == "2026年11月15日20时05分"
    assert right_of(d.tables[0], "受理时间") == "2026年11月16日9时30分"


@pytest.mark.parametrize(
    ("channel", "label"),
    [("hotline", "来电反映(12345)"), ("online", "线上问卷"), ("visit", "领导走访"), ("transfer", "部门转办"),
     ("self_report", "来人来函"), ("meeting", "恳谈会接待日"), ("来人来函", "来人来函")],
)
def test_channels_are_printed_in_chinese(channel: str, label: str) -> None:
    _, d = render("registration", channel=channel)
    assert right_of(d.tables[0], "反映形式") == label


def test_dispatch_slip() -> None:
    result, d = render("dispatch")
    assert result.filename == "企业反映困难问题交办单-某县服企办交（2026）第7号.docx"
    paragraphs = [p.text for p in d.paragraphs]
    assert paragraphs[:3] == ["企业反映困难问题交办单", f"交办单位（盖章）：{OFFICE}", "交办编号：某县服企办交（2026）第7号"]
    table = d.tables[0]
    for label, value in {
        "需要办理或协调解决事项": APPEAL["requestedHelp"],
        "反映企业": "某县绿源茶业有限公司",
        "企业地址": "某县工业园区茶产业片区8号",
        "联系人": "李建华",
        "联系电话": "13908831234",
        "牵头办理部门": "县自然资源局",
        "办结时限": "2026年11月24日",
        "配合办理部门": "县行政审批局、县住房和城乡建设局",
        "签批领导": "张卫东",
        "交办日期": "2026年11月17日",
        "签批意见": APPEAL["approvalComment"],
    }.items():
        assert right_of(table, label) == value, label
    assert [row.cells[0].text for row in table.rows][:8] == ["交办事项"] * 4 + ["办理要求"] * 2 + ["签交情况"] * 2


def test_dispatch_falls_back_to_the_problem_when_no_requested_help() -> None:
    _, d = render("dispatch", requestedHelp=None)
    assert right_of(d.tables[0], "需要办理或协调解决事项") == APPEAL["problemDescription"]


def test_transfer_slip() -> None:
    result, d = render("transfer")
    assert result.filename == "企业反映困难问题转报单-某县服企办报（2026）第2号.docx"
    paragraphs = [p.text for p in d.paragraphs]
    assert paragraphs[1:3] == [f"转报单位（盖章）：{OFFICE}", "转报编号：某县服企办报（2026）第2号"]
    table = d.tables[0]
    assert right_of(table, "需要帮助协调解决事项") == APPEAL["requestedHelp"]
    assert right_of(table, "办理建议") == APPEAL["handlingSuggestion"]
    assert right_of(table, "签批领导") == "张卫东"
    assert right_of(table, "转报日期") == "2026年11月17日"  # dispatchedAt when no transferredAt
    _, d = render("transfer", transferredAt="2026-11-19")
    assert right_of(d.tables[0], "转报日期") == "2026年11月19日"


def test_reminder_letter_follows_gb_t_9704() -> None:
    result, d = render("reminder_letter", replyDue="2026-11-26")
    assert result.filename == "催办函-某县服企办催（2026）第3号.docx" and result.title == "催办函"
    section = d.sections[0]
    assert page_mm(d) == (210.0, 297.0) and section.orientation == WD_ORIENT.PORTRAIT
    assert [round(m.mm, 1) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                     section.right_margin)] == [37.0, 35.0, 28.0, 26.0]
    paragraphs = [p for p in d.paragraphs if p.text]
    issuer, number, title, addressee = paragraphs[:4]
    assert issuer.text == OFFICE and issuer.runs[0].font.color.rgb == RGBColor(0xFF, 0, 0)
    assert round(issuer.paragraph_format.space_before.mm) == 35  # GB 7.2.3: 35 mm below the top of the 版心
    assert number.text == "某县服企办催（2026）第3号"
    assert number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "FF0000"
    assert title.text == "关于加快办理某县绿源茶业有限公司反映困难问题的催办函"
    assert title.runs[0].font.size == Pt(22)
    assert title.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert addressee.text == "县自然资源局："
    text = body_text(d)
    assert ("2026年11月17日，我办以某县服企办交（2026）第7号《企业反映困难问题交办单》将某县绿源茶业有限公司"
            "反映的困难问题交由你单位牵头办理，办结时限为2026年11月24日。截至目前，该问题已超过办结时限3天") in text
    assert APPEAL["problemDescription"] in text and APPEAL["requestedHelp"] in text
    assert "于2026年11月26日前将办理情况面复或书面答复企业" in text
    body = [p for p in paragraphs if p.text.startswith(("2026年11月17日，", "请你单位", "特此函告"))]
    assert len(body) == 3
    for p in body:
        assert p.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        assert p.paragraph_format.line_spacing == Pt(28)
        assert p.paragraph_format.first_line_indent == Pt(32)
        assert p.runs[0].font.size == Pt(16)
        assert p.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    signature, date, note = (p.text for p in paragraphs[-4:-1])
    assert (signature, date) == (OFFICE, "2026年11月23日")
    assert note == "（联系人：王晓燕；联系电话：0883-6120000）"
    assert paragraphs[-1].text == "抄送：县行政审批局、县住房和城乡建设局。"


def test_reminder_letter_page_numbers_are_page_fields_in_song_4() -> None:
    _, d = render("reminder_letter")
    assert d.settings.odd_and_even_pages_header_footer
    section = d.sections[0]
    for footer in (section.footer, section.even_page_footer):
        paragraph = footer.paragraphs[0]
        assert paragraph.text == "— 1 —"
        instr = paragraph._p.findall(f".//{qn('w:instrText')}")
        assert [i.text.strip() for i in instr] == ["PAGE"]
        kinds = [f.get(qn("w:fldCharType")) for f in paragraph._p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
        for run in paragraph.runs:
            assert run.font.size == Pt(14)
            assert run._r.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert section.footer.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert section.even_page_footer.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.LEFT


def test_reminder_letter_wording_without_optional_fields() -> None:
    fields = {"reminderNumber": "某县服企办催（2026）第4号", "leadDepartmentName": "县供电公司",
              "enterpriseName": "某县恒达建材有限公司"}
    d = reopen(render_document("reminder_letter", fields, org=ORG).content)
    text = body_text(d)
    assert "我办以《企业反映困难问题交办单》将某县恒达建材有限公司反映的困难问题交由你单位牵头办理。截至目前，该问题已超过办结时限，" in text
    assert "尽快将办理情况" in text and "抄送" not in text and "联系人" not in text and "None" not in text
    assert re.search(r"\n\d{4}年\d{1,2}月\d{1,2}日$", text)
    d = reopen(render_document("reminder_letter", {**fields, "overdueDays": 0}, org=ORG).content)
    assert "该问题已到办结时限，" in body_text(d)


def test_handling_feedback_has_the_columns_of_tengzhou_annex_4_and_the_abc_class() -> None:
    result, d = render("handling_feedback")
    assert page_mm(d) == (297.0, 210.0) and d.sections[0].orientation == WD_ORIENT.LANDSCAPE
    assert "提报单位：县自然资源局" in d.paragraphs[1].text
    assert "交办编号：某县服企办交（2026）第7号" in d.paragraphs[1].text
    assert "提报时间：2026年11月21日" in d.paragraphs[1].text
    assert column_values(d.tables[0]) == {
        "序号": "1",
        "企业名称": "某县绿源茶业有限公司",
        "存在问题、困难、诉求描述": APPEAL["problemDescription"],
        "是否解决": "A类（已经解决或基本解决）",
        "解决方式": APPEAL["replyText"],
        "所属镇街（部门）": "县自然资源局\n配合：县行政审批局、县住房和城乡建设局",
        "镇街（部门）联系人及联系方式": "陈明\n0883-6123456",
        "备注": "",
    }
    assert "单位主要负责人（审核）：赵国强" in body_text(d)
    for code, label in {"B": "B类（正在解决或列入规划逐步解决）", "c": "C类（目前条件限制或其他原因需以后解决）"}.items():
        _, d = render("handling_feedback", resultClass=code)
        assert column_values(d.tables[0])["是否解决"] == label


def test_satisfaction_form_ticks_exactly_the_chosen_level() -> None:
    result, d = render("satisfaction")
    assert page_mm(d) == (297.0, 210.0)
    assert f"提报单位：{OFFICE}" in d.paragraphs[1].text and "提报时间：2026年11月26日" in d.paragraphs[1].text
    assert "评价企业：某县绿源茶业有限公司" in d.paragraphs[2].text
    values = column_values(d.tables[0])
    assert values["满意度评价"] == "1.非常满意\n2.比较满意 ✔\n3.基本满意\n4.不满意"
    assert values["问题描述"] == APPEAL["problemDescription"]
    assert values["解决情况"] == f"A类（已经解决或基本解决）\n{APPEAL['replyText']}"
    assert values["意见建议"] == APPEAL["followUpNote"]
    for code, line in [("very_satisfied", "1.非常满意 ✔"), ("basically_satisfied", "3.基本满意 ✔"),
                       ("dissatisfied", "4.不满意 ✔"), ("比较满意", "2.比较满意 ✔")]:
        _, d = render("satisfaction", satisfaction=code)
        options = column_values(d.tables[0])["满意度评价"].split("\n")
        assert line in options and sum("✔" in o for o in options) == 1
    _, d = render("satisfaction", satisfaction=None)  # a blank questionnaire
    assert "✔" not in column_values(d.tables[0])["满意度评价"]


def test_dissatisfaction_review_form() -> None:
    result, d = render("dissatisfaction_review", satisfaction="dissatisfied", resultClass="C")
    assert result.filename.endswith("-某县服企办交（2026）第7号.docx")
    assert d.paragraphs[1].text == "填报单位（盖章）：县自然资源局"
    table = d.tables[0]
    for label, value in {
        "企业名称": "某县绿源茶业有限公司",
        "统一社会信用代码": "91530900MA6K7PXW3R",
        "登记编号": "某县服企办收（2026）第12号",
        "交办编号": "某县服企办交（2026）第7号",
        "承办单位": "县自然资源局",
        "配合单位": "县行政审批局、县住房和城乡建设局",
        "诉求内容": APPEAL["problemDescription"],
        "第一次办理答复情况": APPEAL["firstReplyText"],
        "第二次办理答复情况": APPEAL["replyText"],
        "办理结果类别": "C类（目前条件限制或其他原因需以后解决）",
        "回访满意度": "不满意",
        "企业不满意的原因": APPEAL["followUpNote"],
        "审核说明（不满意原因分析及处理意见）": APPEAL["reviewExplanation"],
        "单位主要负责人（签字）": "赵国强",
        "填报日期": "2026年12月8日",
        "专班核查意见": "",
    }.items():
        assert right_of(table, label) == value, label


# ---------------------------------------------------------------------------- page setup and fonts

@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_is_a4_with_east_asian_fonts_everywhere(kind: str) -> None:
    result, d = render(kind)
    assert sorted(page_mm(d)) == [210.0, 297.0]
    with zipfile.ZipFile(io.BytesIO(result.content)) as package:
        names = package.namelist()
        for name in names:
            if name.endswith(".xml") or name.endswith(".rels"):
                etree.fromstring(package.read(name))  # every part is well-formed XML
        parts = [n for n in names if re.fullmatch(r"word/(document|footer\d+)\.xml", n)]
        runs = 0
        for name in parts:
            root = etree.fromstring(package.read(name))
            for run in root.iter(qn("w:r")):
                if run.find(qn("w:t")) is None:
                    continue
                runs += 1
                fonts = run.find(qn("w:rPr")).find(qn("w:rFonts"))
                assert fonts.get(qn("w:eastAsia")), name
                assert fonts.get(qn("w:ascii")) and fonts.get(qn("w:hint")) == "eastAsia"
        assert runs > 10
        styles = etree.fromstring(package.read("word/styles.xml"))
        default_fonts = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
        assert default_fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
        assert default_fonts.get(qn("w:eastAsiaTheme")) is None and default_fonts.get(qn("w:asciiTheme")) is None
        fonts = etree.fromstring(package.read("word/fontTable.xml"))
        alt = {f.get(qn("w:name")): f.find(qn("w:altName")) for f in fonts.findall(qn("w:font"))}
        assert alt["方正小标宋简体"].get(qn("w:val")) == "宋体"
        assert alt["仿宋_GB2312"].get(qn("w:val")) == "仿宋"
    normal = d.styles["Normal"]
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    title = d.paragraphs[0]
    assert title.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert d.core_properties.author == OFFICE


# ------------------------------------------------------------------------------------------- safety

# fields printed only as a fallback of another field (which the hostile test also fills)
FALLBACK_ONLY = {("dispatch", "problemDescription"), ("transfer", "problemDescription"), ("transfer", "dispatchedAt")}


def text_fields(kind: str) -> list[str]:
    codes = {"channel", "category", "appealKind", "resultClass", "satisfaction", "overdueDays"}
    return [f.name for f in FIELDS[kind] if f.name not in codes and (kind, f.name) not in FALLBACK_ONLY]


@pytest.mark.parametrize("kind", list(KINDS))
def test_hostile_input_comes_out_literally(kind: str) -> None:
    names = [name for name in text_fields(kind) if name != "assistingDepartmentNames"]
    values: dict[str, list[str]] = {name: [] for name in names}
    for i, hostile in enumerate(HOSTILE):  # every hostile string in some field, some fields get several
        values[names[i % len(names)]].append(hostile)
    values[names[-1]].append(CONTROL)
    fields: dict[str, object] = {name: " | ".join(parts) or "<w:p>&" for name, parts in values.items()}
    if "assistingDepartmentNames" in text_fields(kind):
        fields["assistingDepartmentNames"] = ["<w:p>", "{{ 7*7 }}", "😀"]
    result = render_document(kind, fields, org={"county": "某县", "office_name": "<w:r>&办公室{{ x }}"})
    d = reopen(result.content)
    text = body_text(d) + "\n".join(p.text for s in d.sections for p in s.footer.paragraphs)
    for hostile in HOSTILE:
        assert hostile in text, hostile[:40]
    for name, value in fields.items():  # each field's whole value, exactly
        if isinstance(value, str) and CONTROL not in value:
            assert value in text, name
    assert CONTROL_CLEAN in text and "\x00" not in text
    assert "49" not in text  # '{{ 7*7 }}' was not evaluated
    assert "None" not in text
    for forbidden in '/\\<>:*?"|':
        assert forbidden not in result.filename
    with zipfile.ZipFile(io.BytesIO(result.content)) as package:
        assert package.testzip() is None
        document = package.read("word/document.xml").decode("utf-8")
    assert "&lt;w:p&gt;" in document and "&amp;" in document


def test_jinja_syntax_in_values_is_data() -> None:
    fields = {**APPEAL, "problemDescription": "{{ 7*7 }}{% if true %}yes{% endif %}{# c #}",
              "enterpriseName": "{{ config }}"}
    d = reopen(render_document("registration", fields, org=ORG).content)
    table = d.tables[0]
    assert right_of(table, "主要困难和问题") == "{{ 7*7 }}{% if true %}yes{% endif %}{# c #}"
    assert right_of(table, "企业名称") == "{{ config }}"


def test_control_characters_are_removed_and_line_ends_kept() -> None:
    assert clean(CONTROL) == CONTROL_CLEAN
    assert clean("a\r\nb\rc\td\n") == "a\nb\nc\td\n"
    assert clean("\ud800x\ufffey\uffff") == "xy"
    _, d = render("registration", problemDescription="第一行\r\n第二行\x07", remarks="甲\t乙")
    assert right_of(d.tables[0], "主要困难和问题") == "第一行\n第二行"
    assert right_of(d.tables[0], "备\u3000注") == "甲\t乙"


def test_long_text_and_emoji() -> None:
    long_text = "企业反映" * 1250 + "😀"
    _, d = render("dispatch", requestedHelp=long_text, enterpriseName="😀笑脸科技有限公司")
    assert right_of(d.tables[0], "需要办理或协调解决事项") == long_text
    assert right_of(d.tables[0], "反映企业") == "😀笑脸科技有限公司"


# ------------------------------------------------------------------------------ missing and invalid

REQUIRED = {kind: {f.name: APPEAL[f.name] for f in fields if f.required} for kind, fields in FIELDS.items()}


@pytest.mark.parametrize("kind", list(KINDS))
def test_missing_optional_fields_leave_empty_cells(kind: str) -> None:
    result = render_document(kind, REQUIRED[kind])
    d = reopen(result.content)
    text = body_text(d)
    assert "None" not in text and "null" not in text
    for table in d.tables:
        for row in table.rows:
            for cell in row.cells:
                assert cell.text.strip() != "None"


def test_missing_optional_fields_are_empty_cells_in_the_registration_form() -> None:
    d = reopen(render_document("registration", REQUIRED["registration"]).content)
    table = d.tables[0]
    for label in ("统一社会信用代码", "详细地址", "反映时间", "反映形式", "联系人", "电子邮箱", "主要困难和问题",
                  "受理时间", "受理人员"):
        assert right_of(table, label) == "", label
    assert d.paragraphs[1].text == "问题类别："


def test_no_org_uses_the_generic_office() -> None:
    d = reopen(render_document("dispatch", REQUIRED["dispatch"]).content)
    assert d.paragraphs[1].text == f"交办单位（盖章）：{OFFICE}"


@pytest.mark.parametrize("kind", list(KINDS))
def test_missing_required_field_is_an_error(kind: str) -> None:
    required = REQUIRED[kind]
    name = next(iter(required))
    with pytest.raises(DocumentError, match=name):
        render_document(kind, {**required, name: ""})


def test_unknown_kind_and_codes_are_errors() -> None:
    with pytest.raises(DocumentError, match="unknown document kind"):
        render_document("minutes", APPEAL)
    with pytest.raises(DocumentError, match="channel"):
        render_document("registration", {**APPEAL, "channel": "fax"})
    with pytest.raises(DocumentError, match="resultClass"):
        render_document("handling_feedback", {**APPEAL, "resultClass": "D"})
    with pytest.raises(DocumentError, match="satisfaction"):
        render_document("satisfaction", {**APPEAL, "satisfaction": "ok"})
    with pytest.raises(DocumentError, match="overdueDays"):
        render_document("reminder_letter", {**APPEAL, "overdueDays": "three"})


# ------------------------------------------------------------------------------------ small parts

def test_dates() -> None:
    assert format_date("2026-01-05") == "2026年1月5日"
    assert format_date("2026-11-23T16:30:00.000+0000", with_time=True) == "2026年11月24日0时30分"
    assert format_date(dt.datetime(2026, 11, 23, 9, 5), with_time=True) == "2026年11月23日9时05分"
    assert format_date(dt.date(2026, 11, 23), with_time=True) == "2026年11月23日"
    assert format_date("下周一") == "下周一"  # not a date: printed as given
    assert format_date(None) == "" and format_date("") == ""


def test_issuing_office_name() -> None:
    assert Org.of(None).office_full_name == OFFICE
    assert Org.of({"county": "乌审旗", "office_name": "旗服务企业发展领导小组办公室"}).office_full_name == (
        "乌审旗服务企业发展领导小组办公室")
    assert Org.of({"county": "某县", "office_name": "某县营商环境办"}).office_full_name == "某县营商环境办"
    assert Org.of({"county": "临翔区", "office_name": "服务企业发展领导小组办公室"}).office_full_name == (
        "临翔区服务企业发展领导小组办公室")


def test_safe_filename() -> None:
    assert safe_filename("../../etc/passwd") == "etc_passwd.docx"
    assert safe_filename("a\x00b:c*?") == "ab_c.docx"
    assert safe_filename("") == "document.docx"
    assert len(safe_filename("长" * 500)) == 125


def test_docs_list_every_field_of_every_kind() -> None:
    docs = (PROJECT_ROOT / "docs" / "documents.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", docs, flags=re.M)
    for kind, fields in FIELDS.items():
        section = next((s for s in sections if s.startswith(f"`{kind}`")), None)
        assert section is not None, f"docs/documents.md has no section for {kind}"
        documented = re.findall(r"^\| `(\w+)`", section, flags=re.M)
        assert documented == [f.name for f in fields], kind


# --------------------------------------------------------------------------------------------- PDF

def test_to_pdf_is_none_without_libreoffice(monkeypatch) -> None:
    monkeypatch.setattr("appeals.documents.pdf.shutil.which", lambda name: None)
    assert to_pdf(b"PK") is None


def test_to_pdf_runs_soffice_headless(monkeypatch, tmp_path: Path) -> None:
    fake = tmp_path / "soffice"
    log = tmp_path / "args.txt"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" > "{log}"\n'
        'while [ "$#" -gt 0 ]; do case "$1" in --outdir) out="$2"; shift;; *.docx) src="$1";; esac; shift; done\n'
        'name=$(basename "$src" .docx)\n'
        'printf "%%PDF-1.4 fake" > "$out/$name.pdf"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    result, _ = render("dispatch")
    assert to_pdf(result.content) == b"%PDF-1.4 fake"
    args = log.read_text()
    assert "--headless" in args and "--convert-to pdf" in args and "-env:UserInstallation=file://" in args


# ----------------------------------------------------------------------------------------- handler

class FakeContext:
    """What the renderDocument handler uses of the `AppContext`: settings and the issuing org."""

    def __init__(self, chart, settings: Settings) -> None:
        self.chart, self.settings = chart, settings

    def document_org(self) -> dict[str, str]:
        from appeals.documents.fields import issuer_of

        return issuer_of(self.chart)


@pytest.fixture
def handler_module():
    """The renderDocument handler module (registered on the router with the other handlers)."""
    return importlib.import_module("appeals.handlers.documents")


def test_render_document_handler_returns_a_file_variable_and_stores_a_copy(
    handler_module, monkeypatch, tmp_path: Path
) -> None:
    from appeals.camunda import FileValue, to_variable
    from appeals.org import DEMO_ORG, load
    from appeals.runtime import Task

    chart = load(DEMO_ORG)
    ctx = FakeContext(chart, Settings(data_dir=tmp_path, pdf=PdfSettings(enabled=False)))
    topic = handler_module.router.topics["renderDocument"]
    assert "documentKind" in topic.variables and "dispatchNumber" in topic.variables
    task = Task(id="task-1", topic="renderDocument", process_instance_id="pi-42", business_key="BK-1",
                activity_id="Task_RenderDispatch", variables={**APPEAL, "documentKind": "dispatch"})
    out = handler_module.render_document_handler(task, ctx)
    assert list(out) == ["dispatchDocument"]
    file = out["dispatchDocument"]
    assert isinstance(file, FileValue) and file.mime_type == DOCX_MIME
    assert file.filename == "企业反映困难问题交办单-某县服企办交（2026）第7号.docx"
    stored = tmp_path / "documents" / "pi-42" / file.filename
    assert stored.read_bytes() == file.content
    d = reopen(file.content)
    # the office group's name without its bracket, prefixed with the county
    assert d.paragraphs[1].text == "交办单位（盖章）：某县服务企业发展领导小组办公室"
    assert to_variable(file)["type"] == "File"
    # a redelivery overwrites the same file
    handler_module.render_document_handler(task, ctx)
    assert [p.name for p in stored.parent.iterdir()] == [file.filename]
    with pytest.raises(ValueError, match="documentKind"):
        handler_module.render_document_handler(
            Task("task-2", "renderDocument", "pi-42", None, "Task_X", variables=dict(APPEAL)), ctx)


def test_with_libreoffice_the_handler_adds_an_a4_pdf_with_the_chinese_text(
    handler_module, monkeypatch, tmp_path: Path
) -> None:
    """Real LibreOffice (installed by `make test`): the PDF is A4, one page, and carries the text."""
    import pypdf

    from appeals.documents import soffice_path
    from appeals.org import DEMO_ORG, load
    from appeals.runtime import Task

    assert soffice_path(), "LibreOffice (soffice) is missing: `make test` installs libreoffice-writer-nogui"
    chart = load(DEMO_ORG)
    ctx = FakeContext(chart, Settings(data_dir=tmp_path))
    task = Task(id="task-1", topic="renderDocument", process_instance_id="pi-43", business_key="BK-1",
                activity_id="Task_RenderDispatch", variables={**APPEAL, "documentKind": "dispatch"})
    out = handler_module.render_document_handler(task, ctx)
    assert sorted(out) == ["dispatchDocument", "dispatchDocumentPdf"]
    pdf = out["dispatchDocumentPdf"]
    assert pdf.mime_type == "application/pdf"
    assert pdf.filename == "企业反映困难问题交办单-某县服企办交（2026）第7号.pdf"
    assert (tmp_path / "documents" / "pi-43" / pdf.filename).read_bytes() == pdf.content
    reader = pypdf.PdfReader(io.BytesIO(pdf.content))
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4 in millimetres
    text = "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")
    assert "企业反映困难问题交办单" in text
    assert "某县服企办交（2026）第7号" in text
    assert APPEAL["enterpriseName"] in text
    fonts = {str(font.get("/BaseFont")) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).get_object().values()
             for font in [font.get_object()]}
    # the Chinese text is set in an embedded CJK font (仿宋 falls back to an installed one), not boxes
    assert any("WenQuanYi" in name or "Fang" in name or "Song" in name for name in fonts), fonts
