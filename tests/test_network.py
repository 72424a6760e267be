"""A network of stations: 12 tiny members produced on Redis with three workers and in the
embedded pool; one shared voice cache; a killed worker's job redelivered; a broken member alone."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import free_port
from network_helpers import BROKEN_SLUG, MONTH, make_network, redis_server_command

from broadcast.errors import ConfigError
from broadcast.network.config import load_network
from broadcast.network.layout import NetworkStore
from broadcast.network.models import JobResult
from broadcast.network.progress import summary_text

REPO = Path(__file__).resolve().parents[1]
COUNT = 12
HEARTBEAT_S = 3


def _cli(*args: str, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "broadcast", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def redis_url(tmp_path: Path):
    """A real redis-server on a free loopback port, in a temp folder, stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: run tools/setup-system.sh (Debian package redis-server)")
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()
    proc = subprocess.Popen(
        redis_server_command(binary, port, data),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis  # noqa: PLC0415 - only this fixture talks to Redis directly

    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def _results(root: Path) -> dict[str, JobResult]:
    folder = NetworkStore(root).results_dir(MONTH)
    out = {}
    for p in folder.glob("*.json"):
        if not p.name.startswith("summary"):
            r = JobResult.from_dict(json.loads(p.read_text("utf-8")))
            out[r.station] = r
    return out


def _sidecars(root: Path) -> list[dict]:
    return [json.loads(p.read_text("utf-8")) for p in NetworkStore(root).voice_cache.rglob("*.json")]


def _check_outputs(root: Path) -> dict[str, JobResult]:
    """Every good member complete, naming itself; the broken one failed alone, in Vietnamese."""
    results = _results(root)
    assert len(results) == COUNT + 1
    for i in range(1, COUNT + 1):
        slug = f"xa-thu-{i:02d}"
        r = results[slug]
        assert r.status == "ok", (slug, r.error)
        folder = NetworkStore(root).member_dir(slug)
        prog = folder / "audio_out" / MONTH
        files = sorted(p.name for p in prog.iterdir())
        mp3s = [f for f in files if f.endswith(".mp3")]
        assert len(mp3s) == 1 and "manifest.json" in files, files  # complete, no duplicate
        manifest = json.loads((prog / "manifest.json").read_text("utf-8"))
        assert (prog / mp3s[0]).stat().st_size == manifest["file_size"]
        assert not [
            p for p in (folder / "audio_out").iterdir() if p.name.startswith(".")
        ]  # no partial leftovers
        script = (folder / "scripts" / f"{MONTH}.md").read_text("utf-8")
        assert f"Thử Nghiệm {i}" in script and f"800 {i:03d}" in script
        others = [j for j in range(1, COUNT + 1) if j != i]
        assert not any(f"0255 3 800 {j:03d}" in script for j in others)
        assert (folder / "schedules" / f"{MONTH}.yaml").is_file()
    bad = results[BROKEN_SLUG]
    assert bad.status == "failed"
    assert "station.yaml" in bad.error and "dòng" in bad.error and "YAML" in bad.error
    return results


def _check_shared_cache(root: Path, results: dict[str, JobResult], *, exact: bool = True) -> None:
    """One clip per sentence, each synthesised once network-wide, shared by every member."""
    sidecars = _sidecars(root)
    texts = [s["text"] for s in sidecars]
    assert len(texts) == len(set(texts))
    synthesized = sum(r.clips_synthesized for r in results.values())
    used = sum(r.clips_synthesized + r.clips_cached for r in results.values())
    if exact:
        assert synthesized == len(sidecars)
    else:  # a killed worker made clips it never reported
        assert synthesized <= len(sidecars)
    assert len(sidecars) < used / 3
    # A sentence every member says is in the cache once, and no member's cache folder has clips.
    common = [t for t in texts if "Cải cách hành chính" in t or "cải cách hành chính" in t]
    assert common and len(common) == len(set(common))
    for i in range(1, COUNT + 1):
        assert not (NetworkStore(root).member_dir(f"xa-thu-{i:02d}") / ".broadcast" / "tts").exists()


def test_redis_three_workers_one_killed(tmp_path: Path, redis_url: str) -> None:
    root = make_network(tmp_path / "net", COUNT)
    worker_args = ("worker", "--broker", redis_url, "--heartbeat", str(HEARTBEAT_S))
    # The first worker dies (SIGKILL) in the middle of its first job, after the programme and
    # before the schedule: its message must be delivered again and completed by another worker.
    killed = subprocess.Popen(
        [sys.executable, "-m", "broadcast", *worker_args],
        env={**os.environ, "BROADCAST_KILL_AT": "make-before-schedule"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    others = [
        subprocess.Popen(
            [sys.executable, "-m", "broadcast", *worker_args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    try:
        run = _cli(
            "network",
            "make",
            "--network",
            str(root),
            "--month",
            MONTH,
            "--broker",
            redis_url,
            "--heartbeat",
            str(HEARTBEAT_S),
        )
        died_in_a_job = killed.poll()
    finally:
        for w in others:
            w.send_signal(signal.SIGTERM)
        for w in others:
            w.wait(timeout=60)
        if killed.poll() is None:
            killed.kill()
    assert died_in_a_job == -signal.SIGKILL  # it did die in the middle of a job
    assert run.returncode == 1, run.stderr  # the broken member fails, alone
    assert "xa-thu-12" in run.stdout and "LỖI" in run.stdout
    results = _check_outputs(root)
    victim = f"{socket.gethostname()}:{killed.pid}"
    assert all(r.worker != victim for r in results.values())  # its job was finished elsewhere
    assert len({r.worker for r in results.values()}) >= 2
    _check_shared_cache(root, results, exact=False)
    status = _cli("network", "status", "--network", str(root), "--month", MONTH, "--json")
    rows = json.loads(status.stdout)
    assert [r["status"] for r in rows].count("ok") == COUNT


def test_embedded_pool_same_scenario_no_redis(tmp_path: Path) -> None:
    root = make_network(tmp_path / "net", COUNT, delivery="zip")
    run = _cli(
        "network",
        "make",
        "--network",
        str(root),
        "--month",
        MONTH,
        "--workers",
        "3",
        env={"PATH": "/usr/bin:/bin"},
    )  # no redis-server reachable or needed
    assert run.returncode == 1, run.stderr
    assert "Xong 13/13 đài (lỗi 1" in run.stderr
    results = _check_outputs(root)
    _check_shared_cache(root, results)
    with zipfile.ZipFile(NetworkStore(root).bundle_path(MONTH, "xa-thu-03")) as zf:
        names = zf.namelist()
    assert any(n.endswith(".mp3") for n in names) and f"schedules/{MONTH}.ics" in names
    # A re-run redoes nothing that is done: no clip is voiced again, every programme is reused.
    again = _cli("network", "make", "--network", str(root), "--month", MONTH, "--workers", "2")
    assert again.returncode == 1
    assert sum(r.clips_synthesized for r in _results(root).values()) == 0


def test_broken_network_yaml_names_file_line_field(tmp_path: Path) -> None:
    root = make_network(tmp_path / "net", 2, broken=False)
    text = (root / "network.yaml").read_text("utf-8").replace("slug: xa-thu-02", "slug: Xã Thử 2")
    (root / "network.yaml").write_text(text, "utf-8")
    with pytest.raises(ConfigError) as err:
        load_network(root)
    assert err.value.field == "stations.1.slug" and err.value.line is not None
    run = _cli("network", "make", "--network", str(root), "--month", MONTH)
    assert run.returncode == 1 and "network.yaml" in run.stderr and "slug" in run.stderr
    assert "Traceback" not in run.stderr


def test_summary_table_lists_every_column() -> None:
    text = summary_text(
        [
            JobResult(
                station="a",
                month=MONTH,
                status="ok",
                minutes=12.3,
                loudness_lufs=-16.0,
                voice="espeak-ng 120",
                degraded=True,
            ),
            JobResult(station="b", month=MONTH, status="failed", error="tệp x: hỏng"),
        ]
    )
    assert "12.3" in text and "-16.0" in text and "CÓ" in text and "LỖI" in text and "tệp x: hỏng" in text


# --- the shared voice cache ------------------------------------------------------------------


def test_members_share_one_tts_cache_folder_and_nothing_else(tmp_path: Path) -> None:
    from broadcast.store import StationStore  # noqa: PLC0415

    shared = tmp_path / "net" / "cache"
    a, b = (
        StationStore(tmp_path / "a", shared_cache=shared),
        StationStore(tmp_path / "b", shared_cache=shared),
    )
    assert a.cache_dir("tts") == b.cache_dir("tts") == shared.resolve()
    assert a.cache_dir("jingles") != b.cache_dir("jingles")
    assert StationStore(tmp_path / "a").cache_dir("tts") != shared.resolve()


def test_same_clip_asked_at_once_is_synthesised_once_others_wait(tmp_path: Path) -> None:
    import threading  # noqa: PLC0415

    from broadcast.voice.cache import ClipCache  # noqa: PLC0415
    from broadcast.voice.silent_engine import SilentEngine  # noqa: PLC0415

    calls: list[str] = []
    engine = SilentEngine({}, 5, tmp_path / "state")

    def slow_write(path: Path) -> None:
        calls.append("synth")
        time.sleep(0.5)  # long enough for the other workers to arrive while this one synthesises
        engine.synthesize("Một câu chung cho mọi đài.", path)

    entries = []

    def worker() -> None:  # each worker its own ClipCache on the same folder, as separate processes do
        entries.append(ClipCache(tmp_path / "tts").store(engine, "Một câu chung cho mọi đài.", slow_write))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == ["synth"]
    assert sorted(e.made for e in entries) == [False, False, True]
    assert len({e.path for e in entries}) == 1
    assert len(list((tmp_path / "tts").rglob("*.json"))) == 1


# --- retries: transient failures retried with backoff, permanent ones not (StubBroker) ---------


def test_transient_failure_retried_permanent_failure_reported_once(tmp_path: Path, monkeypatch) -> None:
    from dramatiq import Worker  # noqa: PLC0415
    from dramatiq.brokers.stub import StubBroker  # noqa: PLC0415

    from broadcast.errors import EnvironmentProblem  # noqa: PLC0415
    from broadcast.network import jobs, queue  # noqa: PLC0415
    from broadcast.network.materialize import materialize  # noqa: PLC0415
    from broadcast.network.models import RetryPolicy  # noqa: PLC0415
    from broadcast.pipeline import MakeResult  # noqa: PLC0415

    root = make_network(tmp_path / "net", 3, broken=False)
    materialize(load_network(root))
    attempts: dict[str, int] = {}

    def fake_make(station, month, **_kw):
        slug = station.dir.name
        attempts[slug] = attempts.get(slug, 0) + 1
        if slug == "xa-thu-01" and attempts[slug] < 3:
            raise EnvironmentProblem("ổ đĩa bận.")
        if slug == "xa-thu-02":
            raise ConfigError("mục 'slots' sai.", file=station.store.station_file, line=7)
        if slug == "xa-thu-03":
            raise EnvironmentProblem("không có mạng.")
        return MakeResult(month=month, script=station.store.script_path(month), can_air=True)

    monkeypatch.setattr(jobs, "make", fake_make)
    broker = StubBroker()
    broker.emit_after("process_boot")
    queue.declare(broker)
    policy = RetryPolicy(max_retries=2, min_backoff_s=0.01, max_backoff_s=0.05)
    queue.enqueue(broker, root, MONTH, ["xa-thu-01", "xa-thu-02", "xa-thu-03"], policy)
    worker = Worker(broker, worker_threads=1)
    worker.start()
    try:
        broker.join(queue.QUEUE)
        worker.join()
    finally:
        worker.stop()
    results = _results(root)
    assert attempts == {"xa-thu-01": 3, "xa-thu-02": 1, "xa-thu-03": 3}
    assert results["xa-thu-01"].status == "ok"
    assert results["xa-thu-02"].status == "failed" and "dòng 7" in results["xa-thu-02"].error
    assert results["xa-thu-03"].status == "failed" and "không có mạng" in results["xa-thu-03"].error
