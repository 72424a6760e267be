"""The console in a real browser (Playwright driving Debian's chromium, headless).

An editor changes one sentence of a segment → its minutes update as typed → the segment is saved
and its preview plays (the audio element has a duration) → the approver approves → the operator
makes the month (background job, progress bar) and downloads a day's ZIP holding the numbered
files. The server is waitress on a free loopback port, in this process (same test database).
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
from webtests import PASSWORD, django_ready, serve_console, web, write_minute_script  # noqa: F401

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium không có trên máy này (tools/setup-system.sh cài gói chromium của Debian)",
)


@pytest.fixture
def server(web):
    base, srv = serve_console()
    yield base
    srv.close()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def _login(page, base, name):
    page.goto(f"{base}/dang-nhap/")
    page.fill("#id_username", name)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/$"))


def _next_month() -> str:
    today = date.today()
    y, m = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return f"{y:04d}-{m:02d}"


def test_edit_estimate_approve_make_download(web, server, browser):
    month = _next_month()
    web.user("bientap", "editor", full_name="Trần Thị Bích")
    web.user("lanhdao", "approver", full_name="Lê Văn Dũng")
    web.user("kythuat", "operator", full_name="Phạm Văn Kỹ")
    write_minute_script(web.station, month)

    # editor: one sentence of a segment longer → its minutes grow as it is typed → save
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    _login(page, server, "bientap")
    page.goto(f"{server}/thang/{month}/")
    page.click("#doan-1 > summary")
    page.wait_for_selector("#seg-check-1 .seg-seconds")
    before = float(page.locator("#seg-check-1 .seg-seconds").get_attribute("data-seconds"))
    areas = page.locator("#doan-1 textarea")
    area = next(
        areas.nth(i) for i in range(areas.count()) if "Kính chào bà con" in areas.nth(i).input_value()
    )
    area.fill(
        area.input_value().replace(
            "Kính chào bà con",
            "Kính chào bà con cô bác cùng toàn thể các cháu thiếu niên nhi đồng trong xã",
            1,
        )
    )
    page.wait_for_function(
        "b => parseFloat(document.querySelector('#seg-check-1 .seg-seconds').dataset.seconds) > b", arg=before
    )
    assert "thiếu niên nhi đồng" not in web.station.store.script_path(month).read_text(encoding="utf-8")
    page.click("#doan-1 button[type=submit]")
    page.wait_for_url(re.compile(r".*#doan-1$"))
    assert "thiếu niên nhi đồng" in web.station.store.script_path(month).read_text(encoding="utf-8")
    # the saved segment's preview plays in the page
    page.click("#doan-1 button.preview")
    page.wait_for_selector("#seg-audio-1 audio")
    page.wait_for_function("() => document.querySelector('#seg-audio-1 audio').duration > 0", timeout=60_000)
    assert page.evaluate("document.querySelector('#seg-audio-1 audio').duration") > 0
    # the whole text is still there for those who want it
    page.click("details.whole > summary")
    assert "thiếu niên nhi đồng" in page.input_value("#id_text")

    # approver: the approval records the logged-in person
    page = browser.new_context().new_page()
    _login(page, server, "lanhdao")
    page.goto(f"{server}/thang/{month}/")
    if page.locator("#id_confirm_example").count():
        page.check("#id_confirm_example")
    page.click("button.primary")
    page.wait_for_selector("text=Bản này đã được duyệt")
    from broadcast.services import load_script_text

    assert load_script_text(web.station, month).script.meta["approved_by"] == "Lê Văn Dũng"

    # operator: make (background, progress) then download a day's ZIP
    page = browser.new_context().new_page()
    _login(page, server, "kythuat")
    page.goto(f"{server}/thang/{month}/")
    page.click("button[value=make]")
    page.wait_for_selector(".job .ok, .job .error", timeout=120_000)
    assert page.locator(".job .error").count() == 0, page.locator(".job").inner_text()
    day = web.station.store.day_dirs()[0].name
    page.goto(f"{server}/ngay/{day}/")
    with page.expect_download() as info:
        page.click("text=Tải cả thư mục ngày")
    data = Path(info.value.path()).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = [n.split("/", 1)[1] for n in zf.namelist()]
    assert any(re.match(r"^\d{4}-01-[a-z0-9-]+\.mp3$", n) for n in names), names
    assert web.audit.filter(action="download", username="kythuat").exists()
