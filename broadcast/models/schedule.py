"""On-air models: the month's calendar, the stored schedule, a day's running order, readiness.

No I/O here. `MonthSchedule` is stored as schedules/YYYY-MM.yaml (docs/architecture.md) through
`to_dict`/`from_dict`; the others are answers of the schedule and readiness use cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from broadcast.render.text import vi_date


@dataclass
class MonthCalendar:
    """When the month's programme airs, before any file is involved."""

    month: str
    regular_days: list[date]  # eligible days (from_day, weekdays, no holiday/day off)
    airings: list[tuple[date, str]]  # (date, slot id), chronological
    skipped: dict[date, str]  # eligible-looking days left out, with the reason

    @property
    def holidays_skipped(self) -> list[date]:
        """Days left out because they are public holidays."""
        return [d for d, why in self.skipped.items() if not why.startswith("ngày nghỉ của đài")]


@dataclass
class PlayItem:
    """One file the operator plays: path relative to the station folder, title, length."""

    file: str
    title: str
    duration_s: float

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "title": self.title, "duration_s": round(self.duration_s, 2)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlayItem:
        return cls(
            file=str(d["file"]), title=str(d.get("title", "")), duration_s=float(d.get("duration_s", 0))
        )


@dataclass
class ScheduledAiring:
    """One airing: the day, the slot id, its start time "HH:MM" and what is played."""

    date: date
    slot: str
    start: str
    items: list[PlayItem]

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "slot": self.slot,
            "start": self.start,
            "items": [i.to_dict() for i in self.items],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScheduledAiring:
        day = d["date"] if isinstance(d["date"], date) else date.fromisoformat(str(d["date"]))
        start = d["start"]
        if isinstance(start, int):  # a YAML 1.1 reader may turn an unquoted 17:00 into 1020
            start = f"{start // 60:02d}:{start % 60:02d}"
        return cls(
            date=day,
            slot=str(d["slot"]),
            start=str(start),
            items=[PlayItem.from_dict(i) for i in d.get("items") or []],
        )


@dataclass
class MonthSchedule:
    """schedules/YYYY-MM.yaml (docs/architecture.md), plus the days skipped (not stored)."""

    month: str
    station: str
    airings: list[ScheduledAiring]
    skipped: dict[date, str] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        """The air days, in order."""
        return sorted({a.date for a in self.airings})

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "station": self.station, "airings": [a.to_dict() for a in self.airings]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MonthSchedule:
        return cls(
            month=str(d["month"]),
            station=str(d.get("station", "")),
            airings=[ScheduledAiring.from_dict(a) for a in d.get("airings") or []],
        )


@dataclass
class AudioSource:
    """An audio file that can go on air: a month's programme or the standing notice."""

    path: Path
    title: str
    duration_s: float
    month: str | None = None  # None: the standing notice


@dataclass
class RunningItem:
    """One line of a day's running order, as the operator needs it."""

    date: date
    slot: str
    slot_name: str
    start: str  # "HH:MM"
    order: int  # 1-based position within the slot
    title: str
    duration_s: float
    file: str  # file name inside the day folder
    present: bool  # the file is in the day folder
    substitute: bool = False  # played instead of the scheduled programme (fallback)


@dataclass
class AirCheck:
    """Readiness of one coming airing."""

    date: date
    slot: str
    start: str
    title: str
    problems: list[str] = field(default_factory=list)  # why it cannot air as scheduled
    notes: list[str] = field(default_factory=list)  # what was fixed on the way
    repaired: bool = False  # the day folder was rebuilt from the good programme
    substitute: str | None = None  # what airs instead: "programme YYYY-MM" / "notice"
    substitute_title: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ReadinessReport:
    """check_air's answer: every airing of the window, and what had to fall back."""

    start: datetime
    end: date
    checks: list[AirCheck]
    applied: bool

    @property
    def ready(self) -> bool:
        """Every airing has its approved, complete file."""
        return all(c.ok for c in self.checks)

    @property
    def fell_back(self) -> list[AirCheck]:
        return [c for c in self.checks if not c.ok]

    def render(self) -> str:
        """Vietnamese text for the terminal and the automation log."""
        lines = [f"Kiểm tra sẵn sàng phát từ {self.start:%H:%M %d/%m/%Y} đến hết ngày {self.end:%d/%m/%Y}:"]
        if not self.checks:
            lines.append("  Không có lần phát chuyên mục CCHC nào trong khoảng này.")
        for c in self.checks:
            head = f"  {vi_date(c.date)} {c.start} ({c.slot}): {c.title}"
            if c.ok:
                lines.append(head + " — SẴN SÀNG")
                for n in c.notes:
                    lines.append(f"      (đã sửa) {n}")
                continue
            lines.append(head + " — CHƯA SẴN SÀNG")
            for p in c.problems:
                lines.append(f"      - {p}")
            if c.substitute:
                what = (
                    "thông báo dự phòng"
                    if c.substitute == "notice"
                    else f"chương trình {c.substitute.split()[-1]} đã duyệt"
                )
                verb = "ĐÃ THAY BẰNG" if self.applied else "SẼ THAY BẰNG"
                lines.append(f"      !!! {verb} {what}: {c.substitute_title}")
        if self.fell_back:
            lines.append(
                f"!!! CÓ {len(self.fell_back)} LẦN PHÁT PHẢI DÙNG CHƯƠNG TRÌNH THAY THẾ. "
                "Báo ngay cho cán bộ phụ trách để dựng và duyệt chương trình của tháng."
            )
        else:
            lines.append(
                "Các lần phát kể trên đều sẵn sàng." if self.checks else "Không có lần phát nào cần chuẩn bị."
            )
        return "\n".join(lines)
