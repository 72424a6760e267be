"""Benchmark the web console (issue 14); prints the figures.

    .venv/bin/python benchmarks/bench_web.py [--seconds 60] [--users 20]

1. The *Tháng* page's server time with a warm cache (Django test client, in process):
   median and p95 of 50 requests. Target p95 ≤ 150 ms.
2. The *Năm* and *Hôm nay* pages the same way.
3. `--users` simulated people (threads with their own session, logged in through the login
   form) clicking through Năm → Tháng → Hôm nay → Lịch phát for `--seconds` against the real
   server (waitress, 8 threads, loopback): requests, p95 latency, errors. Target p95 ≤ 500 ms,
   no errors.
4. One-segment preview (Tháng page, "Nghe thử đoạn này") on the example station voiced by
   espeak-ng: cold (empty voice, prepared and preview caches: voice, master, encode) and
   cached (the same segment again, through the Django test client: page request + file),
   median and max. Targets: cold ≤ 3 s, cached ≤ 300 ms. `--preview-only` runs just this.
The station is the example one voiced by the `silent` engine with one produced, approved and
scheduled month (tools/screenshots.py, `demo_station`).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests"))


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def timed_pages(client, urls: dict[str, str], n: int = 50) -> None:
    for name, url in urls.items():
        assert client.get(url).status_code == 200, url  # warm-up (caches, templates)
        times = []
        for _ in range(n):
            t = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        print(
            f"{name:10s} median {statistics.median(times):6.1f} ms   p95 {pct(times, 95):6.1f} ms   (n={n})"
        )


def user_loop(base: str, urls: list[str], until: float, lat: list[float], errors: list[str]) -> None:
    import requests

    s = requests.Session()
    page = s.get(f"{base}/dang-nhap/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = s.post(
        f"{base}/dang-nhap/",
        data={"csrfmiddlewaretoken": token, "username": "chi", "password": "mat-khau-dai-9"},
        headers={"Referer": f"{base}/dang-nhap/"},
        timeout=10,
    )
    if r.status_code != 200 or "dang-nhap" in r.url:
        errors.append(f"login {r.status_code}")
        return
    i = 0
    while time.monotonic() < until:
        url = urls[i % len(urls)]
        i += 1
        t = time.perf_counter()
        try:
            r = s.get(base + url, timeout=30)
            ok = r.status_code == 200
        except requests.RequestException as exc:
            ok, r = False, exc
        lat.append((time.perf_counter() - t) * 1000)
        if not ok:
            errors.append(f"{url}: {getattr(r, 'status_code', r)}")


def _cpu_s() -> float:
    """CPU seconds used so far by this process and its finished children (espeak-ng, ffmpeg)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def preview_bench(station_dir: Path, month: str, client, cold_runs: int = 3, n: int = 20) -> None:
    """Cold and cached one-segment previews with espeak-ng (see the module doc, item 4)."""
    import shutil

    import yaml

    from broadcast.config import load_station
    from broadcast.services import render_month_script
    from broadcast.services.segments import load_segments, preview_segment

    cfg = yaml.safe_load((station_dir / "station.yaml").read_text(encoding="utf-8"))
    cfg["voice"] = {"main": [{"engine": "espeak-ng"}], "second": [], "fallback": True}
    (station_dir / "station.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    st = load_station(station_dir)
    render_month_script(st, month, force=True)
    segs = load_segments(st, month).segments

    def words(seg) -> int:
        return sum(len(i.text.split()) for i in seg.segment.items if i.kind == "speech")

    by_size = sorted(segs, key=words)
    typical, longest = by_size[len(by_size) // 2], by_size[-1]
    for seg, runs in ((typical, cold_runs), (longest, 1)):
        cold, cpu = [], []
        for _ in range(runs):
            for name in ("tts", "prepared", "previews"):
                shutil.rmtree(st.store.cache_dir(name), ignore_errors=True)
            t, c = time.perf_counter(), _cpu_s()
            result = preview_segment(st, month, seg.index, seg.speech_sha256)
            cold.append((time.perf_counter() - t) * 1000)
            cpu.append((_cpu_s() - c) * 1000)
            assert not result.cached
        print(f"Preview of segment {seg.index} '{seg.title}' ({words(seg)} words, espeak-ng):")
        print(
            f"  cold   median {statistics.median(cold):7.0f} ms   max {max(cold):7.0f} ms   (n={runs}); "
            f"CPU (this process + espeak/ffmpeg) median {statistics.median(cpu):.0f} ms"
        )
    seg = longest
    url = f"/thang/{month}/doan/{seg.index}/nghe-thu/?ma={seg.speech_sha256}"
    cached = []
    for _ in range(n):
        t = time.perf_counter()
        page = client.get(url)
        src = re.search(r'src="([^"]+\.mp3)"', page.content.decode()).group(1)
        audio = client.get(src)
        b"".join(audio.streaming_content)
        cached.append((time.perf_counter() - t) * 1000)
        assert page.status_code == 200 and audio.status_code == 200
    print(f"Cached preview of segment {seg.index} (page request + MP3 file, Django test client):")
    print(f"  cached median {statistics.median(cached):7.1f} ms   max {max(cached):7.1f} ms   (n={n})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--preview-only", action="store_true")
    args = ap.parse_args()
    from screenshots import demo_station

    station_dir, month, day = demo_station()
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="chi"))
    if args.preview_only:
        preview_bench(station_dir, month, client)
        return
    urls = {
        "Tháng": f"/thang/{month}/",
        "Năm": "/",
        "Hôm nay": f"/ngay/{day}/",
        "Lịch phát": f"/lich-phat/{month}/",
    }
    print(f"Station: {station_dir} (month {month}, day {day})")
    timed_pages(client, urls)

    from webtests import serve_console

    base, srv = serve_console(threads=8)
    lat: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + args.seconds
    threads = [
        threading.Thread(target=user_loop, args=(base, list(urls.values()), until, lat, errors))
        for _ in range(args.users)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    srv.close()
    print(
        f"{args.users} users for {args.seconds:g} s: {len(lat)} requests "
        f"({len(lat) / args.seconds:.1f}/s), median {statistics.median(lat):.0f} ms, "
        f"p95 {pct(lat, 95):.0f} ms, errors {len(errors)}" + (f" (first: {errors[0]})" if errors else "")
    )
    preview_bench(station_dir, month, client)


if __name__ == "__main__":
    main()
