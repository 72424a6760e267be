"""The printable running order (lich-phat-song.html): a Jinja2 template, every value escaped."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from conftest import station_dir

from broadcast.config import load_station
from broadcast.models.schedule import PlayItem
from broadcast.render.sheet import SheetRow, running_order_sheet


def test_a_station_name_with_markup_is_printed_as_text_not_run(tmp_path):
    st = dataclasses.replace(load_station(station_dir(tmp_path)), name="Đài <script>alert(1)</script> & Co")
    slot = st.slots[0]
    item = PlayItem(file="audio_out/days/2026-04-01/x.mp3", title="Thủ tục <b>đất đai</b>", duration_s=61)
    rows = [SheetRow(slot, 1, "0600-01-<i>.mp3", item, ["⚠ <img src=x onerror=alert(1)>"])]
    page = running_order_sheet(
        st, date(2026, 4, 1), rows, "Cảnh báo <u>gấp</u>", datetime(2026, 3, 31, 20, 0)
    )
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page
    assert "Thủ tục &lt;b&gt;đất đai&lt;/b&gt;" in page and "<img" not in page
    assert "0600-01-&lt;i&gt;.mp3" in page and "Cảnh báo &lt;u&gt;gấp&lt;/u&gt;" in page
    # The sheet itself is still HTML: its own markup is not escaped; times run on within the slot.
    assert page.startswith("<!DOCTYPE html>") and '<p class="warn">' in page
    assert f"{slot.start:%H:%M} – " in page and "01:01" in page
