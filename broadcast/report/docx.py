"""The report as a Word file in the administrative format of Nghị định 30/2020/NĐ-CP (python-docx).

A4; margins top/bottom 20 mm, left 30 mm, right 15 mm; Times New Roman: body 14, header
block 13, tables 12, "Nơi nhận" 12/11 (as the decree's appendix sets them). The header block
is a borderless two-column table: the issuing body and "Số: …/BC-…" on the left, the national
motto and the place-and-date line on the right. The date and the number are left blank for the
clerk ("ngày … tháng … năm …"), as a draft to sign is.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from broadcast.config import Station
from broadcast.report.models import Report
from broadcast.report.narrative import SOURCES_NOTE, Table, blocks, tables

FONT = "Times New Roman"
BODY_PT = 14
HEADER_PT = 13
TABLE_PT = 12
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
MOTTO_1 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"


def _font(run, size: float, *, bold: bool = False, italic: bool = False) -> None:  # type: ignore[no-untyped-def]
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _para(
    container,
    text: str,
    size: float = BODY_PT,
    *,
    bold: bool = False,
    italic: bool = False,  # type: ignore[no-untyped-def]
    align: int = WD_ALIGN_PARAGRAPH.JUSTIFY,
    indent_mm: float = 0,
    before: float = 0,
    after: float = 6,
) -> Paragraph:
    p = container.add_paragraph()
    p.alignment = align
    fmt = p.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing = 1.15
    if indent_mm:
        fmt.first_line_indent = Mm(indent_mm)
    if text:
        _font(p.add_run(text), size, bold=bold, italic=italic)
    return p


def _underline(p: Paragraph, width_mm: float, rule_mm: float) -> None:
    """A short solid line under a centred paragraph (under the body's name, the motto, the title):
    an empty paragraph whose bottom border is `rule_mm` long in a column `width_mm` wide."""
    line = _para_after(p)
    side = max(0.0, (width_mm - rule_mm) / 2)
    line.paragraph_format.left_indent = Mm(side)
    line.paragraph_format.right_indent = Mm(side)
    line.paragraph_format.line_spacing = Pt(2)
    ppr = line._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)


def _para_after(p: Paragraph) -> Paragraph:
    new = OxmlElement("w:p")
    p._p.addnext(new)
    para = Paragraph(new, p._parent)
    para.paragraph_format.space_after = Pt(0)
    para.paragraph_format.space_before = Pt(0)
    return para


def _cell_text(
    cell: _Cell,
    text: str,
    size: float,
    *,
    bold: bool = False,
    italic: bool = False,
    align: int = WD_ALIGN_PARAGRAPH.CENTER,
) -> Paragraph:
    p = cell.paragraphs[0] if not cell.paragraphs[0].text else cell.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.space_before = Pt(0)
    _font(p.add_run(text), size, bold=bold, italic=italic)
    return p


def _no_borders(table) -> None:  # type: ignore[no-untyped-def]
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tbl_pr.append(borders)
    margins = OxmlElement("w:tblCellMar")  # no cell padding: the header block uses the full width
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.append(margins)


def _widths(table, widths_mm: list[float]) -> None:  # type: ignore[no-untyped-def]
    table.autofit = False
    for col, w in zip(table.columns, widths_mm, strict=False):
        col.width = Mm(w)  # the grid (LibreOffice reads this one)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm, strict=False):
            cell.width = Mm(w)


def _header(doc, station: Station, report: Report) -> None:  # type: ignore[no-untyped-def]
    s = report.settings
    body = (s.issuing_body or report.authority or report.station).upper()
    table = doc.add_table(rows=2, cols=2)
    _no_borders(table)
    _widths(table, [76, 89])
    left, right = table.rows[0].cells
    if s.parent_body:
        _cell_text(left, s.parent_body.upper(), HEADER_PT - 1)
    if body.startswith("ỦY BAN NHÂN DÂN ") and len(body) > 28:  # the name of the body on its own line
        _cell_text(left, "ỦY BAN NHÂN DÂN", HEADER_PT - 1, bold=True)
        body = body[len("ỦY BAN NHÂN DÂN ") :]
    top = _cell_text(left, body, HEADER_PT - 1, bold=True)
    _underline(top, 76, 24)
    p = _cell_text(right, MOTTO_1, HEADER_PT - 1, bold=True)
    p = _cell_text(right, MOTTO_2, HEADER_PT + 1, bold=True)
    _underline(p, 89, 55)
    _cell_text(table.rows[1].cells[0], f"Số:       /{s.number_prefix}", HEADER_PT)
    place = s.place or station.locality.split(" ", 1)[-1] or station.name
    _cell_text(
        table.rows[1].cells[1], f"{place}, ngày    tháng    năm {report.period.year}", HEADER_PT, italic=True
    )


def _table(doc, t: Table) -> None:  # type: ignore[no-untyped-def]
    rows = t.rows or [["(không có)"] + [""] * (len(t.headers) - 1)]
    table = doc.add_table(rows=1 + len(rows) + (1 if t.total else 0), cols=len(t.headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    scale = 165 / sum(t.widths_mm)
    _widths(table, [w * scale for w in t.widths_mm])
    for cell, text in zip(table.rows[0].cells, t.headers, strict=True):
        _cell_text(cell, text, TABLE_PT, bold=True)
    for i, row in enumerate(table.rows):  # rows never split across pages; the header row repeats
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))
        if i == 0:
            tr_pr.append(OxmlElement("w:tblHeader"))
    for r, row in enumerate(rows, 1):
        for c, (cell, text) in enumerate(zip(table.rows[r].cells, row, strict=True)):
            numeric = text.replace(",", "").replace(".", "").isdigit()
            align = WD_ALIGN_PARAGRAPH.CENTER if numeric or c == 0 else WD_ALIGN_PARAGRAPH.LEFT
            _cell_text(cell, text, TABLE_PT, align=align)
    if t.total:
        for cell, text in zip(table.rows[-1].cells, t.total, strict=True):
            _cell_text(cell, text, TABLE_PT, bold=True)
    _para(doc, "", after=2)


def _closing(doc, report: Report) -> None:  # type: ignore[no-untyped-def]
    s = report.settings
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, [80, 85])
    left, right = table.rows[0].cells
    _cell_text(left, "Nơi nhận:", 12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    recipients = s.recipients or ["Như trên;", "Lưu: VT."]
    for i, rec in enumerate(recipients):
        end = "." if i == len(recipients) - 1 else ";"
        text = rec if rec.endswith((";", ".")) else rec + end
        _cell_text(left, f"- {text}", 11, align=WD_ALIGN_PARAGRAPH.LEFT)
    if s.signer_authority:
        _cell_text(right, s.signer_authority.upper(), HEADER_PT + 1, bold=True)
    _cell_text(right, s.signer_title.upper(), HEADER_PT + 1, bold=True)
    for _ in range(4):
        _cell_text(right, "", BODY_PT)
    _cell_text(right, s.signer_name, BODY_PT, bold=True)


def _page_numbers(section) -> None:  # type: ignore[no-untyped-def]
    """Page numbers centred in the header from page 2 on (none on the first page), as the decree asks."""
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = p.add_run()
    _font(run, BODY_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _sources(doc, report: Report) -> None:  # type: ignore[no-untyped-def]
    _para(doc, SOURCES_NOTE, 12, italic=True, indent_mm=10)
    if report.from_archive:
        _para(doc, "(Số liệu tính từ hồ sơ lưu trữ archive/.)", 12, italic=True, indent_mm=10)


def build(station: Station, report: Report) -> DocxDocument:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    _page_numbers(section)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr()
    doc.core_properties.title = f"Báo cáo tuyên truyền cải cách hành chính {report.period.label}"
    doc.core_properties.author = report.settings.issuing_body or report.authority

    _header(doc, station, report)
    _para(doc, "BÁO CÁO", BODY_PT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=0)
    title = _para(
        doc,
        f"Kết quả công tác tuyên truyền cải cách hành chính {report.period.label}",
        BODY_PT,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        after=0,
    )
    _underline(title, 165, 40)
    _para(doc, "", after=6)
    all_tables = tables(report)
    narrative = blocks(station, report)
    # The sources note goes before the closing sentence ("Trên đây là báo cáo …/."), which ends the text.
    closing_at = len(narrative) - 1 if narrative and narrative[-1].text.endswith("/.") else len(narrative)
    for i, block in enumerate(narrative):
        if i == closing_at:
            _sources(doc, report)
        if block.kind in ("heading", "subheading"):
            head = _para(
                doc,
                block.text,
                BODY_PT,
                bold=True,
                before=6 if block.kind == "heading" else 0,
                after=6,
                indent_mm=10,
            )
            head.paragraph_format.keep_with_next = True  # never a heading alone at the foot of a page
        elif block.kind == "table":
            _table(doc, all_tables[block.text])
        else:
            _para(doc, block.text, BODY_PT, indent_mm=10)
    if closing_at == len(narrative):
        _sources(doc, report)
    _closing(doc, report)
    return doc


def render(station: Station, report: Report) -> bytes:
    buf = io.BytesIO()
    build(station, report).save(buf)
    return buf.getvalue()
