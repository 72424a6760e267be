"""The pipeline: the stages in order, and the glue that turns a script into a programme.

`STAGES` lists the main job's stages; `make()` runs them for one month, skipping what is
already done and still valid, so a re-run resumes instead of starting over.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from filelock import FileLock, Timeout

from broadcast.audiotools import find_ffmpeg
from broadcast.calendar import month_calendar
from broadcast.check import check_script, normalizer_for
from broadcast.config import EngineSpec, Station, engine_option_problem, known_engines, validate_month
from broadcast.errors import NextStep, ScriptError
from broadcast.events import Progress
from broadcast.fsutil import atomic_dir, atomic_write_text, clean_leftovers, killpoint, remove_tree
from broadcast.models.programme import Event, Manifest, ProgrammePlan
from broadcast.production.manifest import (
    APPROVAL_NAME,
    approval_files,
    file_problem,
    read_approval,
    read_manifest,
    read_settings_fingerprint,
    settings_fingerprint,
)
from broadcast.production.produce import produce
from broadcast.readings import (
    HUMAN_ENGINE,
    Reading,
    reading_warnings,
    readings_fingerprint,
    split_segment,
    usable_readings,
)
from broadcast.schedule import is_scheduled, programme_source, schedule_month
from broadcast.script import Item, Script, approve, demote_if_edited, read_script, render_script
from broadcast.voice import Clip, VoiceRequest, VoiceResult, primary_usable, synthesize

log = logging.getLogger(__name__)


@dataclass
class MakeResult:
    """What one run of the main job did, for the summary and for automation."""

    month: str
    script: Path
    rendered: bool = False
    approved: bool = False
    auto_approved: bool = False
    produced: bool = False
    manifest: Manifest | None = None
    scheduled: bool = False
    airings: int = 0
    days: list[date] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    next_steps: list[NextStep] = field(default_factory=list)
    """What a person should do next (approve, check…), for each front end to word."""
    folder: Path | None = None  # where the manifest is: audio_out/YYYY-MM or drafts/YYYY-MM
    listening_copy: bool = False  # the folder is the draft's listening copy (never aired)
    can_air: bool = False  # the month has an approved, scheduled programme after the run
    airing_version: str | None = None  # "approved earlier" when a draft waits and the old version airs


#: `broadcast make` exits with this code when the month it made cannot air (README, operators.md).
EXIT_CANNOT_AIR = 3


def next_month(today: date) -> str:
    """The month after `today`, as YYYY-MM."""
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return f"{year:04d}-{month:02d}"


def months_to_make(station: Station, today: date) -> list[str]:
    """What `make` without --month makes: the rest of this month if it has airings left and
    no scheduled programme (a new station's first month), then next month."""
    current = f"{today:%Y-%m}"
    months = []
    if any(day >= today for day, _ in month_calendar(station, current).airings) and not is_scheduled(
        station, current
    ):
        months.append(current)
    months.append(next_month(today))
    return months


def station_for_script(station: Station, script) -> Station:
    """The station with the script's own `voice:` (front matter) as its main voice chain.

    `voice: espeak-ng` or a list (`[piper, espeak-ng]` or `- engine: …` mappings) replaces
    the main chain for this month only; absent or null keeps the station's chain.
    """
    override = script.meta.get("voice")
    if not override:
        return station

    items = override if isinstance(override, list) else [override]
    line = script.meta_lines.get("voice")
    specs = []
    for item in items:
        spec = dict(item) if isinstance(item, dict) else {"engine": str(item)}
        name = str(spec.pop("engine", ""))
        if name not in known_engines():
            raise ScriptError(
                f"không có bộ đọc tên '{name}' trong mục 'voice'.",
                file=script.path,
                line=line,
                field="voice",
                hint="Các bộ đọc có sẵn: " + ", ".join(known_engines()) + "; hoặc xóa mục 'voice'.",
            )
        for key, value in spec.items():  # the same checks as station.yaml (ranges, binary)
            problem = engine_option_problem(name, str(key), value, station.dir)
            if problem:
                raise ScriptError(
                    f"mục 'voice', tùy chọn '{key}': {problem[0]}",
                    file=script.path,
                    line=line,
                    field="voice",
                    hint=problem[1] or None,
                )
        specs.append(EngineSpec(name, spec, line))
    return replace(station, voice=replace(station.voice, main=specs))


def _cue_events(items: list[Item], seg_index: int) -> list[Event]:
    """The production events of script cues (gain is not an event: it changes speech gain)."""
    out = []
    for item in items:
        if item.cue in ("intro", "stinger", "outro"):
            out.append(Event(kind="jingle", segment=seg_index, jingle=item.cue))
        elif item.cue == "pause":
            out.append(Event(kind="pause", segment=seg_index, seconds=float(item.arg or 0.0)))
        elif item.cue in ("bed_on", "bed_off"):
            out.append(Event(kind="bed", segment=seg_index, bed=item.cue == "bed_on"))
    return out


def build_plan(
    station: Station,
    script,
    *,
    progress: Callable[[int, int], None] | None = None,
    readings: dict[int, Reading] | None = None,
):
    """Spoken form + voice for every sentence of `script`, arranged as a production plan.

    `readings` (0-based segment index -> a person's reading) replaces the script's own current
    readings; a one-segment preview passes the reading of the segment it voices.
    """

    station = station_for_script(station, script)
    normalizer = normalizer_for(station)
    requests: list[VoiceRequest] = []
    # Events are built with placeholders for speech; clips are filled in after synthesis.
    events: list[Event] = []
    speech_slots: list[int] = []
    # segments a person read (broadcast/readings.py)
    human = usable_readings(station.store, script) if readings is None else readings
    for seg_index, segment in enumerate(script.segments):
        gain = 0.0
        if seg_index in human:
            reading = human[seg_index]
            split = split_segment(segment)
            events.extend(_cue_events(split.before, seg_index))
            wav = station.store.readings_month_dir(script.month) / reading.file
            clip = Clip(wav, reading.duration_s, HUMAN_ENGINE, station.store.rel(wav), True, False)
            events.append(
                Event(
                    kind="speech",
                    segment=seg_index,
                    clip=clip,
                    pause_after="paragraph",
                    gain_db=split.gain_db,
                )
            )
            events.extend(_cue_events(split.after, seg_index))
            continue
        for item in segment.items:
            if item.kind == "cue":
                events.extend(_cue_events([item], seg_index))
                if item.cue == "gain":
                    gain = float(item.arg)
                continue
            utterances = normalizer.utterances(item.text)
            for i, utt in enumerate(utterances):
                if not utt.text.strip(" .,;:?!"):
                    continue
                last = i == len(utterances) - 1
                pause = "paragraph" if last else utt.pause
                speech_slots.append(len(events))
                requests.append(VoiceRequest(text=utt.text, role=item.voice))
                events.append(Event(kind="speech", segment=seg_index, pause_after=pause, gain_db=gain))
    if not requests and not human:
        raise ScriptError(
            "kịch bản không có câu nào để đọc.",
            file=script.path,
            hint="Viết nội dung dưới các tiêu đề '## …'.",
        )
    if requests:
        voice = synthesize(requests, station, progress=progress)
    else:  # every segment read by a person
        voice = VoiceResult(clips=[], engines={}, degraded=False, synthesized=0, cached=0)
    for slot, clip in zip(speech_slots, voice.clips, strict=True):
        events[slot].clip = clip
    if human:
        voice.engines[HUMAN_ENGINE] = len(human)
    return ProgrammePlan(
        month=script.month,
        title=script.title,
        segments=[s.title for s in script.segments],
        events=events,
        script_sha256=script.body_sha256,
        voice=voice,
        readings=readings_fingerprint(human),
    )


def is_stale(station: Station, script, manifest, folder: Path | None = None) -> bool:
    """True if the produced programme no longer matches the script or the audio settings."""

    if manifest is None:
        return True
    made_with = read_settings_fingerprint(folder or station.store.programme_dir(script.month))
    return (
        manifest.script_sha256 != script.body_sha256
        # a person's reading added, replaced, deleted or outdated since
        or (manifest.readings or {}) != readings_fingerprint(usable_readings(station.store, script))
        # every setting that changes the sound: audio targets and format, pauses, voices…
        or made_with != settings_fingerprint(station_for_script(station, script))
    )


def _preferred_voice_back(station: Station, script) -> bool:
    """The network only improves the voice: a degraded programme is re-voiced when it can be."""

    usable, _reason = primary_usable(station_for_script(station, script))
    return usable


# --- one main job at a time per station --------------------------------------------------

_MAKE_LOCK = "make.lock"
_locks: dict[str, FileLock] = {}


@contextmanager
def make_lock(
    station: Station, say: Callable[[str], None] | None = None, *, poll: float = 1.0
) -> Iterator[None]:
    """Hold the station's production lock (.broadcast/make.lock), waiting for another run.

    Every writer of audio_out/YYYY-MM/ and audio_out/drafts/ holds it (make, produce,
    approve's promotion), so two `make` never do the same work twice. Re-entrant in one
    process. Says once, in Vietnamese, that it waits.
    """

    station.store.state_dir.mkdir(parents=True, exist_ok=True)
    path = str(station.store.state_file(_MAKE_LOCK))
    lock = _locks.setdefault(path, FileLock(path))
    said = False
    while True:
        try:
            lock.acquire(timeout=poll)
            break
        except Timeout:
            if not said and say is not None:
                say(
                    f"      Đang chờ: một lệnh make/produce khác đang chạy cho đài này ({path}); "
                    "sẽ tiếp tục khi lệnh đó xong."
                )
                said = True
    try:
        yield
    finally:
        lock.release()


def clean_output_leftovers(station: Station) -> None:
    """Temp folders killed productions left in audio_out/ and audio_out/drafts/ (under make_lock)."""

    for folder in (station.store.audio_dir, station.store.drafts_dir):
        for p in clean_leftovers(folder):
            log.info("removed a killed run's leftover %s", p)


# --- the approved programme and the listening copy ---------------------------------------


def programme_folder(station: Station, month: str) -> Path:
    """Where the month's script is produced: audio_out/YYYY-MM/ if approved, else the draft folder."""

    script = read_script(station.store.script_path(month))
    return station.store.programme_dir(month) if script.approved else station.store.draft_dir(month)


def _usable(station: Station, script: Script, folder: Path, force: bool) -> Manifest | None:
    """The manifest in `folder` if it can be reused for `script` as it is, else None."""
    manifest = read_manifest(folder)
    if manifest is None or force or is_stale(station, script, manifest, folder):
        return None
    problem = file_problem(folder, manifest)
    if problem:
        log.warning("%s: %s — dựng lại", folder, problem)
        return None
    return manifest


def promote_draft(station: Station, month: str, say: Callable[[str], None] | None = None):
    """Make the listening copy the approved programme when it matches the approved script.

    Returns the manifest now in audio_out/YYYY-MM/, or None (no matching listening copy;
    `make` will produce it). The copy is swapped in whole with the approval record; the old
    approved programme stays until then.
    """

    with make_lock(station, say):
        script = read_script(station.store.script_path(month))
        if not script.approved:
            return None
        folder = station.store.draft_dir(month)
        manifest = _usable(station, script, folder, False)
        if manifest is None or (manifest.degraded and _preferred_voice_back(station, script)):
            return None
        with atomic_dir(station.store.programme_dir(month)) as tmp:
            for p in folder.iterdir():
                if p.is_file() and not p.is_symlink():
                    shutil.copy2(p, tmp / p.name)
            for name, text in approval_files(script).items():
                (tmp / name).write_text(text, encoding="utf-8")
        killpoint("promoted")
        remove_tree(folder)
        return read_manifest(station.store.programme_dir(month))


def _record_approval(station: Station, script) -> None:
    """Keep the approval record and text with an approved programme that lacks them."""

    folder = station.store.programme_dir(script.month)
    record = read_approval(folder)
    if record is None or record.get("approved_sha256") != script.body_sha256:
        files = approval_files(script)
        for name in sorted(files, key=lambda n: n == APPROVAL_NAME):  # the record last
            atomic_write_text(folder / name, files[name])


def produce_month(
    station: Station, month: str, *, force: bool = False, progress: Progress | None = None
) -> tuple[Manifest, bool]:
    """Voice + production for the month's script; returns (manifest, produced_now).

    An approved script's programme goes to audio_out/YYYY-MM/ (reused when still right,
    else the matching listening copy is promoted, else it is produced); a draft's goes to
    the listening copy audio_out/drafts/YYYY-MM/ and never touches the approved programme.
    """

    reporter = progress or Progress()
    with make_lock(station, reporter.say):
        clean_output_leftovers(station)
        if demote_if_edited(station.store.script_path(month)):
            reporter.say(
                "      Kịch bản đã bị sửa sau khi duyệt: trạng thái đổi về 'draft' (phải duyệt lại)."
            )
        script = read_script(station.store.script_path(month))
        approved = script.approved
        folder = station.store.programme_dir(month) if approved else station.store.draft_dir(month)
        existing = _usable(station, script, folder, force)
        if existing is not None:
            if not (existing.degraded and _preferred_voice_back(station, script)):
                if approved:
                    _record_approval(station, script)
                what = "Chương trình đã duyệt" if approved else "Bản nghe thử"
                reporter.say(f"      {what} đã có và còn đúng với kịch bản: dùng lại.")
                return existing, False
            reporter.say("      Giọng đọc chính đã dùng được trở lại: đọc lại bằng giọng chính.")
        elif approved and not force:
            promoted = promote_draft(station, month)
            if promoted is not None:
                reporter.say(
                    "      Bản nghe thử đúng với kịch bản đã duyệt: chuyển thành chương trình phát (không dựng lại)."
                )
                return promoted, False

        find_ffmpeg()  # a missing ffmpeg fails now, not after minutes of synthesis
        for warning in reading_warnings(station.store, script):
            log.warning("%s", warning)
            reporter.say(f"      Cảnh báo: {warning}")
        plan = build_plan(station, script, progress=reporter.counter("Đọc câu"))
        reporter.say("      Dựng và chuẩn hóa âm thanh…")
        # The station as this month voices it (front-matter `voice:`), so the settings
        # fingerprint written next to the manifest covers the script's own voice too.
        extra = approval_files(script) if approved else None
        return produce(plan, station_for_script(station, script), folder, extra=extra), True


@dataclass
class _Job:
    """One run of the main job for one month: its inputs and the result it builds up."""

    station: Station
    month: str
    now: datetime
    auto_approve: bool | None
    force: bool
    progress: Progress
    result: MakeResult


@dataclass(frozen=True)
class Stage:
    """One stage of the main job: its name, what it tells a person, and what it does."""

    name: str
    title: str
    """Vietnamese progress label; `{month}` is filled in."""
    run: Callable[[_Job], None]


def _stage_script(job: _Job) -> None:
    store, month = job.station.store, job.month
    path = store.script_path(month)
    if path.exists():
        job.progress.say(f"      Dùng kịch bản có sẵn: {store.rel(path)}")
        return
    render_script(job.station, month)
    job.result.rendered = True
    job.progress.say(f"      Đã soạn kịch bản: {store.rel(path)}")


def _stage_check(job: _Job) -> None:
    station, month, result = job.station, job.month, job.result
    report = check_script(station, month)
    job.progress.say(f"      Ước tính {report.total_s / 60:.1f} phút.")
    if report.unreadable:
        result.notes.append(f"Có {len(report.unreadable)} từ máy chưa biết đọc; xem phần kiểm tra kịch bản.")
        result.next_steps.append(NextStep("check", month=month))
    report.raise_if_unfit()
    path = station.store.script_path(month)
    if demote_if_edited(path):
        result.notes.append("Kịch bản đã bị sửa sau khi duyệt nên trở về trạng thái 'draft' (bản nháp).")
    script = read_script(path)
    wants_auto = station.automation.auto_approve if job.auto_approve is None else job.auto_approve
    if not script.approved and wants_auto:
        # A trial (--auto-approve) or the example station may approve example figures: recorded.
        approve(
            station,
            month,
            by="tự động (chạy thử)",
            now=job.now.astimezone(station.tz),
            confirm_example=bool(job.auto_approve) or station.example,
        )
        result.auto_approved = True
        result.notes.append("Kịch bản được DUYỆT TỰ ĐỘNG (chạy thử). Đài thật phải được lãnh đạo duyệt.")
        script = read_script(path)
        if script.meta.get("example_figures_confirmed"):
            result.notes.append(
                f"Kịch bản dùng SỐ LIỆU VÍ DỤ (facts/{month}.yaml ghi example: true); đã ghi nhận "
                "cùng lời duyệt tự động. Đài thật: điền số liệu thật trước khi duyệt."
            )
    result.approved = script.approved


def _stage_produce(job: _Job) -> None:
    station, month, result = job.station, job.month, job.result
    result.manifest, result.produced = produce_month(station, month, force=job.force, progress=job.progress)
    result.notes.extend(
        w[0].upper() + w[1:]
        for w in reading_warnings(station.store, read_script(station.store.script_path(month)))
    )
    result.folder = station.store.programme_dir(month) if result.approved else station.store.draft_dir(month)
    result.listening_copy = not result.approved


def _stage_schedule(job: _Job) -> None:
    station, month, result = job.station, job.month, job.result
    store = station.store
    if not result.approved:
        live, _problems = programme_source(station, month)
        record = read_approval(store.programme_dir(month)) if live is not None else None
        result.next_steps.append(NextStep("approve", month=month))
        if live is not None and record is not None:
            # Wagtail's idea: the approved version stays live while the draft is edited.
            result.airing_version = str(record.get("approved_at") or "")
            if not is_scheduled(station, month):
                sched = schedule_month(station, month)
                result.airings, result.days = len(sched.airings), sorted({a.date for a in sched.airings})
            result.can_air = True
            result.notes.append(
                f"Bản sửa CHƯA ĐƯỢC DUYỆT: lịch phát vẫn dùng chương trình đã duyệt trước đó "
                f"({store.rel(store.programme_dir(month))}/, duyệt bởi {record.get('approved_by')} lúc "
                f"{record.get('approved_at')}). Bản nghe thử ở {store.rel(store.draft_dir(month))}/. "
                "Duyệt bản mới rồi làm lại tháng này."
            )
            job.progress.say("      Giữ lịch phát của chương trình đã duyệt trước đó; bản sửa chờ duyệt.")
            return
        result.notes.append(
            "Kịch bản CHƯA ĐƯỢC DUYỆT nên tháng này CHƯA THỂ PHÁT (chưa xếp lịch). Bản nghe thử ở "
            f"{store.rel(store.draft_dir(month))}/. Sau khi nghe lại: duyệt, rồi làm lại tháng này."
        )
        job.progress.say("      Bỏ qua: kịch bản chưa được duyệt.")
        return
    killpoint("make-before-schedule")
    sched = schedule_month(station, month)
    result.scheduled = True
    result.can_air = True
    result.airings = len(sched.airings)
    result.days = sorted({a.date for a in sched.airings})


# The main job, in order. Each stage skips what is already done and still valid (an existing
# script, a programme that still matches it, a schedule already in place), so a re-run resumes.
STAGES: tuple[Stage, ...] = (
    Stage("script", "Kịch bản tháng {month}", _stage_script),
    Stage("check", "Kiểm tra kịch bản (độ dài, từ khó đọc)", _stage_check),
    Stage("produce", "Đọc và dựng chương trình", _stage_produce),
    Stage("schedule", "Xếp lịch phát và chuẩn bị thư mục từng ngày", _stage_schedule),
)


def make(
    station: Station,
    month: str,
    *,
    now: datetime | None = None,
    auto_approve: bool | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> MakeResult:
    """The main job for one month: the STAGES in order, under the station's make lock.

    `result.can_air` is False when the month has no approved programme on the schedule
    afterwards (the CLI exits 3); `result.next_steps` say what a person should do next.
    """
    month = validate_month(month)
    progress = progress or Progress()
    job = _Job(
        station,
        month,
        now or datetime.now(),
        auto_approve,
        force,
        progress,
        MakeResult(month=month, script=station.store.script_path(month)),
    )
    with make_lock(station, progress.say):
        clean_output_leftovers(station)
        for number, stage in enumerate(STAGES, 1):
            progress.stage(number, len(STAGES), stage.name, stage.title.format(month=month))
            stage.run(job)
    return job.result
