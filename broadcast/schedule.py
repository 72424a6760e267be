"""On air: the month's broadcast calendar, the operators' daily folders, and readiness checks.

The calendar rule (documented for staff in docs/operators.md):

* A day is a *regular* air day when it is on or after ``airing.from_day``, its weekday is in
  ``airing.weekdays``, at least one of the chosen slots (``airing.slots``) runs that weekday,
  it is not in ``airing.days_off`` and (with ``skip_holidays``) not a Vietnamese public
  holiday. Holidays, including the lunar ones (Tết, Giỗ Tổ Hùng Vương) and the government's
  substitute days off, come from the ``holidays`` package.
* ``per_month`` airings are spread evenly over the regular days: with *n* regular days and
  *k* airings, airing *i* (0-based) goes on regular day ``floor(i * n / k)``. The first
  airing is therefore the first regular day, and the gaps differ by at most one day.
  If *k* > *n*, the same spread runs over every (day, slot) pair instead, so some days
  carry two airings in different slots.
* The chosen slots alternate: airing *i* prefers ``airing.slots[i % len(slots)]``; if that
  slot does not run on the day, the next chosen slot that does is used.
* Every ``airing.extra_days`` date in the month is an *additional* airing (even on a
  holiday or a weekday that is otherwise off); it continues the slot alternation. A date in
  both ``extra_days`` and ``days_off`` is a configuration error.

Daily folders (docs/architecture.md) are built in a temporary folder and renamed into place, so each
``audio_out/days/YYYY-MM-DD/`` is complete or absent. Playlists are UTF-8 without BOM with
CRLF line endings (Windows players and consoles read them; Linux players ignore the CR).
"""

from __future__ import annotations

import calendar
import hashlib
import html
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time as time_module
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from broadcast.config import WEEKDAY_NAMES_VI, EngineSpec, Slot, Station, validate_month
from broadcast.errors import EnvironmentProblem, ScheduleError
from broadcast.fsutil import (
    atomic_dir,
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    inside,
    killpoint,
    read_state_bytes,
)
from broadcast.yamlio import load_yaml

log = logging.getLogger(__name__)
cmd_log = logging.getLogger("broadcast.commands")

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
RUNNING_ORDER = "lich-phat-song.html"
_DAY_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DURATION_TOLERANCE_S = 1.5
_LOUDNESS_TOLERANCE_LU = 1.0
_LEFTOVER_AGE_S = 600           # temp day folders older than this are a killed run's leftovers
_NOTICE_TITLE = "Thông báo chuyên mục Cải cách hành chính"


# --------------------------------------------------------------------------- names


def slugify(text: str, max_len: int = 48) -> str:
    """ASCII file-name form of a Vietnamese title: no diacritics (đ -> d), lower case, '-'."""
    from broadcast.script import fold  # noqa: PLC0415 - stage import

    # NFKC first so compatibility characters (², ½, ﬁ) keep their ASCII digits and letters.
    text = fold(unicodedata.normalize("NFKC", text)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > max_len:
        cut = text[:max_len]
        text = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return text or "chuong-trinh"


def _month_bounds(month: str) -> tuple[int, int, list[date]]:
    """Year, month and every day of a month already checked by validate_month."""
    y, m = int(month[:4]), int(month[5:7])
    return y, m, [date(y, m, d) for d in range(1, calendar.monthrange(y, m)[1] + 1)]


def mmss(seconds: float) -> str:
    """Seconds as zero-padded "MM:SS" (rounded to the second), as printed for operators."""
    m, s = divmod(int(round(seconds)), 60)
    return f"{m:02d}:{s:02d}"


def _vi_date(d: date) -> str:
    return f"{WEEKDAY_NAMES_VI[d.weekday()]}, ngày {d:%d/%m/%Y}"


def _local(now: datetime) -> datetime:
    """A datetime in the station's time zone (naive values are taken as local time)."""
    return now.replace(tzinfo=TZ) if now.tzinfo is None else now.astimezone(TZ)


# --------------------------------------------------------------------------- calendar


@lru_cache(maxsize=None)
def vn_holidays(year: int) -> dict[date, str]:
    """Vietnamese public holidays of `year` (names in Vietnamese), lunar ones included."""
    import holidays  # noqa: PLC0415 - about 0.2 s to import; only the calendar needs it

    return dict(holidays.country_holidays("VN", years=year, language="vi"))


def holiday_name(day: date) -> str | None:
    """The holiday's Vietnamese name, or None on an ordinary day."""
    return vn_holidays(day.year).get(day)


@dataclass
class MonthCalendar:
    """When the month's programme airs, before any file is involved."""

    month: str
    regular_days: list[date]            # eligible days (from_day, weekdays, no holiday/day off)
    airings: list[tuple[date, str]]     # (date, slot id), chronological
    skipped: dict[date, str]            # eligible-looking days left out, with the reason

    @property
    def holidays_skipped(self) -> list[date]:
        """Days left out because they are public holidays."""
        return [d for d, why in self.skipped.items() if not why.startswith("ngày nghỉ của đài")]


def month_calendar(station: Station, month: str) -> MonthCalendar:
    """The month's airings from station.yaml and the holiday calendar (rule: module doc)."""
    month = validate_month(month)
    year, mon, days = _month_bounds(month)
    air = station.airing
    chosen = [station.slot(s) for s in (air.slots or [s.id for s in station.slots])]
    extra_all = list(air.extra_days)
    for i, d in enumerate(extra_all):
        if d in air.days_off:
            raise ScheduleError(
                f"ngày {d:%d/%m/%Y} vừa là ngày phát thêm vừa là ngày nghỉ.",
                file=station.store.station_file,
                line=station.line("airing", "extra_days", i),
                field="airing.extra_days",
                hint="Bỏ ngày đó khỏi một trong hai danh sách extra_days hoặc days_off.",
            )
    extra = sorted(d for d in extra_all if (d.year, d.month) == (year, mon))
    holidays_of_year = vn_holidays(year) if air.skip_holidays else {}

    def slots_on(d: date) -> list[Slot]:
        return [s for s in chosen if d.weekday() in s.weekdays]

    regular: list[date] = []
    skipped: dict[date, str] = {}
    for d in days:
        if d in extra or d.day < air.from_day or d.weekday() not in air.weekdays or not slots_on(d):
            continue
        if d in air.days_off:
            skipped[d] = "ngày nghỉ của đài (airing.days_off)"
        elif d in holidays_of_year:
            skipped[d] = holidays_of_year[d]
        else:
            regular.append(d)

    k, n = air.per_month, len(regular)
    picked: list[tuple[date, Slot | None]]
    if k <= n:
        picked = [(regular[(i * n) // k], None) for i in range(k)]
    else:
        pairs = [(d, s) for d in regular for s in slots_on(d)]
        if k > len(pairs):
            raise ScheduleError(
                f"tháng {month} chỉ có {len(pairs)} buổi có thể phát nhưng cấu hình đòi {k} lần.",
                file=station.store.station_file,
                line=station.line("airing", "per_month"),
                field="airing.per_month",
                hint="Giảm per_month, thêm buổi phát (airing.slots) hoặc thêm ngày (extra_days).",
            )
        picked = [pairs[(i * len(pairs)) // k] for i in range(k)]
    picked += [(d, None) for d in extra]
    picked.sort(key=lambda p: (p[0], p[1].start if p[1] else time(0)))

    airings: list[tuple[date, str]] = []
    for i, (d, slot) in enumerate(picked):
        if slot is None:
            running = slots_on(d) or chosen  # an extra day airs even if no slot runs that weekday
            ids = [s.id for s in running]
            slot = next(
                (chosen[(i + j) % len(chosen)] for j in range(len(chosen)) if chosen[(i + j) % len(chosen)].id in ids),
                running[0],
            )
        airings.append((d, slot.id))
    airings.sort(key=lambda a: (a[0], station.slot(a[1]).start))
    return MonthCalendar(month=month, regular_days=regular, airings=airings, skipped=skipped)


# --------------------------------------------------------------------------- schedule data


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
        return cls(file=str(d["file"]), title=str(d.get("title", "")), duration_s=float(d.get("duration_s", 0)))


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
        if isinstance(start, int):   # a YAML 1.1 reader may turn an unquoted 17:00 into 1020
            start = f"{start // 60:02d}:{start % 60:02d}"
        return cls(date=day, slot=str(d["slot"]), start=str(start),
                   items=[PlayItem.from_dict(i) for i in d.get("items") or []])


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
        return cls(month=str(d["month"]), station=str(d.get("station", "")),
                   airings=[ScheduledAiring.from_dict(a) for a in d.get("airings") or []])


def schedule_path(station: Station, month: str) -> Path:
    """schedules/YYYY-MM.yaml of the station."""
    return station.store.schedules_dir / f"{month}.yaml"


def read_schedule(station: Station, month: str) -> MonthSchedule | None:
    """The stored schedule of a month, or None if the month has not been scheduled."""
    path = schedule_path(station, month)
    if not path.exists():
        return None
    try:
        data = load_yaml(path, error=ScheduleError).data  # the package's safe, limited YAML reader
        return MonthSchedule.from_dict(data)
    except ScheduleError as exc:
        raise ScheduleError(
            f"tệp lịch phát bị hỏng ({exc.message}).", file=path, line=exc.line,
            hint=f"Xóa tệp rồi chạy lại 'broadcast schedule --month {month}'.",
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ScheduleError(
            f"tệp lịch phát bị hỏng ({exc}).", file=path,
            hint=f"Xóa tệp rồi chạy lại 'broadcast schedule --month {month}'.",
        ) from None


# --------------------------------------------------------------------------- programme sources


@dataclass
class _Source:
    """An audio file that can go on air: a month's programme or the standing notice."""

    path: Path
    title: str
    duration_s: float
    month: str | None = None   # None: the standing notice


def _read_manifest(station: Station, month: str):
    from broadcast.production.manifest import read_manifest  # noqa: PLC0415 - stage import

    return read_manifest(station.store.programme_dir(month))


def _read_script(station: Station, month: str):
    from broadcast.script import read_script  # noqa: PLC0415 - stage import

    path = station.store.script_path(month)
    return read_script(path) if path.exists() else None


def approval_problem(station: Station, month: str, manifest: Any) -> str | None:
    """Why the month's programme may not go on air (Vietnamese), or None if it may.

    The approved programme carries its own approval record (audio_out/YYYY-MM/approval.json,
    written when an approved script was produced or its listening copy promoted): it airs
    on that record, whatever drafts of the script exist meanwhile. A programme from before
    the record existed is checked against the script file as it is now.
    """
    from broadcast.production.manifest import read_approval  # noqa: PLC0415 - stage import

    record = read_approval(station.store.programme_dir(month)) if manifest is not None else None
    if record is not None:
        if record.get("approved_sha256") != manifest.script_sha256:
            return f"tệp âm thanh tháng {month} được dựng từ một bản kịch bản khác bản đã duyệt."
        return None
    script = _read_script(station, month)
    if script is None:
        return f"chưa có kịch bản tháng {month} (scripts/{month}.md)."
    if not script.approved:
        return f"kịch bản tháng {month} chưa được duyệt (hoặc đã bị sửa sau khi duyệt)."
    if manifest is None:
        return f"chưa có chương trình đã dựng cho tháng {month}."
    if manifest.script_sha256 != script.body_sha256 or script.meta.get("approved_sha256") != manifest.script_sha256:
        return f"tệp âm thanh tháng {month} được dựng từ một bản kịch bản khác bản đã duyệt."
    return None


def _programme_path(station: Station, month: str, manifest: Any) -> Path:
    """The programme file a manifest names, checked to be inside the month's folder."""
    folder = station.store.programme_dir(month)
    return inside(folder, manifest.file, source=folder / "manifest.json", error=ScheduleError)


def _day_file(station: Station, relpath: str, source: Path) -> Path:
    """A day-folder file named by the schedule or a playlist, checked to be under audio_out/days/."""
    return inside(station.store.days_dir, relpath, base=station.dir, source=source, error=ScheduleError)


def _programme_source(station: Station, month: str) -> tuple[_Source | None, list[str]]:
    """The month's programme if it may go on air, else the list of problems."""
    manifest = _read_manifest(station, month)
    problems: list[str] = []
    if manifest is None:
        return None, [f"chưa có chương trình tháng {month} (audio_out/{month}/manifest.json)."]
    try:  # manifest.json names the file: it must stay in the month's folder (no ../, no link out)
        path = _programme_path(station, month, manifest)
    except ScheduleError as exc:
        return None, [f"{exc.where()}: {exc.message}"]
    from broadcast.production.manifest import file_problem  # noqa: PLC0415 - stage import

    damaged = file_problem(station.store.programme_dir(month), manifest)
    if damaged:
        problems.append(f"audio_out/{month}/: {damaged}")
    why = approval_problem(station, month, manifest)
    if why:
        problems.append(why)
    if abs(manifest.loudness_lufs - station.audio.target_lufs) > _LOUDNESS_TOLERANCE_LU:
        problems.append(
            f"độ lớn {manifest.loudness_lufs:.1f} LUFS lệch quá {_LOUDNESS_TOLERANCE_LU:g} LU so với "
            f"mức chuẩn {station.audio.target_lufs:g} LUFS."
        )
    if problems:
        return None, problems
    title = manifest.title or f"{station.programme_title} tháng {month}"
    return _Source(path=path, title=title, duration_s=float(manifest.duration_s), month=month), []


def _check_slot_lengths(station: Station, source: _Source, slot_ids: set[str]) -> None:
    for i, slot in enumerate(station.slots):
        if slot.id in slot_ids and source.duration_s > slot.length_min * 60 + 0.5:
            raise ScheduleError(
                f"chương trình dài {mmss(source.duration_s)} (phút:giây), vượt quá buổi phát "
                f"'{slot.id}' ({slot.name}) chỉ có {slot.length_min:g} phút.",
                file=station.store.station_file,
                line=station.line("slots", i, "length_min"),
                field=f"slots[{i}].length_min",
                hint="Tăng length_min của buổi phát, hoặc rút ngắn kịch bản rồi dựng lại.",
            )


# --------------------------------------------------------------------------- daily folders


def _same_audio(a: Path, b: Path) -> bool:
    """True if `a` and `b` hold the same audio: the same hard-linked file, or equal bytes.

    Size and duration are not enough: a programme re-made after a one-word edit usually has
    the same length and (CBR MP3) the same size, and production replaces the MP3 by rename,
    so a day folder's hard link keeps the old audio until the month is scheduled again.
    """
    import filecmp  # noqa: PLC0415

    try:
        return os.path.samefile(a, b) or filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _link_or_copy(src: Path, dst: Path) -> None:
    """Copy `src` to `dst` (a real copy, never a hard link).

    A hard link would share the bytes: a damaged or overwritten master would damage every
    day folder at once. A copy costs one programme's size per air day (about 10 MB).
    """
    shutil.copyfile(src, dst)


def _m3u8(entries: list[tuple[str, PlayItem]]) -> bytes:
    lines = ["#EXTM3U"]
    for name, item in entries:
        title = item.title.replace("\r", " ").replace("\n", " ")
        lines.append(f"#EXTINF:{int(round(item.duration_s))},{title}")
        lines.append(name)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


_HTML = """<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>Lịch phát sóng {date_short}</title>
<style>
  @page {{ size: A4; margin: 15mm; }}
  body {{ font-family: "Times New Roman", "DejaVu Serif", serif; font-size: 13pt; color: #000; margin: 0 auto; padding: 4mm 0; max-width: 180mm; }}
  h1 {{ font-size: 17pt; text-align: center; margin: 0 0 2mm; text-transform: uppercase; }}
  .sub {{ text-align: center; margin: 0 0 6mm; }}
  .warn {{ border: 2px solid #000; padding: 3mm; margin: 0 0 5mm; font-weight: bold; }}
  table {{ width: 100%; border-collapse: collapse; }}
  th, td {{ border: 1px solid #000; padding: 2mm; vertical-align: top; text-align: left; }}
  th {{ background: #eee; }}
  td.num, th.num {{ text-align: center; white-space: nowrap; }}
  td.file {{ font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; word-break: break-all; }}
  td.tick {{ text-align: center; font-size: 16pt; width: 14mm; }}
  .mark {{ display: block; margin-top: 1mm; font-size: 10.5pt; font-weight: bold; }}
  .foot {{ margin-top: 8mm; font-size: 11pt; }}
  .sign {{ margin-top: 12mm; display: flex; justify-content: space-between; }}
  @media print {{ th {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }} tr {{ page-break-inside: avoid; }} }}
</style>
</head>
<body>
<h1>Lịch phát sóng</h1>
<p class="sub"><strong>{station}</strong><br>{date_long}</p>
{warning}<table>
<thead><tr><th>Buổi</th><th class="num">Giờ phát</th><th class="num">STT</th><th>Nội dung</th><th class="num">Thời lượng</th><th>Tên tệp</th><th class="num">Đã phát</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
<p class="foot">Phát các tệp theo đúng thứ tự tên tệp (hoặc mở danh sách phát .m3u8 mang giờ của buổi, ví dụ 0600.m3u8 là buổi 6 giờ 00).
Giờ phát ghi giờ bắt đầu – giờ kết thúc (giờ {tz_name}); thời lượng ghi theo phút:giây. Phát xong tệp nào, đánh dấu ✓ vào ô "Đã phát" của tệp đó.
Lập lúc {made}.</p>
<div class="sign"><span>Người trực máy: ..................................</span><span>Ký tên: ....................</span></div>
</body>
</html>
"""

_MARK_FALLBACK_VOICE = "Đọc bằng GIỌNG DỰ PHÒNG (giọng máy, không có mạng hoặc giọng chính lỗi): nghe thử trước khi phát."
_MARK_EXAMPLE_FIGURES = "Có SỐ LIỆU VÍ DỤ, không phải số liệu thật của địa phương."
_MARK_NOTICE = "Thông báo phát thay (chưa có chương trình của tháng)."


def _source_marks(station: Station, src: _Source) -> list[str]:
    """What the operator must know about a file: fallback voice, example figures, a notice."""
    if src.month is None:
        return [_MARK_NOTICE]
    marks = []
    try:
        manifest = _read_manifest(station, src.month)
        if manifest is not None and manifest.degraded:
            marks.append(_MARK_FALLBACK_VOICE)
        script = _read_script(station, src.month)
    except Exception as exc:  # noqa: BLE001 - a mark is information; it must never stop the day folder
        log.info("không đọc được thông tin chương trình tháng %s cho tờ lịch: %s", src.month, exc)
        return marks
    if script is not None and script.meta.get("example_figures_confirmed"):
        marks.append(_MARK_EXAMPLE_FIGURES)
    return marks


def _running_order_html(station: Station, day: date, rows: list[tuple],
                        warning: str | None, made: datetime) -> str:
    """The printable sheet; rows are (slot, nn, file name, PlayItem[, marks])."""
    tz = station.tz
    cells = []
    clock: dict[str, datetime] = {}
    for row in rows:
        slot, nn, name, item = row[:4]
        marks = row[4] if len(row) > 4 else []
        start = clock.get(slot.id) or datetime.combine(day, slot.start, tzinfo=tz)
        end = start + timedelta(seconds=round(item.duration_s))
        clock[slot.id] = end
        shown_end = end + timedelta(seconds=(60 - end.second) % 60)   # a part-minute counts as a minute
        notes = "".join(f'<span class="mark">⚠ {html.escape(m)}</span>' for m in marks)
        cells.append(
            "<tr>"
            f"<td>{html.escape(slot.name)}</td>"
            f"<td class=\"num\">{start:%H:%M} – {shown_end:%H:%M}</td>"
            f"<td class=\"num\">{nn}</td>"
            f"<td>{html.escape(item.title)}{notes}</td>"
            f"<td class=\"num\">{mmss(item.duration_s)}</td>"
            f"<td class=\"file\">{html.escape(name)}</td>"
            "<td class=\"tick\">☐</td>"
            "</tr>"
        )
    warn = f'<p class="warn">{html.escape(warning)}</p>\n' if warning else ""
    made = made.astimezone(tz) if made.tzinfo else made.replace(tzinfo=tz)
    return _HTML.format(
        date_short=f"{day:%d/%m/%Y}",
        date_long=_vi_date(day),
        station=html.escape(station.name),
        warning=warn,
        rows="\n".join(cells),
        tz_name="Việt Nam" if station.timezone == "Asia/Ho_Chi_Minh" else html.escape(station.timezone),
        made=f"{made:%H:%M ngày %d/%m/%Y}",
    )


def day_dir(station: Station, day: date) -> Path:
    """audio_out/days/YYYY-MM-DD/ of the station."""
    return station.store.days_dir / day.isoformat()


def _day_airings(station: Station, day: date, plan: list[tuple[Slot, list[_Source]]]) -> list[ScheduledAiring]:
    """The airings `_write_day` will write for `day` (same names), without touching a file."""
    rel_dir = station.store.rel(day_dir(station, day))
    return [
        ScheduledAiring(day, slot.id, f"{slot.start:%H:%M}", [
            PlayItem(file=f"{rel_dir}/{slot.hhmm}-{nn:02d}-{slugify(src.title)}.mp3", title=src.title,
                     duration_s=src.duration_s)
            for nn, src in enumerate(sources, start=1)
        ])
        for slot, sources in sorted(plan, key=lambda p: p[0].start)
    ]


def _write_day(station: Station, day: date, plan: list[tuple[Slot, list[_Source]]],
               *, warning: str | None = None, now: datetime | None = None) -> list[ScheduledAiring]:
    """Build one daily folder whole (temp folder + rename) and return its airings."""
    target = day_dir(station, day)
    rel_dir = station.store.rel(target)
    airings: list[ScheduledAiring] = []
    rows: list[tuple[Slot, int, str, PlayItem]] = []
    with atomic_dir(target) as tmp:   # readable by the operators' accounts (atomic_dir sets the mode)
        for slot, sources in sorted(plan, key=lambda p: p[0].start):
            entries: list[tuple[str, PlayItem]] = []
            for nn, src in enumerate(sources, start=1):
                name = f"{slot.hhmm}-{nn:02d}-{slugify(src.title)}.mp3"
                _link_or_copy(src.path, tmp / name)
                item = PlayItem(file=f"{rel_dir}/{name}", title=src.title, duration_s=src.duration_s)
                entries.append((name, item))
                rows.append((slot, nn, name, item, _source_marks(station, src)))
            (tmp / f"{slot.hhmm}.m3u8").write_bytes(_m3u8(entries))
            airings.append(ScheduledAiring(day, slot.id, f"{slot.start:%H:%M}", [e[1] for e in entries]))
        page = _running_order_html(station, day, rows, warning, _local(now or datetime.now(TZ)))
        (tmp / RUNNING_ORDER).write_text(page, encoding="utf-8")
    return airings


def _clean_leftovers(station: Station) -> None:
    """Remove temp folders a killed run left behind (hidden names; never a visible day).

    Only folders untouched for a while: a fresh one may belong to a run still working
    (an operator's `broadcast schedule` while the daemon prepares a day).
    """
    if not station.store.days_dir.is_dir():
        return
    from broadcast.fsutil import clean_leftovers  # noqa: PLC0415

    clean_leftovers(station.store.days_dir, older_than=time_module.time() - _LEFTOVER_AGE_S)


def _remove_day(path: Path) -> None:
    """Remove a day folder so that it is never seen half-deleted (a symlink: only the link)."""
    from broadcast.fsutil import remove_tree  # noqa: PLC0415

    aside = path.with_name(f".{path.name}.gone.tmp")
    remove_tree(aside)
    os.replace(path, aside)
    remove_tree(aside)


def _remove_unplanned_days(station: Station, month: str, planned: set[date]) -> None:
    """Remove the month's day folders that the schedule no longer plans."""
    if not station.store.days_dir.is_dir():
        return
    from broadcast.fsutil import remove_tree  # noqa: PLC0415

    for p in sorted(station.store.days_dir.iterdir()):
        if _DAY_DIR.match(p.name) and p.name.startswith(month + "-") and date.fromisoformat(p.name) not in planned:
            log.info("removing day folder that no longer airs: %s", p)
            _remove_day(p)
        elif p.name.startswith(f".{month}-") and p.name.endswith(".old") and _DAY_DIR.match(p.name[1:-4]) \
                and date.fromisoformat(p.name[1:-4]) not in planned:
            remove_tree(p)   # a killed swap's old copy of a day no longer planned: never put back


def _unplanned_days(station: Station, month: str, planned: set[date]) -> list[Path]:
    if not station.store.days_dir.is_dir():
        return []
    return [p for p in station.store.days_dir.iterdir()
            if _DAY_DIR.match(p.name) and p.name.startswith(month + "-") and date.fromisoformat(p.name) not in planned]


# --------------------------------------------------------------------------- schedule a month


def _previous_events(path: Path) -> dict[str, Any]:
    """VEVENTs of the calendar written last time, by UID (empty if none or unreadable)."""
    from icalendar import Calendar  # noqa: PLC0415

    try:
        return {str(e["uid"]): e for e in Calendar.from_ical(path.read_bytes()).walk("VEVENT")}
    except (OSError, ValueError, KeyError):
        return {}


def _ics(station: Station, sched: MonthSchedule, now: datetime, previous: dict[str, Any] | None = None) -> bytes:
    """The month's calendar; airings of `previous` that are gone stay as STATUS:CANCELLED.

    UIDs are stable per (station, day, slot). An event whose time or text changed, and a
    newly cancelled one, get a higher SEQUENCE so calendar programs apply the change.
    """
    from icalendar import Alarm, Calendar, Event  # noqa: PLC0415

    previous = previous or {}
    tz = station.tz
    cal = Calendar()
    cal.add("prodid", "-//broadcast//Chuyên mục CCHC//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{station.name}: lịch phát CCHC")
    cal.add("x-wr-timezone", str(tz))
    stamp = now.astimezone(ZoneInfo("UTC")).replace(microsecond=0)
    seen: set[str] = set()

    def sequence(uid: str, changed: bool) -> int:
        old = previous.get(uid)
        if old is None:
            return 0
        seq = int(old.get("sequence", 0))
        return seq + 1 if changed else seq

    for a in sched.airings:
        slot = station.slot(a.slot)
        start = datetime.combine(a.date, slot.start, tzinfo=tz)
        length = sum(i.duration_s for i in a.items) or slot.length_min * 60
        uid = f"{station.slug}-{a.date:%Y%m%d}-{slot.id}@broadcast-cchc"
        seen.add(uid)
        summary = f"Phát: {a.items[0].title}" if a.items else "Phát chuyên mục CCHC"
        files = "\n".join(f"{i.file} ({mmss(i.duration_s)})" for i in a.items)
        end = start + timedelta(seconds=round(length))
        old = previous.get(uid)
        changed = old is not None and (
            str(old.get("summary")) != summary
            or old.decoded("dtstart") != start or old.decoded("dtend") != end
            or str(old.get("status", "CONFIRMED")) != "CONFIRMED"
        )
        ev = Event()
        ev.add("uid", uid)
        ev.add("sequence", sequence(uid, changed))
        ev.add("status", "CONFIRMED")
        ev.add("dtstamp", stamp)
        ev.add("last-modified", stamp)
        ev.add("dtstart", start)
        ev.add("dtend", end)
        ev.add("summary", summary)
        ev.add("description", f"{slot.name} {a.start}.\nTệp phát:\n{files}")
        ev.add("location", station.name)
        if station.airing.reminder_min > 0:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"{slot.name} {a.start}: sắp đến giờ phát chuyên mục CCHC")
            alarm.add("trigger", timedelta(minutes=-station.airing.reminder_min))
            ev.add_component(alarm)
        cal.add_component(ev)
    for uid, old in sorted(previous.items()):
        if uid in seen:
            continue
        was_cancelled = str(old.get("status", "")) == "CANCELLED"
        ev = Event()
        ev.add("uid", uid)
        ev.add("sequence", sequence(uid, not was_cancelled))
        ev.add("status", "CANCELLED")
        ev.add("dtstamp", stamp)
        ev.add("last-modified", stamp)
        ev.add("dtstart", old.decoded("dtstart"))
        ev.add("dtend", old.decoded("dtend"))
        ev.add("summary", "ĐÃ HỦY: " + str(old.get("summary", "")).removeprefix("ĐÃ HỦY: "))
        ev.add("description", "Buổi phát này đã được bỏ khỏi lịch của đài.")
        ev.add("location", station.name)
        cal.add_component(ev)
    cal.add_missing_timezones()
    for vtz in cal.walk("VTIMEZONE"):   # icalendar adds an English COMMENT; operators read this file
        vtz.pop("COMMENT", None)
    return cal.to_ical()


def _not_schedulable(station: Station, month: str, problems: list[str]) -> ScheduleError:
    """The error for a month whose programme may not air: approval problems first, with the fix."""
    manifest = _read_manifest(station, month)
    why = approval_problem(station, month, manifest)
    if why is None:
        return ScheduleError(
            "không xếp lịch phát: " + " ".join(problems),
            file=station.store.programme_dir(month) / "manifest.json",
            hint=f"Dựng lại chương trình: broadcast make --month {month}",
        )
    who = "Lãnh đạo đơn vị (hoặc người được giao duyệt nội dung)"
    if not station.store.script_path(month).exists():
        hint = f"Soạn và dựng chương trình trước: broadcast make --month {month}"
    elif manifest is None:
        hint = f"Dựng chương trình trước: broadcast make --month {month}"
    else:
        hint = (
            f"{who} nghe lại chương trình rồi chạy: broadcast approve --month {month} --by \"Họ tên\"; "
            f"sau đó chạy 'broadcast make --month {month}'."
        )
    return ScheduleError(f"không xếp lịch phát: {why}", file=station.store.script_path(month), hint=hint)


def schedule_month(station: Station, month: str, *, now: datetime | None = None) -> MonthSchedule:
    """Write schedules/YYYY-MM.yaml and .ics and the month's daily folders; return the schedule.

    Only an approved programme is scheduled. Day folders of the month that no longer air
    are removed; the others are replaced whole under the same file names.
    """
    now = _local(now or datetime.now(TZ))
    month = validate_month(month)
    source, problems = _programme_source(station, month)
    if source is None:
        raise _not_schedulable(station, month, problems)
    cal = month_calendar(station, month)
    _check_slot_lengths(station, source, {s for _, s in cal.airings})

    _clean_leftovers(station)
    by_day: dict[date, list[Slot]] = {}
    for d, sid in cal.airings:
        by_day.setdefault(d, []).append(station.slot(sid))
    plans = {d: [(s, [source]) for s in slots] for d, slots in sorted(by_day.items())}
    airings: list[ScheduledAiring] = []
    for d, plan in plans.items():
        airings += _day_airings(station, d, plan)

    # One transaction, plan first: the new schedule (.yaml, .ics) is written before any day
    # folder changes, so after a kill at any point the stored plan is the new one. Then every
    # planned day is (re)built whole, and last the month's days it no longer plans are
    # removed. A re-run, check-air or is_scheduled's check finishes a killed run; a run that
    # fails (disk full) puts the previous plan back before it reports the error.
    sched = MonthSchedule(month=month, station=station.name, airings=airings, skipped=cal.skipped)
    header = (
        f"# Lịch phát chuyên mục CCHC tháng {month} — tạo bởi 'broadcast schedule', đừng sửa tay.\n"
        "# Sửa station.yaml (slots, airing) rồi chạy lại lệnh để đổi lịch.\n"
    )
    body = yaml.safe_dump(sched.to_dict(), allow_unicode=True, sort_keys=False)
    plan_files = [schedule_path(station, month), station.store.schedules_dir / f"{month}.ics"]
    before = {p: p.read_bytes() if p.is_file() else None for p in plan_files}
    atomic_write_bytes(plan_files[1], _ics(station, sched, now, _previous_events(plan_files[1])))
    atomic_write_text(plan_files[0], header + body)
    killpoint("schedule-plan-written")
    try:
        for d, plan in plans.items():
            _write_day(station, d, plan, now=now)
    except BaseException:
        for p, data in before.items():
            if data is None:
                p.unlink(missing_ok=True)
            else:
                atomic_write_bytes(p, data)
        raise
    killpoint("schedule-days-written")
    _remove_unplanned_days(station, month, set(by_day))
    log.info("scheduled %s: %d airings on %d days", month, len(airings), len(by_day))
    return sched


def is_scheduled(station: Station, month: str) -> bool:
    """True if the month has a schedule whose every file is in place and matches the programme."""
    try:
        sched = read_schedule(station, month)
    except ScheduleError:
        return False
    if sched is None:
        return False
    manifest = _read_manifest(station, month)
    if manifest is None:
        return False
    try:
        programme = _programme_path(station, month, manifest)
        paths = {item.file: _day_file(station, item.file, schedule_path(station, month))
                 for a in sched.airings for item in a.items}
    except ScheduleError:
        return False
    if not programme.exists():
        return False
    if _unplanned_days(station, month, {a.date for a in sched.airings}):
        return False   # a schedule killed before it removed the days it no longer plans
    for a in sched.airings:
        for item in a.items:
            p = paths[item.file]
            if abs(item.duration_s - manifest.duration_s) > 0.05 or not _same_audio(p, programme):
                return False
    return True


# --------------------------------------------------------------------------- running order


@dataclass
class RunningItem:
    """One line of a day's running order, as the operator needs it."""

    date: date
    slot: str
    slot_name: str
    start: str                 # "HH:MM"
    order: int                 # 1-based position within the slot
    title: str
    duration_s: float
    file: str                  # file name inside the day folder
    present: bool              # the file is in the day folder
    substitute: bool = False   # played instead of the scheduled programme (fallback)


def _read_m3u8(path: Path) -> list[tuple[str, str, float]]:
    """(file, title, seconds) of a day playlist; a damaged one yields what can be read (logged)."""
    out: list[tuple[str, str, float]] = []
    title, secs = "", 0.0
    data = read_state_bytes(path, max_bytes=1_000_000)
    if data is None:
        return out
    text = data.decode("utf-8", errors="replace")
    if "\ufffd" in text or "\x00" in text:
        log.warning("danh sách phát %s có ký tự hỏng", path)
    for line in text.splitlines():
        line = line.strip().replace("\x00", "")
        if line.startswith("#EXTINF:"):
            head, _, title = line[len("#EXTINF:"):].partition(",")
            try:
                secs = float(head or 0)
            except ValueError:
                secs = 0.0
            if not 0 <= secs < 86_400:  # nan, inf, negative: not a length
                secs = 0.0
        elif line and not line.startswith("#"):
            out.append((line, title, secs))
            title, secs = "", 0.0
    return out


def _listed_file_present(folder: Path, name: str, playlist: Path) -> bool:
    """A playlist entry is present only if it is a file inside the day folder (no ../, no link out)."""
    try:
        return inside(folder, name, source=playlist, error=ScheduleError).is_file()
    except ScheduleError as exc:
        log.warning("%s", exc)
        return False


def day_running_order(station: Station, day: date) -> list[RunningItem]:
    """What the operator plays on `day`: from the day folder if it exists, else the schedule."""
    sched = read_schedule(station, f"{day:%Y-%m}")
    planned = [a for a in (sched.airings if sched else []) if a.date == day]
    planned_names = {Path(i.file).name for a in planned for i in a.items}
    folder = day_dir(station, day)
    slot_of = {s.hhmm: s for s in station.slots}
    items: list[RunningItem] = []
    if folder.is_dir():
        for pl in sorted(folder.glob("*.m3u8")):
            slot = slot_of.get(pl.stem)
            for order, (name, title, secs) in enumerate(_read_m3u8(pl), start=1):
                items.append(RunningItem(
                    date=day, slot=slot.id if slot else pl.stem, slot_name=slot.name if slot else pl.stem,
                    start=f"{pl.stem[:2]}:{pl.stem[2:]}", order=order, title=title, duration_s=secs,
                    file=name, present=_listed_file_present(folder, name, pl),
                    substitute=name not in planned_names,   # no schedule: everything is a substitute
                ))
        return items
    for a in planned:
        slot = station.slot(a.slot)
        for order, it in enumerate(a.items, start=1):
            items.append(RunningItem(day, a.slot, slot.name, a.start, order, it.title, it.duration_s,
                                     Path(it.file).name, present=False))
    return items


def missing_airings(station: Station, day: date, items: list[RunningItem]) -> list[ScheduledAiring]:
    """Airings planned on `day` (schedule, else the station's calendar) that have nothing to play."""
    try:
        planned, _ = _expected_airings(station, f"{day:%Y-%m}")
    except ScheduleError:
        planned = []
    covered = {it.slot for it in items}
    return [a for a in planned if a.date == day and (not a.items or a.slot not in covered)]


def render_day(station: Station, day: date, items: list[RunningItem],
               missing: list[ScheduledAiring] | None = None) -> str:
    """The running order of a day as plain Vietnamese text for the terminal.

    `missing` (from `missing_airings`) are planned airings with no programme: shown first
    and loudly, with the way to fill them.
    """
    lines = [f"Lịch phát sóng {_vi_date(day)} — {station.name}"]
    hol = holiday_name(day)
    if hol:
        lines.append(f"Ngày lễ: {hol}.")
    month = f"{day:%Y-%m}"
    for a in missing or []:
        slot = station.slot(a.slot)
        lines.append(
            f"!!! CHƯA CÓ CHƯƠNG TRÌNH cho buổi {slot.name} lúc {a.start} (theo kế hoạch phát của đài)."
        )
    if missing:
        lines.append(
            f"    Cách sửa: làm chương trình tháng {month} (broadcast make --month {month}), duyệt "
            "kịch bản, rồi chạy 'broadcast check-air'. Nếu chưa kịp, 'broadcast check-air' sẽ "
            "chuẩn bị chương trình phát thay (tháng trước hoặc thông báo chung)."
        )
    if not items:
        if not missing:
            lines.append("Không có chuyên mục CCHC phát trong ngày này.")
        return "\n".join(lines)
    folder = day_dir(station, day)
    lines.append(f"Thư mục: {station.store.rel(folder)}/")
    if not folder.is_dir():
        lines.append("CHÚ Ý: thư mục ngày chưa được chuẩn bị. Chạy 'broadcast check-air' để chuẩn bị.")
    lines.append("")
    current = None
    for it in items:
        if it.slot != current:
            current = it.slot
            lines.append(f"{it.start}  {it.slot_name}")
        flag = "" if it.present else "  [THIẾU TỆP]"
        sub = "  [PHÁT THAY]" if it.substitute else ""
        lines.append(f"   {it.order}. {it.title}  ({mmss(it.duration_s)}){sub}{flag}")
        lines.append(f"      tệp: {it.file}")
    total = sum(i.duration_s for i in items)
    lines.append("")
    lines.append(f"Tổng thời lượng: {mmss(total)} (phút:giây). In tờ lịch: {RUNNING_ORDER} trong thư mục ngày.")
    return "\n".join(lines)


# --------------------------------------------------------------------------- standing notice

_NOTICE_TEXT = (
    "Kính thưa bà con. Đây là thông báo của {name}. "
    "Chuyên mục Cải cách hành chính kỳ này đang được chuẩn bị và sẽ phát trong thời gian tới. "
    "Khi cần làm thủ tục hành chính, bà con có thể nộp hồ sơ trực tuyến trên Cổng Dịch vụ công quốc gia, "
    "hoặc đến {one_stop} để được hướng dẫn. "
    "Xin cảm ơn bà con đã lắng nghe."
)


def _notice_speech(station: Station, text: str, out_dir: Path) -> Path:
    """Speech for the notice: the voice stage with espeak-ng (offline), else espeak-ng itself."""
    try:
        from broadcast.voice import VoiceRequest, synthesize  # noqa: PLC0415

        offline = replace(
            station,
            voice=replace(station.voice, main=[EngineSpec("espeak-ng", {"voice": "vi"})], second=[], fallback=True),
        )
        return Path(synthesize([VoiceRequest(text=text)], offline).clips[0].path)
    except Exception as exc:  # noqa: BLE001 - the notice must be made whatever the voice stage does
        log.warning("không đọc được thông báo thay thế bằng giọng của đài (%s); dùng espeak-ng trực tiếp", exc)
    wav = out_dir / "notice.wav"
    cmd = ["espeak-ng", "-v", "vi", "-s", "150", "-w", str(wav), text]
    cmd_log.debug("%s", " ".join(cmd[:-1]))
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        raise EnvironmentProblem(
            f"không tạo được thông báo dự phòng bằng espeak-ng ({exc}).",
            hint="Cài espeak-ng (Debian/Ubuntu: sudo apt install espeak-ng).",
        ) from None
    return wav


def _master_notice(station: Station, speech: Path, out: Path) -> None:
    """Speech -> MP3 at the station's loudness target (measured on the MP3), peak-limited, tagged.

    The notice is a few seconds of speech: ffmpeg's one-pass loudnorm lands ~2 LU short on
    it, so the gain is set from the project's meter and corrected on the exported file.
    """
    from mutagen.id3 import COMM, ID3, TALB, TIT2, TLAN, TPE1  # noqa: PLC0415

    from broadcast.audiotools import run_ffmpeg  # noqa: PLC0415 - numpy; only the notice needs it
    from broadcast.loudness import measure_file  # noqa: PLC0415

    a = station.audio
    limit = 10 ** ((a.true_peak_dbtp - 1.0) / 20)   # 1 dB under the ceiling: MP3 coding overshoots
    gain = a.target_lufs - measure_file(speech).lufs
    for _ in range(4):
        run_ffmpeg(
            ["-loglevel", "error", "-y", "-i", str(speech),
             "-af", f"volume={gain:.2f}dB,alimiter=limit={limit:.4f}:level=false:attack=1:release=50",
             "-ar", str(a.sample_rate), "-ac", "1", "-b:a", f"{a.bitrate_kbps}k", "-f", "mp3", str(out)],
            what="tạo thông báo dự phòng", file=out,
        )
        error = a.target_lufs - measure_file(out).lufs
        if abs(error) <= 0.3:
            break
        gain += error
    tags = ID3()
    tags.add(TIT2(encoding=3, text=[_NOTICE_TITLE]))
    tags.add(TPE1(encoding=3, text=[station.name]))
    tags.add(TALB(encoding=3, text=[station.programme_title]))
    tags.add(TLAN(encoding=3, text=["vie"]))
    tags.add(COMM(encoding=3, lang="vie", desc="", text=["Thông báo phát thay khi chưa có chương trình của tháng."]))
    tags.save(str(out), v2_version=3)


def standing_notice(station: Station) -> _Source:
    """The short standing CCHC notice, made once with espeak-ng and cached under .broadcast/.

    Mastered like a programme: the station's loudness target, true-peak ceiling, ID3 title.
    """
    from mutagen.mp3 import MP3  # noqa: PLC0415

    text = _NOTICE_TEXT.format(
        name=station.name, one_stop=station.contacts.get("one_stop") or "Bộ phận Một cửa của địa phương"
    )
    a = station.audio
    key = hashlib.sha256(
        f"v2|{text}|{a.target_lufs}|{a.true_peak_dbtp}|{a.bitrate_kbps}|{a.sample_rate}".encode()
    ).hexdigest()[:12]
    path = station.store.cache_dir("notice") / f"thong-bao-cchc-{key}.mp3"
    if (path.exists() or path.is_symlink()) and _notice_length(path) is None:
        log.warning("thông báo dự phòng đã lưu bị hỏng, làm lại: %s", path)
        path.unlink(missing_ok=True)
    if not path.exists():
        with tempfile.TemporaryDirectory() as tmp:
            speech = _notice_speech(station, text, Path(tmp))
            with atomic_path(path) as out:
                _master_notice(station, speech, Path(out))
    length = _notice_length(path)
    if length is None:
        raise EnvironmentProblem("không tạo được thông báo dự phòng đọc được.", file=path,
                                 hint="Kiểm tra ffmpeg và espeak-ng, ổ đĩa còn chỗ trống, rồi chạy lại.")
    return _Source(path=path, title=_NOTICE_TITLE, duration_s=length, month=None)


def _notice_length(path: Path) -> float | None:
    """Length of the cached notice MP3, or None if it is not a readable regular MP3 file."""
    from mutagen import MutagenError  # noqa: PLC0415
    from mutagen.mp3 import MP3  # noqa: PLC0415

    try:
        if path.is_symlink() or not path.is_file():
            return None
        length = float(MP3(path).info.length)
    except (MutagenError, OSError, ValueError):
        return None
    return length if length > 0.5 else None


# --------------------------------------------------------------------------- readiness


@dataclass
class AirCheck:
    """Readiness of one coming airing."""

    date: date
    slot: str
    start: str
    title: str
    problems: list[str] = field(default_factory=list)   # why it cannot air as scheduled
    notes: list[str] = field(default_factory=list)      # what was fixed on the way
    repaired: bool = False               # the day folder was rebuilt from the good programme
    substitute: str | None = None        # what airs instead: "programme YYYY-MM" / "notice"
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
            head = f"  {_vi_date(c.date)} {c.start} ({c.slot}): {c.title}"
            if c.ok:
                lines.append(head + " — SẴN SÀNG")
                for n in c.notes:
                    lines.append(f"      (đã sửa) {n}")
                continue
            lines.append(head + " — CHƯA SẴN SÀNG")
            for p in c.problems:
                lines.append(f"      - {p}")
            if c.substitute:
                what = "thông báo dự phòng" if c.substitute == "notice" else f"chương trình {c.substitute.split()[-1]} đã duyệt"
                verb = "ĐÃ THAY BẰNG" if self.applied else "SẼ THAY BẰNG"
                lines.append(f"      !!! {verb} {what}: {c.substitute_title}")
        if self.fell_back:
            lines.append(
                f"!!! CÓ {len(self.fell_back)} LẦN PHÁT PHẢI DÙNG CHƯƠNG TRÌNH THAY THẾ. "
                "Báo ngay cho cán bộ phụ trách để dựng và duyệt chương trình của tháng."
            )
        else:
            lines.append("Các lần phát kể trên đều sẵn sàng." if self.checks else "Không có lần phát nào cần chuẩn bị.")
        return "\n".join(lines)


def _expected_airings(station: Station, month: str) -> tuple[list[ScheduledAiring], bool]:
    sched = read_schedule(station, month)
    if sched is not None:
        return sched.airings, True
    try:
        cal = month_calendar(station, month)
    except ScheduleError:
        return [], False
    return [ScheduledAiring(d, s, f"{station.slot(s).start:%H:%M}", []) for d, s in cal.airings], False


def _file_problems(station: Station, airing: ScheduledAiring, source: _Source | None) -> list[str]:
    from mutagen import MutagenError  # noqa: PLC0415
    from mutagen.mp3 import MP3  # noqa: PLC0415

    problems = []
    folder = day_dir(station, airing.date)
    if airing.items and folder.is_dir():
        # What the operator plays is the playlist: it must list exactly the scheduled files.
        playlist = folder / f"{station.slot(airing.slot).hhmm}.m3u8"
        listed = [name for name, _, _ in _read_m3u8(playlist)]
        if listed != [Path(i.file).name for i in airing.items]:
            problems.append(f"danh sách phát {station.store.rel(playlist)} thiếu hoặc hỏng.")
    for item in airing.items:
        try:
            path = _day_file(station, item.file, schedule_path(station, airing.date.strftime("%Y-%m")))
        except ScheduleError as exc:
            problems.append(f"{exc.where()}: {exc.message}")
            continue
        if not path.exists():
            problems.append(f"thiếu tệp {item.file}.")
            continue
        try:
            length = MP3(path).info.length
        except (MutagenError, OSError) as exc:
            problems.append(f"tệp {item.file} không đọc được ({exc}).")
            continue
        if source is not None:
            if abs(length - source.duration_s) > _DURATION_TOLERANCE_S:
                problems.append(
                    f"tệp {item.file} dài {mmss(length)}, khác chương trình ({mmss(source.duration_s)})."
                )
            elif source.month is not None and not _same_audio(path, source.path):
                problems.append(f"tệp {item.file} khác tệp chương trình hiện tại (cần xếp lịch lại).")
    return problems


def _last_good_programme(station: Station, before: str, slot_min: float) -> _Source | None:
    """The latest earlier month whose programme passes every check and fits the slots."""
    if not station.store.audio_dir.is_dir():
        return None
    months = sorted(
        (p.name for p in station.store.audio_dir.iterdir() if re.match(r"^\d{4}-\d{2}$", p.name) and p.name < before),
        reverse=True,
    )
    for m in months:
        try:
            src, problems = _programme_source(station, m)
        except Exception as exc:  # noqa: BLE001 - a broken old month must not stop the fallback search
            log.info("bỏ qua tháng %s khi tìm chương trình thay thế: %s", m, exc)
            continue
        if src is not None and src.duration_s <= slot_min * 60 + 0.5:
            return src
    return None


def check_air(station: Station, now: datetime, days: int = 1, *, apply: bool = True) -> ReadinessReport:
    """Readiness of every airing from `now` to the end of the day `days` days later.

    Checks the file in the day folder, its duration, the programme's loudness and the
    approval (script hash == programme's script hash == approved hash). With `apply`, a
    good programme that is merely unscheduled or missing from a day folder is put in
    place; an airing whose programme is not good falls back to the last approved earlier
    programme, else to the standing notice, and its day folder is rebuilt with it.
    """
    now = _local(now)
    end = now.date() + timedelta(days=max(0, days))
    months = sorted({f"{now.date() + timedelta(days=i):%Y-%m}" for i in range((end - now.date()).days + 1)})
    checks: list[AirCheck] = []
    by_day: dict[date, list[tuple[ScheduledAiring, AirCheck, _Source | None]]] = {}
    for month in months:
        source, problems = _programme_source(station, month)
        airings, scheduled = _expected_airings(station, month)
        notes: list[str] = []
        if scheduled and apply and _unplanned_days(station, month, {a.date for a in airings}):
            # A `schedule` killed after writing the new plan: finish it, never revive an old day.
            _remove_unplanned_days(station, month, {a.date for a in airings})
            notes.append(f"đã xóa thư mục ngày không còn trong lịch phát tháng {month}.")
        if not scheduled and source is not None and apply and airings:
            try:
                airings, scheduled = schedule_month(station, month, now=now).airings, True
                notes.append(f"tháng {month} chưa được xếp lịch: đã xếp lịch và chuẩn bị thư mục.")
            except ScheduleError as exc:
                problems = problems + [exc.message]
                source = None
        window = [
            a for a in airings
            if now.date() <= a.date <= end and datetime.combine(a.date, station.slot(a.slot).start, tzinfo=TZ) >= now
        ]
        for a in window:
            title = a.items[0].title if a.items else (source.title if source else f"Chuyên mục CCHC tháng {month}")
            check = AirCheck(a.date, a.slot, a.start, title, problems=list(problems), notes=list(notes))
            if not scheduled:
                check.problems.insert(0, f"tháng {month} chưa được xếp lịch phát (chưa có schedules/{month}.yaml).")
            else:
                file_problems = _file_problems(station, a, source)
                if file_problems and source is not None and apply:
                    check.notes += file_problems + ["đã chuẩn bị lại thư mục ngày từ chương trình đã duyệt."]
                    check.repaired = True
                else:
                    check.problems += file_problems
            checks.append(check)
            by_day.setdefault(a.date, []).append((a, check, source))

    notice: _Source | None = None
    for day, triples in sorted(by_day.items()):
        if all(c.ok and not c.repaired for _, c, _ in triples):
            continue
        plan: list[tuple[Slot, list[_Source]]] = []
        for a, c, source in triples:
            slot = station.slot(a.slot)
            if c.ok and source is not None:
                plan.append((slot, [source]))
                continue
            sub = _last_good_programme(station, f"{day:%Y-%m}", slot.length_min)
            if sub is None:
                notice = notice or standing_notice(station)
                sub = notice
                c.substitute = "notice"
            else:
                c.substitute = f"programme {sub.month}"
            c.substitute_title = sub.title
            plan.append((slot, [sub]))
        if any(c.substitute for _, c, _ in triples):
            log.info("ngày %s chưa sẵn sàng; phát thay: %s", day, [c.substitute for _, c, _ in triples])
        if apply:
            warning = None
            if any(c.substitute for _, c, _ in triples):
                warning = (
                    "CHÚ Ý: chương trình của tháng chưa sẵn sàng (chưa duyệt, thiếu tệp hoặc sai thông số). "
                    "Hôm nay phát chương trình THAY THẾ ghi trong bảng dưới đây."
                )
            _clean_leftovers(station)
            _write_day(station, day, plan, warning=warning, now=now)
    return ReadinessReport(start=now, end=end, checks=checks, applied=apply)
