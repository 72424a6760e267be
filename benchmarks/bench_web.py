"""Benchmark the web console (issue 14); prints the figures.

    .venv/bin/python benchmarks/bench_web.py [--seconds 60] [--users 20]

1. The *Tháng* page's server time with a warm cache (Django test client, in process):
   median and p95 of 50 requests. Target p95 ≤ 150 ms.
2. The *Năm* and *Hôm nay* pages the same way.
3. `--users` simulated people (threads with their own session, logged in through the login
   form) clicking through Năm → Tháng → Hôm nay → Lịch phát for `--seconds` against the real
   server (waitress, 8 threads, loopback): requests, p95 latency, errors. Target p95 ≤ 500 ms,
   no errors.
The station is the example one voiced by the `silent` engine with one produced, approved and
scheduled month (tools/screenshots.py, `demo_station`).
"""

from __future__ import annotations

import argparse
import re
import socket
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--users", type=int, default=20)
    args = ap.parse_args()
    from screenshots import demo_station

    station_dir, month, day = demo_station()
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="chi"))
    urls = {
        "Tháng": f"/thang/{month}/",
        "Năm": "/",
        "Hôm nay": f"/ngay/{day}/",
        "Lịch phát": f"/lich-phat/{month}/",
    }
    print(f"Station: {station_dir} (month {month}, day {day})")
    timed_pages(client, urls)

    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = create_server(get_wsgi_application(), host="127.0.0.1", port=port, threads=8)
    threading.Thread(target=srv.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
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


if __name__ == "__main__":
    main()
