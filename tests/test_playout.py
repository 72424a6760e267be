"""`broadcast play` / `broadcast asrun`: airing at slot time with the real libmpv backend.

Audio "airs" to WAV files (mpv's ao=pcm, device `file:capture`), so what went out is
measured. Days are simulated with an injected clock whose sleep() advances virtual time.
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import REPO, run_cli, station_dir, tone_mp3, write_programme

from broadcast import readiness
from broadcast import schedule as sch
from broadcast.config import load_station
from broadcast.playout.asrun import asrun_path, open_log
from broadcast.playout.backends import create_backend
from broadcast.playout.backends.base import wav_seconds
from broadcast.playout.player import Clock, Player
from broadcast.playout.source import TZ

DAY = datetime(2026, 12, 28, tzinfo=TZ)
SLOTS = [
    {"id": "sang", "name": "Buổi sáng", "start": "06:00", "length_min": 30},
    {"id": "trua", "name": "Buổi trưa", "start": "11:00", "length_min": 30},
    {"id": "chieu", "name": "Buổi chiều", "start": "17:00", "length_min": 30},
]


class FakeClock(Clock):
    """Virtual time: sleep() returns at once and moves both clocks; jump() moves only the wall."""

    def __init__(self, start: datetime) -> None:
        self.wall = start
        self.r0 = time.monotonic()
        self.virtual = 0.0
        self.hooks: list[tuple[datetime, object]] = []

    def monotonic(self) -> float:
        return time.monotonic() - self.r0 + self.virtual

    def now(self) -> datetime:
        return self.wall + timedelta(seconds=self.monotonic())

    def sleep(self, seconds: float) -> None:
        self.virtual += max(0.0, seconds)
        due = [h for h in self.hooks if h[0] <= self.now()]
        for h in due:
            self.hooks.remove(h)
            h[1]()

    def at(self, hhmm: str, fn) -> None:
        h, m = map(int, hhmm.split(":"))
        self.hooks.append((DAY.replace(hour=h, minute=m), fn))

    def jump(self, seconds: float) -> None:
        self.wall += timedelta(seconds=seconds)


def day_station(tmp_path: Path, *, previous: bool = True, seconds: float = 4.0, **playout):
    """Three airings on 2026-12-28 (06:00, 11:00, 17:00), a 4 s programme, capture to WAV."""
    d = station_dir(
        tmp_path / "st",
        slots=SLOTS,
        airing={"per_month": 12, "from_day": 28, "slots": ["sang", "trua", "chieu"]},
        playout={"device": "file:capture", **playout},
    )
    st = load_station(d)
    if previous:
        write_programme(st, "2026-11", seconds=3.0, freq=330)
    write_programme(st, "2026-12", seconds=seconds)
    sch.schedule_month(st, "2026-12", now=DAY - timedelta(days=10))
    return st


def run_day(st, clock: FakeClock | None = None, until: str = "23:00") -> tuple[list, list[str]]:
    clock = clock or FakeClock(DAY)
    h, m = map(int, until.split(":"))
    said: list[str] = []
    Player(st, clock=clock, say=said.append).run(until=DAY.replace(hour=h, minute=m))
    with open_log(st.store) as log:
        return log.rows(), said


def decoded_seconds(path: Path) -> float:
    """Length of a file as ffmpeg decodes it (gapless MP3 info honoured)."""
    out = path.with_suffix(".ref.wav")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(path), str(out)], check=True)
    try:
        return wav_seconds(out)
    finally:
        out.unlink()


def capture(st, row) -> Path:
    return st.dir / "capture" / f"asrun-{row.id:06d}.wav"


# --------------------------------------------------------------------------- backends


@pytest.mark.parametrize("backend", ["mpv", "ffmpeg"])
def test_captured_audio_is_as_long_as_the_file(tmp_path, backend):
    src = tone_mp3(tmp_path / "tone.mp3", 3.0)
    b = create_backend(backend, "file:cap", tmp_path)
    res = b.play(src, name="one")
    assert res.ok
    captured = wav_seconds(tmp_path / "cap" / "one.wav")
    assert abs(captured - decoded_seconds(src)) <= 0.1
    assert abs(res.seconds - captured) <= 0.01


def test_a_file_that_is_not_audio_is_an_error_not_a_success(tmp_path):
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"khong phai am thanh" * 500)
    res = create_backend("mpv", "null", tmp_path).play(bad, name="x")
    assert not res.ok and "lỗi khi phát" in res.reason


# --------------------------------------------------------------------------- a simulated day


def test_a_day_airs_three_airings_at_slot_time_and_the_csv_matches_the_capture(tmp_path):
    st = day_station(tmp_path)
    rows, said = run_day(st)
    assert [(r.slot, r.result) for r in rows] == [("sang", "aired"), ("trua", "aired"), ("chieu", "aired")]
    programme = st.store.programme_dir("2026-12") / f"{st.slug}-2026-12.mp3"
    length = decoded_seconds(programme)
    for r in rows:
        assert abs(wav_seconds(capture(st, r)) - length) <= 0.1
        started = datetime.fromisoformat(r.actual_start) - datetime.fromisoformat(r.scheduled_start)
        assert timedelta(0) <= started < timedelta(seconds=1)
        assert r.sha256 and r.actual_end
    assert any("BẮT ĐẦU PHÁT" in s for s in said)

    out = tmp_path / "asrun.csv"
    assert (
        run_cli(
            [
                "asrun",
                "--station",
                str(st.dir),
                "--month",
                "2026-12",
                "--csv",
                str(out),
                "--now",
                "2026-12-28T23:00",
            ]
        )
        == 0
    )
    text = out.read_text(encoding="utf-8-sig")
    table = list(csv.DictReader(text.splitlines()))
    assert len(table) == 3
    for line, r in zip(table, rows, strict=True):
        assert line["Kết quả"] == "aired" and line["Buổi"] == r.slot
        assert abs(float(line["Số giây đã phát"]) - wav_seconds(capture(st, r))) <= 0.1
        assert line["Tệp"].startswith("audio_out/days/2026-12-28/")


def test_a_file_deleted_after_the_check_airs_the_fallback_and_the_log_says_so(tmp_path, capsys):
    st = day_station(tmp_path)
    clock = FakeClock(DAY)
    day_file = next(st.store.days_dir.glob("2026-12-28/1100-*.mp3"))
    clock.at("10:50", day_file.unlink)  # after the 10:45 check, before air
    rows, said = run_day(st, clock)
    assert [(r.slot, r.result) for r in rows] == [("sang", "aired"), ("trua", "fallback"), ("chieu", "aired")]
    fb = rows[1]
    assert "thiếu tệp" in fb.reason and fb.programme_month == "2026-11"
    previous = st.store.programme_dir("2026-11") / f"{st.slug}-2026-11.mp3"
    assert abs(wav_seconds(capture(st, fb)) - decoded_seconds(previous)) <= 0.1  # the fallback aired

    assert (
        run_cli(["asrun", "--station", str(st.dir), "--month", "2026-12", "--now", "2026-12-28T23:00"]) == 0
    )
    out = capsys.readouterr().out
    assert "28/12/2026 11:00 (trua): PHÁT THAY THẾ" in out


def test_a_programme_that_cannot_air_falls_back_to_the_standing_notice_before_air(tmp_path):
    st = day_station(tmp_path, previous=False)
    (st.store.programme_dir("2026-12") / f"{st.slug}-2026-12.mp3").unlink()  # no programme, no earlier month
    for f in st.store.days_dir.glob("2026-12-28/*.mp3"):
        f.unlink()
    rows, _ = run_day(st, until="07:00")
    assert len(rows) == 1 and rows[0].result == "fallback"
    assert rows[0].title == readiness.NOTICE_TITLE and rows[0].programme_month == ""
    assert wav_seconds(capture(st, rows[0])) > 5  # the spoken notice went out, not silence


def test_with_no_file_and_no_fallback_the_log_says_failed_and_the_player_goes_on(tmp_path, monkeypatch):
    from broadcast.errors import EnvironmentProblem

    def no_notice(station):
        raise EnvironmentProblem("không tạo được thông báo dự phòng bằng espeak-ng.")

    monkeypatch.setattr(readiness, "standing_notice", no_notice)
    st = day_station(tmp_path, previous=False)
    (st.store.programme_dir("2026-12") / f"{st.slug}-2026-12.mp3").unlink()
    for f in st.store.days_dir.glob("2026-12-28/*.mp3"):
        f.unlink()
    rows, said = run_day(st)
    assert [(r.slot, r.result) for r in rows] == [("sang", "failed"), ("trua", "failed"), ("chieu", "failed")]
    assert all(r.seconds_aired == 0 for r in rows)
    assert any("không chuẩn bị được chương trình thay thế" in s for s in said)


def test_a_corrupt_file_mid_slot_switches_to_the_fallback(tmp_path):
    st = day_station(tmp_path, seconds=6.0)
    clock = FakeClock(DAY)
    day_file = next(st.store.days_dir.glob("2026-12-28/1700-*.mp3"))

    def corrupt() -> None:  # the first third survives, the rest is garbage
        data = day_file.read_bytes()
        day_file.unlink()
        day_file.write_bytes(data[: len(data) // 3] + os.urandom(len(data) - len(data) // 3))

    clock.at("16:50", corrupt)
    rows, said = run_day(st, clock)
    chieu = [r for r in rows if r.slot == "chieu"]
    assert [r.result for r in chieu] == ["failed", "fallback"]
    bad, fb = chieu
    assert 0 < wav_seconds(capture(st, bad)) < 5 and "hỏng" in bad.reason
    assert abs(bad.seconds_aired - wav_seconds(capture(st, bad))) <= 0.1
    assert abs(wav_seconds(capture(st, fb)) - 3.0) <= 0.1
    assert any("Chuyển sang chương trình thay thế" in s for s in said)


def test_a_file_that_does_not_decode_is_replaced_by_the_fallback_before_air(tmp_path):
    st = day_station(tmp_path)
    # Day files are copies: damage both the day's copy and the approved programme it came from,
    # so nothing can repair the day from the master.
    day_file = next(st.store.days_dir.glob("2026-12-28/0600-*.mp3"))
    programme = st.store.programme_dir("2026-12") / f"{st.slug}-2026-12.mp3"
    for damaged in (day_file, programme):
        data = damaged.read_bytes()
        with damaged.open("r+b") as fh:
            fh.seek(len(data) // 4)
            fh.write(os.urandom(len(data) // 2))
    rows, said = run_day(st, until="07:00")
    assert [(r.result, r.programme_month) for r in rows] == [("fallback", "2026-11")]
    assert "giải mã bị lỗi" in rows[0].reason
    assert any("Sẽ phát chương trình thay thế" in s for s in said)


def test_a_long_silence_in_the_programme_is_reported_before_air_and_it_still_airs(tmp_path):
    st = day_station(tmp_path, seconds=14.0, silence_report_s=5)
    programme = st.store.programme_dir("2026-12") / f"{st.slug}-2026-12.mp3"
    tmp = programme.with_name("x.mp3")
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=4",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=44100:cl=mono:d=10",
            "-filter_complex",
            "[0][1]concat=n=2:v=0:a=1",
            "-ar",
            "44100",
            "-ac",
            "1",
            "-b:a",
            "128k",
            str(tmp),
        ],
        check=True,
    )
    for f in [programme, *st.store.days_dir.glob("2026-12-28/0600-*.mp3")]:
        f.write_bytes(tmp.read_bytes())  # same bytes as the programme: check-air accepts it
    rows, said = run_day(st, until="07:00")
    assert [r.result for r in rows] == ["aired"]
    assert any("im lặng 10 giây" in s for s in said)


def test_the_ffmpeg_backend_airs_the_same_day(tmp_path):
    st = day_station(tmp_path, backend="ffmpeg")
    rows, _ = run_day(st)
    assert [(r.result, r.backend) for r in rows] == [("aired", "ffmpeg")] * 3
    for r in rows:
        assert abs(wav_seconds(capture(st, r)) - r.seconds_aired) <= 0.01
        assert abs(r.seconds_aired - 4.0) <= 0.1


def test_a_clock_jump_is_logged_then_late_start_or_skip(tmp_path):
    st = day_station(tmp_path, late_max_min=5)
    clock = FakeClock(DAY)
    clock.at("05:55", lambda: clock.jump(7 * 60))  # wakes at 06:02: within 5 minutes, plays late
    clock.at("10:50", lambda: clock.jump(15 * 60))  # wakes at 11:05
    clock.at("11:04", lambda: clock.jump(4 * 60))  # ... and again: 11:09, too late
    rows, said = run_day(st, clock)
    assert [(r.slot, r.result) for r in rows] == [("sang", "aired"), ("trua", "skipped"), ("chieu", "aired")]
    assert "phát trễ" in rows[0].reason
    assert datetime.fromisoformat(rows[0].actual_start) >= DAY.replace(hour=6, minute=2)
    assert "late_max_min" in rows[1].reason and rows[1].seconds_aired == 0
    assert not capture(st, rows[1]).exists()
    assert sum("đồng hồ máy nhảy" in s for s in said) >= 2


def test_amplifier_commands_run_around_the_airing_and_a_failing_one_does_not_stop_it(tmp_path):
    note = [sys.executable, "-c", "import sys; open('amp.log', 'a').write(sys.argv[1] + '\\n')"]
    st = day_station(
        tmp_path,
        amplifier={
            "on_command": note + ["on"],
            "off_command": note + ["off"],
            "on_before_s": 20,
            "off_after_s": 5,
        },
    )
    rows, _ = run_day(st, until="12:00")
    assert [r.result for r in rows] == ["aired", "aired"]
    assert (st.dir / "amp.log").read_text().split() == ["on", "off", "on", "off"]

    st2 = day_station(tmp_path / "b", amplifier={"on_command": [sys.executable, "-c", "raise SystemExit(3)"]})
    rows, said = run_day(st2, until="07:00")
    assert rows[0].result == "aired" and "âm ly" in rows[0].reason
    assert any("CẢNH BÁO" in s and "âm ly" in s for s in said)


# --------------------------------------------------------------------------- crash and restart


def _wait_for_row(db: Path, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if db.exists():
            try:
                with sqlite3.connect(db) as c:
                    if c.execute("SELECT count(*) FROM asrun").fetchone()[0]:
                        return
            except sqlite3.Error:
                pass
        time.sleep(0.1)
    raise AssertionError("the player never started an item")


def test_kill_9_during_an_item_leaves_partial_and_a_restart_does_not_air_it_twice(tmp_path):
    st = day_station(tmp_path, seconds=30.0, device="null")
    cmd = [sys.executable, "-m", "broadcast", "play", "--station", str(st.dir), "--once"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        cmd + ["--now", "2026-12-28T05:59:59"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_for_row(asrun_path(st.store))
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with open_log(st.store) as log:
        rows = log.rows()
    assert [(r.slot, r.result, r.actual_end) for r in rows] == [("sang", "partial", None)]

    again = subprocess.run(
        cmd + ["--now", "2026-12-28T06:00:20"], env=env, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr
    assert "không phát lại" in again.stdout
    with open_log(st.store) as log:
        rows = log.rows()
    assert [(r.slot, r.result) for r in rows] == [("sang", "partial")]


def test_a_stop_request_ends_the_item_as_partial_and_exits(tmp_path):
    st = day_station(tmp_path, seconds=30.0, device="null")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "broadcast", "play", "--station", str(st.dir), "--now", "2026-12-28T05:59:59"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for_row(asrun_path(st.store))
        proc.send_signal(signal.SIGTERM)  # systemctl stop / shutdown
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    with open_log(st.store) as log:
        (row,) = log.rows()
    assert row.result == "partial" and row.actual_end and "dừng theo yêu cầu" in row.reason


# --------------------------------------------------------------------------- errors and commands


def test_missing_libmpv_is_a_vietnamese_error_exit_2(tmp_path, monkeypatch, capsys):
    st = day_station(tmp_path)
    monkeypatch.setitem(sys.modules, "mpv", None)  # as on a PC without libmpv
    assert run_cli(["play", "--station", str(st.dir), "--once"]) == 2
    err = capsys.readouterr().err
    assert "libmpv" in err and "Cách sửa" in err and "Traceback" not in err


def test_missing_device_is_a_vietnamese_error_exit_2(tmp_path, capsys):
    st = day_station(tmp_path)
    assert run_cli(["play", "--station", str(st.dir), "--once", "--device", "alsa/khong-co-loa"]) == 2
    err = capsys.readouterr().err
    assert "không có thiết bị âm thanh 'alsa/khong-co-loa'" in err and "--devices" in err
    assert (
        run_cli(["play", "--station", str(st.dir), "--once", "--backend", "ffmpeg", "--device", "loa-ngoai"])
        == 2
    )


def test_playout_settings_errors_name_file_line_and_field(tmp_path, capsys):
    d = station_dir(tmp_path, playout={"late_max_min": "năm phút"})
    assert run_cli(["play", "--station", str(d), "--status"]) == 1
    err = capsys.readouterr().err
    assert "station.yaml" in err and "dòng" in err and "playout.late_max_min" in err

    d = station_dir(tmp_path / "b", playout={"device": "file:../ngoai"})
    assert run_cli(["play", "--station", str(d), "--status"]) == 1
    assert "phải nằm trong thư mục của đài" in capsys.readouterr().err

    d = station_dir(tmp_path / "c", playout={"amplifier": {"on_command": "relay on"}})
    assert run_cli(["play", "--station", str(d), "--status"]) == 1
    assert "playout.amplifier.on_command" in capsys.readouterr().err


def test_status_devices_and_reconciliation_of_what_did_not_air(tmp_path, capsys):
    st = day_station(tmp_path)
    run_day(st, until="12:00")  # 17:00 never airs: the player stopped
    capsys.readouterr()
    assert run_cli(["play", "--station", str(st.dir), "--status"]) == 0
    out = capsys.readouterr().out
    assert "Lần phát gần nhất" in out and "đã phát" in out and "đã dừng" in out

    assert (
        run_cli(["asrun", "--station", str(st.dir), "--month", "2026-12", "--now", "2026-12-28T18:00"]) == 1
    )
    out = capsys.readouterr().out
    assert "28/12/2026 17:00 (chieu): CHƯA PHÁT" in out
    assert "29/12/2026 06:00 (sang): chưa đến giờ phát" in out
    assert "1 lần phát theo lịch KHÔNG được phát" in out

    assert run_cli(["play", "--devices"]) == 0
    out = capsys.readouterr().out
    assert "Bộ phát 'mpv'" in out and "Bộ phát 'ffmpeg'" in out and "file:THƯ_MỤC" in out


def test_the_log_opens_while_others_open_and_read_it(tmp_path):
    """The player, the console's panel and the reports open the as-run log at once; a new log
    switching to WAL used to refuse one of them with "database is locked" (player start failed)."""
    import threading

    from broadcast.playout.asrun import AsRunLog

    errors: list[str] = []

    def open_and_read(path, barrier) -> None:
        barrier.wait()
        for _ in range(20):
            try:
                with AsRunLog(path) as log:
                    log.rows()
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(str(exc))
                return

    for trial in range(30):
        path = tmp_path / str(trial) / ".broadcast" / "asrun.sqlite"
        barrier = threading.Barrier(6)
        threads = [threading.Thread(target=open_and_read, args=(path, barrier)) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
