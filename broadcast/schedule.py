"""On air: schedule a month (schedules/YYYY-MM.yaml, .ics), build the operators' day folders,
and read a day's running order back from the schedule and the day folder.

The calendar rule is broadcast/calendar.py; the formats are written by broadcast/render/
(ics, m3u8, sheet); readiness and fallbacks (check_air, the standing notice) are
broadcast/readiness.py.

Daily folders (docs/architecture.md) are built in a temporary folder and renamed into place, so each
``audio_out/days/YYYY-MM-DD/`` is complete or absent. Playlists are UTF-8 without BOM with
CRLF line endings (Windows players and consoles read them; Linux players ignore the CR).
"""

from __future__ import annotations

import filecmp
import logging
import os
import re
import shutil
import time as time_module
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from mutagen import MutagenError
from mutagen.mp3 import MP3

from broadcast.calendar import TZ, local, month_calendar
from broadcast.config import Slot, Station, validate_month
from broadcast.errors import NextStep, ScheduleError
from broadcast.fsutil import (
    atomic_dir,
    atomic_write_bytes,
    atomic_write_text,
    clean_leftovers,
    inside,
    killpoint,
    read_state_bytes,
    remove_tree,
)
from broadcast.models.schedule import (
    AudioSource,
    MonthSchedule,
    PlayItem,
    RunningItem,
    ScheduledAiring,
)
from broadcast.production.manifest import file_problem, read_approval
from broadcast.production.manifest import read_manifest as read_manifest_in
from broadcast.render import ics, m3u8
from broadcast.render.daytext import day_text
from broadcast.render.sheet import RUNNING_ORDER, SheetRow, running_order_sheet
from broadcast.render.text import mmss
from broadcast.script import Script, fold, read_script
from broadcast.yamlio import load_yaml

if TYPE_CHECKING:
    from broadcast.models.programme import Manifest

log = logging.getLogger(__name__)

_DAY_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_FILE = re.compile(r"^(\d{4})-(\d{2})-.+\.mp3$")  # HHMM-NN-title.mp3 inside a day folder
_LOUDNESS_TOLERANCE_LU = 1.0
_LEFTOVER_AGE_S = 600  # temp day folders older than this are a killed run's leftovers


# --------------------------------------------------------------------------- names


def slugify(text: str, max_len: int = 48) -> str:
    """ASCII file-name form of a Vietnamese title: no diacritics (đ -> d), lower case, '-'."""
    # NFKC first so compatibility characters (², ½, ﬁ) keep their ASCII digits and letters.
    text = fold(unicodedata.normalize("NFKC", text)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if len(text) > max_len:
        cut = text[:max_len]
        text = cut.rsplit("-", 1)[0] if "-" in cut else cut
    return text or "chuong-trinh"


def _file_name(slot: Slot, order: int, title: str) -> str:
    """The name of a file in a day folder: slot time, position, title (plays in name order)."""
    return f"{slot.hhmm}-{order:02d}-{slugify(title)}.mp3"


# --------------------------------------------------------------------------- the stored schedule


def read_schedule(station: Station, month: str) -> MonthSchedule | None:
    """The stored schedule of a month, or None if the month has not been scheduled."""
    path = station.store.schedule_path(month)
    if not path.exists():
        return None
    hint = "Xóa tệp rồi xếp lại lịch phát của tháng."
    try:
        data = load_yaml(path, error=ScheduleError).data  # the package's safe, limited YAML reader
        return MonthSchedule.from_dict(data)
    except ScheduleError as exc:
        raise ScheduleError(
            f"tệp lịch phát bị hỏng ({exc.message}).",
            file=path,
            line=exc.line,
            hint=hint,
            next_step=NextStep("schedule", month=month),
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ScheduleError(
            f"tệp lịch phát bị hỏng ({exc}).",
            file=path,
            hint=hint,
            next_step=NextStep("schedule", month=month),
        ) from None


def expected_airings(station: Station, month: str) -> tuple[list[ScheduledAiring], bool]:
    """The month's airings from its schedule (True), else from the calendar with no items (False)."""
    sched = read_schedule(station, month)
    if sched is not None:
        return sched.airings, True
    try:
        cal = month_calendar(station, month)
    except ScheduleError:
        return [], False
    return [ScheduledAiring(d, s, f"{station.slot(s).start:%H:%M}", []) for d, s in cal.airings], False


# --------------------------------------------------------------------------- programme sources


def read_manifest(station: Station, month: str) -> Manifest | None:
    """The month's programme manifest, or None."""
    return read_manifest_in(station.store.programme_dir(month))


def _read_script(station: Station, month: str) -> Script | None:
    path = station.store.script_path(month)
    return read_script(path) if path.exists() else None


def approval_problem(station: Station, month: str, manifest: Manifest | None) -> str | None:
    """Why the month's programme may not go on air (Vietnamese), or None if it may.

    The approved programme carries its own approval record (audio_out/YYYY-MM/approval.json,
    written when an approved script was produced or its listening copy promoted): it airs
    on that record, whatever drafts of the script exist meanwhile. A programme from before
    the record existed is checked against the script file as it is now.
    """
    record = read_approval(station.store.programme_dir(month)) if manifest is not None else None
    if record is not None and manifest is not None:
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
    approved = script.meta.get("approved_sha256")
    if manifest.script_sha256 != script.body_sha256 or approved != manifest.script_sha256:
        return f"tệp âm thanh tháng {month} được dựng từ một bản kịch bản khác bản đã duyệt."
    return None


def programme_path(station: Station, month: str, manifest: Manifest) -> Path:
    """The programme file a manifest names, checked to be inside the month's folder."""
    folder = station.store.programme_dir(month)
    return inside(folder, manifest.file, source=station.store.manifest_path(month), error=ScheduleError)


def day_file(station: Station, relpath: str, source: Path) -> Path:
    """A day-folder file named by the schedule, checked to be under audio_out/days/."""
    return inside(station.store.days_dir, relpath, base=station.dir, source=source, error=ScheduleError)


def programme_source(station: Station, month: str) -> tuple[AudioSource | None, list[str]]:
    """The month's programme if it may go on air, else the list of problems."""
    manifest = read_manifest(station, month)
    problems: list[str] = []
    if manifest is None:
        return None, [
            f"chưa có chương trình tháng {month} ({station.store.rel(station.store.manifest_path(month))})."
        ]
    try:  # manifest.json names the file: it must stay in the month's folder (no ../, no link out)
        path = programme_path(station, month, manifest)
    except ScheduleError as exc:
        return None, [f"{exc.where()}: {exc.message}"]
    damaged = file_problem(station.store.programme_dir(month), manifest)
    if damaged:
        problems.append(f"{station.store.rel(station.store.programme_dir(month))}/: {damaged}")
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
    return AudioSource(path=path, title=title, duration_s=float(manifest.duration_s), month=month), []


def _check_slot_lengths(station: Station, source: AudioSource, slot_ids: set[str]) -> None:
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


def same_audio(a: Path, b: Path) -> bool:
    """True if `a` and `b` hold the same audio: the same hard-linked file, or equal bytes.

    Size and duration are not enough: a programme re-made after a one-word edit usually has
    the same length and (CBR MP3) the same size, and production replaces the MP3 by rename,
    so a day folder's hard link keeps the old audio until the month is scheduled again.
    """
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


_MARK_FALLBACK_VOICE = (
    "Đọc bằng GIỌNG DỰ PHÒNG (giọng máy, không có mạng hoặc giọng chính lỗi): nghe thử trước khi phát."
)
_MARK_EXAMPLE_FIGURES = "Có SỐ LIỆU VÍ DỤ, không phải số liệu thật của địa phương."
_MARK_NOTICE = "Thông báo phát thay (chưa có chương trình của tháng)."


def _source_marks(station: Station, src: AudioSource) -> list[str]:
    """What the operator must know about a file: fallback voice, example figures, a notice."""
    if src.month is None:
        return [_MARK_NOTICE]
    marks = []
    try:
        manifest = read_manifest(station, src.month)
        if manifest is not None and manifest.degraded:
            marks.append(_MARK_FALLBACK_VOICE)
        script = _read_script(station, src.month)
    except Exception as exc:  # noqa: BLE001 - a mark is information; it must never stop the day folder
        log.info("không đọc được thông tin chương trình tháng %s cho tờ lịch: %s", src.month, exc)
        return marks
    if script is not None and script.meta.get("example_figures_confirmed"):
        marks.append(_MARK_EXAMPLE_FIGURES)
    return marks


DayPlan = list[tuple[Slot, list[AudioSource]]]  # what a day folder plays: per slot, its files in order


def _day_airings(station: Station, day: date, plan: DayPlan) -> list[ScheduledAiring]:
    """The airings `write_day` will write for `day` (same names), without touching a file."""
    rel_dir = station.store.rel(station.store.day_dir(day))
    return [
        ScheduledAiring(
            day,
            slot.id,
            f"{slot.start:%H:%M}",
            [
                PlayItem(
                    file=f"{rel_dir}/{_file_name(slot, nn, src.title)}",
                    title=src.title,
                    duration_s=src.duration_s,
                )
                for nn, src in enumerate(sources, start=1)
            ],
        )
        for slot, sources in sorted(plan, key=lambda p: p[0].start)
    ]


def write_day(
    station: Station, day: date, plan: DayPlan, *, warning: str | None = None, now: datetime | None = None
) -> list[ScheduledAiring]:
    """Build one daily folder whole (temp folder + rename) and return its airings."""
    target = station.store.day_dir(day)
    airings = _day_airings(station, day, plan)
    sources = {slot.id: srcs for slot, srcs in plan}
    rows: list[SheetRow] = []
    with atomic_dir(target) as tmp:  # readable by the operators' accounts (atomic_dir sets the mode)
        for airing in airings:
            slot = station.slot(airing.slot)
            entries: list[tuple[str, PlayItem]] = []
            for nn, (src, item) in enumerate(zip(sources[slot.id], airing.items, strict=True), start=1):
                name = Path(item.file).name
                _link_or_copy(src.path, tmp / name)
                entries.append((name, item))
                rows.append(SheetRow(slot, nn, name, item, _source_marks(station, src)))
            (tmp / f"{slot.hhmm}.m3u8").write_bytes(m3u8.playlist(entries))
        page = running_order_sheet(station, day, rows, warning, local(now or datetime.now(TZ)))
        (tmp / RUNNING_ORDER).write_text(page, encoding="utf-8")
    return airings


def clean_day_leftovers(station: Station) -> None:
    """Remove temp folders a killed run left behind (hidden names; never a visible day).

    Only folders untouched for a while: a fresh one may belong to a run still working
    (an operator's `broadcast schedule` while the daemon prepares a day).
    """
    if not station.store.days_dir.is_dir():
        return
    clean_leftovers(station.store.days_dir, older_than=time_module.time() - _LEFTOVER_AGE_S)


def _remove_day(path: Path) -> None:
    """Remove a day folder so that it is never seen half-deleted (a symlink: only the link)."""
    aside = path.with_name(f".{path.name}.gone.tmp")
    remove_tree(aside)
    os.replace(path, aside)
    remove_tree(aside)


def remove_unplanned_days(station: Station, month: str, planned: set[date]) -> None:
    """Remove the month's day folders that the schedule no longer plans."""
    if not station.store.days_dir.is_dir():
        return
    for p in sorted(station.store.days_dir.iterdir()):
        if (
            _DAY_DIR.match(p.name)
            and p.name.startswith(month + "-")
            and date.fromisoformat(p.name) not in planned
        ):
            log.info("removing day folder that no longer airs: %s", p)
            _remove_day(p)
        elif (
            p.name.startswith(f".{month}-")
            and p.name.endswith(".old")
            and _DAY_DIR.match(p.name[1:-4])
            and date.fromisoformat(p.name[1:-4]) not in planned
        ):
            remove_tree(p)  # a killed swap's old copy of a day no longer planned: never put back


def unplanned_days(station: Station, month: str, planned: set[date]) -> list[Path]:
    """The month's day folders that the schedule does not plan (a killed schedule's leftovers)."""
    if not station.store.days_dir.is_dir():
        return []
    return [
        p
        for p in station.store.days_dir.iterdir()
        if _DAY_DIR.match(p.name)
        and p.name.startswith(month + "-")
        and date.fromisoformat(p.name) not in planned
    ]


# --------------------------------------------------------------------------- schedule a month


def _not_schedulable(station: Station, month: str, problems: list[str]) -> ScheduleError:
    """The error for a month whose programme may not air: approval problems first, with the fix."""
    manifest = read_manifest(station, month)
    why = approval_problem(station, month, manifest)
    if why is None:
        return ScheduleError(
            "không xếp lịch phát: " + " ".join(problems),
            file=station.store.manifest_path(month),
            hint="Dựng lại chương trình của tháng.",
            next_step=NextStep("make", month=month),
        )
    who = "Lãnh đạo đơn vị (hoặc người được giao duyệt nội dung)"
    step = NextStep("make", month=month)
    if not station.store.script_path(month).exists():
        hint = "Soạn và dựng chương trình của tháng trước."
    elif manifest is None:
        hint = "Dựng chương trình của tháng trước."
    else:
        hint = f"{who} nghe lại chương trình rồi duyệt kịch bản; sau đó dựng lại chương trình của tháng."
        step = NextStep("approve", month=month)
    return ScheduleError(
        f"không xếp lịch phát: {why}", file=station.store.script_path(month), hint=hint, next_step=step
    )


def _write_plan(station: Station, sched: MonthSchedule, now: datetime) -> dict[Path, bytes | None]:
    """Write schedules/YYYY-MM.yaml and .ics; return what they held before (None: absent)."""
    month = sched.month
    header = (
        f"# Lịch phát chuyên mục CCHC tháng {month} — tạo bởi 'broadcast schedule', đừng sửa tay.\n"
        "# Sửa station.yaml (slots, airing) rồi chạy lại lệnh để đổi lịch.\n"
    )
    body = yaml.safe_dump(sched.to_dict(), allow_unicode=True, sort_keys=False)
    yaml_path, ics_path = station.store.schedule_path(month), station.store.ics_path(month)
    before = {p: p.read_bytes() if p.is_file() else None for p in (yaml_path, ics_path)}
    previous = ics.previous_events(before[ics_path])
    atomic_write_bytes(ics_path, ics.month_ics(station, sched, now, previous))
    atomic_write_text(yaml_path, header + body)
    return before


def schedule_month(station: Station, month: str, *, now: datetime | None = None) -> MonthSchedule:
    """Write schedules/YYYY-MM.yaml and .ics and the month's daily folders; return the schedule.

    Only an approved programme is scheduled. Day folders of the month that no longer air
    are removed; the others are replaced whole under the same file names.
    """
    now = local(now or datetime.now(TZ))
    month = validate_month(month)
    source, problems = programme_source(station, month)
    if source is None:
        raise _not_schedulable(station, month, problems)
    cal = month_calendar(station, month)
    _check_slot_lengths(station, source, {s for _, s in cal.airings})

    clean_day_leftovers(station)
    by_day: dict[date, list[Slot]] = {}
    for d, sid in cal.airings:
        by_day.setdefault(d, []).append(station.slot(sid))
    plans: dict[date, DayPlan] = {d: [(s, [source]) for s in slots] for d, slots in sorted(by_day.items())}
    airings: list[ScheduledAiring] = []
    for d, plan in plans.items():
        airings += _day_airings(station, d, plan)

    # One transaction, plan first: the new schedule (.yaml, .ics) is written before any day
    # folder changes, so after a kill at any point the stored plan is the new one. Then every
    # planned day is (re)built whole, and last the month's days it no longer plans are
    # removed. A re-run, check-air or is_scheduled's check finishes a killed run; a run that
    # fails (disk full) puts the previous plan back before it reports the error.
    sched = MonthSchedule(month=month, station=station.name, airings=airings, skipped=cal.skipped)
    before = _write_plan(station, sched, now)
    killpoint("schedule-plan-written")
    try:
        for d, plan in plans.items():
            write_day(station, d, plan, now=now)
    except BaseException:
        for p, data in before.items():
            if data is None:
                p.unlink(missing_ok=True)
            else:
                atomic_write_bytes(p, data)
        raise
    killpoint("schedule-days-written")
    remove_unplanned_days(station, month, set(by_day))
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
    manifest = read_manifest(station, month)
    if manifest is None:
        return False
    try:
        programme = programme_path(station, month, manifest)
        paths = {
            item.file: day_file(station, item.file, station.store.schedule_path(month))
            for a in sched.airings
            for item in a.items
        }
    except ScheduleError:
        return False
    if not programme.exists():
        return False
    if unplanned_days(station, month, {a.date for a in sched.airings}):
        return False  # a schedule killed before it removed the days it no longer plans
    for a in sched.airings:
        for item in a.items:
            p = paths[item.file]
            if abs(item.duration_s - manifest.duration_s) > 0.05 or not same_audio(p, programme):
                return False
    return True


# --------------------------------------------------------------------------- running order


def read_playlist(path: Path) -> list[str]:
    """The file names a day playlist lists ([] if missing or unreadable; damage is logged)."""
    data = read_state_bytes(path, max_bytes=1_000_000)
    if data is None:
        return []
    text = data.decode("utf-8", errors="replace")
    if "\ufffd" in text or "\x00" in text:
        log.warning("danh sách phát %s có ký tự hỏng", path)
    return m3u8.listed_files(text)


def _day_listing(folder: Path) -> dict[str, list[str]]:
    """The programme files of a day folder by slot time "HHMM", in playing (name) order.

    Only regular files inside the folder count (a link leading out is not a file of the day).
    """
    out: dict[str, list[str]] = {}
    if not folder.is_dir():
        return out
    for p in sorted(folder.iterdir()):
        match = _DAY_FILE.match(p.name)
        if not match:
            continue
        try:
            if not inside(folder, p.name, source=folder, error=ScheduleError).is_file():
                continue
        except ScheduleError as exc:
            log.warning("%s", exc)
            continue
        out.setdefault(match.group(1), []).append(p.name)
    return out


def _file_title_and_length(path: Path) -> tuple[str, float]:
    """Title (ID3 title, else the file name) and length of a file the schedule does not name."""
    title, length = "", 0.0
    try:
        audio = MP3(path)
        length = float(audio.info.length) if audio.info is not None else 0.0
        frame = audio.tags.get("TIT2") if audio.tags is not None else None
        title = str(frame.text[0]) if frame is not None and frame.text else ""
    except (MutagenError, OSError, ValueError) as exc:
        log.warning("không đọc được thông tin tệp %s: %s", path, exc)
    return title or path.stem.split("-", 2)[-1], length


def day_running_order(station: Station, day: date) -> list[RunningItem]:
    """What the operator plays on `day`: the schedule's items, checked against the day folder.

    A slot whose folder files are the scheduled ones lists the schedule's items (present when
    the file is in the folder and in the slot's playlist). A slot holding other files (a
    fallback put there by check_air) lists those files as substitutes, titled by their tags.
    """
    sched = read_schedule(station, f"{day:%Y-%m}")
    planned = {a.slot: a for a in (sched.airings if sched else []) if a.date == day}
    folder = station.store.day_dir(day)
    listing = _day_listing(folder)
    others = dict(listing)  # folder files not accounted for by the schedule, by slot time
    slots_by_time = {s.hhmm: s for s in station.slots}
    rows: list[tuple[str, str, str, list[tuple[str, str, float]], set[str]]] = []
    for slot_id, a in planned.items():
        slot = station.slot(slot_id)
        names = [Path(i.file).name for i in a.items]
        if any(n not in names for n in listing.get(slot.hhmm, [])):  # something else: a fallback
            continue
        others.pop(slot.hhmm, None)
        files = [(n, i.title, i.duration_s) for n, i in zip(names, a.items, strict=True)]
        rows.append((slot.hhmm, slot.id, slot.name, files, set(names)))
    for hhmm, names in others.items():
        known = slots_by_time.get(hhmm)
        files = [(n, *_file_title_and_length(folder / n)) for n in names]
        rows.append((hhmm, known.id if known else hhmm, known.name if known else hhmm, files, set()))
    items: list[RunningItem] = []
    for hhmm, slot_id, slot_name, files, scheduled in sorted(rows, key=lambda r: r[0]):
        # What the operator plays is the slot's playlist: a file counts only if it lists it.
        playable = set(read_playlist(folder / f"{hhmm}.m3u8")) & set(listing.get(hhmm, []))
        for order, (name, title, secs) in enumerate(files, start=1):
            items.append(
                RunningItem(
                    date=day,
                    slot=slot_id,
                    slot_name=slot_name,
                    start=f"{hhmm[:2]}:{hhmm[2:]}",
                    order=order,
                    title=title,
                    duration_s=secs,
                    file=name,
                    present=name in playable,
                    substitute=name not in scheduled,
                )
            )
    return items


def missing_airings(station: Station, day: date, items: list[RunningItem]) -> list[ScheduledAiring]:
    """Airings planned on `day` (schedule, else the station's calendar) that have nothing to play."""
    try:
        planned, _ = expected_airings(station, f"{day:%Y-%m}")
    except ScheduleError:
        planned = []
    covered = {it.slot for it in items}
    return [a for a in planned if a.date == day and (not a.items or a.slot not in covered)]


def render_day(
    station: Station,
    day: date,
    items: list[RunningItem],
    missing: list[ScheduledAiring] | None = None,
    *,
    command: Callable[[NextStep], str] | None = None,
) -> str:
    """The running order of a day as terminal text (broadcast/render/daytext.py), with its folder."""
    folder = station.store.day_dir(day)
    return day_text(
        station,
        day,
        items,
        missing,
        folder=station.store.rel(folder),
        prepared=folder.is_dir(),
        command=command,
    )
