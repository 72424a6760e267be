"""The fallback chain: circuit breakers, clip-by-clip fallback, `fallback: false`, roles."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import make_station
from test_voice_fakes import FakeGoogle, Hanging, mp3_bytes, refused_url  # noqa: F401

from broadcast.config import load_station
from broadcast.errors import NextStep, VoiceError
from broadcast.voice import VoiceRequest, synthesize

SENTENCES = [
    f"Đây là câu thứ {n} của chương trình cải cách hành chính tháng này."
    for n in (
        "một",
        "hai",
        "ba",
        "bốn",
        "năm",
        "sáu",
        "bảy",
        "tám",
        "chín",
        "mười",
        "mười một",
        "mười hai",
        "mười ba",
        "mười bốn",
        "mười lăm",
        "mười sáu",
        "mười bảy",
        "mười tám",
        "mười chín",
        "hai mươi",
    )
]


def station(
    tmp_path: Path, main: list, second: list | None = None, fallback: bool = True, timeout_s: float = 1.0
):
    tmp_path.mkdir(parents=True, exist_ok=True)
    make_station(
        tmp_path, voice={"main": main, "second": second or [], "fallback": fallback, "timeout_s": timeout_s}
    )
    return load_station(tmp_path)


def gtts_spec(url: str, **opts: object) -> dict:
    return {"engine": "gtts", "url": url, "min_interval_s": 0, "backoff_s": 0.05, **opts}


def requests(n: int = 20) -> list[VoiceRequest]:
    return [VoiceRequest(t) for t in SENTENCES[:n]]


def test_online_engine_used_when_it_works(tmp_path: Path, mp3_bytes: bytes) -> None:
    with FakeGoogle(mp3_bytes) as fake:
        st = station(tmp_path, [gtts_spec(fake.url), {"engine": "silent"}])
        result = synthesize(requests(3), st)
    assert [c.engine for c in result.clips] == ["gtts"] * 3
    assert not result.degraded and result.engines == {"gtts": 3}
    assert all(c.path.suffix == ".mp3" and c.duration_s == pytest.approx(0.5, abs=0.1) for c in result.clips)


def test_server_that_never_answers_costs_one_timeout_then_falls_back(tmp_path: Path) -> None:
    with Hanging() as hang:
        st = station(tmp_path, [gtts_spec(hang.url), {"engine": "espeak-ng"}], timeout_s=1.0)
        start = time.monotonic()
        result = synthesize(requests(20), st)
        elapsed = time.monotonic() - start
    # Breaker: one request hung, then gtts was off for the run; not 20 timeouts.
    assert len(hang.accepted) <= 2  # the probe + the one request
    assert elapsed < 8.0  # loosely: 20 sentences x 1 s timeout would be 20 s
    assert result.degraded
    assert result.engines == {"espeak-ng": 20}
    assert all(c.fallback and c.engine == "espeak-ng" for c in result.clips)


def test_connection_refused_falls_back_to_silent(tmp_path: Path) -> None:
    st = station(tmp_path, [gtts_spec(refused_url()), {"engine": "silent"}])
    result = synthesize(requests(5), st)
    assert result.degraded and result.engines == {"silent": 5}
    assert result.synthesized == 5 and result.cached == 0


def test_a_429_switches_the_engine_off_at_once(tmp_path: Path, mp3_bytes: bytes) -> None:
    with FakeGoogle(mp3_bytes, then=429) as fake:
        st = station(tmp_path, [gtts_spec(fake.url, retries=1), {"engine": "silent"}])
        result = synthesize(requests(10), st)
    assert fake.statuses == [429]  # one request, no retry, then never again this run
    assert result.degraded and result.engines == {"silent": 10}


def test_fallback_clip_by_clip_after_a_transient_failure(tmp_path: Path, mp3_bytes: bytes) -> None:
    # The second sentence meets two 5xx in a row (no retry left): only that clip falls back.
    with FakeGoogle(mp3_bytes, script=[200, 500]) as fake:
        st = station(tmp_path, [gtts_spec(fake.url, retries=0), {"engine": "silent"}])
        result = synthesize(requests(4), st)
    assert [c.engine for c in result.clips] == ["gtts", "silent", "gtts", "gtts"]
    assert [c.fallback for c in result.clips] == [False, True, False, False]
    assert result.degraded and result.engines == {"gtts": 3, "silent": 1}


def test_fallback_false_fails_naming_the_utterance(tmp_path: Path) -> None:
    st = station(tmp_path, [gtts_spec(refused_url()), {"engine": "silent"}], fallback=False)
    with pytest.raises(VoiceError) as err:
        synthesize(requests(3), st)
    text = str(err.value)
    assert "câu số 1" in text and SENTENCES[0][:30] in text
    assert "từ chối kết nối" in text  # the probable cause
    assert "fallback" in text and "station.yaml" in text
    assert err.value.exit_code == 2
    # Nothing was voiced by the fallback engine.
    assert not list((tmp_path / ".broadcast" / "tts").glob("silent/*/*.wav"))


def test_fallback_false_with_a_working_engine_is_fine(tmp_path: Path) -> None:
    st = station(tmp_path, [{"engine": "silent"}], fallback=False)
    result = synthesize(requests(2), st)
    assert not result.degraded and result.engines == {"silent": 2}


def test_no_engine_left_is_a_vietnamese_error_with_every_cause(tmp_path: Path, monkeypatch) -> None:
    # A program name other than espeak's own must be allowed by the admin (config.ALLOWED_BINARIES_ENV).
    monkeypatch.setenv("BROADCAST_ENGINE_BINARIES", "espeak-ng-not-here")
    st = station(
        tmp_path, [gtts_spec(refused_url()), {"engine": "espeak-ng", "binary": "espeak-ng-not-here"}]
    )
    with pytest.raises(VoiceError) as err:
        synthesize(requests(1), st)
    text = str(err.value)
    assert "gtts/vi" in text and "từ chối kết nối" in text
    assert "espeak-ng/vi" in text and "apt-get install espeak-ng" in text
    assert err.value.next_step == NextStep("voices")  # the CLI shows 'broadcast voices'


def test_missing_piper_model_falls_back_with_the_reason_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    st = station(tmp_path, [{"engine": "piper", "voice": "vi_VN-vais1000-medium"}, {"engine": "silent"}])
    with caplog.at_level("WARNING", logger="broadcast.voice"):
        result = synthesize(requests(3), st)
    assert result.degraded and result.engines == {"silent": 3}
    assert "broadcast voices install vi_VN-vais1000-medium" in caplog.text


def test_second_role_uses_its_own_chain_or_the_main_one(tmp_path: Path) -> None:
    st = station(tmp_path, [{"engine": "silent"}], second=[{"engine": "espeak-ng", "voice": "vi-vn-x-south"}])
    result = synthesize(
        [VoiceRequest("Hỏi: làm thủ tục ở đâu?", role="second"), VoiceRequest("Đáp: tại bộ phận một cửa.")],
        st,
    )
    assert [(c.engine, c.voice) for c in result.clips] == [
        ("espeak-ng", "vi-vn-x-south"),
        ("silent", "silence"),
    ]
    assert not result.degraded

    st = station(tmp_path / "b", [{"engine": "silent"}])
    result = synthesize([VoiceRequest("Hỏi: làm thủ tục ở đâu?", role="second")], st)
    assert result.clips[0].engine == "silent" and not result.clips[0].fallback


def test_progress_is_reported_per_clip(tmp_path: Path) -> None:
    st = station(tmp_path, [{"engine": "silent"}])
    seen: list[tuple[int, int]] = []
    synthesize(requests(3), st, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_better_engine_cache_preferred_fallback_cache_reused_only_when_needed(
    tmp_path: Path, mp3_bytes: bytes
) -> None:
    # Day 1, network down: sentences voiced by the fallback engine and cached.
    with Hanging() as hang:
        st = station(tmp_path, [gtts_spec(hang.url), {"engine": "silent"}])
        first = synthesize(requests(3), st)
    assert first.engines == {"silent": 3} and first.synthesized == 3
    # Day 2, still down: the fallback clips come from the cache.
    st = station(tmp_path, [gtts_spec(refused_url()), {"engine": "silent"}])
    second = synthesize(requests(3), st)
    assert second.cached == 3 and second.synthesized == 0 and second.degraded
    # Day 3, network back: the better engine re-voices them; day 4 it is all cached.
    with FakeGoogle(mp3_bytes) as fake:
        st = station(tmp_path, [gtts_spec(fake.url), {"engine": "silent"}])
        third = synthesize(requests(3), st)
        fourth = synthesize(requests(3), st)
    assert third.engines == {"gtts": 3} and third.synthesized == 3 and not third.degraded
    assert fourth.engines == {"gtts": 3} and fourth.cached == 3 and len(fake.texts) == 3
