"""The online engines against misbehaving services on loopback (tests/faultservers.py).

For every fault (no answer, reset, 429, garbage, drip) and both online engines, a run must
complete with the offline fallback, say it is degraded and which engine read, and not hang:
the bound on the elapsed time (20 s) is a hang detector, not a timing test (the measured
numbers come from benchmarks/bench_network_faults.py).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from conftest import make_station, write_script
from faultservers import FAULTS, ConnectProxy, FaultServer
from test_voice_fakes import FakeGoogle, mp3_bytes  # noqa: F401

from broadcast.config import load_station
from broadcast.voice import VoiceRequest, create_engine, synthesize

HANG_S = 20.0
SENTENCES = [
    f"Đây là câu thứ {n} của chuyên mục cải cách hành chính."
    for n in ("một", "hai", "ba", "bốn", "năm", "sáu")
]


def station(tmp_path: Path, online: dict, *, deadline_s: float = 3.0, budget_s: float = 600.0):
    tmp_path.mkdir(parents=True, exist_ok=True)
    make_station(
        tmp_path,
        voice={
            "main": [online, {"engine": "espeak-ng", "voice": "vi"}],
            "second": [],
            "fallback": True,
            "timeout_s": 1.0,
            "request_deadline_s": deadline_s,
            "network_budget_s": budget_s,
        },
    )
    return load_station(tmp_path)


def online_spec(engine: str, srv: FaultServer) -> dict:
    if engine == "gtts":
        return {"engine": "gtts", "url": srv.url, "min_interval_s": 0, "backoff_s": 0.05}
    pytest.importorskip("edge_tts")
    return {"engine": "edge-tts", "url": srv.ws_url}


@pytest.mark.parametrize("engine", ["gtts", "edge-tts"])
@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_degrades_to_the_offline_voice_without_hanging(
    tmp_path: Path, engine: str, fault: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="broadcast.voice")
    with FaultServer(fault) as srv:
        st = station(tmp_path, online_spec(engine, srv))
        start = time.monotonic()
        result = synthesize([VoiceRequest(t) for t in SENTENCES], st)
        elapsed = time.monotonic() - start
    assert elapsed < HANG_S, f"{engine}/{fault}: {elapsed:.1f} s"
    assert result.degraded
    assert result.engines == {"espeak-ng": len(SENTENCES)}
    assert all(c.fallback and c.engine == "espeak-ng" and c.voice == "vi" for c in result.clips)
    assert srv.requests <= 3  # the engine was switched off, not tried for every sentence
    assert any(engine in r.getMessage() and "Ngừng dùng" in r.getMessage() for r in caplog.records)


def test_a_dripping_server_no_longer_holds_produce(tmp_path: Path) -> None:
    """Fault 16: one byte per 0.25 s restarts the read timeout forever; the request deadline
    cuts it off, production completes with espeak-ng and the manifest says so."""
    from broadcast.pipeline import produce_month

    with FaultServer("drip", drip_max_s=60) as srv:
        st = station(tmp_path, online_spec("gtts", srv), deadline_s=3.0)
        st.min_minutes = 0.05
        write_script(st, "2027-01")
        start = time.monotonic()
        manifest, produced = produce_month(st, "2027-01")
        elapsed = time.monotonic() - start
    assert produced and elapsed < HANG_S
    assert manifest.degraded is True and manifest.engines == {"espeak-ng": manifest.clips_synthesized}
    assert {s.engine for s in manifest.segments if s.kind == "speech"} == {"espeak-ng"}
    assert (st.store.programme_dir("2027-01") / manifest.file).stat().st_size > 0


@pytest.mark.parametrize("drip_s", [0.25, 0.04, 0.005], ids=["in-status-line", "in-headers", "in-body"])
def test_a_request_deadline_cuts_off_one_gtts_request(tmp_path: Path, drip_s: float) -> None:
    """Wherever the cut falls, the request fails as a timeout (http.client may take a cut in
    the headers for their end and return an empty 200: that must not count as an answer)."""
    from broadcast.voice.base import EngineError

    with FaultServer("drip", drip_s=drip_s) as srv:
        engine = create_engine("gtts", {"url": srv.url, "min_interval_s": 0}, 1.0, tmp_path)
        engine.request_deadline_s = 1.5
        start = time.monotonic()
        with pytest.raises(EngineError) as err:
            engine.synthesize("xin chào", tmp_path / "g.mp3")
        elapsed = time.monotonic() - start
    assert err.value.kind == "timeout" and "quá chậm" in str(err.value)
    assert elapsed < HANG_S
    assert not (tmp_path / "g.mp3").exists()


def test_the_run_network_budget_switches_a_slow_service_off(
    tmp_path: Path, mp3_bytes: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    """Every answer takes 0.7 s (each under its deadline); a 2 s budget lets about two through."""
    caplog.set_level(logging.WARNING, logger="broadcast.voice")
    with FakeGoogle(mp3_bytes, delay_s=0.7) as fake:
        spec = {"engine": "gtts", "url": fake.url, "min_interval_s": 0}
        st = station(tmp_path, spec, deadline_s=5.0, budget_s=2.0)
        result = synthesize([VoiceRequest(t) for t in SENTENCES], st)
    assert result.degraded
    assert 1 <= result.engines.get("gtts", 0) <= 3
    assert result.engines["espeak-ng"] == len(SENTENCES) - result.engines["gtts"]
    assert len(fake.statuses) <= 4
    assert any("Ngừng dùng gtts" in r.getMessage() for r in caplog.records)


def test_a_429_with_retry_after_switches_at_once(tmp_path: Path) -> None:
    """Fault 18: HTTP 429 with Retry-After: 3600 used to cost 2 retries of 10 s each."""
    with FaultServer("429") as srv:
        st = station(tmp_path, online_spec("gtts", srv))
        result = synthesize([VoiceRequest(t) for t in SENTENCES], st)
    assert srv.requests == 1
    assert result.degraded and result.engines == {"espeak-ng": len(SENTENCES)}


# --- the probe goes through the proxy (fault 17) ----------------------------------------------


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch):
    with ConnectProxy() as p:
        for name in (
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
        ):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", p.url)
        yield p


def test_gtts_probe_goes_through_the_https_proxy(tmp_path: Path, proxy: ConnectProxy) -> None:
    # No DNS and no route here: only a probe through the proxy can succeed.
    engine = create_engine("gtts", {"url": "https://translate.google.invalid"}, 1.0, tmp_path)
    ok, why = engine.check()
    assert ok, why
    assert proxy.connects == ["translate.google.invalid:443"]
    assert "proxy" in why


def test_edge_probe_goes_through_the_https_proxy(tmp_path: Path, proxy: ConnectProxy) -> None:
    pytest.importorskip("edge_tts")
    engine = create_engine("edge-tts", {"url": "wss://speech.edge.invalid/edge/v1"}, 1.0, tmp_path)
    ok, why = engine.check()
    assert ok, why
    assert proxy.connects == ["speech.edge.invalid:443"]


def test_edge_tts_is_given_the_https_proxy_for_its_wss_address(
    proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    from broadcast.voice.net import proxy_for

    assert proxy_for("wss://speech.edge.invalid/edge/v1?x=1") == proxy.url
    monkeypatch.setenv("WSS_PROXY", "http://127.0.0.1:9")
    assert proxy_for("wss://speech.edge.invalid/edge/v1") == "http://127.0.0.1:9"
    monkeypatch.setenv("NO_PROXY", ".edge.invalid")
    assert proxy_for("wss://speech.edge.invalid/edge/v1") is None


def test_no_proxy_is_honoured_by_the_probe(
    tmp_path: Path, proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "translate.google.invalid")
    engine = create_engine("gtts", {"url": "https://translate.google.invalid"}, 1.0, tmp_path)
    ok, why = engine.check()
    assert not ok and "phân giải" in why  # direct, as requests would connect
    assert proxy.connects == []


def test_a_proxy_that_refuses_the_tunnel_makes_the_engine_unusable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FaultServer("429") as srv:
        monkeypatch.setenv("HTTPS_PROXY", srv.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        engine = create_engine("gtts", {"url": "https://translate.google.invalid"}, 1.0, tmp_path)
        ok, why = engine.check()
    assert not ok and "proxy" in why and "429" in why
