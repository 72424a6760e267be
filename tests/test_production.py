"""Production stage: loudness, peaks, ducking, tags, chapters, timings, atomic output.

Everything runs real ffmpeg on short generated audio and is measured on the exported MP3.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from broadcast.config import load_station
from broadcast.errors import ProductionError
from broadcast.loudness import measure_file as measure_with
from broadcast.models.programme import Event, ProgrammePlan
from broadcast.production.manifest import read_manifest
from broadcast.production.produce import produce
from broadcast.voice import Clip, VoiceResult

REPO = Path(__file__).resolve().parents[1]


# --- helpers (generated audio) ----------------------------------------------------------


def write_wav(path: Path, x: np.ndarray, rate: int, channels: int = 1) -> Path:
    pcm = np.clip(np.round(x * 32767), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def to_mp3(wav: Path, rate: int) -> Path:
    mp3 = wav.with_suffix(".mp3")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-ar", str(rate), "-b:a", "64k", str(mp3)], check=True
    )
    wav.unlink()
    return mp3


def speechlike(seconds: float, rate: int, level: float = 0.3, seed: int = 0) -> np.ndarray:
    """A voiced buzz (jittered 110–140 Hz pulse train through formant-ish weights) in syllables."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    f0 = 125 + 12 * np.sin(2 * np.pi * 0.7 * t) + rng.normal(0, 1, n).cumsum() / np.sqrt(n) * 5
    phase = 2 * np.pi * np.cumsum(f0) / rate
    x = np.zeros(n)
    for k in range(1, 30):
        if 125 * k > rate / 2.2:
            break
        formant = (
            np.exp(-(((125 * k) - 700) ** 2) / 2e5) + 0.5 * np.exp(-(((125 * k) - 1800) ** 2) / 4e5) + 0.1
        )
        x += formant * np.sin(k * phase) / k**0.3
    syll = np.clip(np.sin(2 * np.pi * 3.5 * t), 0, None) ** 0.6
    x *= syll
    return (level * x / np.abs(x).max()).astype(np.float32)


def tone(seconds: float, rate: int, freq: float, level: float) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    x = level * np.sin(2 * np.pi * freq * t)
    f = int(0.01 * rate)
    x[:f] *= np.linspace(0, 1, f)
    x[-f:] *= np.linspace(1, 0, f)
    return x.astype(np.float32)


def clip(path: Path, engine: str = "espeak-ng", voice: str = "vi") -> Clip:
    return Clip(path=path, duration_s=0.0, engine=engine, voice=voice, cached=True, fallback=False)


def make_station(tmp_path: Path, **audio) -> object:
    """A station folder in tmp_path (example station.yaml), short programmes allowed."""
    root = tmp_path / "station"
    root.mkdir()
    shutil.copy(REPO / "station.yaml", root / "station.yaml")
    st = load_station(root)
    st.min_minutes, st.max_minutes = 0.05, 15
    for k, v in audio.items():
        setattr(st.audio, k, v)
    return st


def plan_of(events: list[Event], segments: list[str], clips: list[Clip] | None = None) -> ProgrammePlan:
    clips = clips or [e.clip for e in events if e.clip is not None]
    engines: dict[str, int] = {}
    for c in clips:
        engines[c.engine] = engines.get(c.engine, 0) + 1
    voice = VoiceResult(clips=clips, engines=engines, degraded=False, synthesized=1, cached=len(clips) - 1)
    return ProgrammePlan("2026-12", "Một cửa liên thông", segments, events, "f" * 64, voice)


def decode(path: Path, rate: int = 44100) -> np.ndarray:
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1", "-ar", str(rate), "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(out, dtype="<f4")


def simple_plan(tmp_path: Path, level: float, *, clipping: bool = False, rate: int = 22050) -> ProgrammePlan:
    clips = []
    for i in range(3):
        x = speechlike(4.0, rate, level, seed=i)
        if clipping:
            x = np.clip(x * 6, -1, 1)
        p = write_wav(tmp_path / f"c{level}-{i}.wav", x, rate)
        clips.append(clip(to_mp3(p, 24000) if i == 1 else p))
    events = [
        Event("jingle", 0, jingle="intro"),
        Event("speech", 0, clip=clips[0], pause_after="sentence"),
        Event("speech", 0, clip=clips[1], pause_after="paragraph"),
        Event("jingle", 1, jingle="stinger"),
        Event("speech", 1, clip=clips[2], pause_after="paragraph"),
        Event("jingle", 1, jingle="outro"),
    ]
    return plan_of(events, ["Mở đầu", "Tin trong tháng"])


# --- loudness and peaks -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name,level,clipping",
    [("quiet", 0.01, False), ("loud", 0.9, False), ("clipping", 0.9, True)],
)
def test_loudness_and_true_peak_on_the_exported_mp3(
    tmp_path: Path, name: str, level: float, clipping: bool
) -> None:
    st = make_station(tmp_path)
    m = produce(simple_plan(tmp_path, level, clipping=clipping), st)
    mp3 = st.store.programme_dir("2026-12") / m.file
    duration, lufs, tp = measure_with(mp3).as_tuple()
    assert abs(lufs - (-16.0)) <= 0.5, (name, lufs)
    assert tp <= -1.0, (name, tp)
    # The manifest records what the file measures, not the settings.
    assert m.loudness_lufs == pytest.approx(lufs, abs=0.01)
    assert m.true_peak_dbtp == pytest.approx(tp, abs=0.01)
    assert m.duration_s == pytest.approx(duration, abs=0.01)


def test_a_station_folder_with_unusual_characters_gets_its_programme_and_true_figures(tmp_path: Path) -> None:
    """The MP3 is written and measured while encoding (ffmpeg's tee muxer): a folder named with
    the characters that muxer treats specially still gets the file, with the figures it measures."""
    odd = tmp_path / "Đài [xã] A|B's"
    odd.mkdir()
    st = make_station(odd)
    m = produce(simple_plan(tmp_path, 0.3), st)
    mp3 = st.store.programme_dir("2026-12") / m.file
    assert mp3.is_file() and not any(p.name.startswith("pipe") for p in mp3.parent.iterdir())
    duration, lufs, tp = measure_with(mp3).as_tuple()
    assert (m.duration_s, m.loudness_lufs, m.true_peak_dbtp) == pytest.approx((duration, lufs, tp), abs=0.01)


def test_exported_loudness_agrees_with_ffmpeg_ebur128(tmp_path: Path) -> None:
    st = make_station(tmp_path)
    m = produce(simple_plan(tmp_path, 0.3), st)
    ref = measure_with(st.store.programme_dir("2026-12") / m.file, "ffmpeg")
    assert abs(ref.lufs - (-16.0)) <= 0.5
    assert ref.lufs == pytest.approx(m.loudness_lufs, abs=0.15)
    assert ref.true_peak_dbtp <= -1.0 + 0.1  # ebur128 prints one decimal


def test_another_target_for_an_ebu_r128_station(tmp_path: Path) -> None:
    st = make_station(tmp_path, target_lufs=-23.0)
    m = produce(simple_plan(tmp_path, 0.3), st)
    _, lufs, tp = measure_with(st.store.programme_dir("2026-12") / m.file).as_tuple()
    assert abs(lufs + 23.0) <= 0.5
    assert tp <= -1.0


def test_mp3_format_mono_at_station_rate_and_bitrate(tmp_path: Path) -> None:
    st = make_station(tmp_path, wav=True)
    m = produce(simple_plan(tmp_path, 0.3), st)
    folder = st.store.programme_dir("2026-12")
    info = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(folder / m.file)],
            capture_output=True,
            check=True,
        ).stdout
    )["streams"][0]
    assert info["codec_name"] == "mp3" and info["channels"] == 1 and int(info["sample_rate"]) == 44100
    assert abs(int(info["bit_rate"]) - 128000) < 2000
    wav = folder / m.file.replace(".mp3", ".wav")
    with wave.open(str(wav)) as w:
        assert (w.getnchannels(), w.getframerate()) == (1, 44100)
        assert abs(w.getnframes() / 44100 - m.duration_s) < 0.05
    _, lufs, tp = measure_with(wav).as_tuple()
    assert abs(lufs + 16) <= 0.5 and tp <= -1.0


# --- music bed ---------------------------------------------------------------------------


def _band_db(x: np.ndarray, rate: int, a: float, b: float, freq: float) -> float:
    seg = x[int(a * rate) : int(b * rate)] * np.hanning(int(b * rate) - int(a * rate))
    spec = np.abs(np.fft.rfft(seg))
    f = np.fft.rfftfreq(len(seg), 1 / rate)
    band = (f > freq * 0.93) & (f < freq * 1.07)
    return 20 * np.log10(np.sqrt((spec[band] ** 2).sum()) + 1e-12)


def test_bed_is_ducked_under_speech_and_rises_between(tmp_path: Path) -> None:
    st = make_station(tmp_path)
    (st.store.jingles_dir).mkdir()
    write_wav(st.store.jingles_dir / "bed.wav", tone(6.0, 44100, 300.0, 0.5), 44100)  # a station bed: 300 Hz
    s1 = clip(write_wav(tmp_path / "s1.wav", tone(3.0, 22050, 1000.0, 0.3), 22050))
    s2 = clip(write_wav(tmp_path / "s2.wav", tone(3.0, 22050, 1000.0, 0.3), 22050))
    events = [
        Event("speech", 0, clip=s1, pause_after="paragraph"),
        Event("bed", 1, bed=True),
        Event("speech", 1, clip=s1, pause_after="none"),
        Event("pause", 1, seconds=5.0),
        Event("speech", 1, clip=s2, pause_after="sentence"),
        Event("speech", 1, clip=s2, pause_after="paragraph"),
        Event("bed", 1, bed=False),
    ]
    m = produce(plan_of(events, ["A", "B"]), st)
    x = decode(st.store.programme_dir("2026-12") / m.file)
    seg = next(s for s in m.segments if s.title == "B")
    t0 = seg.start_s
    # While speech plays, the bed (300 Hz) is at least 15 dB under the speech (1 kHz).
    for a in (t0 + 1.0, t0 + 8.2):
        speech = _band_db(x, 44100, a, a + 1.0, 1000.0)
        bed = _band_db(x, 44100, a, a + 1.0, 300.0)
        assert speech - bed >= 15.0, (a, speech, bed)
    # Between utterances (the 5 s pause) it rises clearly.
    under = _band_db(x, 44100, t0 + 1.0, t0 + 2.0, 300.0)
    between = _band_db(x, 44100, t0 + 4.5, t0 + 5.5, 300.0)
    assert between - under >= 10.0
    # Before the bed starts (segment A) there is no bed at all.
    assert _band_db(x, 44100, 0.5, 1.5, 300.0) < under - 10


# --- tags, chapters, timings --------------------------------------------------------------


def test_tags_and_chapters_read_back_with_mutagen(tmp_path: Path) -> None:
    from mutagen.id3 import ID3

    st = make_station(tmp_path)
    m = produce(simple_plan(tmp_path, 0.3), st)
    tags = ID3(st.store.programme_dir("2026-12") / m.file)
    assert str(tags["TIT2"]) == "Một cửa liên thông"
    assert str(tags["TPE1"]) == st.name
    assert str(tags["TALB"]) == st.programme_title
    assert str(tags["TLAN"]) == "vie"
    assert "12/2026" in str(tags.getall("COMM")[0])
    toc = tags.getall("CTOC")[0]
    chapters = {c.element_id: c for c in tags.getall("CHAP")}
    speech = [s for s in m.segments if s.kind == "speech"]
    assert [str(chapters[i].sub_frames["TIT2"]) for i in toc.child_element_ids] == [s.title for s in speech]
    for cid, seg in zip(toc.child_element_ids, speech, strict=False):
        assert abs(chapters[cid].start_time / 1000 - seg.start_s) <= 0.05
        assert abs(chapters[cid].end_time / 1000 - seg.end_s) <= 0.05


def test_segment_timings_match_the_file(tmp_path: Path) -> None:
    st = make_station(tmp_path)
    rate = 22050
    a = clip(write_wav(tmp_path / "a.wav", speechlike(3.0, rate, 0.3), rate))
    b = clip(write_wav(tmp_path / "b.wav", tone(2.0, rate, 1000.0, 0.4), rate), engine="gtts", voice="vi")
    events = [
        Event("speech", 0, clip=a, pause_after="paragraph"),
        Event("speech", 0, clip=a, pause_after="paragraph"),
        Event("speech", 1, clip=b, pause_after="paragraph"),
        Event("jingle", 2, jingle="stinger"),
        Event("speech", 2, clip=a, pause_after="none"),
    ]
    m = produce(plan_of(events, ["Một", "Hai", "Ba"]), st)
    x = decode(st.store.programme_dir("2026-12") / m.file)
    segs = {s.title: s for s in m.segments}
    assert [s.kind for s in m.segments] == ["speech", "speech", "speech", "jingle"]
    # Segment "Hai" starts where its tone starts in the decoded file (after a silent gap).
    start = segs["Hai"].start_s
    win = np.abs(x[int((start - 0.4) * 44100) : int((start + 0.4) * 44100)])
    onset = (start - 0.4) + np.flatnonzero(win > 0.05)[0] / 44100
    assert abs(onset - start) <= 0.05
    assert segs["Hai"].engine == "gtts" and segs["Một"].engine == "espeak-ng"
    # Speech segments tile the programme; jingle entries sit inside their segment.
    speech = [s for s in m.segments if s.kind == "speech"]
    assert speech[0].start_s == 0.0 and speech[-1].end_s == pytest.approx(m.duration_s, abs=0.05)
    assert all(
        p.end_s == pytest.approx(n.start_s, abs=1e-3) for p, n in zip(speech, speech[1:], strict=False)
    )
    jingle = next(s for s in m.segments if s.kind == "jingle")
    assert jingle.title == "Nhạc chuyển" and jingle.start_s == pytest.approx(segs["Ba"].start_s, abs=1e-3)
    assert jingle.end_s - jingle.start_s == pytest.approx(2.6, abs=0.05)


def test_manifest_written_and_read_back(tmp_path: Path) -> None:
    st = make_station(tmp_path)
    m = produce(simple_plan(tmp_path, 0.3), st)
    folder = st.store.programme_dir("2026-12")
    raw = json.loads((folder / "manifest.json").read_text("utf-8"))
    for key in (
        "month",
        "title",
        "file",
        "duration_s",
        "loudness_lufs",
        "true_peak_dbtp",
        "sample_rate",
        "channels",
        "bitrate_kbps",
        "script_sha256",
        "degraded",
        "engines",
        "clips_synthesized",
        "clips_cached",
        "segments",
    ):
        assert key in raw
    assert raw["file"] == f"{st.slug}-2026-12.mp3" and (folder / raw["file"]).is_file()
    assert raw["engines"] == {"espeak-ng": 3} and raw["clips_synthesized"] == 1
    assert read_manifest(folder) == m
    assert read_manifest(tmp_path / "nowhere") is None


# --- failures leave the previous programme alone --------------------------------------


def test_duration_out_of_range_keeps_previous_output(tmp_path: Path) -> None:
    st = make_station(tmp_path)
    plan = simple_plan(tmp_path, 0.3)
    produce(plan, st)
    folder = st.store.programme_dir("2026-12")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    st.min_minutes, st.max_minutes = 10, 15
    with pytest.raises(ProductionError) as err:
        produce(plan, st)
    assert "ngoài khoảng cho phép" in str(err.value)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_corrupt_speech_clip_names_the_file(tmp_path: Path) -> None:
    st = make_station(tmp_path)
    bad = tmp_path / "hong.mp3"
    bad.write_bytes(b"ID3\x03\x00garbage" * 50)
    events = [Event("speech", 0, clip=clip(bad), pause_after="paragraph")]
    with pytest.raises(ProductionError) as err:
        produce(plan_of(events, ["A"]), st)
    assert "hong.mp3" in str(err.value) and "không đọc được" in str(err.value)
    assert not st.store.programme_dir("2026-12").exists()


def test_second_run_reuses_prepared_clips(tmp_path: Path) -> None:
    st = make_station(tmp_path)
    plan = simple_plan(tmp_path, 0.3)
    produce(plan, st)
    prepared = sorted((st.store.state_dir / "prepared").rglob("*.pcm"))
    stamps = [p.stat().st_mtime_ns for p in prepared]
    m2 = produce(plan, st)
    assert sorted((st.store.state_dir / "prepared").rglob("*.pcm")) == prepared
    assert [p.stat().st_mtime_ns for p in prepared] == stamps
    assert abs(m2.loudness_lufs + 16) <= 0.5


@pytest.mark.parametrize(
    "text", ["[1, 2]", '{"month": "2027-02"}', '{"segments": [1]}', '{"segments": "abc"}', "not json"]
)
def test_a_corrupt_manifest_counts_as_no_programme(tmp_path, text):
    """A hand-edited or truncated manifest.json never crashes a reader: the month is re-made."""
    from broadcast.production.manifest import read_manifest

    (tmp_path / "manifest.json").write_text(text, encoding="utf-8")
    assert read_manifest(tmp_path) is None


def test_a_segment_read_by_two_voices_names_both_in_the_manifest(tmp_path):
    """Q&A: the main voice asks, the second answers; the manifest names both voices."""
    from types import SimpleNamespace

    from broadcast.production.timeline import manifest_segments as _segments

    ask, answer = clip(tmp_path / "q.wav", voice="vi"), clip(tmp_path / "a.wav", voice="vi-vn-x-central")
    events = [
        Event(kind="speech", segment=0, clip=ask),
        Event(kind="speech", segment=1, clip=ask),
        Event(kind="speech", segment=1, clip=answer),
        Event(kind="speech", segment=1, clip=ask),
    ]
    plan = ProgrammePlan("2026-12", "T", ["Mở đầu", "Hỏi đáp"], events, "f" * 64, None)
    tl = SimpleNamespace(rate=100, seg_starts=[0, 500], jingle_spans=[])
    segs = _segments(plan, tl, 10.0)
    assert [(s.title, s.engine, s.voice) for s in segs] == [
        ("Mở đầu", "espeak-ng", "vi"),
        ("Hỏi đáp", "espeak-ng", "vi, vi-vn-x-central"),
    ]
