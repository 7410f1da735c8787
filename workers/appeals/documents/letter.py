"""催办函 (L 第十八条: 对未按时办结的，及时下发催办函), laid out per GB/T 9704-2012.

- A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 x 225 mm).
- 版头 (GB 7.2): 发文机关标志, the office's full name in red 方正小标宋简体 (fallback 宋体), centred,
  35 mm below the top of the 版心, as large as fits one line (at most 36 pt); 发文字号 centred two
  lines below it (仿宋 三号); the red separator line 4 mm under the 发文字号; the title two lines
  under the line.
- 标题: 方正小标宋简体 二号 (22 pt), centred; 主送机关, 正文: 仿宋_GB2312 (fallback 仿宋) 三号 (16 pt),
  fixed 28 pt line spacing (22 lines a page), first lines indented two characters.
- 发文机关署名 and 成文日期 ('2026年11月23日', right, 右空四字), 附注 (contact) in brackets,
  版记 with 抄送 (the assisting departments) between two lines.
- 页码 '— 1 —' (宋体 四号, PAGE field) in the footer, about 7 mm under the 版心: odd pages right, even
  pages left, one character in from the edge of the 版心 (GB/T 9704 7.5).
"""

from __future__ import annotations

from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from .fields import Org, Values
from .layout import (
    RED,
    SIZE_2,
    SIZE_3,
    SIZE_4,
    TITLE_FONT,
    add_page_number_field,
    add_paragraph,
    border,
    format_paragraph,
    new_document,
    text_width,
)
from .values import format_date, today

LINE = Pt(28)
INDENT = Pt(32)  # two characters of 三号


def letter_title(v: Values) -> str:
    return f"关于加快办理{v.t('enterpriseName')}反映困难问题的催办函"


def _body(doc: DocxDocument, content: str) -> None:
    add_paragraph(doc, content, size=SIZE_3, line=LINE, first_line=INDENT, align=WD_ALIGN_PARAGRAPH.JUSTIFY)


def _overdue(v: Values) -> str:
    days = v.integer("overdueDays")
    if days is None:
        return "该问题已超过办结时限"
    if days <= 0:
        return "该问题已到办结时限"
    return f"该问题已超过办结时限{days}天"


def reminder_letter(v: Values, org: Org, title: str) -> DocxDocument:
    doc = new_document()
    section = doc.sections[0]
    issuer = org.office_full_name

    # 版头: 发文机关标志, 发文字号, red separator
    width_pt = text_width(section) / 12700
    size = Pt(max(16, min(36, int(width_pt / (len(issuer) + 1)))))
    add_paragraph(doc, issuer, font=TITLE_FONT, size=size, color=RED, align=WD_ALIGN_PARAGRAPH.CENTER,
                  line=Pt(max(size.pt * 1.3, 28)), before=Mm(35), after=Pt(0))
    add_paragraph(doc, "", line=LINE)
    add_paragraph(doc, "", line=LINE)
    number = add_paragraph(doc, v.t("reminderNumber"), size=SIZE_3, line=LINE, align=WD_ALIGN_PARAGRAPH.CENTER)
    border(number, "bottom", size_eighths=12, color="FF0000", space=11)
    add_paragraph(doc, "", line=LINE)
    add_paragraph(doc, "", line=LINE)

    # 标题, 主送机关
    add_paragraph(doc, letter_title(v), font=TITLE_FONT, size=SIZE_2, line=Pt(35), align=WD_ALIGN_PARAGRAPH.CENTER)
    add_paragraph(doc, "", line=LINE)
    add_paragraph(doc, f"{v.t('leadDepartmentName')}：", size=SIZE_3, line=LINE)

    # 正文
    opening = ""
    if v.has("dispatchedAt"):
        opening += f"{v.date('dispatchedAt')}，"
    opening += "我办以"
    opening += f"{v.t('dispatchNumber')}《企业反映困难问题交办单》" if v.has("dispatchNumber") else "《企业反映困难问题交办单》"
    opening += f"将{v.t('enterpriseName')}反映的困难问题交由你单位牵头办理"
    if v.has("handlingDue"):
        opening += f"，办结时限为{v.date('handlingDue')}"
    opening += f"。截至目前，{_overdue(v)}，我办尚未收到你单位报送的办理结果。"
    _body(doc, opening)
    if v.has("problemDescription"):
        _body(doc, f"企业反映的主要困难和问题：{v.t('problemDescription')}")
    if v.has("requestedHelp"):
        _body(doc, f"需要办理或协调解决的事项：{v.t('requestedHelp')}")
    when = f"于{v.date('replyDue')}前" if v.has("replyDue") else "尽快"
    _body(
        doc,
        "请你单位高度重视，主要负责同志亲自过问，明确专人抓紧办理，"
        f"{when}将办理情况面复或书面答复企业，同时将经主要领导审核的办理结果（按A、B、C三类标注）"
        "以正式文件报送我办。对一时难以解决的问题，请书面说明原因，提出逐步解决的措施和时限，"
        "并向企业做好说明解释工作。",
    )
    _body(doc, "特此函告。")

    # 署名, 成文日期 (右空四字), 附注
    date = format_date(v.raw("issuedAt")) or format_date(today())
    add_paragraph(doc, "", line=LINE)
    add_paragraph(doc, "", line=LINE)
    # the issuer centred over the date: date is right-indented by four characters
    date_width = sum(0.5 if ch.isascii() else 1 for ch in date)
    issuer_indent = max(0.0, 4 + (date_width - len(issuer)) / 2)
    add_paragraph(doc, issuer, size=SIZE_3, line=LINE, align=WD_ALIGN_PARAGRAPH.RIGHT,
                  right=Pt(16 * issuer_indent))
    add_paragraph(doc, date, size=SIZE_3, line=LINE, align=WD_ALIGN_PARAGRAPH.RIGHT, right=Pt(16 * 4))
    contact = "；".join(
        part for part in (
            f"联系人：{v.t('officeContactName')}" if v.has("officeContactName") else "",
            f"联系电话：{v.t('officeContactPhone')}" if v.has("officeContactPhone") else "",
        ) if part
    )
    if contact:
        add_paragraph(doc, f"（{contact}）", size=SIZE_3, line=LINE, first_line=INDENT)

    # 版记: 抄送
    if v.has("assistingDepartmentNames"):
        add_paragraph(doc, "", line=LINE)
        copy = add_paragraph(doc, f"抄送：{v.t('assistingDepartmentNames')}。", size=SIZE_4, line=LINE,
                             left=Pt(14), right=Pt(14))
        border(copy, "top", size_eighths=8, space=4)
        border(copy, "bottom", size_eighths=8, space=4)

    # 页码: odd pages right, even pages left
    doc.settings.odd_and_even_pages_header_footer = True
    odd = section.footer.paragraphs[0]
    format_paragraph(odd, align=WD_ALIGN_PARAGRAPH.RIGHT, right=Pt(14))
    add_page_number_field(odd)
    even = section.even_page_footer.paragraphs[0]
    format_paragraph(even, align=WD_ALIGN_PARAGRAPH.LEFT, left=Pt(14))
    add_page_number_field(even)
    return doc

