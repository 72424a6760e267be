"""Everything playout takes from the schedule stage, in one place (easy to re-point).

The readiness rules are schedule.py's own (check_air, the fallback search, the standing
notice); playout adds only what must be checked at air time: the file decodes, its length.
"""

from __future__ import annotations

import logging
import re
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

from broadcast import readiness as air
from broadcast import schedule as sch
from broadcast.calendar import TZ
from broadcast.config import Station
from broadcast.models.schedule import ReadinessReport
from broadcast.playout.models import PlannedItem
from broadcast.render.text import mmss

log = logging.getLogger(__name__)

DURATION_TOLERANCE_S = 1.5
_SILENCE = re.compile(r"silence_duration:\s*([\d.]+)")


def slot_times(station: Station, day: date, slot_id: str) -> tuple[datetime, datetime, str]:
    slot = station.slot(slot_id)
    start = datetime.combine(day, slot.start, tzinfo=TZ)
    return start, start + timedelta(minutes=slot.length_min), slot.name


def airings_between(station: Station, first: date, last: date) -> list[tuple[date, str]]:
    """(day, slot id) of every airing from `first` to `last`, scheduled or (not yet) from the calendar."""
    out: list[tuple[date, str]] = []
    months = sorted({f"{first + timedelta(days=i):%Y-%m}" for i in range((last - first).days + 1)})
    for month in months:
        try:
            airings, _ = sch.expected_airings(station, month)  # schedule's own rule
        except Exception as exc:  # noqa: BLE001 - a broken month must not stop the other months
            log.warning("không đọc được lịch phát tháng %s: %s", month, exc)
            continue
        out += [(a.date, a.slot) for a in airings if first <= a.date <= last]
    return sorted(out, key=lambda p: slot_times(station, *p)[0])


def readiness(station: Station, now: datetime) -> ReadinessReport:
    """check-air for the rest of the day (applies the schedule stage's own fallback)."""
    return air.check_air(station, now, days=0, apply=True)


def planned_items(
    station: Station, day: date, slot_id: str, report: ReadinessReport | None
) -> list[PlannedItem]:
    """What the day folder says airs in the slot (after check_air), or the schedule's items."""
    start, end, name = slot_times(station, day, slot_id)
    why, sub_month = "", None
    if report is not None:
        for c in report.checks:
            if c.date == day and c.slot == slot_id and c.substitute:
                why = " ".join(c.problems)
                sub_month = c.substitute.split()[-1] if c.substitute.startswith("programme") else None
    folder_rel = station.store.rel(station.store.day_dir(day))
    items = []
    for it in sch.day_running_order(station, day):
        if it.slot != slot_id:
            continue
        if it.title == air.NOTICE_TITLE:
            month = None
        else:
            month = sub_month if it.substitute and sub_month else f"{day:%Y-%m}"
        items.append(
            PlannedItem(
                date=day,
                slot=slot_id,
                slot_name=name,
                start=start,
                slot_end=end,
                order=it.order,
                file=f"{folder_rel}/{it.file}",
                title=it.title,
                duration_s=it.duration_s,
                month=month,
                fallback=it.substitute,
                reason=why if it.substitute else "",
            )
        )
    return items


def fallback_source(
    station: Station, day: date, slot_id: str, avoid: set[Path]
) -> tuple[Path, str, float, str | None]:
    """The fallback chosen in advance: the last approved earlier programme, else the standing notice."""
    slot = station.slot(slot_id)
    src = air.last_good_programme(station, f"{day:%Y-%m}", slot.length_min)
    if src is None or src.path.resolve() in avoid:
        src = air.standing_notice(station)
    return src.path, src.title, src.duration_s, src.month


def file_problems(path: Path, expected_s: float, silence_s: float) -> tuple[list[str], list[str], float]:
    """(problems, warnings, length) of a file about to air: present, decodes, length as planned."""
    from broadcast.audiotools import find_ffmpeg  # noqa: PLC0415 - numpy; only at check time

    rel = path.name
    if not path.is_file():
        return [f"thiếu tệp {rel}."], [], 0.0
    if path.stat().st_size == 0:
        return [f"tệp {rel} rỗng (0 byte)."], [], 0.0
    cmd = [
        find_ffmpeg(),
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "level+info",
        "-i",
        str(path),
        "-af",
        f"silencedetect=n=-50dB:d={silence_s:g}",
        "-f",
        "null",
        "-",
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, errors="replace")
    except (OSError, subprocess.SubprocessError) as exc:
        return [f"không kiểm tra được tệp {rel} ({exc})."], [], 0.0
    errors = [ln for ln in proc.stderr.splitlines() if "[error]" in ln or "[fatal]" in ln]
    if proc.returncode != 0 or errors:
        detail = (errors or proc.stderr.strip().splitlines() or ["?"])[-1].split("] ")[-1].strip()
        return [f"tệp {rel} giải mã bị lỗi ({detail[:160]})."], [], 0.0
    m = re.findall(r"time=(\d+):(\d+):([\d.]+)", proc.stderr)
    length = 0.0
    if m:
        h, mi, s = m[-1]
        length = int(h) * 3600 + int(mi) * 60 + float(s)
    problems = []
    if expected_s > 0 and abs(length - expected_s) > DURATION_TOLERANCE_S:
        problems.append(f"tệp {rel} dài {mmss(length)}, khác thời lượng theo lịch ({mmss(expected_s)}).")
    warnings = [f"tệp {rel} có đoạn im lặng {float(x):.0f} giây." for x in _SILENCE.findall(proc.stderr)]
    return problems, warnings, length


def notice_title() -> str:
    return air.NOTICE_TITLE
