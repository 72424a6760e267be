"""Automation: run_due through a simulated year, kill and resume, one daemon per station.

The month's making (pipeline.make) is replaced by a small fake with the same contract: it
renders the script if missing, produces the programme only if it is not there yet (and
counts that in a file, so a count survives a killed process), and schedules it when the
script is approved. Everything after that (schedule, folders, check_air, state, history,
lock) is the real code.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import run_cli, station_dir, write_programme, write_script

from broadcast import automation as auto
from broadcast import calendar as oncal
from broadcast import readiness
from broadcast import schedule as sch
from broadcast.config import load_station
from broadcast.errors import AutomationError, NextStep
from broadcast.render.sheet import RUNNING_ORDER

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
TZ = oncal.TZ


class FakeMake:
    """pipeline.make's contract in small: script if missing, produce once, schedule if approved."""

    def __call__(self, station, month, now):
        if not station.store.script_path(month).exists():
            write_script(station, month, approved=station.automation.auto_approve)
        if not (station.store.programme_dir(month) / "manifest.json").exists():
            write_programme(station, month, seconds=3.0, script=False)
            with open(station.dir / "produced.log", "a", encoding="utf-8") as fh:
                fh.write(month + "\n")
        from broadcast.script import read_script

        if not read_script(station.store.script_path(month)).approved:
            return SimpleNamespace(approved=False, scheduled=False)
        sch.schedule_month(station, month, now=now)
        return SimpleNamespace(approved=True, scheduled=True)


def produced(d: Path) -> list[str]:
    p = d / "produced.log"
    return p.read_text(encoding="utf-8").split() if p.exists() else []


@pytest.fixture
def fake_make(monkeypatch):
    fake = FakeMake()
    monkeypatch.setattr(auto, "make_programme", fake)
    return fake


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


# --------------------------------------------------------------------------- the year


def test_simulated_year(tmp_path, fake_make, capsys):
    d = station_dir(tmp_path, automation={"auto_approve": True}, airing={"from_day": 1})
    st = load_station(d)
    # The PC is off from 18 to 27 March (over the generation day, 20 March) and from 19 to
    # 24 September; otherwise it runs the due jobs at 08:15 and 20:15 every day.
    off = [(date(2026, 3, 18), date(2026, 3, 28)), (date(2026, 9, 19), date(2026, 9, 25))]
    runs: dict[datetime, list] = {}
    day = date(2026, 1, 1)
    while day <= date(2026, 12, 31):
        if not any(a <= day < b for a, b in off):
            for hh, mm in ((8, 15), (20, 15)):
                now = at(day.year, day.month, day.day, hh, mm)
                runs[now] = auto.run_due(st, now)
        day += timedelta(days=1)

    months = [f"2026-{m:02d}" for m in range(1, 13)] + ["2027-01"]
    # Every month produced exactly once (Jan at installation, Apr and Oct late, at start-up).
    assert sorted(produced(d)) == months and len(produced(d)) == len(set(produced(d)))
    gens = [r for rs in runs.values() for r in rs if r.job == "generate"]
    assert [m for r in gens for m in r.months] == months
    assert all(r.outcome == "ok" for r in gens)
    # The missed runs happened once each at start-up (coalesced), generation first.
    assert [r.job for r in runs[at(2026, 3, 28, 8, 15)]] == ["generate", "prepare"]
    assert runs[at(2026, 3, 28, 8, 15)][0].months == ["2026-04"]
    assert [r.job for r in runs[at(2026, 9, 25, 8, 15)]] == ["generate", "prepare"]
    assert runs[at(2026, 9, 25, 8, 15)][0].months == ["2026-10"]
    # Nothing ever had to fall back: every evening found tomorrow ready.
    preps = [r for rs in runs.values() for r in rs if r.job == "prepare"]
    assert preps and all(r.outcome == "ok" for r in preps), [r.detail for r in preps if r.outcome != "ok"]

    airings = holidays_skipped = 0
    air_days: set[date] = set()
    for month in months[:-1]:
        sched = sch.read_schedule(st, month)
        assert sched is not None and sch.is_scheduled(st, month)
        for a in sched.airings:
            assert oncal.holiday_name(a.date) is None
            folder = st.store.days_dir / a.date.isoformat()
            assert folder.is_dir() and (folder / RUNNING_ORDER).is_file()
            assert (st.dir / a.items[0].file).is_file()
        airings += len(sched.airings)
        air_days.update(sched.days)
        holidays_skipped += len(oncal.month_calendar(st, month).holidays_skipped)
    # Tết (Feb), Hùng Kings (Apr), 30/4, 1/5 and 2/9 were all in the air windows and skipped.
    skipped = {d for m in months[:-1] for d in oncal.month_calendar(st, m).holidays_skipped}
    assert {
        date(2026, 2, 17),
        date(2026, 4, 26),
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 9, 2),
    } <= skipped
    assert airings == 12 * 4
    history = auto.read_history(st)
    assert sum(1 for r in history if r["event"] == "finish") == sum(len(v) for v in runs.values())
    assert (st.store.state_dir / "automation.log").read_text(encoding="utf-8").count(
        "[generate] kết thúc: ok"
    ) == 13
    listed = ", ".join(f"{x:%d/%m}" for x in sorted(skipped))
    with capsys.disabled():
        print(
            f"\n  simulated year: {len(produced(d))} months produced ({months[0]}..{months[-1]}), "
            f"{airings} airings on {len(air_days)} days in 2026, {holidays_skipped} holiday days skipped "
            f"({listed}), {len(runs)} run_due calls, "
            f"{sum(len(v) for v in runs.values())} job runs"
        )


def test_generation_waits_for_approval_and_retries_every_evening(tmp_path, fake_make):
    st = load_station(station_dir(tmp_path))  # auto_approve: false
    r1 = auto.run_due(st, at(2026, 3, 20, 8, 30))
    gen = next(r for r in r1 if r.job == "generate")
    assert gen.outcome == "waiting_approval" and NextStep("approve", month="2026-04") in gen.next_steps
    assert produced(st.dir).count("2026-04") == 1 and not sch.is_scheduled(st, "2026-04")
    # Staff approve during the day; the evening job schedules it, without producing again.
    write_script(st, "2026-04", approved=True)
    write_programme(st, "2026-04", seconds=3.0, script=False)
    r2 = auto.run_due(st, at(2026, 3, 20, 20, 30))
    assert [r.job for r in r2] == ["prepare"]
    assert sch.is_scheduled(st, "2026-04") and r2[0].months == ["2026-04"]
    assert produced(st.dir).count("2026-04") == 1
    # Already produced and scheduled: the next generation day does not make it again.
    r3 = auto.run_due(st, at(2026, 4, 20, 8, 30))
    assert "2026-04" not in [m for r in r3 for m in r.months]


def test_prepare_falls_back_loudly_when_tomorrow_is_not_ready(tmp_path, fake_make):
    st = load_station(station_dir(tmp_path))
    write_programme(st, "2026-03")  # an approved earlier programme
    sch.schedule_month(st, "2026-03")
    write_programme(st, "2026-04", approved=False)
    first = oncal.month_calendar(st, "2026-04").airings[0][0]
    auto.run_due(st, at(2026, 3, 30, 20, 30))  # state: everything handled up to now
    eve = datetime.combine(first - timedelta(days=1), datetime.min.time(), tzinfo=TZ).replace(
        hour=20, minute=5
    )
    runs = auto.run_due(st, eve)
    (prep,) = [r for r in runs if r.job == "prepare"]
    assert prep.outcome == "fallback" and "THAY BẰNG" in prep.detail
    assert "fallback" in (st.store.state_dir / "automation.log").read_text(encoding="utf-8")
    (mp3,) = (st.store.days_dir / first.isoformat()).glob("*.mp3")
    assert "thang-03" in mp3.name


def test_run_due_command_exit_codes(tmp_path, monkeypatch):
    st = load_station(station_dir(tmp_path))
    write_programme(st, "2026-03")
    sch.schedule_month(st, "2026-03")
    monkeypatch.setattr(auto, "make_programme", FakeMake())
    # 1st of March, nothing of April due yet: jobs run and all is well.
    assert run_cli(["daemon", "--station", str(st.dir), "--run-due", "--now", "2026-03-01T08:00"]) == 0
    assert run_cli(["daemon", "--station", str(st.dir), "--run-due", "--now", "2026-03-01T08:10"]) == 0
    # 20 March: generation makes April but the script is not approved -> exit 1 (loud).
    assert run_cli(["daemon", "--station", str(st.dir), "--run-due", "--now", "2026-03-20T08:05"]) == 1
    assert run_cli(["daemon", "--station", str(st.dir), "--run-due", "--now", "bad"]) == 1


# --------------------------------------------------------------------------- kill and resume

_KILL_SCRIPT = r"""
import sys, time
from datetime import datetime
from pathlib import Path
sys.path.insert(0, {tests!r})
from broadcast import automation as auto, schedule as sch
from broadcast.config import load_station
import test_automation as ta

real = sch._link_or_copy
calls = [0]
def stuck(src, dst):
    calls[0] += 1
    if calls[0] == 3:          # the third day folder is half-built when the process dies
        Path({marker!r}).write_text("stuck")
        time.sleep(600)
    real(src, dst)
sch._link_or_copy = stuck
auto.make_programme = ta.FakeMake()
st = load_station({station!r})
auto.run_due(st, datetime.fromisoformat({now!r}))
"""


def test_killed_generation_resumes_without_half_folder_or_duplicate(tmp_path, fake_make):
    d = station_dir(tmp_path / "st", automation={"auto_approve": True})
    st = load_station(d)
    auto.run_due(st, at(2026, 3, 10, 8, 0))  # installation: March made, state recorded
    assert produced(d) == ["2026-03"]
    marker = tmp_path / "stuck"
    code = _KILL_SCRIPT.format(
        tests=str(TESTS), marker=str(marker), station=str(d), now=at(2026, 3, 20, 8, 5).isoformat()
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
    try:
        for _ in range(600):
            if marker.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), "the generation never reached the day folders"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    # Killed half-way through the daily folders of April.
    visible = [p for p in st.store.days_dir.iterdir() if p.name.startswith("2026-04")]
    assert len(visible) == 2
    for folder in visible:
        assert len(list(folder.iterdir())) == 3  # whole: mp3, m3u8, html
    # The plan is written first (one transaction): it is the new one, and unfinished.
    assert (st.store.schedules_dir / "2026-04.yaml").exists()
    assert not sch.is_scheduled(st, "2026-04")
    history = auto.read_history(st)
    assert history[-1]["event"] == "start" and history[-1]["job"] == "generate"
    assert auto.interrupted_jobs(st) == {"generate"}

    # Restarted a quarter of an hour later: the month completes, produced only once.
    # (The killed run's hidden temp folder is as old as that, so it is known to be dead.)
    assert [p for p in st.store.days_dir.iterdir() if p.name.startswith(".")]
    for p in st.store.days_dir.iterdir():
        if p.name.startswith("."):
            os.utime(p, (time.time() - 900, time.time() - 900))
    runs = auto.run_due(st, at(2026, 3, 20, 8, 20))
    gen = next(r for r in runs if r.job == "generate")
    assert gen.outcome == "ok" and gen.months == ["2026-04"]
    assert produced(d) == ["2026-03", "2026-04"]
    assert sch.is_scheduled(st, "2026-04")
    sched = sch.read_schedule(st, "2026-04")
    assert sorted(p.name for p in st.store.days_dir.iterdir() if p.name.startswith("2026-04")) == [
        day.isoformat() for day in sched.days
    ]
    assert not [p for p in st.store.days_dir.iterdir() if p.name.startswith(".")]
    assert auto.interrupted_jobs(st) == set()
    # And once done, it stays done.
    assert auto.run_due(st, at(2026, 3, 20, 8, 35)) == []


# --------------------------------------------------------------------------- one daemon per station


def test_second_runner_on_the_same_station_is_refused(tmp_path, fake_make):
    st = load_station(station_dir(tmp_path))
    with auto.station_lock(st):
        with pytest.raises(AutomationError) as err:
            auto.run_due(st, at(2026, 3, 1, 8, 0))
    assert "đang chạy" in str(err.value)
    assert auto.run_due(st, at(2026, 3, 1, 8, 0))  # lock released: runs


def test_second_daemon_process_refuses_to_start(tmp_path):
    d = station_dir(tmp_path)
    st = load_station(d)
    # Nothing due for the real pipeline: the state says every job was handled just now.
    now = datetime.now(TZ)
    st.store.state_dir.mkdir(parents=True)
    (st.store.state_dir / "automation-state.json").write_text(
        json.dumps({job: now.isoformat() for job in auto.JOBS}), encoding="utf-8"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    first = subprocess.Popen(
        [sys.executable, "-m", "broadcast", "daemon", "--station", str(d)],
        cwd=REPO,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        from filelock import FileLock, Timeout

        for _ in range(300):  # wait until the first daemon holds the lock
            try:
                FileLock(str(st.store.state_dir / "daemon.lock"), timeout=0).acquire().lock.release()
            except Timeout:
                break
            assert first.poll() is None, first.stderr.read()
            time.sleep(0.1)
        second = subprocess.run(
            [sys.executable, "-m", "broadcast", "daemon", "--station", str(d)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert "đang chạy" in second.stderr
        assert first.poll() is None
    finally:
        first.terminate()
        first.wait(timeout=30)


def test_daemon_catches_up_at_start_and_rebuilds_its_jobs_in_memory(tmp_path, fake_make):
    st = load_station(station_dir(tmp_path, automation={"auto_approve": True}))
    stop = threading.Event()
    t = threading.Thread(target=auto.run_daemon, args=(st,), kwargs={"stop": stop})
    t.start()
    try:
        for _ in range(600):
            finished = [r for r in auto.read_history(st) if r["event"] == "finish"]
            if len(finished) >= 2:
                break
            time.sleep(0.1)
        assert [r["job"] for r in finished] == ["generate", "prepare"]
        this_month = datetime.now(TZ).strftime("%Y-%m")
        assert (st.store.programme_dir(this_month) / "manifest.json").exists() or finished[0][
            "outcome"
        ] == "ok"
    finally:
        stop.set()
        t.join(timeout=60)
    assert not (st.store.state_dir / "jobs.sqlite").exists()  # nothing pickled on disk
    sched = auto.build_scheduler(st, blocking=False)
    sched.start(paused=True)
    try:
        rows = {j.id: j.next_run_time for j in sched.get_jobs()}
    finally:
        sched.shutdown(wait=False)
    assert set(rows) == {"generate", "prepare"}
    assert all(v.timestamp() > time.time() for v in rows.values())


def test_a_malicious_pickle_in_an_old_jobs_sqlite_is_never_run(tmp_path, fake_make):
    """Issue 11 #2: the old SQLAlchemy job store unpickled rows at start (arbitrary code)."""
    import pickle
    import sqlite3

    st = load_station(station_dir(tmp_path, automation={"auto_approve": True}))
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (Path.write_text, (marker, "ran"))

    st.store.state_dir.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(st.store.state_dir / "jobs.sqlite")
    db.execute(
        "create table apscheduler_jobs (id varchar(191) primary key, next_run_time float, "
        "job_state blob not null)"
    )
    for job in ("generate", "prepare", "evil"):
        db.execute("insert into apscheduler_jobs values (?, ?, ?)", (job, 0.0, pickle.dumps(Evil())))
    db.commit()
    db.close()
    stop = threading.Event()
    t = threading.Thread(target=auto.run_daemon, args=(st,), kwargs={"stop": stop})
    t.start()
    try:
        for _ in range(600):
            if len([r for r in auto.read_history(st) if r["event"] == "finish"]) >= 2:
                break
            time.sleep(0.1)
    finally:
        stop.set()
        t.join(timeout=60)
    assert not marker.exists()
    assert not (st.store.state_dir / "jobs.sqlite").exists()


def test_apscheduler_runs_a_missed_job_once(tmp_path, monkeypatch):
    st = load_station(station_dir(tmp_path))
    calls = []
    monkeypatch.setitem(
        auto.JOB_FUNCS,
        "prepare",
        lambda sd, now: calls.append(now) or auto.JobRun("prepare", now.isoformat(), None),
    )
    sched = auto.build_scheduler(st, blocking=False)
    sched.start(paused=True)
    try:
        # The PC slept through three evenings.
        sched.modify_job("prepare", next_run_time=datetime.now(TZ) - timedelta(days=3, minutes=1))
        sched.resume()
        for _ in range(300):
            if calls:
                break
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        sched.shutdown(wait=True)
    assert len(calls) == 1
    assert [r["job"] for r in auto.read_history(st) if r["event"] == "finish"] == ["prepare"]


# --------------------------------------------------------------------------- with the real pipeline


def test_generation_with_the_real_pipeline_and_silent_engine(tmp_path):
    """run_due drives pipeline.make (script, check, produce, schedule) end to end."""
    d = station_dir(
        tmp_path,
        voice={"main": [{"engine": "silent"}], "second": [], "fallback": True},
        automation={"auto_approve": True},
        programme={"min_minutes": 1, "max_minutes": 25},
    )
    st = load_station(d)
    runs = auto.run_due(st, at(2026, 11, 26, 8, 5))  # November's airings are over
    gen = next(r for r in runs if r.job == "generate")
    assert gen.outcome == "ok" and gen.months == ["2026-12"], gen.detail
    assert sch.is_scheduled(st, "2026-12")
    sched = sch.read_schedule(st, "2026-12")
    assert len(sched.airings) == 4
    for a in sched.airings:
        assert (st.dir / a.items[0].file).is_file()
    manifest = st.store.programme_dir("2026-12") / "manifest.json"
    stamp = manifest.stat().st_mtime_ns
    # Later the same day: nothing due; in the evening tomorrow is checked, nothing re-made.
    assert auto.run_due(st, at(2026, 11, 26, 8, 20)) == []
    (prep,) = auto.run_due(st, at(2026, 11, 26, 20, 5))
    assert prep.job == "prepare" and prep.outcome == "ok"
    assert manifest.stat().st_mtime_ns == stamp
    report = readiness.check_air(st, at(2026, 12, 1), days=31)
    assert report.ready and len(report.checks) == 4


@pytest.mark.parametrize("text", ["[1]", '{"generate": 5}', '{"prepare": "yesterday"}', "{broken"])
def test_a_corrupt_state_file_is_treated_as_no_state(tmp_path, fake_make, text):
    """A damaged automation-state.json must not stop the daemon: jobs of the last month run."""
    st = load_station(station_dir(tmp_path, automation={"auto_approve": True}))
    st.store.state_dir.mkdir(parents=True, exist_ok=True)
    (st.store.state_dir / "automation-state.json").write_text(text, encoding="utf-8")
    runs = auto.run_due(st, at(2026, 3, 20, 9, 0))
    assert [r.job for r in runs] == ["generate", "prepare"]
    assert json.loads((st.store.state_dir / "automation-state.json").read_text(encoding="utf-8"))[
        "generate"
    ].startswith("2026-03-20T08:00")


# --------------------------------------------------------------------------- trial runs, bad state, full disk


def test_a_trial_run_with_now_in_the_future_does_not_switch_the_real_runs_off(tmp_path, monkeypatch, capsys):
    """Issue 12 #5 / issue 11 #15: `--run-due --now <future>` is a trial; the real state stays."""
    st = load_station(station_dir(tmp_path))
    monkeypatch.setattr(auto, "make_programme", FakeMake())
    real_state = st.store.state_dir / "automation-state.json"
    run_cli(["daemon", "--station", str(st.dir), "--run-due", "--now", "2026-12-20T08:05"])
    assert not real_state.exists()
    assert not (st.store.state_dir / "automation-runs.jsonl").exists()
    assert (st.store.state_dir / "automation-trial-runs.jsonl").exists()
    capsys.readouterr()
    # The real nightly run (earlier than the trial's time) still has work to do.
    runs = auto.run_due(st, at(2026, 3, 20, 20, 0))
    assert {r.job for r in runs} == {"generate", "prepare"}
    assert json.loads(real_state.read_text(encoding="utf-8"))["prepare"].startswith("2026-03-20T20:00")


def test_a_state_time_in_the_future_is_a_warning_and_not_trusted(tmp_path, fake_make, caplog):
    st = load_station(station_dir(tmp_path))
    st.store.state_dir.mkdir(parents=True, exist_ok=True)
    (st.store.state_dir / "automation-state.json").write_text(
        json.dumps({"generate": "2026-12-20T08:00:00+07:00", "prepare": "2026-12-19T20:00:00+07:00"}),
        encoding="utf-8",
    )
    runs = auto.run_due(st, at(2026, 3, 20, 20, 5))
    assert {r.job for r in runs} == {"generate", "prepare"}
    assert "SAU thời điểm hiện tại" in caplog.text


def test_a_full_disk_under_run_due_names_the_file_and_leaves_no_empty_history(
    tmp_path, fake_make, monkeypatch, capsys
):
    """Issue 11 #14: exit 2, the message names the file, no 0-byte automation-runs.jsonl."""
    import builtins
    import errno

    st = load_station(station_dir(tmp_path))
    history = st.store.state_dir / "automation-runs.jsonl"

    class FullFile:
        def __init__(self, fh):
            self.fh = fh

        def write(self, _text):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    def full_open(path, mode="r", *args, **kwargs):
        fh = builtins.open(path, mode, *args, **kwargs)  # noqa: SIM115 - the caller closes it
        return FullFile(fh) if "a" in mode else fh

    monkeypatch.setattr(auto, "open", full_open, raising=False)
    code = run_cli(["daemon", "--station", str(st.dir), "--run-due"])
    err = capsys.readouterr().err
    assert code == 2
    assert "automation-runs.jsonl" in err and "đầy" in err
    assert not history.exists() or history.stat().st_size > 0
