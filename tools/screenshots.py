"""Screenshots of every console page at 1366 and 375 px wide, into docs/screenshots/.

Run: .venv/bin/python tools/screenshots.py [PAGE …]   (names as in `pages`; none: every page)
Builds a throw-away copy of the example station (silent voice, one produced and scheduled
month, four people), serves the console on a free loopback port and photographs each page
with Debian's chromium through Playwright. Look at the PNGs before committing them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
OUT = REPO / "docs" / "screenshots"
PASSWORD = "mat-khau-dai-9"
WIDTHS = {"1366": (1366, 768), "375": (375, 740)}
FULL_PAGE = {"cai-dat"}  # long forms: the whole page, not only the first screen


def demo_station() -> tuple[Path, str, str]:
    """A configured throw-away station: (folder, produced month, a day with a folder)."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from datetime import date

    from conftest import make_station
    from webtests import SILENT, write_minute_script

    tmp = Path(tempfile.mkdtemp(prefix="broadcast-web-demo-"))
    station_dir = make_station(tmp, voice=SILENT, programme={"min_minutes": 1, "max_minutes": 15})
    from broadcast.web import conf

    conf.configure(station_dir)
    conf.migrate()
    from django.contrib.auth.models import User

    from broadcast import services
    from broadcast.config import load_station
    from broadcast.web.roles import ROLES, set_roles

    st = load_station(station_dir)
    month = services.next_month(date.today())
    write_minute_script(st, month, approved=False)
    services.produce_month(st, month)
    write_minute_script(st, month, approved=True)
    services.make(st, month)
    # a draft next to it: the approver sees a diff
    path = st.store.script_path(month)
    path.write_text(
        path.read_text(encoding="utf-8").replace("Kính chào bà con", "Kính chào bà con cô bác")
        + "\n## Hỏi đáp\n[[giọng phụ]]\nHỏi: nộp hồ sơ đất đai trực tuyến ở đâu?\n[[giọng chính]]\n"
        "Đáp: trên Cổng Dịch vụ công quốc gia, hoặc tại Bộ phận Một cửa của UBND xã.\n[[nghỉ 1,5]]\n",
        encoding="utf-8",
    )
    # a reading of the first segment (Giọng người đọc page): a short tone stands for a voice
    import subprocess

    take = tmp / "ghi-am.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=300:duration=4", str(take)],
        check=True,
    )
    from broadcast.services.readings import add_reading

    add_reading(st, month, 1, take, by="Trần Thị Chi", source="micro", original_name="ghi-am.webm")
    _demo_airings(st)
    user = User.objects.create_user("chi", password=PASSWORD, first_name="Trần Thị", last_name="Chi")
    set_roles(user, set(ROLES))
    return station_dir, month, st.store.day_dirs()[0].name


def demo_network(month: str) -> Path:
    """A network of three members (one broken) made for `month`, for the *Mạng đài* page."""
    from django.conf import settings
    from network_helpers import make_network

    from broadcast.services.network import make_network as make_month

    root = make_network(Path(tempfile.mkdtemp(prefix="broadcast-net-demo-")), 2, delivery="zip")
    make_month(root, month, workers=2)
    settings.BROADCAST_NETWORK_DIR = str(root)
    return root


def _demo_airings(st) -> None:
    """Two as-run rows (one scheduled, one started from the panel) for the Phát sóng page."""
    from dataclasses import replace
    from datetime import datetime, timedelta

    from broadcast.playout import control
    from broadcast.playout.asrun import open_log

    now = datetime.now(st.tz)
    month = st.store.programme_months()[-1]
    item = control.resolve(st, control.PlayTarget("programme", month=month), now.date(), now)
    with open_log(st.store) as log:
        scheduled = replace(item, slot=st.slots[0].id, slot_name=st.slots[0].name)
        airings = (
            (scheduled, now - timedelta(hours=2), ""),
            (item, now - timedelta(minutes=20), "phát thủ công theo lệnh của Trần Thị Chi (chi)"),
        )
        for what, when, reason in airings:
            row = log.start(
                what,
                actual_start=when,
                file=item.file,
                sha256="",
                title=item.title,
                programme_month=item.month,
                backend="mpv",
                reason=reason,
            )
            log.finish(
                row,
                result="aired",
                actual_end=when + timedelta(seconds=item.duration_s),
                seconds=item.duration_s,
            )


def heartbeat(station_dir: Path, *, alive: bool) -> None:
    """The player's status file as a running player writes it (or none: the player never ran)."""
    import json
    from datetime import datetime

    from broadcast.config import load_station
    from broadcast.fsutil import atomic_write_text
    from broadcast.playout.player import STATUS_FILE

    st = load_station(station_dir)
    path = st.store.state_file(STATUS_FILE)
    if not alive:
        path.unlink(missing_ok=True)
        return
    now = datetime.now(st.tz).isoformat(timespec="seconds")
    data = {"running": True, "heartbeat_at": now, "backend": "mpv", "device": "auto"}
    atomic_write_text(path, json.dumps(data))


def main() -> None:
    station_dir, month, day = demo_station()
    network_dir = demo_network(month)
    from webtests import serve_console

    base, srv = serve_console()
    pages = {
        "dang-nhap": "/dang-nhap/",
        "nam": "/",
        "thang": f"/thang/{month}/",
        "giong-doc": f"/thang/{month}/giong-doc/",
        "so-lieu": f"/thang/{month}/so-lieu/",
        "thang-doan": f"/thang/{month}/#doan-2",
        "hom-nay": f"/ngay/{day}/",
        "lich-phat": f"/lich-phat/{month}/",
        "bao-cao": f"/bao-cao/?ky={month[:4]}",
        "nhat-ky": "/nhat-ky/",
        "tai-khoan": "/tai-khoan/",
        "mang-dai": f"/mang-dai/?thang={month}",
        "cai-dat": "/cai-dat/",
        "phat-song": "/phat-song/",
        "phat-song-khong-chay": "/phat-song/",
    }
    OUT.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        for label, (w, h) in WIDTHS.items():
            ctx = browser.new_context(viewport={"width": w, "height": h})
            page = ctx.new_page()
            page.goto(base + pages["dang-nhap"])
            page.screenshot(path=str(OUT / f"dang-nhap-{label}.png"))
            page.fill("#id_username", "chi")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            for name, url in pages.items():
                if name == "dang-nhap" or (sys.argv[1:] and name not in sys.argv[1:]):
                    continue
                if name.startswith("phat-song"):
                    heartbeat(station_dir, alive=name == "phat-song")
                page.goto(base + url)
                page.wait_for_load_state("networkidle")
                if "#" in url:  # a segment opened for editing: its live check loads after the page
                    page.wait_for_selector(".seg-check .seg-seconds")
                page.screenshot(path=str(OUT / f"{name}-{label}.png"), full_page=name in FULL_PAGE)
            ctx.close()
        browser.close()
    srv.close()
    shutil.rmtree(station_dir, ignore_errors=True)
    shutil.rmtree(network_dir, ignore_errors=True)
    print(f"Đã lưu ảnh màn hình vào {OUT}")


if __name__ == "__main__":
    main()
