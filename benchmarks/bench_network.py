"""Benchmark a network of stations (issue 17): single-station loop vs embedded pool vs Redis workers.

    .venv/bin/python benchmarks/bench_network.py [--stations 50] [--engine espeak-ng|silent] [--dir /tmp/x]

Generates a network of N members from a tiny template (one airing, 22.05 kHz, 64 kb/s; the
voice is espeak-ng `vi` by default — realistic offline voice — or `silent`), then, each on a
fresh copy (empty voice caches), measures wall time and CPU seconds (every process, ffmpeg
and espeak-ng included: getrusage of waited children) per programme for
  (a) a loop of `broadcast make --station MEMBER --month M` (each station its own cache),
  (b) `broadcast network make` with the embedded pool (2 processes),
  (c) `broadcast network make --broker` with a real redis-server and 1, then 2 `broadcast worker`s;
plus clips synthesised vs unique sentences, the peak RSS of each worker (VmHWM), and a
projection for a 500-station province on N two-core machines from (c)'s CPU s/programme.
Targets: (c) with 2 workers ≥ 1.8× (a) in programmes per hour; clips synthesised within 5%
of the unique sentences.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from network_helpers import MONTH, make_network  # noqa: E402

PY = sys.executable
MONTH_ARGS = ("--month", MONTH)


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "broadcast", *args], capture_output=True, text=True)


def _sidecar_texts(folder: Path) -> list[str]:
    return [json.loads(p.read_text("utf-8"))["text"] for p in folder.rglob("*.json")]


def _results(root: Path) -> list[dict]:
    from broadcast.network.layout import NetworkStore  # noqa: PLC0415

    folder = NetworkStore(root).results_dir(MONTH)
    return [
        json.loads(p.read_text("utf-8")) for p in folder.glob("*.json") if not p.name.startswith("summary")
    ]


def loop_of_makes(root: Path, n: int) -> dict:
    """(a): materialise the members, then one `broadcast make` per station, one after another."""
    from broadcast.network.config import load_network  # noqa: PLC0415
    from broadcast.network.materialize import materialize  # noqa: PLC0415
    from broadcast.store import StationStore  # noqa: PLC0415

    folders = materialize(load_network(root))
    cpu0, t0, synthesized, peak = _children_cpu(), time.monotonic(), 0, 0
    texts: set[str] = set()
    for folder in folders.values():
        proc = subprocess.Popen(
            [PY, "-m", "broadcast", "make", "--station", str(folder), *MONTH_ARGS, "--auto-approve"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _pid, _status, usage = os.wait4(proc.pid, 0)  # this make's own peak RSS
        proc.returncode = 0
        peak = max(peak, usage.ru_maxrss)
        manifest = json.loads((folder / "audio_out" / MONTH / "manifest.json").read_text("utf-8"))
        synthesized += manifest["clips_synthesized"]
        texts |= set(_sidecar_texts(StationStore(folder).cache_dir("tts")))
    wall, cpu = time.monotonic() - t0, _children_cpu() - cpu0
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "programmes": n,
        "synthesized": synthesized,
        "unique": len(texts),
        "peak_rss_mb": peak / 1024 or None,
    }


def embedded(root: Path, n: int, workers: int = 2) -> dict:
    cpu0, t0 = _children_cpu(), time.monotonic()
    run = _run("network", "make", "--network", str(root), *MONTH_ARGS, "--workers", str(workers))
    wall, cpu = time.monotonic() - t0, _children_cpu() - cpu0
    return _network_figures(root, n, wall, cpu, run)


def redis(root: Path, n: int, workers: int) -> dict:
    port = _free_port()
    data = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    cpu0, t0 = _children_cpu(), time.monotonic()
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(data),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    url = f"redis://127.0.0.1:{port}/0"
    procs = [
        subprocess.Popen(
            [PY, "-m", "broadcast", "worker", "--broker", url],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    run = _run("network", "make", "--network", str(root), *MONTH_ARGS, "--broker", url)
    wall = time.monotonic() - t0
    peaks = [_vm_hwm(p.pid) for p in procs]
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        p.wait()
    server.terminate()
    server.wait()
    shutil.rmtree(data, ignore_errors=True)
    cpu = _children_cpu() - cpu0
    out = _network_figures(root, n, wall, cpu, run)
    out["peak_rss_mb"] = max(peaks) / 1024 if all(peaks) else None
    return out


def _network_figures(root: Path, n: int, wall: float, cpu: float, run: subprocess.CompletedProcess) -> dict:
    from broadcast.network.layout import NetworkStore  # noqa: PLC0415

    results = _results(root)
    ok = sum(r["status"] == "ok" for r in results)
    if ok != n:
        print(run.stdout, run.stderr, file=sys.stderr)
    texts = _sidecar_texts(NetworkStore(root).voice_cache)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "programmes": ok,
        "synthesized": sum(r["clips_synthesized"] for r in results),
        "unique": len(set(texts)),
        "peak_rss_mb": None,
    }


def _vm_hwm(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=50)
    ap.add_argument("--engine", choices=("espeak-ng", "silent"), default="espeak-ng")
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--modes", default="a,b,c1,c2")
    args = ap.parse_args()
    base = args.dir or Path(tempfile.mkdtemp(prefix="bench-network-"))
    engine = {"engine": "espeak-ng", "voice": "vi"} if args.engine == "espeak-ng" else None
    n = args.stations
    print(f"{n} stations, voice {args.engine}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {base}")
    figures: dict[str, dict] = {}
    for mode in args.modes.split(","):
        root = base / mode
        shutil.rmtree(root, ignore_errors=True)
        make_network(root, n, broken=False, engine=engine)
        if mode == "a":
            figures[mode] = loop_of_makes(root, n)
        elif mode == "b":
            figures[mode] = embedded(root, n)
        else:
            figures[mode] = redis(root, n, int(mode[1:]))
        f = figures[mode]
        rss = f"{f['peak_rss_mb']:.0f} MB" if f.get("peak_rss_mb") else "-"
        print(
            f"({mode}) wall {f['wall_s']:.1f} s, {f['programmes']}/{n} programmes, "
            f"{f['wall_s'] / n:.2f} s wall and {f['cpu_s'] / n:.2f} CPU-s per programme; "
            f"clips synthesised {f['synthesized']} vs unique sentences {f['unique']} "
            f"({(f['synthesized'] / f['unique'] - 1) * 100 if f['unique'] else 0:+.1f}%); peak RSS/worker {rss}",
            flush=True,
        )
    if "a" in figures:
        for mode in ("b", "c1", "c2"):
            if mode in figures:
                print(
                    f"speed-up {mode} vs (a): {figures['a']['wall_s'] / figures[mode]['wall_s']:.2f}×"
                    + ("  (target ≥ 1.8×)" if mode == "c2" else "")
                )
    best = figures.get("c2") or figures.get("b")
    if best:
        per = best["cpu_s"] / n
        print(
            f"Projection, 500 stations at {per:.1f} CPU-s per programme (measured, shared cache), two-core machines,"
            " one worker per core:"
        )
        for machines in (1, 2, 5, 10):
            hours = 500 * per / (2 * machines) / 3600
            print(f"  {machines:>2} machine(s): {hours:.2f} h")


if __name__ == "__main__":
    main()
