"""Screenshots of every console page at 1366 and 375 px wide, into docs/screenshots/.

Run: .venv/bin/python tools/screenshots.py
Builds a throw-away copy of the example station (silent voice, one produced and scheduled
month, four people), serves the console on a free loopback port and photographs each page
with Debian's chromium through Playwright. Look at the PNGs before committing them.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
OUT = REPO / "docs" / "screenshots"
PASSWORD = "mat-khau-dai-9"
WIDTHS = {"1366": (1366, 768), "375": (375, 740)}


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
        path.read_text(encoding="utf-8").replace("Kính chào bà con", "Kính chào bà con cô bác"),
        encoding="utf-8",
    )
    _demo_airings(st)
    user = User.objects.create_user("chi", password=PASSWORD, first_name="Trần Thị", last_name="Chi")
    set_roles(user, set(ROLES))
    return station_dir, month, st.store.day_dirs()[0].name


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
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = create_server(get_wsgi_application(), host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=srv.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    pages = {
        "dang-nhap": "/dang-nhap/",
        "nam": "/",
        "thang": f"/thang/{month}/",
        "hom-nay": f"/ngay/{day}/",
        "lich-phat": f"/lich-phat/{month}/",
        "bao-cao": f"/bao-cao/?ky={month[:4]}",
        "nhat-ky": "/nhat-ky/",
        "tai-khoan": "/tai-khoan/",
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
                if name == "dang-nhap":
                    continue
                if name.startswith("phat-song"):
                    heartbeat(station_dir, alive=name == "phat-song")
                page.goto(base + url)
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / f"{name}-{label}.png"), full_page=False)
            ctx.close()
        browser.close()
    srv.close()
    shutil.rmtree(station_dir, ignore_errors=True)
    print(f"Đã lưu ảnh màn hình vào {OUT}")


if __name__ == "__main__":
    main()
