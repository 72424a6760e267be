"""What every renderer shows: the narrative blocks (from a sandboxed template) and the tables.

The narrative comes from `bao-cao.md.j2` (the station's templates/ first, then the built-in
one) rendered in the script stage's sandboxed environment with the figures filled in. Its
lines are blocks: "## " a section heading, "### " a sub-heading, "[[bảng: NAME]]" a table,
anything else a paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from broadcast.config import Station
from broadcast.errors import BroadcastError, ScriptError
from broadcast.report.models import STATUS_VI, Report
from broadcast.script import format_number, make_environment, station_templates_dir
from broadcast.topics import AREAS

TEMPLATE = "bao-cao.md.j2"
_TABLE = re.compile(r"^\[\[\s*bảng\s*:\s*([a-z-]+)\s*\]\]$")
TABLES = ("chuong-trinh", "thang", "linh-vuc", "van-ban", "le", "du-phong")


@dataclass
class Block:
    kind: str  # "heading" | "subheading" | "paragraph" | "table"
    text: str  # the text, or the table name


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    widths_mm: list[float]  # column widths in the document (sum ≈ 160 mm)
    total: list[str] | None = None


def vi_num(value: float) -> str:
    return format_number(round(value, 1))


def vi_date(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def vi_month(month: str) -> str:
    return f"{int(month[5:])}/{month[:4]}"


def totals(report: Report) -> dict[str, object]:
    """The figures the template may use (all computed from the records)."""
    voices: dict[str, int] = {}
    for p in report.programmes:
        voices[p.voice] = voices.get(p.voice, 0) + 1
    areas = report.by_area(AREAS)
    return {
        "programmes": len(report.programmes),
        "minutes_produced": report.minutes_produced,
        "voices": [f"{k} {v} chương trình" for k, v in voices.items()],
        "scheduled": len(report.airings),
        "aired": report.count("aired"),
        "partial": report.count("partial"),
        "missed": report.count("missed"),
        "substituted": report.count("substituted"),
        "planned": report.count("planned"),
        "minutes_aired": report.minutes_aired,
        "asrun_months": [vi_month(m) for m in report.asrun_months],
        "missing_months": [vi_month(m) for m in report.missing_months],
        "areas_covered": [a.area_name for a in areas if a.programmes],
        "areas_missing": [a.area_name for a in areas if not a.programmes],
        "legal": len(report.legal),
        "holidays": len(report.holidays),
        "fallbacks": len(report.fallbacks),
    }


def blocks(station: Station, report: Report) -> list[Block]:
    """The narrative of the report, rendered from the (station-editable) template."""
    env = make_environment(station)
    context = {
        "t": totals(report),
        "areas": list(AREAS.values()),
        "period": report.period.label,
        "station": report.station,
        "authority": report.authority or report.station,
    }
    try:
        env.start_clock()  # type: ignore[attr-defined]  # the limited sandbox script.py returns
        text = env.get_template(TEMPLATE).render(**context)
    except BroadcastError:
        raise
    except Exception as exc:  # noqa: BLE001 - any template failure becomes a located error
        line = getattr(exc, "lineno", None)
        raise ScriptError(
            f"mẫu lời văn báo cáo bị lỗi: {getattr(exc, 'message', None) or exc}",
            file=station_templates_dir(station) / TEMPLATE,
            line=line,
            hint="Sửa mẫu (tên biến, dấu {% %} / {{ }}) hoặc xóa mẫu riêng của đài để dùng mẫu có sẵn.",
        ) from None
    out: list[Block] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = _TABLE.match(line)
        if m and m.group(1) in TABLES:
            out.append(Block("table", m.group(1)))
        elif line.startswith("### "):
            out.append(Block("subheading", line[4:].strip()))
        elif line.startswith("## "):
            out.append(Block("heading", line[3:].strip()))
        else:
            out.append(Block("paragraph", line))
    return out


def tables(report: Report) -> dict[str, Table]:
    """The body tables by name (the spreadsheet annex has the full rows)."""
    progs = Table(
        "Chương trình đã phát hành",
        ["Tháng", "Tên chương trình", "Lĩnh vực CCHC", "Thời lượng (phút)", "Giọng đọc", "Người duyệt"],
        [
            [
                vi_month(p.month),
                p.title,
                p.area_name or "(không rõ)",
                vi_num(p.minutes),
                p.voice,
                p.approved_by,
            ]
            for p in report.programmes
        ],
        [20, 52, 33, 18, 18, 24],
        total=["Cộng", f"{len(report.programmes)} chương trình", "", vi_num(report.minutes_produced), "", ""],
    )
    months = report.by_month()
    thang = Table(
        "Phát sóng theo tháng",
        [
            "Tháng",
            "Lượt theo lịch",
            "Đã phát",
            "Phát dở",
            "Không phát",
            "Phát thay thế",
            "Theo lịch (chưa có nhật ký)",
            "Phút phát sóng",
        ],
        [
            [
                vi_month(m.month),
                str(m.scheduled),
                str(m.aired),
                str(m.partial),
                str(m.missed),
                str(m.substituted),
                str(m.planned),
                vi_num(m.minutes_aired),
            ]
            for m in months
        ],
        [19, 19, 17, 17, 19, 19, 26, 24],
        total=[
            "Cộng",
            str(len(report.airings)),
            str(report.count("aired")),
            str(report.count("partial")),
            str(report.count("missed")),
            str(report.count("substituted")),
            str(report.count("planned")),
            vi_num(report.minutes_aired),
        ],
    )
    areas = report.by_area(AREAS)
    linh_vuc = Table(
        "Theo lĩnh vực cải cách hành chính",
        ["STT", "Lĩnh vực", "Số chương trình", "Lượt phát", "Phút phát sóng"],
        [
            [
                str(i),
                a.area_name[:1].upper() + a.area_name[1:],
                str(a.programmes),
                str(a.airings),
                vi_num(a.minutes_aired),
            ]
            for i, a in enumerate(areas, 1)
        ],
        [12, 78, 24, 22, 24],
        total=[
            "",
            "Cộng",
            str(sum(a.programmes for a in areas)),
            str(sum(a.airings for a in areas)),
            vi_num(sum(a.minutes_aired for a in areas)),
        ],
    )
    van_ban = Table(
        "Văn bản đã giới thiệu trên sóng",
        ["STT", "Văn bản", "Ngày ban hành", "Cơ quan ban hành", "Tháng phát"],
        [
            [str(i), f"{d.kind} số {d.number}", d.issued, d.issuer, ", ".join(vi_month(m) for m in d.months)]
            for i, d in enumerate(report.legal, 1)
        ],
        [13, 57, 22, 38, 30],
    )
    le = Table(
        "Ngày lễ không phát",
        ["Ngày", "Ngày lễ"],
        [[vi_date(h.date), h.name] for h in report.holidays],
        [40, 120],
    )
    du_phong = Table(
        "Phương án dự phòng đã dùng",
        ["Tháng", "Ngày", "Dự phòng", "Lý do"],
        [
            [vi_month(f.month), vi_date(date.fromisoformat(f.when)) if f.when else "khi dựng", f.what, f.why]
            for f in report.fallbacks
        ],
        [18, 25, 57, 60],
    )
    return {
        "chuong-trinh": progs,
        "thang": thang,
        "linh-vuc": linh_vuc,
        "van-ban": van_ban,
        "le": le,
        "du-phong": du_phong,
    }


def airing_rows(report: Report) -> list[list[str]]:
    """One row per airing (annex)."""
    return [
        [
            vi_date(a.date),
            a.start,
            a.slot,
            vi_month(a.month),
            a.title,
            STATUS_VI[a.status],
            vi_num(a.minutes),
            a.reason,
            a.source,
        ]
        for a in report.airings
    ]


SOURCES_NOTE = (
    "Nguồn số liệu: hồ sơ duyệt kịch bản (approval.json và bản kịch bản đã duyệt), tệp mô tả chương trình "
    "(manifest.json: thời lượng đo trên tệp, giọng đọc), lịch phát (schedules/), nhật ký phát sóng "
    "(khi có; tháng chưa có nhật ký tính theo lịch). Chi tiết từng chương trình, từng lượt phát và nguồn "
    "của từng dòng ở Phụ lục (tệp bảng tính kèm theo)."
)
