"""The Phát sóng panel in a real browser, driving a real player (libmpv, null output, real time).

The technician sees the player running (heartbeat), plays last month's approved programme now,
sees it on air (htmx polling), stops it; the as-run log and the audit log say who did what.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from conftest import write_programme
from test_web_browser import CHROMIUM, _login, browser, pytestmark, server  # noqa: F401
from webtests import django_ready, web  # noqa: F401

from broadcast.playout.asrun import open_log
from broadcast.playout.backends import create_backend
from broadcast.playout.player import OffsetClock, Player
from broadcast.playout.source import TZ

NOON = datetime(2026, 2, 10, 12, 0, tzinfo=TZ)  # no slot of the example station near this time


def test_play_now_then_stop_from_the_panel(web, server, browser):  # noqa: F811
    st = web.station
    write_programme(st, "2026-01", seconds=120.0)
    web.user("kythuat", "operator", full_name="Phạm Văn Kỹ")
    stop = threading.Event()

    def run_player() -> None:  # made in its thread: its as-run connection belongs there
        player = Player(
            st,
            clock=OffsetClock(NOON),
            backend=create_backend("mpv", "null", st.dir),
            say=lambda _: None,
            stop=stop,
            poll_s=0.2,
        )
        player.run(until=NOON + timedelta(minutes=10))

    thread = threading.Thread(target=run_player, daemon=True)
    thread.start()
    try:
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
        page.on("dialog", lambda d: d.accept())  # "Dừng mục đang phát?"
        _login(page, server, "kythuat")
        page.goto(f"{server}/phat-song/")
        page.wait_for_selector("text=Máy phát đang chạy", timeout=20_000)
        page.select_option("#id_target", "programme:2026-01")
        page.click(".play-now button[type=submit]")
        page.wait_for_selector("text=Đã gửi lệnh", timeout=10_000)
        page.wait_for_selector(".onair >> text=2026", timeout=20_000)  # on air, by htmx polling
        page.click("button.danger")
        page.wait_for_selector("#playout-recent >> text=dừng theo lệnh của Phạm Văn Kỹ", timeout=20_000)
        assert page.locator(".onair").count() == 0
        # the last-airings table follows the log without a page load (htmx out-of-band swap)
        url = page.url
        with open_log(st.store) as log:
            log.db.execute("UPDATE asrun SET title = 'Tiêu đề đổi trong nhật ký'")
        page.wait_for_selector("#playout-recent >> text=Tiêu đề đổi trong nhật ký", timeout=20_000)
        assert page.url == url
    finally:
        stop.set()
        thread.join(30)
    with open_log(st.store) as log:
        (row,) = log.rows()
    assert row.slot == "manual" and row.result == "partial" and row.programme_month == "2026-01"
    assert row.title == "Tiêu đề đổi trong nhật ký"
    assert "dừng theo lệnh của Phạm Văn Kỹ (kythuat)" in row.reason and 0 < row.seconds_aired < 100
    assert [e.action for e in web.audit.order_by("id") if e.action.startswith("playout")] == [
        "playout_play",
        "playout_stop",
    ]
