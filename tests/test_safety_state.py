"""Issue 11 #13: damaged state files are warned about and rebuilt, never a traceback.

manifest.json nested too deep, a garbage day playlist, invalid UTF-8 in the run history, a
garbage standing-notice cache, a corrupt schedule file: each command still answers.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from _safety import cli
from conftest import station_dir, write_programme

from broadcast import readiness
from broadcast import schedule as sch
from broadcast.config import load_station
from broadcast.production.manifest import read_manifest

MONTH = "2026-04"


@pytest.fixture
def scheduled(tmp_path):
    st = load_station(station_dir(tmp_path))
    write_programme(st, MONTH, seconds=4.0)
    sched = sch.schedule_month(st, MONTH, now=datetime(2026, 3, 20, 8, 0))
    return st, sched


def test_deeply_nested_manifest_counts_as_no_programme(tmp_path):
    st = load_station(station_dir(tmp_path))
    write_programme(st, MONTH)
    (st.store.programme_dir(MONTH) / "manifest.json").write_text(
        "[" * 100_000 + "]" * 100_000, encoding="utf-8"
    )
    assert read_manifest(st.store.programme_dir(MONTH)) is None


@pytest.mark.parametrize("data", [b"[" * 100_000, b"\xff\xfe{}", b"", b"\x00" * 10])
def test_read_state_json_treats_damage_as_absent(tmp_path, data):
    from broadcast.fsutil import read_state_json

    (tmp_path / "s.json").write_bytes(data)
    assert read_state_json(tmp_path / "s.json") is None


def test_read_jsonl_skips_bad_lines_and_invalid_utf8(tmp_path):
    from broadcast.fsutil import read_jsonl

    (tmp_path / "h.jsonl").write_bytes(
        b'{"job": "a"}\n\xff\xfe\xfd\n[1]\n' + b"[" * 50_000 + b'\n{"job": "b"}\n{"jo'
    )
    assert [r["job"] for r in read_jsonl(tmp_path / "h.jsonl")] == ["a", "b"]


def test_garbage_playlist_does_not_break_day_and_check_air_does_not_call_it_ready(scheduled, capsys):
    st, sched = scheduled
    first = sched.airings[0]
    folder = st.store.day_dir(first.date)
    playlist = folder / f"{st.slot(first.slot).hhmm}.m3u8"
    playlist.write_bytes(b"#EXTM3U\n#EXTINF:abc,\xff\xfe\n#EXTINF:nan,x\ngarbage\x00\n")
    code, out, err = cli(["day", "--station", str(st.dir), first.date.isoformat()], capsys)
    assert code == 0 and "Traceback" not in err
    report = readiness.check_air(st, datetime.combine(first.date, datetime.min.time()), days=0, apply=False)
    assert not report.ready
    assert any("m3u8" in p for c in report.checks for p in c.problems)
    # With apply, the day folder is rebuilt with a good playlist.
    report = readiness.check_air(st, datetime.combine(first.date, datetime.min.time()), days=0)
    assert report.ready
    assert sch.read_playlist(playlist) == [p.split("/")[-1] for p in (i.file for i in first.items)]


def test_invalid_utf8_in_the_run_history_does_not_stop_run_due(tmp_path, capsys):
    st = load_station(station_dir(tmp_path))
    st.store.state_dir.mkdir(parents=True, exist_ok=True)
    (st.store.state_dir / "automation-runs.jsonl").write_bytes(
        b'{"job": "prepare", "event": "start"}\n\xff\xfe garbage\n'
    )
    (st.store.state_dir / "automation-state.json").write_text(
        json.dumps({"generate": "2026-03-20T08:00:00+07:00", "prepare": "2026-03-20T20:00:00+07:00"}),
        encoding="utf-8",
    )
    code, out, err = cli(
        ["daemon", "--station", str(st.dir), "--run-due", "--now", "2026-03-20T21:00"], capsys
    )
    assert code in (0, 1) and "Traceback" not in err
    assert out or err


def test_garbage_notice_cache_is_made_again(tmp_path):
    st = load_station(station_dir(tmp_path))
    first = readiness.standing_notice(st)
    first.path.write_bytes(b"\x00garbage" * 10)
    again = readiness.standing_notice(st)
    assert again.path == first.path and again.duration_s > 1.0


def test_corrupt_schedule_file_is_an_error_naming_it(scheduled, capsys):
    st, sched = scheduled
    st.store.schedule_path(MONTH).write_text("month: &a [*a]\n", encoding="utf-8")
    first = sched.airings[0]
    code, out, err = cli(["day", "--station", str(st.dir), first.date.isoformat()], capsys)
    assert code == 1 and f"{MONTH}.yaml" in err
