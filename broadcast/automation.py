"""Unattended running: next month's programme and tomorrow's folder, on time, exactly once.

Two jobs, both plain functions of (station folder, time):

* ``generate`` — on ``automation.generate_day`` at ``generate_time`` each month: make next
  month's programme (script, check, produce, schedule). It is a catch-up job: it makes every
  month that should exist by then and does not (the current month too, if the PC was off
  over the generation day and the month still has airings ahead). A month already produced
  and scheduled is never made again.
* ``prepare`` — every evening at ``prepare_time``: schedule the months of today and tomorrow
  if their approved programme is waiting, verify the remaining airings of today and all of
  tomorrow (``schedule.check_air``), rebuild folders and fall back where needed.

Two ways to run them, sharing one state (``.broadcast/automation-state.json``: the last fire
time handled per job) and one run history (``.broadcast/automation-runs.jsonl`` and the
readable ``.broadcast/automation.log``):

* ``run_due(station, now)`` (``broadcast daemon --run-due --now …``, for cron or Windows Task
  Scheduler): every job with a fire time after its last handled one and not after ``now`` runs
  once (missed fires are coalesced), and a job whose last run was killed half-way runs again.
* ``run_daemon(station)`` (``broadcast daemon``): catches up with ``run_due`` at start-up, then
  an APScheduler ``BlockingScheduler`` fires the jobs. Its jobs live in a memory job store,
  rebuilt from ``station.yaml`` at every start: nothing is ever unpickled from disk (an old
  ``.broadcast/jobs.sqlite`` from earlier versions is ignored and removed). What ran is in
  the JSON state above; ``coalesce=True`` and no misfire limit make a run missed while the
  machine slept happen once when it wakes.

A state time later than the run's time (left by a trial with ``--now`` in the future, or a
clock set wrong) is not trusted: a warning, and the job is judged as if it had no state.
A trial run (``--run-due --now …``) reads the real state but writes its own state and
history apart (``automation-trial-state.json``, ``automation-trial-runs.jsonl``).

A lock file (``.broadcast/daemon.lock``) keeps a second daemon (or a ``--run-due`` while the
daemon runs) off the same station.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from broadcast import pipeline
from broadcast.calendar import TZ, local, month_calendar
from broadcast.config import Station, load_station
from broadcast.errors import AutomationError, BroadcastError, NextStep
from broadcast.fsutil import atomic_write_text, disk_error, killpoint, read_jsonl, read_state_json
from broadcast.pipeline import next_month
from broadcast.readiness import check_air
from broadcast.report import archive
from broadcast.schedule import is_scheduled

log = logging.getLogger(__name__)

JOBS = ("generate", "prepare")  # run in this order when both are due
_LOOKBACK = timedelta(days=32)  # no state yet: anything that fired in the last month is due
_STATE = "automation-state.json"
_HISTORY = "automation-runs.jsonl"
_TRIAL_STATE = "automation-trial-state.json"
_TRIAL_HISTORY = "automation-trial-runs.jsonl"
_LOG = "automation.log"
_LOCK = "daemon.lock"
_JOBSTORE = "jobs.sqlite"


# --------------------------------------------------------------------------- outcomes


@dataclass
class JobRun:
    """One run of one job: what was asked, when, and how it ended."""

    job: str
    now: str  # the time the job ran for (ISO, station time zone)
    fire: str | None  # the scheduled fire time it covers (ISO), if any
    outcome: str = "ok"  # ok | skipped | waiting_approval | fallback | error
    detail: str = ""
    months: list[str] = field(default_factory=list)  # months made/scheduled by this run
    next_steps: list[NextStep] = field(default_factory=list)  # what a person must do (approve…)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


# --------------------------------------------------------------------------- pipeline hooks


def make_programme(station: Station, month: str, now: datetime) -> Any:
    """Make one month (the lead's pipeline.make); tests replace this function."""
    return pipeline.make(station, month, now=now, auto_approve=station.automation.auto_approve)


# --------------------------------------------------------------------------- the jobs


def _generate_at(station: Station, year: int, month: int) -> datetime:
    a = station.automation
    return datetime(year, month, a.generate_day, a.generate_time.hour, a.generate_time.minute, tzinfo=TZ)


def months_due(station: Station, now: datetime) -> list[str]:
    """Months that should already be made by `now`: this one (if it still airs) and next."""
    now = local(now)
    current = f"{now:%Y-%m}"
    months = []
    try:
        cal = month_calendar(station, current)
        ahead = any(datetime.combine(d, station.slot(s).start, tzinfo=TZ) >= now for d, s in cal.airings)
    except BroadcastError:
        ahead = True
    if ahead:
        months.append(current)
    if now >= _generate_at(station, now.year, now.month):
        months.append(next_month(now.date()))
    return months


def job_generate(station_dir: str | Path, now: datetime) -> JobRun:
    """Make every month due by `now` that is not yet produced and scheduled."""
    now = local(now)
    station = load_station(station_dir)
    return _generate(station, now, months_due(station, now))


def _generate(station: Station, now: datetime, months: list[str]) -> JobRun:
    run = JobRun("generate", now.isoformat(), None)
    done, waiting, failed, notes = [], [], [], []
    for month in months:
        if is_scheduled(station, month):
            notes.append(f"tháng {month} đã có chương trình và lịch phát: bỏ qua.")
            continue
        try:
            result = make_programme(station, month, now)
        except BroadcastError as exc:
            failed.append(month)
            notes.append(f"tháng {month}: LỖI — {exc}")
            continue
        if is_scheduled(station, month):
            done.append(month)
            notes.append(f"tháng {month}: đã làm xong và xếp lịch.")
        elif result is not None and not getattr(result, "approved", True):
            waiting.append(month)
            notes.append(
                f"tháng {month}: đã dựng nhưng kịch bản CHƯA ĐƯỢC DUYỆT; lãnh đạo cần nghe lại và duyệt."
            )
            run.next_steps.append(NextStep("approve", month=month))
        else:
            failed.append(month)
            notes.append(f"tháng {month}: LỖI — làm xong nhưng chưa xếp được lịch phát.")
    run.months = done
    run.outcome = "error" if failed else "waiting_approval" if waiting else "ok" if done else "skipped"
    run.detail = " ".join(notes) or "không có tháng nào cần làm."
    return run


def job_prepare(station_dir: str | Path, now: datetime) -> JobRun:
    """Make sure the rest of today and all of tomorrow can air; fall back where they cannot."""
    now = local(now)
    station = load_station(station_dir)
    run = JobRun("prepare", now.isoformat(), None)
    notes = []
    # A generation that failed or waited for approval is retried every evening until done.
    due = months_due(station, now)
    gen = None
    if not all(is_scheduled(station, m) for m in due):
        gen = _generate(station, now, due)
        run.months = gen.months
        notes.append(gen.detail)
    report = check_air(station, now, days=1, apply=True)
    if report.fell_back:
        run.outcome = "fallback"
    elif gen is not None and gen.outcome in ("error", "waiting_approval"):
        run.outcome = gen.outcome
    else:
        run.outcome = "ok"
    notes.append(report.render())
    notes.append(_archive_aired(station, now))
    run.detail = "\n".join(n for n in notes if n)
    return run


def _archive_aired(station: Station, now: datetime) -> str:
    """Archive every month that has finished airing (once: archived months are skipped) and
    remove day folders older than `archive.keep_days` of archived months. Never fails the job."""
    archived = set(station.store.archived_months())
    new = [m for m in station.store.programme_months() if m not in archived]
    try:
        # Only months not archived yet: re-verifying every archived month each evening would
        # hash the whole archive nightly (`broadcast archive` and `--check` still do that).
        result = archive.run(station, now.date(), months=new)
    except BroadcastError as exc:
        log.warning("lưu trữ tháng đã phát không được: %s", exc)
        return f"Lưu trữ: LỖI — {exc.message}"
    if not result.archived and not result.removed_days:
        return ""
    return (
        f"Lưu trữ: {', '.join(result.archived) or 'không có tháng mới'}; "
        f"xóa {len(result.removed_days)} thư mục ngày cũ."
    )


JOB_FUNCS: dict[str, Callable[[str | Path, datetime], JobRun]] = {
    "generate": job_generate,
    "prepare": job_prepare,
}


# --------------------------------------------------------------------------- triggers


def _triggers(station: Station) -> dict[str, Any]:
    from apscheduler.triggers.cron import CronTrigger  # noqa: PLC0415

    a = station.automation
    return {
        "generate": CronTrigger(
            day=a.generate_day, hour=a.generate_time.hour, minute=a.generate_time.minute, timezone=TZ
        ),
        "prepare": CronTrigger(hour=a.prepare_time.hour, minute=a.prepare_time.minute, timezone=TZ),
    }


def last_fire(trigger: Any, since: datetime, now: datetime) -> datetime | None:
    """The latest fire time of `trigger` in (since, now], or None."""
    found = None
    t = trigger.get_next_fire_time(None, since + timedelta(microseconds=1))
    while t is not None and t <= now:
        found = t
        t = trigger.get_next_fire_time(None, t + timedelta(microseconds=1))
    return found


# --------------------------------------------------------------------------- state, history, lock


def _state_path(station: Station) -> Path:
    return station.store.state_dir / _STATE


def _load_state(station: Station) -> dict[str, str]:
    """The last fire time handled per job; a damaged file counts as no state (logged)."""
    path = _state_path(station)
    data = read_state_json(path)  # missing or damaged (garbage, bad UTF-8, nesting): None
    if data is None:
        return {}
    state: dict[str, str] = {}
    for job, value in data.items() if isinstance(data, dict) else []:
        try:
            datetime.fromisoformat(value)
        except (TypeError, ValueError):
            log.warning("tệp trạng thái tự động: giá trị hỏng cho %s (%r), bỏ qua", job, value)
            continue
        state[str(job)] = value
    return state


def _save_state(station: Station, state: dict[str, str], *, trial: bool = False) -> None:
    path = station.store.state_dir / _TRIAL_STATE if trial else _state_path(station)
    atomic_write_text(path, json.dumps(state, indent=2, sort_keys=True))


def read_history(station: Station, *, trial: bool = False) -> list[dict[str, Any]]:
    """Every start/finish record of the run history, oldest first."""
    # Lines cut by a kill, invalid UTF-8 or non-objects are skipped (fsutil.read_jsonl).
    return read_jsonl(station.store.state_dir / (_TRIAL_HISTORY if trial else _HISTORY))


def _append_line(path: Path, line: str, *, sync: bool = False) -> None:
    """Append one whole line, or nothing: a failed write (disk full) is cut back off the file
    (and a file this call created is removed), then raised as EnvironmentProblem naming it."""
    existed = path.exists()
    size = path.stat().st_size if existed else 0
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
    except OSError as exc:
        try:
            if existed:
                os.truncate(path, size)
            else:
                path.unlink(missing_ok=True)
        except OSError:
            pass
        raise disk_error(exc, path) from exc


def _append(station: Station, record: dict[str, Any], text: str, *, trial: bool = False) -> None:
    try:
        station.store.state_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise disk_error(exc, station.store.state_dir) from exc
    history = station.store.state_dir / (_TRIAL_HISTORY if trial else _HISTORY)
    _append_line(history, json.dumps(record, ensure_ascii=False) + "\n", sync=True)
    stamp = datetime.now(TZ).strftime("%Y-%m-%d %H:%M:%S")
    prefix = "(chạy thử) " if trial else ""
    _append_line(station.store.state_dir / _LOG, f"{stamp} {prefix}{text}\n")


def interrupted_jobs(station: Station) -> set[str]:
    """Jobs whose last run started and never finished (the process was killed)."""
    last: dict[str, str] = {}
    for rec in read_history(station):
        if not isinstance(rec, dict):
            continue
        last[rec.get("job", "")] = rec.get("event", "")
    return {job for job, event in last.items() if event == "start"}


@contextmanager
def station_lock(station: Station) -> Iterator[None]:
    """Hold the station's automation lock, or raise AutomationError if another holds it."""
    station.store.state_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(station.store.state_file(_LOCK)), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise AutomationError(
            "một tiến trình tự động khác đang chạy cho đài này.",
            file=station.store.state_file(_LOCK),
            hint="Chỉ chạy một tiến trình tự động cho mỗi đài. Nếu chắc chắn không còn tiến trình nào, "
            "khởi động lại máy hoặc dừng tiến trình cũ rồi chạy lại.",
        ) from None
    try:
        yield
    finally:
        lock.release()


def run_job(
    station: Station, job: str, now: datetime, fire: datetime | None = None, *, trial: bool = False
) -> JobRun:
    """Run one job now, recording its start and its outcome; errors become outcome 'error'."""
    now = local(now)
    run_id = uuid.uuid4().hex[:12]
    _append(
        station,
        {
            "event": "start",
            "job": job,
            "now": now.isoformat(),
            "fire": fire.isoformat() if fire else None,
            "run_id": run_id,
        },
        f"[{job}] bắt đầu (giờ chạy {now:%Y-%m-%d %H:%M})",
        trial=trial,
    )
    killpoint("job-started")
    try:
        run = JOB_FUNCS[job](station.dir, now)
    except BroadcastError as exc:
        run = JobRun(job, now.isoformat(), None, outcome="error", detail=str(exc))
    except Exception as exc:  # noqa: BLE001 - a daemon logs every failure and keeps going
        log.exception("job %s failed", job)
        run = JobRun(job, now.isoformat(), None, outcome="error", detail=f"lỗi không lường trước: {exc!r}")
    run.run_id = run_id
    run.fire = fire.isoformat() if fire else None
    killpoint("job-finished")
    _append(
        station,
        {"event": "finish", **asdict(run)},
        f"[{job}] kết thúc: {run.outcome}. {run.detail}",
        trial=trial,
    )
    level = logging.WARNING if run.outcome in ("error", "fallback", "waiting_approval") else logging.INFO
    log.log(level, "%s: %s — %s", job, run.outcome, run.detail)
    return run


def _due_fire(state: dict[str, str], job: str, trigger: Any, now: datetime) -> datetime | None:
    """The latest fire of `job` after the one the state says was handled (or a month back).

    A handled time later than `now` cannot be true (a trial with --now in the future, a
    clock set wrong): it is not trusted — a warning, and the job is judged as if new.
    """
    since = now - _LOOKBACK
    if job in state:
        handled = local(datetime.fromisoformat(state[job]))
        if handled > now:
            log.warning(
                "trạng thái tự động ghi việc '%s' đã chạy lúc %s, SAU thời điểm hiện tại %s: không tin, "
                "coi như chưa có (có thể do chạy thử --now hoặc đồng hồ máy sai).",
                job,
                handled.isoformat(),
                now.isoformat(),
            )
        else:
            since = handled
    return last_fire(trigger, since, now)


def _run_due_locked(station: Station, now: datetime, *, trial: bool = False) -> list[JobRun]:
    now = local(now)
    state = _load_state(station)
    triggers = _triggers(station)
    interrupted = interrupted_jobs(station)
    runs = []
    for job in JOBS:
        fire = _due_fire(state, job, triggers[job], now)
        if fire is None and job not in interrupted:
            continue
        runs.append(run_job(station, job, now, fire, trial=trial))
        if fire is not None:
            state[job] = fire.isoformat()
            killpoint("state-before-save")
            _save_state(station, state, trial=trial)
    return runs


def run_due(station: Station, now: datetime, *, trial: bool = False) -> list[JobRun]:
    """Run, once each, the jobs due between their last handled fire time and `now`.

    `trial` (a `--now` given by hand): the jobs run, but the real state and history are left
    alone; the trial's own are written apart, so a trial never changes what the real
    nightly runs will do.
    """
    with station_lock(station):
        return _run_due_locked(station, now, trial=trial)


# --------------------------------------------------------------------------- the daemon


def _scheduled(station_dir: str, job: str) -> None:
    """What APScheduler calls: run the job at the real time and record the fire it covers."""
    station = load_station(station_dir)
    now = datetime.now(TZ)
    state = _load_state(station)
    fire = _due_fire(state, job, _triggers(station)[job], now)
    run_job(station, job, now, fire)
    if fire is not None:  # the daemon's lock and single worker: nothing else wrote the state
        state[job] = fire.isoformat()
        _save_state(station, state)


def _retire_old_jobstore(station: Station) -> None:
    """Remove the pickled job store of earlier versions, unread (unpickling it could run code)."""
    old = station.store.state_dir / _JOBSTORE
    if old.exists() or old.is_symlink():
        try:
            old.unlink()
            log.warning("đã bỏ tệp lịch cũ %s (không đọc; lịch được dựng lại từ station.yaml)", old)
        except OSError as exc:
            log.warning("tệp lịch cũ %s không dùng nữa và không xóa được (%s); có thể xóa tay.", old, exc)


def build_scheduler(station: Station, *, blocking: bool = True) -> Any:
    """An APScheduler scheduler with the station's two jobs, rebuilt from station.yaml.

    The jobs live in memory (no pickles on disk); the JSON state records what ran.
    """
    from apscheduler.executors.pool import ThreadPoolExecutor  # noqa: PLC0415
    from apscheduler.jobstores.memory import MemoryJobStore  # noqa: PLC0415
    from apscheduler.schedulers.background import BackgroundScheduler  # noqa: PLC0415
    from apscheduler.schedulers.blocking import BlockingScheduler  # noqa: PLC0415

    station.store.state_dir.mkdir(parents=True, exist_ok=True)
    _retire_old_jobstore(station)
    cls = BlockingScheduler if blocking else BackgroundScheduler
    sched = cls(
        jobstores={"default": MemoryJobStore()},
        # One worker: the two jobs write the same day folders and must never overlap.
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone=TZ,
    )
    for job, trigger in _triggers(station).items():
        sched.add_job(
            _scheduled,
            trigger,
            args=[str(station.dir), job],
            id=job,
            name=f"broadcast {job}",
            replace_existing=True,
        )
    return sched


def run_daemon(
    station: Station, *, now: Callable[[], datetime] | None = None, stop: threading.Event | None = None
) -> None:
    """`broadcast daemon`: hold the lock, catch up on missed runs, then run the jobs on time."""
    with station_lock(station):
        _run_due_locked(station, (now or (lambda: datetime.now(TZ)))())
        sched = build_scheduler(station, blocking=stop is None)
        log.info("đã bật chế độ tự động cho đài ở %s (dừng: Ctrl+C)", station.dir)  # the CLI says it
        sched.start()
        if stop is not None:  # background mode (tests): run until asked to stop
            stop.wait()
            sched.shutdown(wait=True)
