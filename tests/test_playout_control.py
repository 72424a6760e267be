"""The console → player control channel (broadcast.playout.control) and the player obeying it.

Channel tests are plain file tests. Player tests use the real libmpv backend capturing to WAV
(ao=pcm, `file:capture`) and the virtual clock of tests/test_playout.py, so "what aired" is the
captured length and the as-run rows.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from datetime import datetime, timedelta

import pytest
from conftest import run_cli, write_programme
from test_playout import DAY, FakeClock, capture, day_station

from broadcast.errors import BroadcastError
from broadcast.fsutil import atomic_write_text
from broadcast.playout import control
from broadcast.playout.asrun import open_log
from broadcast.playout.backends.base import wav_seconds
from broadcast.playout.player import STATUS_FILE, Player, read_status
from broadcast.playout.source import TZ
from broadcast.report.collect import collect
from broadcast.report.models import parse_period

ISSUER = "Trần Kỹ Thuật (kythuat)"


def _now() -> datetime:
    return datetime.now(TZ)


# --------------------------------------------------------------------------- the channel


def test_a_command_is_written_atomically_taken_once_and_answered(tmp_path):
    st = day_station(tmp_path)
    store = st.store
    # a killed atomic write leaves a hidden temp file: never read as a command
    store.playout_commands_dir.mkdir(parents=True)
    (store.playout_commands_dir / ".x.json.abc.tmp").write_text('{"id": "hal', encoding="utf-8")
    cmd = control.send(store, control.STOP, ISSUER, now=_now())
    files = sorted(p.name for p in store.playout_commands_dir.iterdir())
    assert files == [".x.json.abc.tmp", next(n for n in files if n.endswith(f"{cmd.id}.json"))]
    assert [c.id for c in control.pending(store)] == [cmd.id]

    taken = control.take(store, now=_now())
    assert [(c.id, c.action, c.issuer) for c in taken] == [(cmd.id, "stop", ISSUER)]
    assert control.take(store, now=_now()) == []  # taken once: the file is gone
    assert control.pending(store) == []

    control.answer(store, cmd, control.DONE, "đã dừng «Chuyên mục».", now=_now(), what="Chuyên mục")
    (res,) = control.results(store)
    assert (res.id, res.status_vi, res.action_vi) == (cmd.id, "đã làm", "dừng")
    assert control.result_of(store, cmd.id) == res


def test_an_expired_command_or_one_older_than_the_player_is_refused_not_executed(tmp_path):
    store = day_station(tmp_path).store
    t = _now()
    old = control.send(store, control.SKIP, ISSUER, now=t - timedelta(seconds=31))
    before_start = control.send(store, control.STOP, ISSUER, now=t - timedelta(seconds=5))
    fresh = control.send(store, control.STOP, ISSUER, now=t)
    taken = control.take(store, now=t, not_before=t - timedelta(seconds=1))
    assert [c.id for c in taken] == [fresh.id]
    answers = {r.id: r for r in control.results(store)}
    assert answers[old.id].status == control.REFUSED and "quá hạn" in answers[old.id].reason
    assert answers[before_start.id].status == control.REFUSED
    assert "trước khi máy phát khởi động" in answers[before_start.id].reason


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        json.dumps({"id": "a", "action": "rm -rf", "issuer": "x"}),
        json.dumps({"id": "b", "action": "play", "issuer": "x", "issued_at": "2026-12-28T06:00:00+07:00"}),
        json.dumps([1, 2]),
    ],
)
def test_a_bad_command_file_is_set_aside_with_a_warning(tmp_path, caplog, text):
    store = day_station(tmp_path).store
    store.playout_commands_dir.mkdir(parents=True)
    bad = store.playout_commands_dir / "20261228T060000000000-bad.json"
    bad.write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="broadcast.playout.control"):
        assert control.take(store, now=_now()) == []
    assert "tệp lệnh hỏng" in caplog.text and bad.name in caplog.text
    assert not bad.exists() and bad.with_name(bad.name + ".bad").exists()
    caplog.clear()
    assert control.take(store, now=_now()) == [] and caplog.text == ""  # warned once, not every poll


def test_play_now_only_names_approved_audio_never_a_path(tmp_path):
    st = day_station(tmp_path)
    today = DAY.date()
    ok = control.resolve(st, control.PlayTarget("day", date="2026-12-28", slot="sang", order=1), today, DAY)
    assert ok.file.startswith("audio_out/days/2026-12-28/") and ok.slot == control.MANUAL_SLOT
    prog = control.resolve(st, control.PlayTarget("programme", month="2026-11"), today, DAY)
    assert prog.file.startswith("audio_out/2026-11/") and prog.month == "2026-11"

    refused = [
        (control.PlayTarget("day", date="2026-12-29", slot="sang", order=1), "hôm nay"),
        (control.PlayTarget("day", date="2026-12-28", slot="sang", order=2), "không có mục số 2"),
        (control.PlayTarget("day", date="2026-12-28", slot="../../station.yaml", order=1), "không có mục"),
        (control.PlayTarget("programme", month="../2026-11"), "không hợp lệ"),
        (control.PlayTarget("programme", month="2027-01"), "chưa phát được"),
    ]
    for target, words in refused:
        with pytest.raises(BroadcastError) as exc:
            control.resolve(st, target, today, DAY)
        assert words in exc.value.message, (target, exc.value.message)

    # a running-order file replaced by a link out of the station folder is refused
    day_file = next(st.store.day_dir(today).glob("0600-*.mp3"))
    outside = tmp_path / "ngoai.mp3"
    outside.write_bytes(day_file.read_bytes())
    day_file.unlink()
    os.symlink(outside, day_file)
    with pytest.raises(BroadcastError) as exc:
        control.resolve(st, control.PlayTarget("day", date="2026-12-28", slot="sang", order=1), today, DAY)
    assert "thư mục của đài" in exc.value.message or "ngoài" in exc.value.message

    # an unapproved month is not the "approved programme"
    write_programme(st, "2027-01", approved=False)
    with pytest.raises(BroadcastError):
        control.resolve(st, control.PlayTarget("programme", month="2027-01"), today, DAY)
    for text in ("day:2026-12-28:sang", "file:/etc/passwd", "programme", ""):
        with pytest.raises(ValueError):
            control.PlayTarget.parse(text)


# --------------------------------------------------------------------------- the player obeying


def _wait(cond, what: str, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _send_and_wait(player, action, target=None) -> control.Command:
    """From inside the virtual clock: send, then wait until the player answered or queued it."""
    store = player.station.store
    cmd = control.send(store, action, ISSUER, now=_now(), target=target)
    _wait(lambda: control.result_of(store, cmd.id) is not None or player.manual, "the player to take it")
    return cmd


def test_play_now_airs_the_chosen_item_as_a_manual_row_and_the_report_ignores_it(tmp_path):
    st = day_station(tmp_path)
    clock = FakeClock(DAY)
    sent: list[control.Command] = []
    day_item = control.PlayTarget("day", date="2026-12-28", slot="sang", order=1)
    last_month = control.PlayTarget("programme", month="2026-11")
    player = Player(st, clock=clock, say=lambda _: None, poll_s=0.05)
    clock.at("08:00", lambda: sent.append(_send_and_wait(player, control.STOP)))
    clock.at("08:01", lambda: sent.append(_send_and_wait(player, control.PLAY, day_item)))
    clock.at("09:00", lambda: sent.append(_send_and_wait(player, control.PLAY, last_month)))
    player.run(until=DAY.replace(hour=10))
    with open_log(st.store) as log:
        rows = log.rows()
    assert [(r.slot, r.item_order, r.result) for r in rows] == [
        ("sang", 1, "aired"),
        ("manual", 1, "aired"),
        ("manual", 2, "aired"),
    ]
    stop, play_day, play_prog = (control.result_of(st.store, c.id) for c in sent)
    assert stop.status == control.REFUSED and "không có gì đang phát" in stop.reason
    assert play_day.status == play_prog.status == control.DONE
    manual_day, manual_prog = rows[1], rows[2]
    assert ISSUER in manual_day.reason and "phát thủ công" in manual_day.reason
    assert manual_day.file == rows[0].file  # the running order's own file
    assert abs(wav_seconds(capture(st, manual_day)) - 4.0) <= 0.1  # it aired in full
    assert (
        manual_prog.programme_month == "2026-11" and abs(wav_seconds(capture(st, manual_prog)) - 3.0) <= 0.1
    )
    assert datetime.fromisoformat(manual_day.actual_start) >= DAY.replace(hour=8, minute=1)

    # The report counts scheduled airings: the two manual airings add nothing to them.
    report = collect(st, parse_period("2026-Q4"))
    sang = [a for a in report.airings if a.date == DAY.date() and a.slot == "sang"]
    assert len(sang) == 1 and sang[0].status == "aired" and sang[0].minutes == round(4.0 / 60, 1)
    assert all(a.slot != "manual" for a in report.airings)


def _long_day(tmp_path, seconds: float = 240.0):
    """A programme long enough that the WAV capture is still running when a command arrives:
    the capture is paced at 12x real time (20 s of real time), whatever the machine's speed."""
    return day_station(tmp_path, seconds=seconds)


@pytest.fixture(autouse=True)
def _paced_capture(monkeypatch):
    from broadcast.playout.backends.base import Backend

    monkeypatch.setattr(Backend, "capture_speed", 12.0)


def _run_in_thread(st, until: str) -> threading.Thread:
    h, m = map(int, until.split(":"))

    def run() -> None:  # the player is made in its thread: its as-run connection belongs there
        Player(st, clock=FakeClock(DAY), say=lambda _: None, poll_s=0.05).run(
            until=DAY.replace(hour=h, minute=m)
        )

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def _airing(st) -> bool:
    with open_log(st.store) as log:
        return any(r.result == "partial" for r in log.rows())


def _answered(st, cmd) -> control.Result:
    _wait(lambda: control.result_of(st.store, cmd.id) is not None, "the answer")
    res = control.result_of(st.store, cmd.id)
    assert res is not None
    return res


def test_stop_ends_the_item_logged_with_who_and_play_now_meanwhile_is_refused(tmp_path):
    st = _long_day(tmp_path)
    t = _run_in_thread(st, "07:00")
    _wait(lambda: _airing(st), "the 06:00 item to start")
    _wait(lambda: "current" in read_status(st), "the status file to say what is on air")
    target = control.PlayTarget("programme", month="2026-11")
    busy = _answered(st, control.send(st.store, control.PLAY, ISSUER, now=_now(), target=target))
    stop = _answered(st, control.send(st.store, control.STOP, ISSUER, now=_now()))
    t.join(120)
    assert not t.is_alive()
    assert busy.status == control.REFUSED and "bấm Dừng trước" in busy.reason
    assert stop.status == control.DONE
    with open_log(st.store) as log:
        rows = log.rows()
    assert [(r.slot, r.result) for r in rows] == [("sang", "partial")]  # no fallback after a stop
    (row,) = rows
    assert "dừng theo lệnh của " + ISSUER in row.reason and row.actual_end
    captured = wav_seconds(capture(st, row))
    assert 0 < captured < 200  # cut short: far less than the 240 s programme
    assert abs(row.seconds_aired - captured) <= 0.1
    assert read_status(st)["running"] is False


def test_play_status_says_when_the_heartbeat_is_stale(tmp_path, capsys):
    st = day_station(tmp_path)
    status = {"running": True, "heartbeat_at": (_now() - timedelta(minutes=5)).isoformat(), "backend": "mpv"}
    atomic_write_text(st.store.state_file(STATUS_FILE), json.dumps(status))
    assert run_cli(["play", "--station", str(st.dir), "--status"]) == 0
    assert "Máy phát tự động: KHÔNG CHẠY (mất tín hiệu" in capsys.readouterr().out
    status["heartbeat_at"] = _now().isoformat()
    atomic_write_text(st.store.state_file(STATUS_FILE), json.dumps(status))
    assert run_cli(["play", "--station", str(st.dir), "--status"]) == 0
    assert "Máy phát tự động: đang chạy" in capsys.readouterr().out


def test_skip_ends_the_item_and_the_next_airing_still_airs_at_its_time(tmp_path):
    st = _long_day(tmp_path)
    t = _run_in_thread(st, "12:00")
    _wait(lambda: _airing(st) and "current" in read_status(st), "the 06:00 item to start")
    skip = _answered(st, control.send(st.store, control.SKIP, ISSUER, now=_now()))
    t.join(180)
    assert not t.is_alive() and skip.status == control.DONE
    with open_log(st.store) as log:
        rows = log.rows()
    assert [(r.slot, r.result) for r in rows] == [("sang", "partial"), ("trua", "aired")]
    assert "bỏ qua theo lệnh của " + ISSUER in rows[0].reason
    assert wav_seconds(capture(st, rows[0])) < 200
    assert abs(wav_seconds(capture(st, rows[1])) - 240.0) <= 0.2


def test_an_old_command_found_at_start_is_not_executed(tmp_path):
    st = day_station(tmp_path)
    target = control.PlayTarget("programme", month="2026-11")
    old = control.send(st.store, control.PLAY, ISSUER, now=_now() - timedelta(seconds=40), target=target)
    Player(st, clock=FakeClock(DAY), say=lambda _: None, poll_s=0.05).run(until=DAY.replace(hour=5))
    with open_log(st.store) as log:
        assert log.rows() == []
    res = control.result_of(st.store, old.id)
    assert res is not None and res.status == control.REFUSED
