"""Benchmark a network of stations (issue 17): single-station loop vs embedded pool vs Redis workers.

    .venv/bin/python benchmarks/bench_network.py [--stations 50] [--engine espeak-ng|silent] [--dir /tmp/x]
        [--mode loop|pool|redis1|redis2|all] [--redo] [--report]

One mode at a time if wanted: each mode's figures are saved in DIR/figures-<mode>.json and a
mode already measured (same station count and voice) is skipped unless --redo, so an
interrupted run is resumed by running the same command again; --report only prints the
table from the saved figures. The load average (1 min) is sampled every 5 s during each mode
and printed with it: the machine may be shared.

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
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import free_port  # noqa: E402
from network_helpers import MONTH, make_network, redis_server_command  # noqa: E402

PY = sys.executable
MONTH_ARGS = ("--month", MONTH)
MODES = {"loop": "a", "pool": "b", "redis1": "c1", "redis2": "c2"}  # name -> issue 17's letter


class LoadSampler:
    """Samples the 1-minute load average every `every` seconds while a mode runs."""

    def __init__(self, every: float = 5.0) -> None:
        self.every = every
        self.samples: list[float] = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])

    def figures(self) -> dict:
        return {"load_mean": sum(self.samples) / len(self.samples), "load_max": max(self.samples)}


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
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        args = [PY, "-m", "broadcast", "network", "make", "--network", str(root), *MONTH_ARGS]
        proc = subprocess.Popen([*args, "--workers", str(workers)], stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)  # also the largest process of its tree
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        run = subprocess.CompletedProcess(args, proc.returncode, out.read().decode(), err.read().decode())
    wall, cpu = time.monotonic() - t0, _children_cpu() - cpu0
    figures = _network_figures(root, n, wall, cpu, run)
    # ru_maxrss of a reaped process covers its reaped descendants: the pool processes, their ffmpeg.
    figures["peak_rss_mb"] = usage.ru_maxrss / 1024
    return figures


def redis(root: Path, n: int, workers: int) -> dict:
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="bench-redis-"))
    cpu0, t0 = _children_cpu(), time.monotonic()
    server = subprocess.Popen(
        redis_server_command("redis-server", port, data),
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


def _line(mode: str, f: dict) -> str:
    n = f["stations"]
    rss = f"{f['peak_rss_mb']:.0f} MB" if f.get("peak_rss_mb") else "-"
    extra = (f["synthesized"] / f["unique"] - 1) * 100 if f["unique"] else 0.0
    return (
        f"({MODES[mode]}) {mode:<6} wall {f['wall_s']:7.1f} s, {f['programmes']}/{n} programmes, "
        f"{f['wall_s'] / n:5.2f} s wall and {f['cpu_s'] / n:5.2f} CPU-s per programme; "
        f"clips synthesised {f['synthesized']} vs unique sentences {f['unique']} ({extra:+.1f}%); "
        f"peak RSS {rss}; load avg mean {f['load_mean']:.1f} max {f['load_max']:.1f}"
    )


def report(base: Path, n: int) -> None:
    figures: dict[str, dict] = {}
    for mode in MODES:
        path = base / f"figures-{mode}.json"
        if path.exists():
            figures[mode] = json.loads(path.read_text())
    if not figures:
        print("no figures saved yet in", base)
        return
    print(f"{os.cpu_count()} cores; figures from {base}")
    for mode, f in figures.items():
        print(_line(mode, f))
    if "loop" in figures:
        for mode in ("pool", "redis1", "redis2"):
            if mode in figures:
                a, f = figures["loop"], figures[mode]
                speed = (f["programmes"] / f["wall_s"]) / (a["programmes"] / a["wall_s"])
                target = "  (target ≥ 1.8×)" if mode == "redis2" else ""
                print(f"programmes per hour, {mode} vs loop: {speed:.2f}×{target}")
    best = figures.get("redis2") or figures.get("pool") or figures.get("redis1")
    if best:
        per = best["cpu_s"] / max(1, best["programmes"])
        print(
            f"Projection for a 500-station province at {per:.1f} CPU-s per programme (measured, shared "
            "voice cache), N two-core machines, one worker per core, ideal scaling:"
        )
        print("  machines | CPU-hours | wall hours")
        for machines in (1, 2, 4, 8):
            print(f"  {machines:>8} | {500 * per / 3600:9.2f} | {500 * per / (2 * machines) / 3600:10.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=50)
    ap.add_argument("--engine", choices=("espeak-ng", "silent"), default="espeak-ng")
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "bench-network")
    ap.add_argument("--mode", default="all", help="loop, pool, redis1, redis2, a comma list, or all")
    ap.add_argument("--redo", action="store_true", help="measure again a mode already measured")
    ap.add_argument("--report", action="store_true", help="only print the saved figures")
    args = ap.parse_args()
    base: Path = args.dir
    base.mkdir(parents=True, exist_ok=True)
    n = args.stations
    if args.report:
        report(base, n)
        return
    modes = list(MODES) if args.mode == "all" else args.mode.split(",")
    for mode in modes:
        if mode not in MODES:
            sys.exit(f"unknown mode {mode!r}: one of {', '.join(MODES)} or all")
    engine = {"engine": "espeak-ng", "voice": "vi"} if args.engine == "espeak-ng" else None
    print(f"{n} stations, voice {args.engine}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {base}")
    for mode in modes:
        saved = base / f"figures-{mode}.json"
        if saved.exists() and not args.redo:
            old = json.loads(saved.read_text())
            if old.get("stations") == n and old.get("engine") == args.engine:
                print(f"{mode}: already measured ({saved}); --redo to measure again")
                continue
        root = base / mode
        shutil.rmtree(root, ignore_errors=True)
        make_network(root, n, broken=False, engine=engine)
        with LoadSampler() as load:
            if mode == "loop":
                f = loop_of_makes(root, n)
            elif mode == "pool":
                f = embedded(root, n)
            else:
                f = redis(root, n, int(mode[-1]))
        f.update(load.figures(), stations=n, engine=args.engine, started=time.strftime("%Y-%m-%d %H:%M"))
        saved.write_text(json.dumps(f, indent=1))
        shutil.rmtree(root, ignore_errors=True)  # the programmes are not needed any more
        print(_line(mode, f), flush=True)
    report(base, n)


if __name__ == "__main__":
    main()
