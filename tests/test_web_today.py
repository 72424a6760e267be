"""*Hôm nay* (operators): running order, playable files, the day folder as a ZIP, banners;
*Lịch phát* and *Nhật ký*."""

from __future__ import annotations

import io
import zipfile

from conftest import write_programme
from webtests import django_ready, web  # noqa: F401

from broadcast.services import schedule_month

MONTH = "2026-03"


def _scheduled(web):
    st = web.station
    write_programme(st, MONTH)
    sched = schedule_month(st, MONTH)
    return st, sched.airings[0].date


def test_operator_downloads_the_day_folder_with_the_same_names(web):
    st, day = _scheduled(web)
    client = web.client("operator")
    page = client.get(f"/ngay/{day.isoformat()}/").content.decode()
    names = sorted(p.name for p in st.store.day_dir(day).iterdir())
    mp3 = next(n for n in names if n.endswith(".mp3"))
    assert mp3 in page and "Tải cả thư mục ngày" in page
    response = client.get(f"/ngay/{day.isoformat()}/tai-ve.zip")
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        assert sorted(n.split("/", 1)[1] for n in zf.namelist()) == names
        assert zf.read(f"{day.isoformat()}/{mp3}") == (st.store.day_dir(day) / mp3).read_bytes()
    row = web.audit.get(action="download")
    assert row.username == "operator" and day.isoformat() in row.detail
    audio = client.get(f"/ngay/{day.isoformat()}/tep/{mp3}")
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/mpeg"
    assert client.get(f"/ngay/{day.isoformat()}/tep/station.yaml").status_code == 404


def test_missing_and_unapproved_programmes_show_a_loud_banner(web):
    st, day = _scheduled(web)
    page = web.client("operator").get(f"/ngay/{day.isoformat()}/").content.decode()
    assert "banner bad" not in page
    # a day of next month: planned by the station's calendar, nothing produced
    from broadcast.calendar import month_calendar

    later = month_calendar(st, "2026-04").airings[0][0]
    page = web.client("operator", name="op2").get(f"/ngay/{later.isoformat()}/").content.decode()
    assert "chưa có chương trình để phát" in page and "chưa được duyệt" in page


def test_schedule_page_lists_airings_and_the_ics_link(web):
    st, day = _scheduled(web)
    client = web.client("editor")
    page = client.get(f"/lich-phat/{MONTH}/").content.decode()
    assert f"{day:%d/%m}" in page and ".ics" in page
    ics = client.get(f"/lich-phat/{MONTH}.ics")
    assert b"BEGIN:VCALENDAR" in b"".join(ics.streaming_content)
    page = client.get("/lich-phat/2026-04/").content.decode()
    assert "chưa được xếp lịch" in page


def test_audit_log_page_shows_who_did_what(web):
    _scheduled(web)
    web.client("operator").get(f"/ngay/{web.station.store.day_dirs()[0].name}/tai-ve.zip")
    page = web.client("approver").get("/nhat-ky/").content.decode()
    assert "tải về" in page and "operator" in page


def test_audit_entries_cannot_be_changed(web):
    import pytest

    _scheduled(web)
    row = web.audit.create(username="x", action="edit")
    row.detail = "đổi"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()


def test_schedule_page_is_a_calendar_with_airings_holidays_and_planned_days(web):
    import re

    from broadcast.calendar import month_calendar

    st, day = _scheduled(web)
    client = web.client("operator")
    page = client.get(f"/lich-phat/{MONTH}/").content.decode()
    cells = re.findall(r'<td class="([^"]*)">\s*<div class="num">(\d+)</div>', page)
    assert [int(n) for _, n in cells] == list(range(1, 32))  # every day of March, in order
    assert page.count('<td class="pad">') == 6 + 5  # 1 March 2026 is a Sunday, the 31st a Tuesday
    aired = {int(n) for cls, n in cells if "airs" in cls}
    assert aired == {a.date.day for a in schedule_month(st, MONTH).airings}
    assert f'href="/ngay/{day.isoformat()}/"' in page
    # April: not scheduled; the planned airings are marked, Giỗ Tổ Hùng Vương (lunar, 26/4 in 2026) shown
    april = client.get("/lich-phat/2026-04/").content.decode()
    planned = re.findall(r'<td class="planned[^"]*">\s*<div class="num">(\d+)</div>', april)
    assert [int(n) for n in planned] == sorted({d.day for d, _ in month_calendar(st, "2026-04").airings})
    assert "Giỗ Tổ Hùng Vương" in april and "dự kiến" in april
