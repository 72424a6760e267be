"""Human readings (issue 14, Giọng người đọc): intake with real ffmpeg, outdated readings,
and a produced programme that carries the reading at its segment's place (measured)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import make_station, run_cli_captured

from broadcast.config import load_station
from broadcast.readings import ReadingError, script_readings, usable_readings
from broadcast.script import body_hash, read_script
from broadcast.services import readings as svc

MONTH = "2027-01"
SILENT = {"main": [{"engine": "silent", "syllable_s": 0.3}], "second": [], "fallback": True}
LINE = "Bà con có thể nộp hồ sơ trực tuyến tại nhà, không cần đến trụ sở ủy ban xã."
TONE_HZ = 3100


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def tone(path: Path, seconds: float, freq: int = TONE_HZ, *, pad: float = 0.5) -> Path:
    """`pad` s of silence, a sine of `freq` Hz for `seconds`, `pad` s of silence (any format)."""
    _ffmpeg(
        "-f", "lavfi", "-i", f"sine=frequency={freq}:duration={seconds}:sample_rate=48000",
        "-af", f"volume=-12dB,adelay={int(pad * 1000)},apad=pad_dur={pad}", "-ac", "1", str(path),
    )  # fmt: skip
    return path


def write_three_segments(st, *, middle: str = LINE, approved: bool = False) -> Path:
    body = (
        "\n## Mở đầu\n[[nhạc hiệu]]\n"
        + " ".join([LINE] * 4)
        + "\n\n## Ý kiến người dân\n"
        + middle
        + "\n\n[[nghỉ 1]]\n\n"
        + LINE
        + "\n\n[[nhạc chuyển]]\n\n## Kết thúc\n"
        + " ".join([LINE] * 4)
        + "\n"
    )
    meta = {
        "month": MONTH,
        "topic": "dat-dai",
        "title": "Thử giọng người đọc",
        "status": "approved" if approved else "draft",
        "approved_by": "Nguyễn Văn A" if approved else None,
        "approved_at": "2026-12-01T08:00:00" if approved else None,
        "approved_sha256": body_hash(body) if approved else None,
    }
    path = st.store.script_path(MONTH)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True, sort_keys=False) + "---\n" + body
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def st(tmp_path):
    (tmp_path / "st").mkdir()
    d = make_station(tmp_path / "st", voice=SILENT, programme={"min_minutes": 1, "max_minutes": 15})
    station = load_station(d)
    write_three_segments(station)
    return station


def test_good_recording_is_normalised_and_kept_in_readings(st, tmp_path):
    src = tone(tmp_path / "phong-van.m4a", 3.0)
    reading = svc.add_reading(st, MONTH, 2, src, by="Trần Thị Bích", source="upload")
    folder = st.store.readings_month_dir(MONTH)
    assert folder == st.dir / "readings" / MONTH
    wav = folder / reading.file
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=channels,sample_rate,codec_name", "-of", "json", str(wav)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    stream = json.loads(out.stdout)["streams"][0]
    assert stream["codec_name"] == "pcm_s16le" and stream["channels"] == 1
    assert int(stream["sample_rate"]) == st.audio.sample_rate
    assert reading.duration_s == pytest.approx(4.0, abs=0.1)  # tone + the silence around it
    record = json.loads((folder / "doan-02.json").read_text(encoding="utf-8"))
    assert record["recorded_by"] == "Trần Thị Bích" and record["original_name"] == "phong-van.m4a"
    statuses = [s.status for s in svc.month_readings(st, MONTH)]
    assert statuses == ["none", "current", "none"]
    # no leftovers of the atomic write
    assert sorted(p.name for p in folder.iterdir()) == sorted(["doan-02.json", reading.file])


def test_a_new_take_replaces_the_old_one(st, tmp_path):
    first = svc.add_reading(st, MONTH, 2, tone(tmp_path / "a.wav", 3.0), by="A")
    second = svc.add_reading(st, MONTH, 2, tone(tmp_path / "b.wav", 5.0), by="B")
    folder = st.store.readings_month_dir(MONTH)
    assert not (folder / first.file).exists() and (folder / second.file).exists()
    assert usable_readings(st.store, read_script(st.store.script_path(MONTH)))[1].recorded_by == "B"


def test_non_audio_file_is_refused_and_nothing_is_stored(st, tmp_path):
    fake = tmp_path / "bai-doc.mp3"
    fake.write_text("đây không phải âm thanh\n" * 100, encoding="utf-8")
    with pytest.raises(ReadingError, match="không phải tệp âm thanh"):
        svc.add_reading(st, MONTH, 2, fake, by="A")
    doc = tmp_path / "bai-doc.docx"
    doc.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    with pytest.raises(ReadingError, match="không phải loại tệp âm thanh"):
        svc.add_reading(st, MONTH, 2, doc, by="A")
    folder = st.store.readings_month_dir(MONTH)
    assert not folder.exists() or not any(folder.iterdir())


def test_too_big_file_is_refused_before_decoding(st, tmp_path, monkeypatch):
    src = tone(tmp_path / "dai.wav", 3.0)
    monkeypatch.setattr(svc, "MAX_BYTES", src.stat().st_size - 1)
    with pytest.raises(ReadingError, match="quá lớn"):
        svc.add_reading(st, MONTH, 2, src, by="A")


def test_silence_too_short_and_too_long_are_refused(st, tmp_path, monkeypatch):
    silence = tmp_path / "im-lang.wav"
    _ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono", "-t", "5", str(silence))
    with pytest.raises(ReadingError, match="im lặng"):
        svc.add_reading(st, MONTH, 2, silence, by="A")
    with pytest.raises(ReadingError, match="quá ngắn"):
        svc.add_reading(st, MONTH, 2, tone(tmp_path / "ngan.wav", 0.5, pad=0.1), by="A")
    monkeypatch.setattr(svc, "MAX_SECONDS", 3)
    with pytest.raises(ReadingError, match="dài hơn"):
        svc.add_reading(st, MONTH, 2, tone(tmp_path / "dai.wav", 4.0), by="A")
    assert not any(st.store.readings_month_dir(MONTH).iterdir())


def test_decoder_that_does_not_finish_is_stopped(st, tmp_path):
    src = tone(tmp_path / "tot.wav", 3.0)
    with pytest.raises(ReadingError, match="đọc mãi không xong"):
        svc.add_reading(st, MONTH, 2, src, by="A", timeout_s=0.001)
    assert not any(st.store.readings_month_dir(MONTH).iterdir())


def test_wrong_segment_and_text_changed_since_the_page_opened(st, tmp_path):
    src = tone(tmp_path / "a.wav", 3.0)
    with pytest.raises(ReadingError, match="không có đoạn thứ 4"):
        svc.add_reading(st, MONTH, 4, src, by="A")
    with pytest.raises(ReadingError, match="vừa được sửa"):
        svc.add_reading(st, MONTH, 2, src, by="A", expected_sha256="0" * 64)


def test_outdated_reading_is_shown_and_not_used(st, tmp_path):
    svc.add_reading(st, MONTH, 2, tone(tmp_path / "a.wav", 3.0), by="A")
    write_three_segments(st, middle="Ông Nguyễn Văn B ở thôn Đông nói về thủ tục mới.")
    script = read_script(st.store.script_path(MONTH))
    assert [s.status for s in script_readings(st.store, script)] == ["none", "outdated", "none"]
    assert usable_readings(st.store, script) == {}
    from broadcast.services import check_month

    report = check_month(st, MONTH)
    assert any("đoạn 2" in w.lower() and "đã cũ" in w for w in report.warnings), report.warnings


def test_estimate_counts_the_reading_real_length(st, tmp_path):
    from broadcast.services import check_month

    before = check_month(st, MONTH).segments[1]
    svc.add_reading(st, MONTH, 2, tone(tmp_path / "a.wav", 40.0), by="A")
    after = check_month(st, MONTH).segments[1]
    assert after.reading_s == pytest.approx(41.0, abs=0.1)
    assert after.syllables == 0 and before.syllables > 0
    assert after.total_s > 40.0


def _tone_runs(mp3: Path, freq: int) -> list[tuple[float, float]]:
    """(start, end) seconds of the stretches of `mp3` dominated by a `freq` Hz tone."""
    rate = 16000
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(mp3), "-ac", "1", "-ar", str(rate), "-f", "s16le", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    x = np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768
    hop = rate // 50  # 20 ms frames
    n = len(x) // hop
    frames = x[: n * hop].reshape(n, hop)
    t = np.arange(hop) / rate
    ref = np.exp(-2j * np.pi * freq * t)
    band = np.abs(frames @ ref) * 2 / hop  # amplitude of the tone in each frame
    rms = np.sqrt((frames**2).mean(axis=1)) * np.sqrt(2)
    on = (band > 0.05) & (band > 0.8 * rms)
    runs, start = [], None
    for i, v in enumerate(on):
        if v and start is None:
            start = i
        if not v and start is not None:
            runs.append((start * hop / rate, i * hop / rate))
            start = None
    if start is not None:
        runs.append((start * hop / rate, n * hop / rate))
    return [r for r in runs if r[1] - r[0] >= 0.2]


def test_produced_programme_carries_the_reading_at_its_segment(st, tmp_path):
    from broadcast.services import produce_month

    svc.add_reading(st, MONTH, 2, tone(tmp_path / "a.webm", 3.0), by="A")
    manifest, produced = produce_month(st, MONTH)
    assert produced
    speech = [s for s in manifest.segments if s.kind == "speech"]
    assert [s.engine for s in speech] == ["silent", "human", "silent"]
    assert manifest.engines["human"] == 1 and manifest.readings == {
        "2": usable_readings(st.store, read_script(st.store.script_path(MONTH)))[1].audio_sha256
    }
    runs = _tone_runs(st.store.draft_dir(MONTH) / manifest.file, TONE_HZ)
    assert len(runs) == 1, runs
    start, end = runs[0]
    assert start == pytest.approx(speech[1].start_s, abs=0.15)
    assert end - start == pytest.approx(3.0, abs=0.15)
    # the cue after the last paragraph of segment 2 (a stinger) stays, right after the reading;
    # the paragraphs and the pause between them are replaced by the reading
    stingers = [
        s for s in manifest.segments if s.kind == "jingle" and end - 0.2 <= s.start_s < speech[2].start_s
    ]
    assert len(stingers) == 1
    assert stingers[0].start_s - end < st.audio.pauses.paragraph_s + 0.2

    # the same inputs: reused; the reading deleted: produced again with the synthetic voice
    assert produce_month(st, MONTH)[1] is False
    svc.delete_reading(st, MONTH, 2)
    manifest, produced = produce_month(st, MONTH)
    assert produced and "human" not in manifest.engines
    assert _tone_runs(st.store.draft_dir(MONTH) / manifest.file, TONE_HZ) == []


def test_outdated_reading_falls_back_to_the_synthetic_voice_with_a_warning(st, tmp_path):
    from broadcast.events import Progress
    from broadcast.services import produce_month

    svc.add_reading(st, MONTH, 2, tone(tmp_path / "a.wav", 3.0), by="A")
    write_three_segments(st, middle="Ông Nguyễn Văn B ở thôn Đông nói về thủ tục mới của xã mình.")
    said: list[str] = []

    class Capture(Progress):
        def say(self, text: str) -> None:
            said.append(text)

    manifest, _ = produce_month(st, MONTH, progress=Capture())
    assert "human" not in manifest.engines
    assert any("đoạn 2" in s and "giọng máy" in s for s in said), said
    assert _tone_runs(st.store.draft_dir(MONTH) / manifest.file, TONE_HZ) == []


def _cli(capsys, *args: str) -> tuple[int, str]:
    code, out, err = run_cli_captured(capsys, *args)
    return code, out + err


def test_cli_adds_lists_and_removes_a_reading(st, tmp_path, capsys):
    station = ["--station", str(st.dir), "--month", MONTH]
    code, out = _cli(
        capsys,
        "reading",
        "add",
        *station,
        "--segment",
        "2",
        "--by",
        "Lê Văn C",
        str(tone(tmp_path / "a.mp3", 3.0)),
    )
    assert code == 0 and "đoạn 2 (Ý kiến người dân)" in out and "readings/2027-01/doan-02-" in out
    code, out = _cli(capsys, "reading", "list", *station)
    assert code == 0 and "2. Ý kiến người dân: đang dùng" in out and "Lê Văn C" in out
    bad = tmp_path / "x.wav"
    bad.write_bytes(b"RIFF....WAVEfmt garbage")
    code, out = _cli(capsys, "reading", "add", *station, "--segment", "2", str(bad))
    assert code == 1 and "x.wav" in out and "không phải tệp âm thanh" in out and "Traceback" not in out
    code, out = _cli(capsys, "reading", "remove", *station, "--segment", "2")
    assert code == 0 and "Đã xóa" in out
    code, out = _cli(capsys, "reading", "remove", *station, "--segment", "2")
    assert code == 1 and "không có bản ghi" in out


def test_segment_preview_plays_the_reading_and_a_new_take_is_heard_at_once(st, tmp_path):
    from broadcast.services.segments import load_segments, preview_segment

    svc.add_reading(st, MONTH, 2, tone(tmp_path / "a.wav", 2.0), by="A")
    sha = load_segments(st, MONTH).segments[1].speech_sha256
    first = preview_segment(st, MONTH, 2, sha)
    runs = _tone_runs(first.path, TONE_HZ)
    assert len(runs) == 1 and runs[0][1] - runs[0][0] == pytest.approx(2.0, abs=0.15)
    assert first.engines == {"human": 1}
    # segment 1 has no reading: its preview is the synthetic voice, no tone
    sha1 = load_segments(st, MONTH).segments[0].speech_sha256
    assert _tone_runs(preview_segment(st, MONTH, 1, sha1).path, TONE_HZ) == []
    # a new, longer take: not the cached preview of the old one
    svc.add_reading(st, MONTH, 2, tone(tmp_path / "b.wav", 3.0), by="A")
    again = preview_segment(st, MONTH, 2, sha)
    assert not again.cached and again.path != first.path
    runs = _tone_runs(again.path, TONE_HZ)
    assert len(runs) == 1 and runs[0][1] - runs[0][0] == pytest.approx(3.0, abs=0.15)
