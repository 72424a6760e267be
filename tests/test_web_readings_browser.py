"""Giọng người đọc in a real browser: Chromium's fake microphone (a WAV file of a tone) records
segment 2 through MediaRecorder, the take is saved, and the produced MP3 carries it at the
segment's place (measured on the decoded file)."""

from __future__ import annotations

import pytest
from test_readings import MONTH, TONE_HZ, _ffmpeg, _tone_runs, write_three_segments
from test_web_browser import CHROMIUM, _login, server  # noqa: F401
from webtests import django_ready, web  # noqa: F401

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium không có trên máy này (tools/setup-system.sh cài gói chromium của Debian)",
)


@pytest.fixture
def fake_mic(tmp_path):
    path = tmp_path / "micro.wav"
    _ffmpeg(
        "-f", "lavfi", "-i", f"sine=frequency={TONE_HZ}:duration=20:sample_rate=48000",
        "-af", "volume=-12dB", "-ac", "1", "-c:a", "pcm_s16le", str(path),
    )  # fmt: skip
    return path


def test_record_in_the_browser_and_hear_it_in_the_programme(web, server, fake_mic):  # noqa: F811
    from playwright.sync_api import sync_playwright

    from broadcast.readings import script_readings
    from broadcast.script import read_script
    from broadcast.services import produce_month

    st = web.station
    write_three_segments(st)
    web.user("bientap", "editor", full_name="Trần Thị Bích")
    args = [
        "--no-sandbox",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={fake_mic}",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        context.grant_permissions(["microphone"], origin=server)
        page = context.new_page()
        _login(page, server, "bientap")
        page.goto(f"{server}/thang/{MONTH}/giong-doc/")
        segment = page.locator("#doan-2")
        segment.locator("button.rec").click()
        segment.locator(".rec-state", has_text="Đang ghi").wait_for()  # the microphone is open
        page.wait_for_timeout(4000)
        segment.locator("button.stop").click()
        segment.locator("audio.take").wait_for(state="visible")
        assert "ghi-am.webm" in segment.locator("input[type=file]").evaluate("i => i.files[0].name")
        segment.locator("button.save").click()
        page.wait_for_url("**/giong-doc/#doan-2")
        assert "đang dùng" in page.locator("#doan-2 h2").inner_text()
        browser.close()

    row = script_readings(st.store, read_script(st.store.script_path(MONTH)))[1]
    assert row.status == "current" and row.reading is not None and row.reading.source == "micro"
    assert 3.0 <= row.reading.duration_s <= 8.0
    assert web.audit.filter(action="reading", username="bientap").exists()

    manifest, _ = produce_month(st, MONTH)
    speech = [s for s in manifest.segments if s.kind == "speech"]
    assert speech[1].engine == "human"
    runs = _tone_runs(st.store.draft_dir(MONTH) / manifest.file, TONE_HZ)
    assert len(runs) == 1, runs
    start, end = runs[0]
    assert start == pytest.approx(speech[1].start_s, abs=0.3)
    assert end - start == pytest.approx(row.reading.duration_s, abs=0.5)
