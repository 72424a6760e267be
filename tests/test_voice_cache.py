"""The TTS cache: one clip per utterance, edits re-voice one clip, safe across runs and crashes."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
import wave
from pathlib import Path

import pytest
from conftest import REPO, make_station

from broadcast.config import load_station
from broadcast.voice import VoiceRequest, speaking_rate, synthesize
from broadcast.voice.cache import ClipCache
from broadcast.voice.silent_engine import silent_duration

PARAGRAPH = [
    "Kính thưa quý vị và các bạn.",
    "Trong tháng qua, bộ phận một cửa thị xã đã tiếp nhận một nghìn hai trăm bốn mươi lăm hồ sơ.",
    "Trong đó, chín mươi tám phần trăm hồ sơ được giải quyết đúng hạn.",
    "Người dân có thể nộp hồ sơ trực tuyến tại cổng dịch vụ công quốc gia.",
    "Mọi thắc mắc xin liên hệ đường dây nóng của thị xã.",
    "Xin cảm ơn quý vị đã theo dõi.",
]


def station(tmp_path: Path, engine: str = "espeak-ng"):
    make_station(tmp_path, voice={"main": [{"engine": engine}], "second": [], "fallback": True})
    return load_station(tmp_path)


def clips_in(tmp_path: Path) -> list[Path]:
    return sorted(
        p
        for p in (tmp_path / ".broadcast" / "tts").rglob("*")
        if p.suffix in (".wav", ".mp3") and not p.name.startswith(".")
    )


def assert_cache_consistent(tmp_path: Path) -> None:
    """Every clip file has its sidecar, sizes match, and the audio is a complete WAV."""
    for audio in clips_in(tmp_path):
        sidecar = audio.with_suffix(".json")
        assert sidecar.exists(), f"clip without sidecar: {audio}"
        meta = json.loads(sidecar.read_text("utf-8"))
        assert audio.stat().st_size == meta["bytes"]
        with wave.open(str(audio), "rb") as w:
            assert w.getnframes() / w.getframerate() == pytest.approx(meta["duration_s"], abs=1e-3)


def test_rerun_is_all_cached_and_durations_are_measured(tmp_path: Path) -> None:
    st = station(tmp_path)
    reqs = [VoiceRequest(t) for t in PARAGRAPH]
    first = synthesize(reqs, st)
    assert (first.synthesized, first.cached) == (6, 0)
    second = synthesize(reqs, st)
    assert (second.synthesized, second.cached) == (0, 6)
    assert [c.path for c in second.clips] == [c.path for c in first.clips]
    assert all(c.cached for c in second.clips) and not any(c.cached for c in first.clips)
    for clip in second.clips:
        with wave.open(str(clip.path), "rb") as w:
            assert clip.duration_s == pytest.approx(w.getnframes() / w.getframerate(), abs=1e-3)
    assert_cache_consistent(tmp_path)


def test_editing_one_sentence_synthesises_exactly_one_clip(tmp_path: Path) -> None:
    st = station(tmp_path)
    synthesize([VoiceRequest(t) for t in PARAGRAPH], st)
    edited = list(PARAGRAPH)
    edited[2] = "Trong đó, chín mươi chín phần trăm hồ sơ được giải quyết đúng hạn."
    result = synthesize([VoiceRequest(t) for t in edited], st)
    assert (result.synthesized, result.cached) == (1, 5)
    assert [c.cached for c in result.clips] == [True, True, False, True, True, True]


def test_settings_are_part_of_the_key(tmp_path: Path) -> None:
    make_station(tmp_path, voice={"main": [{"engine": "espeak-ng", "speed": 150}], "second": []})
    synthesize([VoiceRequest(PARAGRAPH[0])], load_station(tmp_path))
    make_station(tmp_path, voice={"main": [{"engine": "espeak-ng", "speed": 170}], "second": []})
    result = synthesize([VoiceRequest(PARAGRAPH[0])], load_station(tmp_path))
    assert result.synthesized == 1


_RUNNER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {repo!r})
    from broadcast.config import load_station
    from broadcast.voice import VoiceRequest, synthesize
    texts = [f"Câu số {{i}} của chương trình phát thanh cải cách hành chính." for i in range(40)]
    r = synthesize([VoiceRequest(t) for t in texts], load_station(sys.argv[1]))
    print(r.synthesized, r.cached)
    """
)


def test_two_concurrent_runs_do_not_corrupt_the_cache(tmp_path: Path) -> None:
    station(tmp_path)
    script = tmp_path / "run.py"
    script.write_text(_RUNNER.format(repo=str(REPO)), encoding="utf-8")
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    for out, _ in outs:
        synthesized, cached = map(int, out.split())
        assert synthesized + cached == 40
    assert len(clips_in(tmp_path)) == 40
    assert_cache_consistent(tmp_path)
    third = subprocess.run(
        [sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert third.stdout.split() == ["0", "40"]


_CRASHER = textwrap.dedent(
    """
    import os, signal, sys, wave
    sys.path.insert(0, {repo!r})
    from broadcast.config import load_station
    from broadcast.voice import VoiceRequest, synthesize
    from broadcast.voice.silent_engine import SilentEngine
    real = SilentEngine.synthesize
    calls = []
    def dying(self, text, out_path):
        calls.append(text)
        if len(calls) == 3:  # third clip: write half a file, then the power goes
            real(self, text, out_path)
            data = open(out_path, "rb").read()
            open(out_path, "wb").write(data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        real(self, text, out_path)
    SilentEngine.synthesize = dying
    texts = [f"câu số {{i}} một hai ba" for i in range(5)]
    synthesize([VoiceRequest(t) for t in texts], load_station(sys.argv[1]))
    """
)


def test_a_killed_run_leaves_no_half_clip(tmp_path: Path) -> None:
    st = station(tmp_path, engine="silent")
    script = tmp_path / "crash.py"
    script.write_text(_CRASHER.format(repo=str(REPO)), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, timeout=60)
    assert proc.returncode == -9
    assert len(clips_in(tmp_path)) == 2  # the two finished clips, not the third half one
    assert_cache_consistent(tmp_path)
    texts = [f"câu số {i} một hai ba" for i in range(5)]
    result = synthesize([VoiceRequest(t) for t in texts], st)
    assert (result.cached, result.synthesized) == (2, 3)
    for clip, text in zip(result.clips, texts, strict=True):
        assert clip.duration_s == pytest.approx(silent_duration(text), abs=1e-3)
    assert_cache_consistent(tmp_path)


def test_stale_temp_files_from_killed_runs_are_removed(tmp_path: Path) -> None:
    st = station(tmp_path, engine="silent")
    synthesize([VoiceRequest("một")], st)
    folder = clips_in(tmp_path)[0].parent
    stale = folder / ".deadbeef.x.part.wav"
    fresh = folder / ".cafebabe.y.part.wav"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    os.utime(stale, (1, 1))
    synthesize([VoiceRequest("hai")], st)
    assert not stale.exists()
    assert fresh.exists()  # may belong to a run still going


def test_speaking_rate_builtin_then_calibrated_from_the_cache(tmp_path: Path) -> None:
    st = station(tmp_path, engine="silent")
    assert speaking_rate(st) == pytest.approx(5.0)  # built-in table before any clip
    texts = [" ".join(["tiếng"] * n) + f" số {i}" for i, n in enumerate(range(4, 30))]
    result = synthesize([VoiceRequest(t) for t in texts], st)
    syllables = sum(len(t.split()) for t in texts)
    seconds = sum(c.duration_s for c in result.clips)
    # The silent engine's 0.1 s padding per clip makes the measured rate lower than 5.
    assert speaking_rate(st) == pytest.approx(syllables / seconds, rel=1e-3)
    assert speaking_rate(st) < 4.95


def test_speaking_rate_follows_espeak_speed(tmp_path: Path) -> None:
    make_station(tmp_path, voice={"main": [{"engine": "espeak-ng", "speed": 150}], "second": []})
    normal = speaking_rate(load_station(tmp_path))
    make_station(tmp_path, voice={"main": [{"engine": "espeak-ng", "speed": 225}], "second": []})
    fast = speaking_rate(load_station(tmp_path))
    assert fast == pytest.approx(normal * 1.5)


def test_cache_lives_under_the_station_state_folder(tmp_path: Path) -> None:
    st = station(tmp_path, engine="silent")
    result = synthesize([VoiceRequest("xin chào")], st)
    assert result.clips[0].path.is_relative_to(tmp_path / ".broadcast" / "tts")
    assert ClipCache(st.store.cache_dir("tts")).root == tmp_path / ".broadcast" / "tts"


# --- corrupt entries are discarded and re-made (fault 7) -------------------------------------


def _garble(path: Path, offset: int) -> None:
    """Overwrite the file in place after `offset` with noise: same size, same mtime order."""
    import random

    data = bytearray(path.read_bytes())
    rng = random.Random(7)
    for i in range(offset, len(data)):
        data[i] = rng.randrange(256)
    path.write_bytes(bytes(data))


def _produce_short(st) -> tuple[object, bytes]:
    """Voice PARAGRAPH with the station's chain and produce it; (manifest, MP3 bytes)."""
    from broadcast.models.programme import Event, ProgrammePlan
    from broadcast.production.produce import produce

    st.min_minutes = 0.05
    voice = synthesize([VoiceRequest(t) for t in PARAGRAPH], st)
    events = [Event("jingle", 0, jingle="intro")]
    events += [Event("speech", 0, clip=c, pause_after="sentence") for c in voice.clips]
    plan = ProgrammePlan("2026-12", "Một cửa", ["Mở đầu"], events, "f" * 64, voice)
    manifest = produce(plan, st)
    return manifest, (st.store.programme_dir("2026-12") / manifest.file).read_bytes()


def _assert_clean(st, manifest, caplog: pytest.LogCaptureFixture, what: str) -> None:
    assert abs(manifest.loudness_lufs - st.audio.target_lufs) <= 1.0
    assert manifest.true_peak_dbtp <= st.audio.true_peak_dbtp
    assert any(what in r.getMessage() and r.levelname == "WARNING" for r in caplog.records), [
        r.getMessage() for r in caplog.records
    ]


def test_a_tts_clip_garbled_in_place_is_discarded_and_revoiced(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    st = station(tmp_path)
    first, mp3 = _produce_short(st)
    victim = clips_in(tmp_path)[2]
    original = victim.read_bytes()
    _garble(victim, 44)  # keep the WAV header: it still decodes, as noise
    assert victim.stat().st_size == len(original)
    caplog.set_level(logging.WARNING)
    again, mp3_again = _produce_short(st)
    _assert_clean(st, again, caplog, "bộ nhớ đệm bị hỏng")
    assert victim.read_bytes() == original  # re-voiced (espeak-ng is deterministic)
    assert again.clips_synthesized == 1
    assert mp3_again == mp3  # the programme is what it was before the damage


def test_a_garbled_prepared_clip_is_remade(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    st = station(tmp_path)
    first, mp3 = _produce_short(st)
    victim = sorted((st.store.state_dir / "prepared").rglob("*.pcm"))[1]
    _garble(victim, 48)
    caplog.set_level(logging.WARNING)
    again, mp3_again = _produce_short(st)
    _assert_clean(st, again, caplog, "đã chuẩn bị bị hỏng")
    assert mp3_again == mp3


def test_a_prepared_clip_with_nan_is_corrupt_not_a_lame_crash(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import struct

    st = station(tmp_path)
    first, mp3 = _produce_short(st)
    for victim in sorted((st.store.state_dir / "prepared").rglob("*.pcm")):
        data = bytearray(victim.read_bytes())
        data[12:16] = struct.pack("<f", float("nan"))  # the sample scale
        victim.write_bytes(bytes(data))
    caplog.set_level(logging.WARNING)
    again, mp3_again = _produce_short(st)
    _assert_clean(st, again, caplog, "đã chuẩn bị bị hỏng")
    assert mp3_again == mp3


def test_clips_cached_before_checksums_are_trusted_once_and_get_one(tmp_path: Path) -> None:
    st = station(tmp_path)
    synthesize([VoiceRequest(t) for t in PARAGRAPH[:2]], st)
    sidecars = sorted((tmp_path / ".broadcast" / "tts").rglob("*.json"))
    for sc in sidecars:  # as an older version wrote them
        meta = json.loads(sc.read_text("utf-8"))
        del meta["sha256"]
        sc.write_text(json.dumps(meta), "utf-8")
    result = synthesize([VoiceRequest(t) for t in PARAGRAPH[:2]], st)
    assert result.cached == 2 and result.synthesized == 0
    assert all(len(json.loads(sc.read_text("utf-8"))["sha256"]) == 64 for sc in sidecars)
