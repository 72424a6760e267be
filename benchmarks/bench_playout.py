"""Playout benchmark: start-time error over scheduled starts, and the player's CPU use.

Run: .venv/bin/python benchmarks/bench_playout.py [--starts 50] [--gap 2] [--backend mpv]

1. Start-time error: `--starts` airings `--gap` seconds apart (a compressed schedule), each a
   1-second tone, aired by the real Player code path (monotonic waits, as-run row, backend)
   to mpv's ao=null, which plays in real time. Error = as-run actual start - scheduled start
   (the player's timing), and that plus the backend's own latency to the first audio
   (mpv's playback-restart event).
2. With `--station DIR --month YYYY-MM`: a trial of a real station's first air day of the
   month, aired to WAV files (device file:...) with a simulated clock; prints each airing's
   start error and checks the as-run CSV against the captured audio.
3. CPU: a real `broadcast play` process (sleeping between airings), CPU seconds per wall
   second from /proc over `--idle` seconds; then the same while it plays a 20 s tone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from conftest import station_dir, tone_mp3, write_programme  # noqa: E402

from broadcast import schedule as sch  # noqa: E402
from broadcast.config import load_station  # noqa: E402
from broadcast.playout.asrun import open_log  # noqa: E402
from broadcast.playout.models import PlannedItem  # noqa: E402
from broadcast.playout.player import Clock, Player, SlotPlan  # noqa: E402
from broadcast.playout.source import TZ  # noqa: E402


def start_errors(tmp: Path, starts: int, gap: float, backend: str) -> None:
    st = load_station(station_dir(tmp / "a"))
    tone = tone_mp3(st.dir / "audio_out" / "bench" / "tone.mp3", 1.0)
    rel = tone.relative_to(st.dir).as_posix()
    latencies: list[float] = []
    player = Player(st, clock=Clock(), settings=replace(st.playout, backend=backend, device="null"))
    real_play = player.backend.play

    def play(*a, **kw):
        res = real_play(*a, **kw)
        if res.start_latency_s is not None:
            latencies.append(res.start_latency_s)
        return res

    player.backend.play = play
    first = datetime.now(TZ) + timedelta(seconds=3)
    for i in range(starts):
        start = first + timedelta(seconds=i * gap)
        plan = SlotPlan(
            start.date(), f"b{i:03d}", "bench", start, start + timedelta(seconds=gap), checked=True
        )
        plan.items = [
            PlannedItem(start.date(), plan.slot, "bench", start, plan.end, 1, rel, "tone", 1.0, None)
        ]
        player._wait_until(start)
        player._air(plan)
    rows = player.asrun.rows()
    player.asrun.close()
    errs = [
        (datetime.fromisoformat(r.actual_start) - datetime.fromisoformat(r.scheduled_start)).total_seconds()
        for r in rows
    ]
    print(f"start-time error over {len(errs)} starts {gap:g} s apart ({backend}, ao=null):")
    print(
        f"  player (as-run start - slot): median {statistics.median(errs) * 1000:.1f} ms, "
        f"max {max(errs) * 1000:.1f} ms, min {min(errs) * 1000:.1f} ms"
    )
    if latencies:
        total = [e + lat for e, lat in zip(errs, latencies, strict=True)]
        print(
            f"  backend to first audio:       median {statistics.median(latencies) * 1000:.1f} ms, "
            f"max {max(latencies) * 1000:.1f} ms"
        )
        print(
            f"  slot -> first audio:          median {statistics.median(total) * 1000:.1f} ms, "
            f"max {max(total) * 1000:.1f} ms  (target max <= 1000 ms)"
        )


class _SimClock(Clock):
    """sleep() advances virtual time at once; playback itself runs in real time."""

    def __init__(self, start: datetime) -> None:
        self.start, self.r0, self.virtual = start, time.monotonic(), 0.0

    def monotonic(self) -> float:
        return time.monotonic() - self.r0 + self.virtual

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.monotonic())

    def sleep(self, seconds: float) -> None:
        self.virtual += max(0.0, seconds)


def trial_day(station: Path, month: str, tmp: Path) -> None:
    import csv  # noqa: PLC0415

    from broadcast.playout.backends.base import wav_seconds  # noqa: PLC0415

    st = load_station(station)
    sched = sch.read_schedule(st, month) or sch.schedule_month(st, month)
    day = sched.airings[0].date
    settings = replace(st.playout, device="file:audio_out/capture")
    clock = _SimClock(datetime.combine(day, datetime.min.time(), tzinfo=TZ))
    player = Player(st, clock=clock, settings=settings, say=lambda line: print("  " + line))
    first_id = (player.asrun.last(1) or [None])[0]
    first_id = first_id.id if first_id else 0
    player.run(until=datetime.combine(day, datetime.max.time(), tzinfo=TZ))
    with open_log(st.dir) as log:
        rows = [r for r in log.rows(day=day) if r.id > first_id]
    from broadcast.playout.asrun import to_csv  # noqa: PLC0415

    table = list(csv.DictReader(to_csv(rows).splitlines()))
    print(f"trial day {day} of {st.name}: {len(rows)} items")
    for r, line in zip(rows, table, strict=True):
        err = (
            datetime.fromisoformat(r.actual_start) - datetime.fromisoformat(r.scheduled_start)
        ).total_seconds()
        cap = wav_seconds(st.dir / settings.device[5:] / f"asrun-{r.id:06d}.wav")
        ref = tmp / "ref.wav"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(st.dir / r.file), str(ref)], check=True)
        print(
            f"  {r.slot} {r.result}: start error {err * 1000:.0f} ms; captured {cap:.2f} s; "
            f"CSV seconds {float(line['Số giây đã phát']):.2f}; file decodes to {wav_seconds(ref):.2f} s"
        )
        ref.unlink()


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_share(pid: int, seconds: float) -> float:
    c0, t0 = _cpu_s(pid), time.monotonic()
    time.sleep(seconds)
    return (_cpu_s(pid) - c0) / (time.monotonic() - t0)


def cpu(tmp: Path, idle_s: float) -> None:
    d = station_dir(tmp / "b")
    st = load_station(d)
    write_programme(st, "2026-12", seconds=20.0)
    sch.schedule_month(st, "2026-12")
    first = sch.read_schedule(st, "2026-12").airings[0]
    slot_start = datetime.combine(first.date, st.slot(first.slot).start, tzinfo=TZ)
    # Start 40 s + idle before the slot: the before-air check runs at once (lead 15 min), then it sleeps.
    lead = idle_s + 40
    now = (slot_start - timedelta(seconds=lead)).replace(tzinfo=None).isoformat(timespec="seconds")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "broadcast",
            "play",
            "--station",
            str(d),
            "--once",
            "--device",
            "null",
            "--now",
            now,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in proc.stdout:
            if line.startswith("Đã kiểm tra"):
                break
        time.sleep(5)
        idle = _cpu_share(proc.pid, idle_s)
        for line in proc.stdout:
            if "BẮT ĐẦU PHÁT" in line:
                break
        time.sleep(1)
        playing = _cpu_share(proc.pid, 15)
    finally:
        proc.terminate()
        proc.wait(30)
    print(
        f"CPU of `broadcast play` (one core = 100%): idle {idle * 100:.2f}% over {idle_s:g} s "
        "(target < 1%); while playing to ao=null "
        f"{playing * 100:.1f}%"
    )
    with open_log(d) as log:
        rows = log.rows()
    print(f"  (the airing: {rows[0].result if rows else 'none'})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--starts", type=int, default=50)
    ap.add_argument("--gap", type=float, default=2.0)
    ap.add_argument("--backend", default="mpv")
    ap.add_argument("--idle", type=float, default=30.0)
    ap.add_argument("--station", type=Path, help="trial a real station's first air day (see above)")
    ap.add_argument("--month", default=None)
    args = ap.parse_args()
    if args.station:
        trial_day(args.station.resolve(), args.month, args.station.resolve() / "audio_out")
        return
    with tempfile.TemporaryDirectory() as tmp:
        start_errors(Path(tmp), args.starts, args.gap, args.backend)
        cpu(Path(tmp), args.idle)


if __name__ == "__main__":
    main()
