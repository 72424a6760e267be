"""*Năm*: the twelve months with their state; a hand edit of a topic file is seen at once
(the parsed-topic cache that keeps this page fast is keyed by the file's mtime and size)."""

from __future__ import annotations

import os

from conftest import write_programme
from webtests import django_ready, web  # noqa: F401

from broadcast.topics import _builtin_topic_files, load_topics


def test_year_page_shows_states_and_minutes(web):
    write_programme(web.station, "2026-03", seconds=4.0)
    page = web.client("editor").get("/nam/2026/").content.decode()
    assert page.count('href="/thang/2026-') == 12
    assert "đã dựng" in page and ("0,1 phút" in page or "0.1 phút" in page)
    assert "chưa soạn" in page


def test_an_edited_topic_file_is_read_again(web):
    st = web.station
    src = _builtin_topic_files()[0]
    st.store.topics_dir.mkdir(parents=True, exist_ok=True)
    mine = st.store.topics_dir / src.name
    text = src.read_text(encoding="utf-8")
    first_id = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("id:"))
    title_line = next(line for line in text.splitlines() if line.startswith("title:"))
    mine.write_text(text.replace(title_line, "title: Tiêu đề thứ nhất", 1), encoding="utf-8")
    assert load_topics(st)[first_id].title == "Tiêu đề thứ nhất"
    mine.write_text(text.replace(title_line, "title: Tiêu đề thứ hai dài hơn", 1), encoding="utf-8")
    stat = mine.stat()
    os.utime(mine, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    topics = load_topics(st)
    assert topics[first_id].title == "Tiêu đề thứ hai dài hơn"
    topics[first_id].title = "đổi trong bộ nhớ"
    assert load_topics(st)[first_id].title == "Tiêu đề thứ hai dài hơn"  # callers get copies
