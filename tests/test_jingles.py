"""Jingles: built-in ones are musical and deterministic; a station's own files replace them."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from broadcast import jingles
from broadcast.config import load_station
from broadcast.errors import ProductionError
from broadcast.models.programme import Event, ProgrammePlan
from broadcast.production.produce import produce
from broadcast.voice import Clip, VoiceResult

REPO = Path(__file__).resolve().parents[1]
RATE = 44100


def write_wav(path: Path, x: np.ndarray, rate: int, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.round(np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def chord(seconds: float, rate: int, freqs: list[float]) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    x = sum(np.sin(2 * np.pi * f * t) for f in freqs) / len(freqs) * 0.5
    return x * np.minimum(1, np.minimum(t, t[-1] - t) / 0.05)


def station(tmp_path: Path):
    root = tmp_path / "station"
    root.mkdir()
    shutil.copy(REPO / "station.yaml", root / "station.yaml")
    st = load_station(root)
    st.min_minutes, st.max_minutes = 0.05, 15
    return st


def one_speech_plan(tmp_path: Path, cues: list[str]) -> ProgrammePlan:
    t = np.arange(3 * 22050) / 22050
    speech = write_wav(
        tmp_path / "speech.wav", 0.3 * np.sin(2 * np.pi * 220 * t) * np.sin(np.pi * t / 3), 22050
    )
    c = Clip(path=speech, duration_s=3.0, engine="espeak-ng", voice="vi", cached=True, fallback=False)
    events = [Event("jingle", 0, jingle=name) for name in cues if name != "outro"]
    events.append(Event("speech", 0, clip=c, pause_after="paragraph"))
    events += [Event("jingle", 0, jingle="outro")] if "outro" in cues else []
    voice = VoiceResult(clips=[c], engines={"espeak-ng": 1}, degraded=False, synthesized=0, cached=1)
    return ProgrammePlan("2026-12", "Thử nhạc", ["Mở đầu"], events, "0" * 64, voice)


# --- built-in ---------------------------------------------------------------------------


def test_builtin_jingles_have_the_intended_shape() -> None:
    lengths = {name: len(jingles.render(name, RATE)) / RATE for name in jingles.JINGLE_NAMES}
    assert 6.0 <= lengths["intro"] <= 8.0
    assert 2.0 <= lengths["stinger"] <= 3.0
    assert 6.0 <= lengths["outro"] <= 8.0
    assert 20.0 <= lengths["bed"] <= 30.0


def test_builtin_jingles_are_deterministic() -> None:
    assert np.array_equal(jingles.render("stinger", RATE), jingles.render("stinger", RATE))


def test_intro_is_a_tune_not_a_beep() -> None:
    x = jingles.render("intro", RATE).astype(np.float64)
    # Note onsets: jumps of the 20 ms energy envelope. A motif has many, a beep has one.
    frame = int(0.02 * RATE)
    env = np.sqrt((x[: len(x) // frame * frame].reshape(-1, frame) ** 2).mean(axis=1))
    onsets = int((np.diff(env) > 0.02).sum())
    assert onsets >= 8
    # Several distinct pitches carry the melody (strongest peaks of the spectrum).
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    freqs = np.fft.rfftfreq(len(x), 1 / RATE)
    top = freqs[np.argsort(spec)[-400:]]
    semitones = {int(round(12 * np.log2(f / 440))) % 12 for f in top if f > 60}
    assert len(semitones) >= 4
    # It fades out instead of stopping dead.
    assert np.abs(x[-frame:]).max() < 0.01


def test_bed_loops_without_a_seam() -> None:
    x = jingles.render("bed", RATE).astype(np.float64)
    jump = abs(x[0] - x[-1])
    typical = np.percentile(np.abs(np.diff(x)), 99)
    assert jump <= typical


def test_builtin_render_is_cached_once(tmp_path: Path) -> None:
    cache = tmp_path / "jingles"
    p = jingles.builtin_path(cache, "stinger", RATE)
    stamp = p.stat().st_mtime_ns
    assert jingles.builtin_path(cache, "stinger", RATE) == p and p.stat().st_mtime_ns == stamp
    assert p.parent == cache


# --- a station's own files ------------------------------------------------------------


def test_station_files_of_odd_formats_replace_the_builtin_ones(tmp_path: Path) -> None:
    st = station(tmp_path)
    st.store.jingles_dir.mkdir()
    # Stereo 48 kHz WAV intro, 22.05 kHz mono MP3 outro.
    stereo = np.stack([chord(4.0, 48000, [523.25, 659.25]), chord(4.0, 48000, [392.0, 783.99])], axis=1)
    write_wav(st.store.jingles_dir / "intro.wav", stereo.reshape(-1), 48000, channels=2)
    tmp_wav = write_wav(tmp_path / "o.wav", chord(3.0, 22050, [440.0, 554.37]), 22050)
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(tmp_wav),
            "-ar",
            "22050",
            "-ac",
            "1",
            str(st.store.jingles_dir / "Outro.mp3"),
        ],
        check=True,
    )
    m = produce(one_speech_plan(tmp_path, ["intro", "outro"]), st)
    js = {s.title: s for s in m.segments if s.kind == "jingle"}
    assert js["Nhạc hiệu"].engine == "station" and js["Nhạc hiệu"].voice == "intro.wav"
    assert js["Nhạc kết"].engine == "station" and js["Nhạc kết"].voice == "Outro.mp3"
    assert js["Nhạc hiệu"].end_s - js["Nhạc hiệu"].start_s == pytest.approx(4.0, abs=0.05)
    assert js["Nhạc kết"].end_s - js["Nhạc kết"].start_s == pytest.approx(3.0, abs=0.1)
    assert abs(m.loudness_lufs + 16) <= 0.5 and m.true_peak_dbtp <= -1.0


def test_corrupt_station_jingle_is_named_in_a_vietnamese_error(tmp_path: Path) -> None:
    st = station(tmp_path)
    st.store.jingles_dir.mkdir()
    (st.store.jingles_dir / "stinger.mp3").write_bytes(b"\xff\xfb\x90\x00" + b"not audio at all" * 200)
    with pytest.raises(ProductionError) as err:
        produce(one_speech_plan(tmp_path, ["stinger"]), st)
    text = str(err.value)
    assert "stinger.mp3" in text
    assert "không đọc được" in text and "nhạc chuyển" in text
    assert getattr(err.value, "stderr", "")  # ffmpeg's own words are kept for -v
    assert not st.store.programme_dir("2026-12").exists()


def test_non_audio_files_in_the_jingles_folder_are_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "jingles"
    folder.mkdir()
    (folder / "intro.txt").write_text("ghi chú")
    assert jingles.station_file(folder, "intro") is None
    src = jingles.source(folder, tmp_path / ".broadcast", "intro", RATE)
    assert src.builtin
