"""The report's annex as a spreadsheet (openpyxl): one row per programme, one per airing, the totals.

Sheets: "Chương trình" (a row per programme), "Lượt phát" (a row per airing), "Theo tháng",
"Theo lĩnh vực", "Văn bản", "Dự phòng". Every row of the first two names its source record.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from broadcast.report.models import STATUS_VI, Report
from broadcast.report.narrative import tables, vi_month

PROGRAMME_HEADERS = [
    "STT",
    "Tháng",
    "Tên chương trình",
    "Chủ đề",
    "Lĩnh vực CCHC",
    "Thời lượng (phút)",
    "Giọng đọc",
    "Bộ đọc",
    "Người duyệt",
    "Thời điểm duyệt",
    "Nguồn",
]
AIRING_HEADERS = [
    "STT",
    "Ngày",
    "Giờ",
    "Buổi",
    "Tháng chương trình",
    "Tên chương trình",
    "Kết quả",
    "Số phút đã phát",
    "Ghi chú",
    "Nguồn",
]
_FONT = "Times New Roman"


def _sheet(ws: Worksheet, title: str, headers: list[str], rows: list[list[object]]) -> None:
    ws.append([title])
    ws["A1"].font = Font(name=_FONT, bold=True, size=13)
    ws.append(headers)
    for cell in ws[2]:
        cell.font = Font(name=_FONT, bold=True, size=12)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for row in rows:
        ws.append(row)
    for r in ws.iter_rows(min_row=3):
        for cell in r:
            cell.font = Font(name=_FONT, size=12)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, h in enumerate(headers, 1):
        longest = max([len(str(h))] + [len(str(row[i - 1])) for row in rows if i - 1 < len(row)])
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))
    ws.freeze_panes = "A3"


def render(report: Report) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Chương trình"
    _sheet(
        ws,
        f"Phụ lục: chương trình đã phát hành {report.period.label} — {report.station}",
        PROGRAMME_HEADERS,
        [
            [
                i,
                vi_month(p.month),
                p.title,
                p.topic,
                p.area_name,
                p.minutes,
                p.voice,
                ", ".join(p.engines),
                p.approved_by,
                p.approved_at,
                p.source,
            ]
            for i, p in enumerate(report.programmes, 1)
        ],
    )
    _sheet(
        wb.create_sheet("Lượt phát"),
        f"Phụ lục: các lượt phát {report.period.label}",
        AIRING_HEADERS,
        [
            [
                i,
                a.date,
                a.start,
                a.slot,
                vi_month(a.month),
                a.title,
                STATUS_VI[a.status],
                a.minutes,
                a.reason,
                a.source,
            ]
            for i, a in enumerate(report.airings, 1)
        ],
    )
    for cell in wb["Lượt phát"]["B"][2:]:
        cell.number_format = "DD/MM/YYYY"
    body = tables(report)
    for name, sheet in (
        ("thang", "Theo tháng"),
        ("linh-vuc", "Theo lĩnh vực"),
        ("van-ban", "Văn bản"),
        ("le", "Ngày lễ"),
        ("du-phong", "Dự phòng"),
    ):
        t = body[name]
        rows: list[list[object]] = [list(r) for r in t.rows]
        if t.total:
            rows.append(list(t.total))
        _sheet(wb.create_sheet(sheet), t.title, t.headers, rows)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
