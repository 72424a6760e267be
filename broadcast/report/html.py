"""The report as one HTML page (to read on screen or print); the same blocks and tables as the DOCX."""

from __future__ import annotations

from html import escape

from broadcast.config import Station
from broadcast.report.docx import MOTTO_1, MOTTO_2
from broadcast.report.models import Report
from broadcast.report.narrative import SOURCES_NOTE, Table, airing_rows, blocks, tables

_CSS = """
body{font-family:"Times New Roman",serif;font-size:14pt;max-width:165mm;line-height:1.3;
 margin:20mm auto 20mm 30mm}
.head{display:flex;justify-content:space-between;text-align:center;font-size:13pt}
.head div{width:48%} h1{font-size:14pt;text-align:center;margin:1.2em 0 0}
.sub{text-align:center;font-weight:bold}
p{text-align:justify;text-indent:10mm;margin:0 0 6pt} h2,h3{font-size:14pt;margin:6pt 0 6pt 10mm}
table.t{border-collapse:collapse;width:100%;font-size:12pt;margin:4pt 0 8pt}
.t td,.t th{border:1px solid #000;padding:2px 4px}
.sign{display:flex;justify-content:space-between;margin-top:1em} .sign div{width:48%}
.right{text-align:center}
.note{font-size:12pt;font-style:italic}
"""


def _table(t: Table) -> str:
    out = [
        '<table class="t"><thead><tr>'
        + "".join(f"<th>{escape(h)}</th>" for h in t.headers)
        + "</tr></thead><tbody>"
    ]
    for row in t.rows or [["(không có)"] + [""] * (len(t.headers) - 1)]:
        out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
    if t.total:
        out.append("<tr>" + "".join(f"<th>{escape(c)}</th>" for c in t.total) + "</tr>")
    return "".join(out) + "</tbody></table>"


def render(station: Station, report: Report) -> bytes:
    s = report.settings
    body = escape((s.issuing_body or report.authority or report.station).upper())
    place = escape(s.place or station.locality.split(" ", 1)[-1] or station.name)
    label = escape(report.period.label)
    parts = [
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        f"<title>Báo cáo {label}</title><style>{_CSS}</style></head><body>",
        f'<div class="head"><div>{escape(s.parent_body.upper())}<br><b>{body}</b><br>'
        f"Số: &nbsp;&nbsp;&nbsp;/{escape(s.number_prefix)}</div>"
        f"<div><b>{MOTTO_1}</b><br><b>{MOTTO_2}</b><br>"
        f"<i>{place}, ngày &nbsp; tháng &nbsp; năm {report.period.year}</i></div></div>",
        "<h1>BÁO CÁO</h1>",
        f'<div class="sub">Kết quả công tác tuyên truyền cải cách hành chính {label}</div>',
    ]
    all_tables = tables(report)
    for b in blocks(station, report):
        if b.kind == "heading":
            parts.append(f"<h2>{escape(b.text)}</h2>")
        elif b.kind == "subheading":
            parts.append(f"<h3>{escape(b.text)}</h3>")
        elif b.kind == "table":
            parts.append(_table(all_tables[b.text]))
        else:
            parts.append(f"<p>{escape(b.text)}</p>")
    parts.append(f'<p class="note">{escape(SOURCES_NOTE)}</p>')
    recipients = "".join(f"- {escape(r)}<br>" for r in (s.recipients or ["Như trên;", "Lưu: VT."]))
    parts.append(
        f'<div class="sign"><div style="font-size:11pt"><b><i>Nơi nhận:</i></b><br>{recipients}</div>'
        f'<div class="right"><b>{escape(s.signer_authority.upper())}<br>{escape(s.signer_title.upper())}'
        f"</b><br><br><br><br><b>{escape(s.signer_name)}</b></div></div>"
    )
    airings = Table(
        "Các lượt phát",
        ["Ngày", "Giờ", "Buổi", "Tháng", "Chương trình", "Kết quả", "Phút", "Ghi chú", "Nguồn"],
        airing_rows(report),
        [],
    )
    parts.append("<h2>Phụ lục: các lượt phát</h2>" + _table(airings))
    parts.append("</body></html>")
    return "\n".join(parts).encode("utf-8")
