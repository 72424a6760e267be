"""*Phát sóng*: the playout panel (technicians, administrators) — state from the player's
heartbeat and the as-run log, commands through the control channel, every one audited."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from conftest import write_programme
from webtests import ROLES, django_ready, web  # noqa: F401

from broadcast.fsutil import atomic_write_text
from broadcast.playout import control
from broadcast.playout.asrun import open_log
from broadcast.playout.player import STATUS_FILE
from broadcast.schedule import day_running_order
from broadcast.services import schedule_month

MONTH = "2026-03"


@pytest.fixture
def panel(web, monkeypatch):
    """A scheduled month; the console's clock at 05:00 of its first airing day."""
    st = web.station
    write_programme(st, MONTH)
    write_programme(st, "2026-02")
    sched = schedule_month(st, MONTH)
    web.day = sched.airings[0].date
    web.now = datetime.combine(web.day, datetime.min.time(), tzinfo=st.tz).replace(hour=5)
    monkeypatch.setattr("broadcast.web.views.playout.station_now", lambda _st: web.now)
    return web


def heartbeat(web, *, age_s: float = 1.0, current: dict | None = None, running: bool = True) -> None:
    data = {
        "running": running,
        "heartbeat_at": (web.now - timedelta(seconds=age_s)).isoformat(timespec="seconds"),
        "backend": "mpv",
        "device": "auto",
    }
    if current:
        data["current"] = current
    atomic_write_text(web.station.store.state_file(STATUS_FILE), json.dumps(data))


def commands(web) -> list[control.Command]:
    return control.pending(web.station.store)


def day_target(web, order: int = 1) -> str:
    """The form value of the first slot's item `order` of the panel's day."""
    first = day_running_order(web.station, web.day)[0]
    return f"day:{web.day.isoformat()}:{first.slot}:{order}"


@pytest.mark.parametrize("role", ROLES)
def test_every_role_panel_and_commands(panel, role):
    heartbeat(panel, current={"title": "Chuyên mục CCHC", "file": "x.mp3", "started": "", "duration_s": 4})
    client = panel.client(role)
    allowed = role in ("operator", "admin")
    for url in ("/phat-song/", "/phat-song/trang-thai/"):
        assert client.get(url).status_code == (200 if allowed else 403), (url, role)
    response = client.post("/phat-song/lenh/", {"action": "stop"})
    if allowed:
        assert response.status_code == 302
        (cmd,) = commands(panel)
        assert cmd.action == "stop" and f"({role})" in cmd.issuer
        row = panel.audit.get(action="playout_stop")
        assert row.username == role and "Chuyên mục CCHC" in row.detail and cmd.id in row.detail
        menu = client.get("/").content.decode()
        assert 'href="/phat-song/"' in menu
    else:
        assert response.status_code == 403 and "không có quyền" in response.content.decode()
        assert commands(panel) == [] and not panel.audit.filter(action__startswith="playout").exists()
        assert 'href="/phat-song/"' not in client.get("/").content.decode()


def test_a_stale_or_missing_heartbeat_is_shown_loudly(panel):
    client = panel.client("operator")
    page = client.get("/phat-song/").content.decode()
    assert "Máy phát không chạy" in page and "chưa từng chạy" in page
    heartbeat(panel, age_s=60)
    page = client.get("/phat-song/trang-thai/").content.decode()
    assert 'class="banner bad stale"' in page and "Tín hiệu cuối lúc" in page
    heartbeat(panel, age_s=1)
    page = client.get("/phat-song/trang-thai/").content.decode()
    assert "Máy phát không chạy" not in page and "Máy phát đang chạy" in page
    heartbeat(panel, age_s=1, running=False)  # the player wrote its last status when it stopped
    assert "Máy phát không chạy" in client.get("/phat-song/trang-thai/").content.decode()
    # nothing can be sent to a player that does not run
    heartbeat(panel, age_s=60)
    response = client.post("/phat-song/lenh/", {"action": "play", "target": day_target(panel)})
    assert response.status_code == 400 and "Máy phát không chạy" in response.content.decode()
    assert commands(panel) == [] and not panel.audit.filter(action="playout_play").exists()


def test_play_now_sends_only_approved_audio_and_refuses_while_airing(panel):
    heartbeat(panel)
    client = panel.client("operator")
    page = client.get("/phat-song/").content.decode()
    target = day_target(panel)
    assert f'value="{target}"' in page and 'value="programme:2026-02"' in page
    for bad, words in [
        ("programme:../../station", "không hợp lệ"),
        ("file:/etc/passwd", "chọn một mục"),
        (f"day:{(panel.day + timedelta(days=1)).isoformat()}:sang:1", "hôm nay"),
        ("programme:2027-05", "chưa phát được"),
        ("", "Chọn một mục"),
    ]:
        response = client.post("/phat-song/lenh/", {"action": "play", "target": bad})
        assert response.status_code == 400 and words in response.content.decode(), (bad, words)
    assert commands(panel) == [] and not panel.audit.filter(action="playout_play").exists()

    response = client.post("/phat-song/lenh/", {"action": "play", "target": target})
    assert response.status_code == 302
    (cmd,) = commands(panel)
    assert cmd.target is not None and cmd.target.value == target
    assert panel.audit.filter(action="playout_play", username="operator").count() == 1
    page = client.get("/phat-song/").content.decode()
    assert "Đã gửi lệnh" in page and "đang chờ máy phát nhận" in page

    heartbeat(panel, current={"title": "Chuyên mục CCHC", "file": "x.mp3", "started": "", "duration_s": 4})
    response = client.post("/phat-song/lenh/", {"action": "play", "target": target})
    assert response.status_code == 400 and "bấm Dừng trước" in response.content.decode()
    response = client.post("/phat-song/lenh/", {"action": "skip"})
    assert response.status_code == 302 and panel.audit.filter(action="playout_skip").count() == 1
    heartbeat(panel)  # nothing on air: stop and skip have nothing to act on
    response = client.post("/phat-song/lenh/", {"action": "stop"})
    assert response.status_code == 400 and "Không có gì đang phát" in response.content.decode()
    response = client.post("/phat-song/lenh/", {"action": "reboot"})
    assert response.status_code == 400


def test_panel_shows_what_airs_next_the_last_airings_and_the_players_answers(panel):
    st = panel.station
    heartbeat(
        panel,
        current={"title": "Đang phát thử", "file": "a.mp3", "started": "", "duration_s": 4, "manual": True},
    )
    with open_log(st.store) as log:
        item = control.resolve(st, control.PlayTarget("programme", month="2026-02"), panel.day, panel.now)
        row = log.start(
            item,
            actual_start=panel.now,
            file=item.file,
            sha256="",
            title=item.title,
            programme_month=item.month,
            backend="mpv",
            reason="phát thủ công theo lệnh của A (a).",
        )
        log.finish(row, result="aired", actual_end=panel.now, seconds=4.0)
    cmd = control.send(st.store, control.STOP, "Người A (a)", now=panel.now)
    control.take(st.store, now=panel.now)
    control.answer(st.store, cmd, control.REFUSED, "không có gì đang phát.", now=panel.now)
    page = panel.client("admin").get("/phat-song/trang-thai/").content.decode()
    assert "Đang phát thử" in page and "phát thủ công" in page
    assert "Dừng: từ chối" in page and "không có gì đang phát" in page
    assert item.title in page and "đã phát" in page
    later = [i for i in day_running_order(st, panel.day) if i.start > "05:00"]
    assert later and all(i.title in page for i in later)
