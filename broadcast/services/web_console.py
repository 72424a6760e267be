"""Use cases the web console needs beyond the CLI's: diffs, files to play or download.

Pure functions of the station (settings + store); no Django here, so the CLI or a worker
may call them too.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from broadcast.calendar import month_bounds, month_calendar, vn_holidays
from broadcast.config import Station, validate_month
from broadcast.errors import NextStep, ScheduleError, ScriptError
from broadcast.models.programme import Manifest
from broadcast.models.schedule import MonthCalendar, MonthSchedule, ScheduledAiring
from broadcast.pipeline import promote_draft
from broadcast.production.manifest import APPROVED_SCRIPT_NAME, read_manifest
from broadcast.schedule import read_schedule
from broadcast.script import Script
from broadcast.services.content import approve_month

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


def validate_day(text: str) -> date:
    """A day from a URL (YYYY-MM-DD), refused in Vietnamese before any file is touched."""
    text = str(text or "").strip()
    if _DAY.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ScheduleError(
        f"ngày '{text[:20]}' không hợp lệ.", hint="Viết dạng NĂM-THÁNG-NGÀY, ví dụ 2026-12-05."
    )


def last_approved_text(station: Station, month: str) -> str | None:
    """The script text the current programme was approved from (kept in the programme folder)."""
    path = station.store.programme_dir(validate_month(month)) / APPROVED_SCRIPT_NAME
    return path.read_text(encoding="utf-8") if path.is_file() else None


def text_diff(old: str | None, new: str, *, old_name: str = "trước", new_name: str = "sau") -> list[str]:
    """A unified diff of two texts (lines without newline), empty when equal."""
    return [
        line.rstrip("\n")
        for line in difflib.unified_diff(
            (old or "").splitlines(), new.splitlines(), old_name, new_name, lineterm="", n=2
        )
    ]


def approve_and_promote(
    station: Station, month: str, by: str, *, confirm_example: bool = False
) -> tuple[Script, Manifest | None]:
    """Approve the month (see `approve_month`) and make a matching listening copy the programme."""
    script = approve_month(station, month, by, confirm_example=confirm_example)
    return script, promote_draft(station, script.month)


@dataclass(frozen=True)
class Programme:
    """A produced file of a month: the approved programme or the listening copy."""

    kind: str  # "approved" | "draft"
    manifest: Manifest
    path: Path


def month_programmes(station: Station, month: str) -> list[Programme]:
    month = validate_month(month)
    out = []
    for kind, folder in (
        ("approved", station.store.programme_dir(month)),
        ("draft", station.store.draft_dir(month)),
    ):
        manifest = read_manifest(folder)
        if manifest is not None and _SAFE_NAME.match(manifest.file) and (folder / manifest.file).is_file():
            out.append(Programme(kind, manifest, folder / manifest.file))
    return out


def programme_file(station: Station, month: str, kind: str) -> Path:
    for p in month_programmes(station, month):
        if p.kind == kind:
            return p.path
    raise ScriptError(
        f"tháng {month} chưa có tệp chương trình để nghe.", next_step=NextStep("produce", month=month)
    )


def day_file(station: Station, day: date, name: str) -> Path:
    """A file of the day folder by its plain name (no folders, no links out)."""
    folder = station.store.day_dir(day)
    if not _SAFE_NAME.match(name or ""):
        raise ScheduleError(f"tên tệp '{str(name)[:40]}' không hợp lệ.")
    path = folder / name
    if not path.is_file() or path.resolve().parent != folder.resolve():
        raise ScheduleError(f"không có tệp {name} trong thư mục ngày {day:%d/%m/%Y}.")
    return path


def day_zip(station: Station, day: date) -> bytes:
    """The whole day folder as one ZIP, with the same ASCII names inside a folder of the day."""
    folder = station.store.day_dir(day)
    if not folder.is_dir():
        raise ScheduleError(
            f"chưa có thư mục phát của ngày {day:%d/%m/%Y}.",
            next_step=NextStep("schedule", month=f"{day:%Y-%m}"),
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for path in sorted(folder.iterdir()):
            if path.is_file() and _SAFE_NAME.match(path.name):
                zf.write(path, f"{day.isoformat()}/{path.name}")
    return buf.getvalue()


@dataclass
class MonthAirings:
    calendar: MonthCalendar | None
    schedule: MonthSchedule | None
    ics: Path | None
    error: str = ""


def month_airings(station: Station, month: str) -> MonthAirings:
    """What the *Lịch phát* page shows: the calendar, the stored schedule, the .ics file."""
    month = validate_month(month)
    result = MonthAirings(None, None, None)
    try:
        result.calendar = month_calendar(station, month)
        result.schedule = read_schedule(station, month)
    except ScheduleError as exc:
        result.error = exc.message
    ics = station.store.ics_path(month)
    result.ics = ics if ics.is_file() else None
    return result


@dataclass(frozen=True)
class CalendarDay:
    """One day of the *Lịch phát* grid."""

    day: date
    scheduled: tuple[ScheduledAiring, ...]
    """Airings in the stored schedule (with their files)."""
    planned: tuple[str, ...]
    """Start times the station's rules give when the month is not scheduled yet."""
    skipped: str
    """Why an eligible day does not air (a holiday, a station day off), else ""."""
    holiday: str
    """The public holiday's name, else "" (shown even on days that would not air anyway)."""
    today: bool


def month_grid(
    station: Station, month: str, airings: MonthAirings, today: date
) -> list[list[CalendarDay | None]]:
    """The month as weeks Monday→Sunday (None pads the first and last week)."""
    year, mon, days = month_bounds(validate_month(month))
    holidays_of_year = vn_holidays(year)
    scheduled: dict[date, list[ScheduledAiring]] = {}
    if airings.schedule is not None:
        for a in airings.schedule.airings:
            scheduled.setdefault(a.date, []).append(a)
    planned: dict[date, list[str]] = {}
    if airings.schedule is None and airings.calendar is not None:
        for d, slot_id in airings.calendar.airings:
            planned.setdefault(d, []).append(station.slot(slot_id).start.strftime("%H:%M"))
    skipped = airings.calendar.skipped if airings.calendar is not None else {}
    weeks: list[list[CalendarDay | None]] = [[None] * days[0].weekday()]
    for d in days:
        if len(weeks[-1]) == 7:
            weeks.append([])
        weeks[-1].append(
            CalendarDay(
                day=d,
                scheduled=tuple(scheduled.get(d, ())),
                planned=tuple(planned.get(d, ())),
                skipped=skipped.get(d, ""),
                holiday=holidays_of_year.get(d, ""),
                today=d == today,
            )
        )
    weeks[-1] += [None] * (7 - len(weeks[-1]))
    return weeks
