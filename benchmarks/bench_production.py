"""Benchmark the production stage against ffmpeg alone (issue 6); prints the ratios.

    .venv/bin/python benchmarks/bench_production.py [--dir /tmp/broadcast-bench]

Builds a bench station (once): ~45 espeak-ng Vietnamese clips from the seed plans (a third
stored as 24 kHz MP3 like gTTS, the rest 22.05 kHz WAV), then
  1. a cold 15-minute run (prepared-clip cache empty) — reported, not a target;
  2. the 15-minute programme with every clip cached (timed, peak RSS);
  3. the floor: ffmpeg alone decoding and re-encoding the same 15 minutes to the same MP3;
  4. a 60-minute programme (the same clips four times) with every clip cached.
Targets: production/floor ≤ 2, peak RSS ≤ 350 MB, 60 min / 15 min ≤ 4.5.
Issue 17: the whole `produce` process (interpreter start, imports, production) of the cached
15-minute case, median of `--runs` (3) runs each, over the median floor: target ≤ 1.4.
`--quick` skips the cold and the 60-minute runs.
Each production run happens in its own subprocess; its peak RSS is read with
resource.getrusage(RUSAGE_CHILDREN) (the largest of the Python process and its ffmpeg).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path("/work/shared/seeds")
PY = sys.executable


def _texts() -> list[str]:
    """Paragraph-sized Vietnamese passages from the seed plans (or a fallback text)."""
    words: list[str] = []
    for f in sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []:
        words += re.sub(r"\s+", " ", f.read_text("utf-8", "replace")).split(" ")
    if len(words) < 2000:
        words = (
            "Bộ phận một cửa thị xã tiếp nhận hồ sơ của người dân và doanh nghiệp mỗi ngày làm việc. " * 400
        ).split()
    out, i = [], 0
    while i + 45 < len(words) and len(out) < 400:
        out.append(" ".join(words[i : i + 45]))
        i += 45
    return out


def setup(base: Path, speech_s: float = 800.0) -> dict:
    """Create the bench station and its clip cache once; return the clip list."""
    index = base / "clips.json"
    if index.exists():
        return json.loads(index.read_text())
    station = base / "station"
    station.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "station.yaml", station / "station.yaml")
    cache = station / ".broadcast" / "tts-bench"
    cache.mkdir(parents=True, exist_ok=True)
    clips, total = [], 0.0
    for n, text in enumerate(_texts()):
        if total >= speech_s:
            break
        wav = cache / f"c{n:03d}.wav"
        subprocess.run(
            ["espeak-ng", "-v", "vi", "-s", "165", "-w", str(wav), "--stdin"], input=text.encode(), check=True
        )
        path = wav
        if n % 3 == 1:  # like gTTS: 24 kHz MP3
            path = wav.with_suffix(".mp3")
            subprocess.run(
                ["ffmpeg", "-v", "error", "-y", "-i", str(wav), "-ar", "24000", "-b:a", "48k", str(path)],
                check=True,
            )
            wav.unlink()
        dur = float(
            subprocess.run(
                ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        clips.append({"path": str(path), "duration_s": dur})
        total += dur
    data = {"station": str(station), "clips": clips}
    index.write_text(json.dumps(data, indent=1))
    return data


def child(base: Path, repeat: int, out_name: str) -> None:
    """Run one production (in this process): the programme is the clip list `repeat` times."""
    from broadcast.config import load_station
    from broadcast.models.programme import Event, ProgrammePlan
    from broadcast.production.produce import produce
    from broadcast.voice import Clip, VoiceResult

    data = json.loads((base / "clips.json").read_text())
    station = load_station(data["station"])
    station.min_minutes, station.max_minutes = 1, 90
    clips = [Clip(Path(c["path"]), c["duration_s"], "espeak-ng", "vi", True, False) for c in data["clips"]]
    events: list[Event] = []
    titles: list[str] = []
    per_seg = 6
    for _r in range(repeat):
        for k in range(0, len(clips), per_seg):
            seg = len(titles)
            titles.append(f"Phần {seg + 1}")
            events.append(Event("jingle", seg, jingle="intro" if seg == 0 else "stinger"))
            bed = seg % 4 == 2
            if bed:
                events.append(Event("bed", seg, bed=True))
            group = clips[k : k + per_seg]
            for j, c in enumerate(group):
                events.append(
                    Event("speech", seg, clip=c, pause_after="paragraph" if j % 3 == 2 else "sentence")
                )
            if bed:
                events.append(Event("bed", seg, bed=False))
    events.append(Event("jingle", len(titles) - 1, jingle="outro"))
    voice = VoiceResult(
        clips=clips * repeat,
        engines={"espeak-ng": len(clips) * repeat},
        degraded=False,
        synthesized=0,
        cached=len(clips) * repeat,
    )
    plan = ProgrammePlan("2026-12", "Chương trình thử tốc độ", titles, events, "bench", voice)
    t = time.perf_counter()
    m = produce(plan, station, out_dir=base / out_name)
    wall = time.perf_counter() - t
    print(
        json.dumps(
            {
                "wall": wall,
                "duration_s": m.duration_s,
                "lufs": m.loudness_lufs,
                "tp": m.true_peak_dbtp,
                "file": str(base / out_name / m.file),
            }
        )
    )


def measure(base: Path, repeat: int, out_name: str) -> dict:
    """Run `child` in a fresh subprocess; add its peak RSS (MB) from RUSAGE_CHILDREN."""
    # A fresh intermediate process per measurement, so ru_maxrss covers this run only.
    code = (
        "import json,resource,subprocess,sys;"
        f"p=subprocess.run([{PY!r},{__file__!r},'--child','--dir',{str(base)!r},'--repeat','{repeat}','--out',{out_name!r}],"
        "capture_output=True,text=True);"
        "sys.stderr.write(p.stderr);"
        "r=json.loads(p.stdout.strip().splitlines()[-1]);"
        "r['rss_mb']=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024;print(json.dumps(r))"
    )
    t = time.perf_counter()
    proc = subprocess.run([PY, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        sys.exit(proc.stderr)
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    # The process as a user runs it: interpreter start + imports + production (less the tiny wrapper).
    r["process"] = time.perf_counter() - t
    return r


def floor(mp3: str, base: Path) -> float:
    """ffmpeg alone: decode the programme and re-encode it to the same MP3 format."""
    t = time.perf_counter()
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            mp3,
            "-c:a",
            "libmp3lame",
            "-b:a",
            "128k",
            "-ar",
            "44100",
            "-ac",
            "1",
            str(base / "floor.mp3"),
        ],
        check=True,
    )
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/tmp/broadcast-bench")
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", default="out15")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    base = Path(a.dir)
    if a.child:
        child(base, a.repeat, a.out)
        return
    data = setup(base)
    print(
        f"bench station: {data['station']} ({len(data['clips'])} clips, "
        f"{sum(c['duration_s'] for c in data['clips']) / 60:.1f} min of speech)"
    )
    if not a.quick:
        shutil.rmtree(Path(data["station"]) / ".broadcast" / "prepared", ignore_errors=True)
        cold = measure(base, 1, "out15")
        print(f"15 min, cold prepared cache: {cold['wall']:.2f} s, peak RSS {cold['rss_mb']:.0f} MB")
    else:
        measure(base, 1, "out15")  # fills the prepared-clip cache if it is empty
    runs, floors = [], []
    for _ in range(max(1, a.runs)):
        runs.append(measure(base, 1, "out15"))
        floors.append(floor(runs[-1]["file"], base))
    warm = sorted(runs, key=lambda r: r["process"])[len(runs) // 2]
    fl = statistics.median(floors)
    proc_med = statistics.median(r["process"] for r in runs)
    wall_med = statistics.median(r["wall"] for r in runs)
    walls = " ".join(f"{r['wall']:.2f}" for r in runs)
    procs = " ".join(f"{r['process']:.2f}" for r in runs)
    fls = " ".join(f"{f:.2f}" for f in floors)
    print(
        f"15 min, clips cached, {len(runs)} runs: produce() {walls} s, whole process {procs} s; floor {fls} s"
    )
    rp = proc_med / fl
    print(
        f"production/floor (whole process, medians) = {rp:.2f} (issue 17 target ≤ 1.4)  {'OK' if rp <= 1.4 else 'MISS'}"
    )
    print(f"production/floor (produce() call only, medians) = {wall_med / fl:.2f}")
    if a.quick:
        return
    long = measure(base, 4, "out60")
    print(
        f"15 min, clips cached:        {warm['wall']:.2f} s, peak RSS {warm['rss_mb']:.0f} MB, "
        f"{warm['duration_s'] / 60:.2f} min, {warm['lufs']:.2f} LUFS, {warm['tp']:.2f} dBTP"
    )
    print(f"floor (ffmpeg decode+encode): {fl:.2f} s")
    print(
        f"60 min, clips cached:        {long['wall']:.2f} s, peak RSS {long['rss_mb']:.0f} MB, "
        f"{long['duration_s'] / 60:.2f} min, {long['lufs']:.2f} LUFS, {long['tp']:.2f} dBTP"
    )
    r1, r2 = warm["wall"] / fl, long["wall"] / warm["wall"]
    print(f"production/floor = {r1:.2f} (target ≤ 2)  {'OK' if r1 <= 2 else 'MISS'}")
    print(
        f"peak RSS 15 min = {warm['rss_mb']:.0f} MB (target ≤ 350)  {'OK' if warm['rss_mb'] <= 350 else 'MISS'}"
    )
    print(f"60 min / 15 min = {r2:.2f} (target ≤ 4.5)  {'OK' if r2 <= 4.5 else 'MISS'}")


if __name__ == "__main__":
    main()
