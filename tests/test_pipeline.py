"""End to end: `broadcast make` on a copy of the example station.

The silent engine makes the run fast and deterministic; one run uses espeak-ng, the real
offline voice. Everything is measured on the files the operator gets, with ffmpeg.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import make_station

from broadcast.cli import main
from broadcast.config import load_station
from broadcast.events import Progress
from broadcast.pipeline import STAGES, make, next_month

MONTH = "2027-01"


def ffmpeg_measure(path: Path) -> tuple[float, float, float]:
    """(duration s, integrated LUFS, true peak dBTP) by ffmpeg's own ebur128 filter."""
    out = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    summary = out[out.rindex("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=channels,sample_rate",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    duration = float(json.loads(probe.stdout)["format"]["duration"])
    return duration, lufs, peak


def test_stages_listed_in_order():
    assert tuple(s.name for s in STAGES) == ("script", "check", "produce", "schedule")


def test_next_month_wraps_the_year():
    from datetime import date

    assert next_month(date(2026, 12, 5)) == "2027-01"
    assert next_month(date(2026, 11, 22)) == "2026-12"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One full silent-engine run of the main job, shared by the assertions below."""
    d = make_station(
        tmp_path_factory.mktemp("station"),
        voice={"main": [{"engine": "silent", "syllable_s": 0.3}], "second": [], "fallback": True},
    )
    st = load_station(d)
    rep = Progress()
    result = make(st, MONTH, auto_approve=True, progress=rep)
    return st, result, rep


def test_make_leaves_every_artifact(made):
    st, result, rep = made
    d = st.dir
    assert (d / "scripts" / f"{MONTH}.md").exists()
    prog = d / "audio_out" / MONTH
    manifest = json.loads((prog / "manifest.json").read_text(encoding="utf-8"))
    assert (prog / manifest["file"]).exists()
    assert (d / "schedules" / f"{MONTH}.yaml").exists()
    assert (d / "schedules" / f"{MONTH}.ics").read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")
    assert result.scheduled and result.airings == st.airing.per_month
    assert [f"[{e.number}/{e.total}] {e.text}" for e in rep.events if e.kind == "stage"] == [
        "[1/4] Kịch bản tháng 2027-01",
        "[2/4] Kiểm tra kịch bản (độ dài, từ khó đọc)",
        "[3/4] Đọc và dựng chương trình",
        "[4/4] Xếp lịch phát và chuẩn bị thư mục từng ngày",
    ]
    assert any("DUYỆT TỰ ĐỘNG" in n for n in result.notes)


def test_programme_measured_on_the_file(made):
    st, result, _ = made
    prog = st.dir / "audio_out" / MONTH
    manifest = json.loads((prog / "manifest.json").read_text(encoding="utf-8"))
    duration, lufs, peak = ffmpeg_measure(prog / manifest["file"])
    assert 600 <= duration <= 900
    assert abs(duration - manifest["duration_s"]) < 0.2
    assert abs(lufs - st.audio.target_lufs) <= 1.0
    assert abs(lufs - manifest["loudness_lufs"]) <= 0.3
    assert manifest["true_peak_dbtp"] <= -1.0
    assert manifest["channels"] == 1 and manifest["bitrate_kbps"] == 128
    assert manifest["engines"] == {"silent": manifest["clips_synthesized"] + manifest["clips_cached"]}
    assert manifest["degraded"] is False


def test_daily_folders_are_complete_and_in_play_order(made):
    st, _, _ = made
    sched = yaml.safe_load((st.dir / "schedules" / f"{MONTH}.yaml").read_text(encoding="utf-8"))
    days = sorted({str(a["date"]) for a in sched["airings"]})
    assert len(days) >= 1
    for day in days:
        folder = st.dir / "audio_out" / "days" / day
        names = sorted(p.name for p in folder.iterdir())
        mp3s = [n for n in names if n.endswith(".mp3")]
        assert mp3s and all(re.fullmatch(r"\d{4}-\d{2}-[a-z0-9-]+\.mp3", n) for n in mp3s)
        assert "lich-phat-song.html" in names
        for playlist in (n for n in names if n.endswith(".m3u8")):
            text = (folder / playlist).read_text(encoding="utf-8")
            entries = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
            assert entries and all((folder / e).exists() for e in entries)
            assert "#EXTINF:" in text


def test_second_run_resumes_from_cache_and_keeps_outputs(made):
    st, first, _ = made
    result = make(st, MONTH, progress=Progress())
    assert result.produced is False
    assert result.manifest.duration_s == first.manifest.duration_s


def test_unapproved_script_is_produced_but_not_scheduled(tmp_path):
    d = make_station(tmp_path, voice={"main": [{"engine": "silent", "syllable_s": 0.3}], "second": []})
    st = load_station(d)
    result = make(st, "2027-02", progress=Progress())
    assert result.manifest is not None and not result.scheduled
    assert not (d / "schedules" / "2027-02.yaml").exists()
    assert any("CHƯA ĐƯỢC DUYỆT" in n for n in result.notes)


def test_cli_make_prints_vietnamese_summary(tmp_path, capsys):
    d = make_station(tmp_path, voice={"main": [{"engine": "silent", "syllable_s": 0.3}], "second": []})
    main(["make", "--station", str(d), "--month", "2027-03", "--auto-approve"])
    out = capsys.readouterr().out
    assert "Xong chương trình tháng 2027-03" in out
    assert "LUFS" in out and "Thời lượng" in out and "silent" in out


def test_bad_month_is_a_user_error(tmp_path, capsys):
    d = make_station(tmp_path)
    with pytest.raises(SystemExit) as ex:
        main(["make", "--station", str(d), "--month", "2027-13"])
    assert ex.value.code == 1 and "YYYY-MM" in capsys.readouterr().err


def test_missing_ffmpeg_is_exit_2_with_install_hint(tmp_path, capsys, monkeypatch):
    from broadcast.script import render_script

    d = make_station(tmp_path, voice={"main": [{"engine": "silent", "syllable_s": 0.3}], "second": []})
    from broadcast import audiotools

    render_script(load_station(d), "2027-01")
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    audiotools._which.cache_clear()  # the tool lookup is cached per process
    with pytest.raises(SystemExit) as ex:
        main(["produce", "--station", str(d), "--month", "2027-01"])
    err = capsys.readouterr().err
    assert ex.value.code == 2
    assert "ffmpeg" in err and "cài" in err.lower()
    assert not (d / "audio_out" / "2027-01" / "manifest.json").exists()
    assert not (d / ".broadcast" / "tts").exists()  # failed before any synthesis
    monkeypatch.undo()
    audiotools._which.cache_clear()


@pytest.mark.slow
def test_offline_run_with_espeak_falls_back_quickly_and_says_so(tmp_path, monkeypatch):
    """gTTS first, against an address that refuses connections; espeak-ng must take over."""
    monkeypatch.setenv("BROADCAST_GTTS_URL", "http://127.0.0.1:9")
    d = make_station(tmp_path)
    st = load_station(d)
    result = make(st, MONTH, auto_approve=True, progress=Progress())
    m = result.manifest
    assert m.degraded is True and "espeak-ng" in m.engines
    duration, lufs, peak = ffmpeg_measure(st.dir / "audio_out" / MONTH / m.file)
    assert 600 <= duration <= 900
    assert abs(lufs - st.audio.target_lufs) <= 1.0


def test_script_voice_override_changes_the_chain_for_that_month(tmp_path):
    from broadcast.pipeline import station_for_script
    from broadcast.script import read_script, render_script

    d = make_station(tmp_path)
    st = load_station(d)
    path = render_script(st, "2027-04")
    text = path.read_text(encoding="utf-8").replace("voice: null", "voice: [espeak-ng]", 1)
    assert "voice: [espeak-ng]" in text
    path.write_text(text, encoding="utf-8")
    assert [e.engine for e in station_for_script(st, read_script(path)).voice.main] == ["espeak-ng"]
    path.write_text(text.replace("voice: [espeak-ng]", "voice: espeek"), encoding="utf-8")
    with pytest.raises(Exception) as err:
        station_for_script(st, read_script(path))
    assert "espeek" in str(err.value) and "dòng" in str(err.value)


def test_changed_audio_or_voice_settings_make_the_programme_stale(made):
    """A station that changes its loudness target (even by half a LU), its pauses or its
    voice gets a new programme from `make`; unchanged settings keep the old one."""
    from dataclasses import replace

    from broadcast.config import EngineSpec
    from broadcast.pipeline import is_stale
    from broadcast.production.manifest import read_manifest
    from broadcast.script import read_script

    st, _, _ = made
    script = read_script(st.store.script_path(MONTH))
    manifest = read_manifest(st.store.programme_dir(MONTH))
    assert not is_stale(st, script, manifest)
    assert not is_stale(load_station(st.dir), script, manifest)
    assert is_stale(
        replace(st, audio=replace(st.audio, target_lufs=st.audio.target_lufs - 0.5)), script, manifest
    )
    pauses = replace(st.audio.pauses, sentence_s=st.audio.pauses.sentence_s + 0.3)
    assert is_stale(replace(st, audio=replace(st.audio, pauses=pauses)), script, manifest)
    voice = replace(st.voice, main=[EngineSpec("espeak-ng", {"voice": "vi"})])
    assert is_stale(replace(st, voice=voice), script, manifest)


def test_one_sentence_edit_and_reapproval_reproduces_from_cache_and_reschedules(made):
    """The everyday correction: one sentence edited, approved again, `make` once more."""
    import os
    from datetime import datetime, time

    from broadcast import readiness
    from broadcast.script import approve, read_script

    st, first, _ = made
    path = st.store.script_path(MONTH)
    text = path.read_text(encoding="utf-8")
    assert "Kính thưa" in text
    path.write_text(text.replace("Kính thưa", "Kính chào", 1), encoding="utf-8")
    assert not read_script(path).approved  # the edit returns it to draft
    approve(st, MONTH, by="Nguyễn Văn B", confirm_example=True)  # the example station's figures
    result = make(st, MONTH, progress=Progress())
    m = result.manifest
    assert result.produced and result.scheduled
    assert m.script_sha256 == read_script(path).body_sha256 != first.manifest.script_sha256
    assert 1 <= m.clips_synthesized <= 2 and m.clips_cached >= 20 * m.clips_synthesized
    programme = st.store.programme_dir(MONTH) / m.file
    for day in result.days:
        mp3 = next((st.store.days_dir / day.isoformat()).glob("*.mp3"))
        # a copy (a damaged master must not damage every day), equal to the programme
        assert not os.path.samefile(mp3, programme) and mp3.read_bytes() == programme.read_bytes()
    first_day = result.days[0]
    report = readiness.check_air(st, datetime.combine(first_day, time(0, 1)), days=0, apply=False)
    assert report.ready


@pytest.mark.slow
def test_a_degraded_programme_is_revoiced_when_the_network_is_back(tmp_path, monkeypatch):
    """Offline first: the fallback voice airs; the next run upgrades to the preferred voice."""
    from test_voice_fakes import FakeGoogle, make_mp3, refused_url

    d = make_station(
        tmp_path,
        programme={"min_minutes": 1, "max_minutes": 28},
        voice={
            "main": [{"engine": "gtts"}, {"engine": "silent", "syllable_s": 0.3}],
            "second": [],
            "timeout_s": 1,
        },
    )
    st = load_station(d)
    monkeypatch.setenv("BROADCAST_GTTS_URL", refused_url())
    first = make(st, "2027-01", auto_approve=True, progress=Progress())
    assert first.manifest.degraded is True and set(first.manifest.engines) == {"silent"}

    still_down = make(st, "2027-01", progress=Progress())
    assert still_down.produced is False

    with FakeGoogle(make_mp3(tmp_path / "tone.mp3", seconds=1.5)) as google:
        monkeypatch.setenv("BROADCAST_GTTS_URL", google.url)
        back = make(st, "2027-01", progress=Progress())
    assert back.produced is True and back.scheduled is True
    assert back.manifest.degraded is False and set(back.manifest.engines) == {"gtts"}
    assert google.texts  # the preferred engine really read the script
