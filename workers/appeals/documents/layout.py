"""python-docx building blocks: the base document, page setup, Chinese fonts, paragraphs, form tables.

No template file: the base document is python-docx's own default template adjusted in code (fonts of
the default style and of `Normal`, Chinese fallbacks in the font table, no theme fonts), built once
per process and cached as bytes, so every document starts from the same, reproducible base.

Fonts. Word picks the East-Asian font of a run from `w:rFonts/@w:eastAsia`; `run.font.name` sets only
`w:ascii`/`w:hAnsi`. Every run and the default style therefore set both, plus `w:hint="eastAsia"`
so that punctuation shared by both scripts (“”、—) is drawn with the Chinese font. The font table
names a fallback for each Chinese font (`w:altName`, ECMA-376 §17.8.3.1): 方正小标宋简体 → 宋体,
仿宋_GB2312 → 仿宋, 楷体_GB2312 → 楷体, for machines without the 方正/GB2312 fonts.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Length, Mm, Pt, RGBColor, Twips
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

# Fonts of GB/T 9704-2012 and their fallbacks
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
SONG_FONT = "宋体"
HEI_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"
FALLBACKS = {TITLE_FONT: "宋体", BODY_FONT: "仿宋", KAI_FONT: "楷体"}

# Sizes (Chinese point sizes)
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_SMALL_4 = Pt(12)  # 小四
SIZE_5 = Pt(10.5)  # 五号

RED = RGBColor(0xFF, 0x00, 0x00)
SPACE_12 = Pt(12)

# A4 in twips, as Word writes it (210 x 297 mm)
A4_SHORT, A4_LONG = Twips(11906), Twips(16838)

# panose, charset (86 = GB2312), family, pitch of the fonts we name
_FONT_TABLE = {
    SONG_FONT: ("02010600030101010101", "86", "auto", "variable"),
    "仿宋": ("02010609060101010101", "86", "modern", "fixed"),
    "楷体": ("02010609060101010101", "86", "modern", "fixed"),
    HEI_FONT: ("02010609060101010101", "86", "modern", "fixed"),
    TITLE_FONT: ("02000000000000000000", "86", "auto", "variable"),
    BODY_FONT: ("02010609030101010101", "86", "modern", "fixed"),
    KAI_FONT: ("02010609030101010101", "86", "modern", "fixed"),
}


def set_fonts(rpr, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Set ASCII, high-ANSI, complex-script and East-Asian fonts on a `w:rPr` element (of a run, a
    style or the document defaults), dropping theme fonts that would take precedence."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        style = rpr.find(qn("w:rStyle"))
        if style is not None:
            style.addnext(rfonts)
        else:
            rpr.insert(0, rfonts)
    for theme_attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme_attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:cs"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:hint"), "eastAsia")


def _font_table_xml(blob: bytes) -> bytes:
    root = parse_xml(blob)
    existing = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    for name, (panose, charset, family, pitch) in _FONT_TABLE.items():
        if name in existing:
            continue
        font = OxmlElement("w:font", attrs={qn("w:name"): name})
        if name in FALLBACKS:
            font.append(OxmlElement("w:altName", attrs={qn("w:val"): FALLBACKS[name]}))
        font.append(OxmlElement("w:panose1", attrs={qn("w:val"): panose}))
        font.append(OxmlElement("w:charset", attrs={qn("w:val"): charset}))
        font.append(OxmlElement("w:family", attrs={qn("w:val"): family}))
        font.append(OxmlElement("w:pitch", attrs={qn("w:val"): pitch}))
        root.append(font)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


_KEPT_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList", "TableGrid", "Header", "HeaderChar",
                "Footer", "FooterChar"}


@lru_cache(maxsize=1)
def _base_docx() -> bytes:
    doc = Document()
    styles = doc.styles.element
    # document defaults: 仿宋_GB2312 / Times New Roman, Chinese language, single spacing, no gaps
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    spacing.attrib.clear()
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    spacing.set(qn("w:lineRule"), "auto")
    normal = doc.styles["Normal"]
    set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    normal.font.size = SIZE_3
    # only the styles we use: the template's 160 styles and latent styles are 350 KB to parse and zip
    for style in list(styles.findall(qn("w:style"))):
        if style.get(qn("w:styleId")) not in _KEPT_STYLES:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    # Chinese fallbacks in the font table; no thumbnail of an empty page, no Word 2010 style copy
    for rel in list(doc.part.rels.values()):
        if rel.reltype == RT.FONT_TABLE:
            part = rel.target_part
            part._blob = _font_table_xml(part.blob)  # a plain Part: its content is its blob
        elif rel.reltype.endswith(("/stylesWithEffects", "/customXml")):
            doc.part.rels.pop(rel.rId)
    package_rels = doc.part.package.rels
    for rel in list(package_rels.values()):
        if rel.reltype == RT.THUMBNAIL:
            package_rels.pop(rel.rId)
    # empty body with one section
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class Margins:
    top: float
    bottom: float
    left: float
    right: float


# GB/T 9704-2012 5.2.1: 天头 37 mm, 订口 28 mm; 版心 156 x 225 mm
GB_MARGINS = Margins(top=37, bottom=35, left=28, right=26)
# The same 版心 turned for landscape forms (the list-style forms of T 附件4/5)
LANDSCAPE_MARGINS = Margins(top=28, bottom=26, left=37, right=35)


def new_document(*, landscape: bool = False, margins: Margins | None = None) -> DocxDocument:
    """A blank A4 document (portrait or landscape) from the cached base."""
    doc = Document(io.BytesIO(_base_docx()))
    section = doc.sections[0]
    margins = margins or (LANDSCAPE_MARGINS if landscape else GB_MARGINS)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = A4_LONG, A4_SHORT
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = A4_SHORT, A4_LONG
    section.top_margin = Mm(margins.top)
    section.bottom_margin = Mm(margins.bottom)
    section.left_margin = Mm(margins.left)
    section.right_margin = Mm(margins.right)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(22)  # page number ~7 mm under the 版心 (GB 7.5)
    section.gutter = Mm(0)
    return doc


def text_width(section: Section) -> int:
    return section.page_width - section.left_margin - section.right_margin


def set_properties(doc: DocxDocument, title: str, author: str) -> None:
    props = doc.core_properties
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    props.title = title[:255]
    props.author = author[:255]
    props.last_modified_by = author[:255]
    props.created = now
    props.modified = now
    props.revision = 1
    props.language = "zh-CN"
    props.comments = ""
    props.keywords = ""
    props.subject = ""
    props.category = ""


@lru_cache(maxsize=64)
def _rpr_prototype(font: str, latin: str, half_points: int, bold: bool, color: str | None):
    rpr = OxmlElement("w:rPr")
    set_fonts(rpr, font, latin)
    if bold:
        rpr.append(OxmlElement("w:b"))
        rpr.append(OxmlElement("w:bCs"))
    if color is not None:
        rpr.append(OxmlElement("w:color", attrs={qn("w:val"): color}))
    rpr.append(OxmlElement("w:sz", attrs={qn("w:val"): str(half_points)}))
    rpr.append(OxmlElement("w:szCs", attrs={qn("w:val"): str(half_points)}))
    return rpr


def add_run(
    paragraph: Paragraph,
    content: str,
    *,
    font: str = BODY_FONT,
    size: Length = SIZE_3,
    latin: str = LATIN_FONT,
    bold: bool = False,
    color: RGBColor | None = None,
) -> Run:
    """A run of literal text (tab → tab, line feed → line break) in the given fonts.

    The run properties are copied from a cached prototype (python-docx's attribute API is slow);
    the text goes through python-docx's `CT_R.text`, which escapes it and maps tab/line feed."""
    r = OxmlElement("w:r")
    half_points = round(Length(size).pt * 2)
    prototype = _rpr_prototype(font, latin, half_points, bold, str(color) if color is not None else None)
    r.append(copy.deepcopy(prototype))
    r.text = content
    paragraph._p.append(r)
    return Run(r, paragraph)


def format_paragraph(
    paragraph: Paragraph,
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    line: Pt | None = None,
    first_line: Pt | None = None,
    left: Pt | None = None,
    right: Pt | None = None,
    before: Pt | None = None,
    after: Pt | None = None,
) -> Paragraph:
    fmt = paragraph.paragraph_format
    if align is not None:
        paragraph.alignment = align
    if line is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = line
    if first_line is not None:
        fmt.first_line_indent = first_line
    if left is not None:
        fmt.left_indent = left
    if right is not None:
        fmt.right_indent = right
    if before is not None:
        fmt.space_before = before
    if after is not None:
        fmt.space_after = after
    return paragraph


def add_paragraph(container, content: str = "", *, font: str = BODY_FONT, size=SIZE_3, bold: bool = False,
                  color: RGBColor | None = None, latin: str = LATIN_FONT, **fmt) -> Paragraph:
    """A paragraph with one run of literal text (no run when the text is empty)."""
    paragraph = container.add_paragraph()
    format_paragraph(paragraph, **fmt)
    if content:
        add_run(paragraph, content, font=font, size=size, bold=bold, color=color, latin=latin)
    return paragraph


def add_title(doc: DocxDocument, title: str, *, size: Length = SIZE_2, after: Length = SPACE_12) -> Paragraph:
    """A form's or letter's title: 方正小标宋简体 (fallback 宋体) 二号, centred."""
    return add_paragraph(doc, title, font=TITLE_FONT, size=size, align=WD_ALIGN_PARAGRAPH.CENTER,
                         line=Pt(max(size.pt * 1.5, 28)), after=after)


def border(paragraph: Paragraph, side: str, *, size_eighths: int, color: str = "000000", space: int = 1) -> None:
    """A paragraph border line (`w:pBdr`), e.g. the red separator under a letter's 发文字号."""
    ppr = paragraph._p.get_or_add_pPr()
    pbdr = ppr.find(qn("w:pBdr"))
    if pbdr is None:
        pbdr = OxmlElement("w:pBdr")
        # pBdr comes before spacing/ind/jc in CT_PPr's sequence
        anchor = next((c for c in ppr if c.tag in {qn("w:shd"), qn("w:tabs"), qn("w:spacing"), qn("w:ind"),
                                                     qn("w:jc"), qn("w:rPr")}), None)
        if anchor is not None:
            anchor.addprevious(pbdr)
        else:
            ppr.append(pbdr)
    pbdr.append(OxmlElement(f"w:{side}", attrs={
        qn("w:val"): "single", qn("w:sz"): str(size_eighths), qn("w:space"): str(space), qn("w:color"): color,
    }))


def add_page_number_field(paragraph: Paragraph, *, font: str = SONG_FONT, size=SIZE_4) -> None:
    """'— PAGE —' with a real PAGE field (complex field: begin, instrText, separate, result, end)."""

    def fld_run(kind: str | None = None, instr: str | None = None, result: str | None = None) -> None:
        run = add_run(paragraph, "", font=font, size=size, latin=font)
        if kind is not None:
            run._r.append(OxmlElement("w:fldChar", attrs={qn("w:fldCharType"): kind}))
        if instr is not None:
            node = OxmlElement("w:instrText", attrs={qn("xml:space"): "preserve"})
            node.text = instr
            run._r.append(node)
        if result is not None:
            run._r.add_t(result)

    add_run(paragraph, "— ", font=font, size=size, latin=font)
    fld_run(kind="begin")
    fld_run(instr=" PAGE ")
    fld_run(kind="separate")
    fld_run(result="1")
    fld_run(kind="end")
    add_run(paragraph, " —", font=font, size=size, latin=font)


# --------------------------------------------------------------------------------------------- tables

@dataclass(frozen=True)
class C:
    """One cell of a form row: text, how many grid columns it spans, label (centred) or value."""

    content: str | Sequence[str] = ""
    span: int = 1
    label: bool = False
    align: WD_ALIGN_PARAGRAPH | None = None


def label(content: str, span: int = 1) -> C:
    return C(content, span, True)


def value(content: str | Sequence[str], span: int = 1, align: WD_ALIGN_PARAGRAPH | None = None) -> C:
    return C(content, span, False, align)


class FormTable:
    """A bordered form table on a fixed column grid (widths in mm), built row by row.

    `row(...)` takes cells (with horizontal spans, `w:gridSpan`); `group(label, first_row, last_row)`
    merges the first column of those rows into one vertical label cell (`w:vMerge`: 企业基本情况 …).
    Rows are built as WordprocessingML elements directly: python-docx's `merge` is slow."""

    def __init__(self, doc: DocxDocument, widths_mm: Sequence[float], *, size=SIZE_SMALL_4,
                 font: str = BODY_FONT, label_font: str = BODY_FONT) -> None:
        self.doc = doc
        self.widths = [Mm(w) for w in widths_mm]
        self.size = size
        self.font = font
        self.label_font = label_font
        self.table: Table = doc.add_table(rows=0, cols=len(widths_mm))
        self.table.style = doc.styles["Table Grid"]
        self.table.alignment = WD_TABLE_ALIGNMENT.CENTER
        self.table.autofit = False
        for column, width in zip(self.table.columns, self.widths, strict=True):
            column.width = width
        self._first_cells: list = []  # the w:tc of column 0 of each row

    def row(self, *cells: C, height_mm: float = 10, header: bool = False) -> int:
        if sum(c.span for c in cells) != len(self.widths):
            raise ValueError("cells must fill the grid")
        tr = OxmlElement("w:tr")
        tr_pr = OxmlElement("w:trPr")
        tr_pr.append(OxmlElement("w:trHeight", attrs={
            qn("w:val"): str(Mm(height_mm).twips), qn("w:hRule"): "atLeast"}))
        if header:  # repeat on every page
            tr_pr.append(OxmlElement("w:tblHeader"))
        tr.append(tr_pr)
        column = 0
        for spec in cells:
            width = sum(self.widths[column:column + spec.span])
            tc = OxmlElement("w:tc")
            tc_pr = OxmlElement("w:tcPr")
            tc_pr.append(OxmlElement("w:tcW", attrs={qn("w:w"): str(Length(width).twips), qn("w:type"): "dxa"}))
            if spec.span > 1:
                tc_pr.append(OxmlElement("w:gridSpan", attrs={qn("w:val"): str(spec.span)}))
            tc_pr.append(OxmlElement("w:vAlign", attrs={qn("w:val"): "center"}))
            tc.append(tc_pr)
            self._fill(tc, spec)
            tr.append(tc)
            if column == 0:
                self._first_cells.append(tc)
            column += spec.span
        self.table._tbl.append(tr)
        return len(self._first_cells) - 1

    def group(self, content: str, first: int, last: int) -> None:
        """Merge column 0 of rows first..last into one label cell (call after adding the rows)."""
        for index in range(first, last + 1):
            tc = self._first_cells[index]
            tc_pr = tc.find(qn("w:tcPr"))
            merge = OxmlElement("w:vMerge", attrs={qn("w:val"): "restart"} if index == first else {})
            tc_pr.find(qn("w:vAlign")).addprevious(merge)
            for p in tc.findall(qn("w:p")):
                tc.remove(p)
            self._fill(tc, label(content) if index == first else C(""))

    def _fill(self, tc, spec: C) -> None:
        lines = [spec.content] if isinstance(spec.content, str) else list(spec.content)
        align = spec.align if spec.align is not None else (
            WD_ALIGN_PARAGRAPH.CENTER if spec.label else WD_ALIGN_PARAGRAPH.LEFT
        )
        font = self.label_font if spec.label else self.font
        for line in lines or [""]:
            p = OxmlElement("w:p")
            tc.append(p)
            paragraph = Paragraph(p, None)
            paragraph.alignment = align
            if line:
                add_run(paragraph, line, font=font, size=self.size)
