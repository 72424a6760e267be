"""Readiness of the coming airings (check_air) and what airs when the month's programme cannot.

`check_air` checks every airing of a window against its day folder and the approved
programme, repairs what can be repaired from the good programme, and otherwise falls back to
the last approved earlier programme, else to the standing notice (a short spoken notice made
offline with espeak-ng and mastered like a programme).
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import COMM, ID3, TALB, TIT2, TLAN, TPE1
from mutagen.mp3 import MP3

from broadcast.calendar import TZ, local
from broadcast.config import EngineSpec, Station
from broadcast.errors import EnvironmentProblem, ScheduleError
from broadcast.fsutil import atomic_path
from broadcast.models.schedule import AirCheck, AudioSource, ReadinessReport, ScheduledAiring
from broadcast.render.text import mmss
from broadcast.schedule import (
    DayPlan,
    clean_day_leftovers,
    day_file,
    expected_airings,
    programme_source,
    read_playlist,
    remove_unplanned_days,
    same_audio,
    schedule_month,
    unplanned_days,
    write_day,
)

log = logging.getLogger(__name__)
cmd_log = logging.getLogger("broadcast.commands")

NOTICE_TITLE = "Thông báo chuyên mục Cải cách hành chính"
_DURATION_TOLERANCE_S = 1.5


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
        from broadcast.voice import VoiceRequest, synthesize  # noqa: PLC0415 - ~0.2 s (spoken forms, engines)

        offline = replace(
            station,
            voice=replace(
                station.voice, main=[EngineSpec("espeak-ng", {"voice": "vi"})], second=[], fallback=True
            ),
        )
        return Path(synthesize([VoiceRequest(text=text)], offline).clips[0].path)
    except Exception as exc:  # noqa: BLE001 - the notice must be made whatever the voice stage does
        log.warning(
            "không đọc được thông báo thay thế bằng giọng của đài (%s); dùng espeak-ng trực tiếp", exc
        )
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
    from broadcast.audiotools import run_ffmpeg  # noqa: PLC0415 - numpy; only the notice needs it
    from broadcast.loudness import measure_file  # noqa: PLC0415 - numpy/scipy; only the notice needs it

    a = station.audio
    limit = 10 ** ((a.true_peak_dbtp - 1.0) / 20)  # 1 dB under the ceiling: MP3 coding overshoots
    gain = a.target_lufs - measure_file(speech).lufs
    for _ in range(4):
        run_ffmpeg(
            [
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(speech),
                "-af",
                f"volume={gain:.2f}dB,alimiter=limit={limit:.4f}:level=false:attack=1:release=50",
                "-ar",
                str(a.sample_rate),
                "-ac",
                "1",
                "-b:a",
                f"{a.bitrate_kbps}k",
                "-f",
                "mp3",
                str(out),
            ],
            what="tạo thông báo dự phòng",
            file=out,
        )
        error = a.target_lufs - measure_file(out).lufs
        if abs(error) <= 0.3:
            break
        gain += error
    tags = ID3()
    tags.add(TIT2(encoding=3, text=[NOTICE_TITLE]))
    tags.add(TPE1(encoding=3, text=[station.name]))
    tags.add(TALB(encoding=3, text=[station.programme_title]))
    tags.add(TLAN(encoding=3, text=["vie"]))
    tags.add(
        COMM(
            encoding=3, lang="vie", desc="", text=["Thông báo phát thay khi chưa có chương trình của tháng."]
        )
    )
    tags.save(str(out), v2_version=3)


def standing_notice(station: Station) -> AudioSource:
    """The short standing CCHC notice, made once with espeak-ng and cached under .broadcast/.

    Mastered like a programme: the station's loudness target, true-peak ceiling, ID3 title.
    """
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
        raise EnvironmentProblem(
            "không tạo được thông báo dự phòng đọc được.",
            file=path,
            hint="Kiểm tra ffmpeg và espeak-ng, ổ đĩa còn chỗ trống, rồi chạy lại.",
        )
    return AudioSource(path=path, title=NOTICE_TITLE, duration_s=length, month=None)


def _mp3_length(path: Path) -> float:
    """Length of an MP3 file in seconds (raises MutagenError/OSError if it cannot be read)."""
    info = MP3(path).info
    return float(info.length) if info is not None else 0.0


def _notice_length(path: Path) -> float | None:
    """Length of the cached notice MP3, or None if it is not a readable regular MP3 file."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        length = _mp3_length(path)
    except (MutagenError, OSError, ValueError):
        return None
    return length if length > 0.5 else None


# --------------------------------------------------------------------------- readiness


def _file_problems(station: Station, airing: ScheduledAiring, source: AudioSource | None) -> list[str]:
    problems = []
    folder = station.store.day_dir(airing.date)
    if airing.items and folder.is_dir():
        # What the operator plays is the playlist: it must list exactly the scheduled files.
        playlist = folder / f"{station.slot(airing.slot).hhmm}.m3u8"
        listed = read_playlist(playlist)
        if listed != [Path(i.file).name for i in airing.items]:
            problems.append(f"danh sách phát {station.store.rel(playlist)} thiếu hoặc hỏng.")
    for item in airing.items:
        try:
            path = day_file(station, item.file, station.store.schedule_path(f"{airing.date:%Y-%m}"))
        except ScheduleError as exc:
            problems.append(f"{exc.where()}: {exc.message}")
            continue
        if not path.exists():
            problems.append(f"thiếu tệp {item.file}.")
            continue
        try:
            length = _mp3_length(path)
        except (MutagenError, OSError) as exc:
            problems.append(f"tệp {item.file} không đọc được ({exc}).")
            continue
        if source is not None:
            if abs(length - source.duration_s) > _DURATION_TOLERANCE_S:
                problems.append(
                    f"tệp {item.file} dài {mmss(length)}, khác chương trình ({mmss(source.duration_s)})."
                )
            elif source.month is not None and not same_audio(path, source.path):
                problems.append(f"tệp {item.file} khác tệp chương trình hiện tại (cần xếp lịch lại).")
    return problems


def last_good_programme(station: Station, before: str, slot_min: float) -> AudioSource | None:
    """The latest earlier month whose programme passes every check and fits the slots."""
    months = [m for m in reversed(station.store.programme_months()) if m < before]
    for m in months:
        try:
            src, problems = programme_source(station, m)
        except Exception as exc:  # noqa: BLE001 - a broken old month must not stop the fallback search
            log.info("bỏ qua tháng %s khi tìm chương trình thay thế: %s", m, exc)
            continue
        if src is not None and src.duration_s <= slot_min * 60 + 0.5:
            return src
    return None


_Checked = tuple[ScheduledAiring, AirCheck, AudioSource | None]  # an airing, its check, its good programme

_SUBSTITUTE_WARNING = (
    "CHÚ Ý: chương trình của tháng chưa sẵn sàng (chưa duyệt, thiếu tệp hoặc sai thông số). "
    "Hôm nay phát chương trình THAY THẾ ghi trong bảng dưới đây."
)


def _check_month(station: Station, month: str, now: datetime, end: date, apply: bool) -> list[_Checked]:
    """Check the month's airings from `now` to the end of `end`.

    With `apply`, a killed schedule run is finished and a good unscheduled programme scheduled.
    """
    source, problems = programme_source(station, month)
    airings, scheduled = expected_airings(station, month)
    notes: list[str] = []
    if scheduled and apply and unplanned_days(station, month, {a.date for a in airings}):
        # A `schedule` killed after writing the new plan: finish it, never revive an old day.
        remove_unplanned_days(station, month, {a.date for a in airings})
        notes.append(f"đã xóa thư mục ngày không còn trong lịch phát tháng {month}.")
    if not scheduled and source is not None and apply and airings:
        try:
            airings, scheduled = schedule_month(station, month, now=now).airings, True
            notes.append(f"tháng {month} chưa được xếp lịch: đã xếp lịch và chuẩn bị thư mục.")
        except ScheduleError as exc:
            problems = problems + [exc.message]
            source = None
    window = [
        a
        for a in airings
        if now.date() <= a.date <= end
        and datetime.combine(a.date, station.slot(a.slot).start, tzinfo=TZ) >= now
    ]
    out: list[_Checked] = []
    for a in window:
        fallback_title = source.title if source else f"Chuyên mục CCHC tháng {month}"
        title = a.items[0].title if a.items else fallback_title
        check = AirCheck(a.date, a.slot, a.start, title, problems=list(problems), notes=list(notes))
        if not scheduled:
            check.problems.insert(
                0,
                f"tháng {month} chưa được xếp lịch phát (chưa có {station.store.rel(station.store.schedule_path(month))}).",
            )
        else:
            file_problems = _file_problems(station, a, source)
            if file_problems and source is not None and apply:
                check.notes += file_problems + ["đã chuẩn bị lại thư mục ngày từ chương trình đã duyệt."]
                check.repaired = True
            else:
                check.problems += file_problems
        out.append((a, check, source))
    return out


def _day_plan(
    station: Station, day: date, checked: list[_Checked], notice: Callable[[], AudioSource]
) -> DayPlan:
    """What the day folder must play: the good programme, else a fallback (recorded on the check)."""
    plan: DayPlan = []
    for a, c, source in checked:
        slot = station.slot(a.slot)
        if c.ok and source is not None:
            plan.append((slot, [source]))
            continue
        sub = last_good_programme(station, f"{day:%Y-%m}", slot.length_min)
        if sub is None:
            sub = notice()
            c.substitute = "notice"
        else:
            c.substitute = f"programme {sub.month}"
        c.substitute_title = sub.title
        plan.append((slot, [sub]))
    return plan


def check_air(station: Station, now: datetime, days: int = 1, *, apply: bool = True) -> ReadinessReport:
    """Readiness of every airing from `now` to the end of the day `days` days later.

    Checks the file in the day folder, its duration, the programme's loudness and the
    approval (script hash == programme's script hash == approved hash). With `apply`, a
    good programme that is merely unscheduled or missing from a day folder is put in
    place; an airing whose programme is not good falls back to the last approved earlier
    programme, else to the standing notice, and its day folder is rebuilt with it.
    """
    now = local(now)
    end = now.date() + timedelta(days=max(0, days))
    months = sorted({f"{now.date() + timedelta(days=i):%Y-%m}" for i in range((end - now.date()).days + 1)})
    by_day: dict[date, list[_Checked]] = {}
    for month in months:
        for entry in _check_month(station, month, now, end, apply):
            by_day.setdefault(entry[0].date, []).append(entry)
    checks = [c for day in sorted(by_day) for _, c, _ in by_day[day]]

    made: list[AudioSource] = []  # the standing notice, made at most once per run

    def notice() -> AudioSource:
        if not made:
            made.append(standing_notice(station))
        return made[0]

    for day, checked in sorted(by_day.items()):
        if all(c.ok and not c.repaired for _, c, _ in checked):
            continue
        plan = _day_plan(station, day, checked, notice)
        substituted = any(c.substitute for _, c, _ in checked)
        if substituted:
            log.info("ngày %s chưa sẵn sàng; phát thay: %s", day, [c.substitute for _, c, _ in checked])
        if apply:
            clean_day_leftovers(station)
            write_day(station, day, plan, warning=_SUBSTITUTE_WARNING if substituted else None, now=now)
    return ReadinessReport(start=now, end=end, checks=checks, applied=apply)
