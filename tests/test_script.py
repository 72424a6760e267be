"""Script stage: the file format, rendering, edit protection, approval, templates."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from broadcast.cli.wording import error_text
from broadcast.config import load_station
from broadcast.errors import NextStep, ScriptError
from broadcast.script import approve, parse_script, read_script, render_script

FM = "---\nmonth: 2026-12\ntopic: mot-cua-lien-thong\ntitle: Thử\nstatus: draft\n---\n"


def parse(body: str):
    return parse_script(FM + body, Path("scripts/2026-12.md"))


def cues(script):
    return [(i.cue, i.arg) for s in script.segments for i in s.items if i.kind == "cue"]


# ------------------------------------------------------------------ format


def test_every_cue_vietnamese_english_and_without_diacritics():
    s = parse(
        "## A\n[[nhạc hiệu]]\n[[nhạc chuyển]]\n[[nhạc kết]]\n[[nghỉ 2]]\n[[nghỉ 1,5]]\n"
        "[[nhạc nền bật]]\n[[nhạc nền tắt]]\n[[giọng phụ]]\n[[giọng chính]]\n[[âm lượng +2]]\n"
        "[[âm lượng -3]]\n"
        "## B\n[[intro]]\n[[stinger]]\n[[outro]]\n[[pause 0.5]]\n[[bed on]]\n[[bed off]]\n"
        "[[voice second]]\n[[voice main]]\n[[gain -1.5]]\n"
        "## C\n[[nhac hieu]]\n[[NGHỈ 3 giây]]\n[[giong phu]]\n"
    )
    assert cues(s) == [
        ("intro", None),
        ("stinger", None),
        ("outro", None),
        ("pause", 2.0),
        ("pause", 1.5),
        ("bed_on", None),
        ("bed_off", None),
        ("voice", "second"),
        ("voice", "main"),
        ("gain", 2.0),
        ("gain", -3.0),
        ("intro", None),
        ("stinger", None),
        ("outro", None),
        ("pause", 0.5),
        ("bed_on", None),
        ("bed_off", None),
        ("voice", "second"),
        ("voice", "main"),
        ("gain", -1.5),
        ("intro", None),
        ("pause", 3.0),
        ("voice", "second"),
    ]


def test_voice_in_force_until_next_voice_cue_or_segment_end():
    s = parse(
        "## Hỏi đáp\n[[giọng phụ]]\nHỏi gì?\n[[giọng chính]]\nĐáp thế này.\n[[giọng phụ]]\nHỏi nữa?\n## Kết\nChào.\n"
    )
    speech = [(i.text, i.voice) for seg in s.segments for i in seg.items if i.kind == "speech"]
    assert speech == [
        ("Hỏi gì?", "second"),
        ("Đáp thế này.", "main"),
        ("Hỏi nữa?", "second"),
        ("Chào.", "main"),
    ]


def test_paragraphs_lines_and_headings():
    s = parse(
        "# Tên chương trình cho người đọc\n\n## Mở đầu\nCâu một.\nCâu hai.\n\nĐoạn hai.\n### ghi chú\n- Ý một\n- Ý hai\n"
    )
    seg = s.segments[0]
    assert seg.title == "Mở đầu" and seg.line == 9
    texts = [(i.text, i.line) for i in seg.items]
    assert texts == [("Câu một. Câu hai.", 10), ("Đoạn hai.", 13), ("Ý một", 15), ("Ý hai", 16)]


def test_comments_are_never_read():
    s = parse("## A\nĐọc cái này. <!-- không đọc --> Và cái này.\n<!-- nhiều\ndòng\n-->\nCâu cuối.\n")
    texts = [i.text for i in s.segments[0].items]
    assert texts == ["Đọc cái này. Và cái này.", "Câu cuối."]
    assert all("đọc" not in t.split("<!--")[-1] or "<!--" not in t for t in texts)


@pytest.mark.parametrize(
    "body, line, words",
    [
        ("## A\n[[nhạc hiệuu]]\n", 8, ["[[nhạc hiệuu]]", "[[nhạc hiệu]]", "[[giọng phụ]]", "[[intro]]"]),
        ("Lời chào.\n## A\n", 7, ["trước tiêu đề"]),
        ("## A\n[[nghỉ 45]]\n", 8, ["0,1 đến 30"]),
        ("## A\n[[âm lượng +20]]\n", 8, ["−12 đến +12"]),
        ("## A\nCâu <!-- mở mà không đóng\nnữa\n", 8, ["<!--", "-->"]),
        ("## A\nXin chào [[nghỉ 2]] các bạn.\n", 8, ["riêng trên một dòng"]),
        ("##   \nText\n", 7, ["để trống"]),
    ],
)
def test_errors_name_file_line_and_fix(body, line, words):
    with pytest.raises(ScriptError) as err:
        parse(body)
    msg = str(err.value)
    assert err.value.line == line and "scripts/2026-12.md" in msg and f"dòng {line}" in msg
    for w in words:
        assert w in msg


def test_front_matter_errors():
    with pytest.raises(ScriptError) as err:
        parse_script("## A\nText\n", Path("x.md"))
    assert err.value.line == 1 and "---" in str(err.value)
    with pytest.raises(ScriptError) as err:
        parse_script(FM.replace("draft", "xong") + "## A\nx\n", Path("x.md"))
    assert err.value.line == 5 and "draft" in str(err.value)
    with pytest.raises(ScriptError) as err:
        parse_script("---\nmonth: 2026-12\ntitle: [oops\n---\n## A\n", Path("x.md"))
    assert err.value.line == 3


def test_body_hash_ignores_line_endings_but_not_words():
    a = parse("## A\nMột câu.\n")
    b = parse_script((FM + "## A\nMột câu.\n\n\n").replace("\n", "\r\n"), Path("x"))
    c = parse("## A\nMột câu khác.\n")
    assert a.body_sha256 == b.body_sha256 != c.body_sha256


# ------------------------------------------------------------------ render / edit / approve


@pytest.fixture
def station(example_station):
    return load_station(example_station)


def test_render_writes_a_valid_script_with_front_matter(station):
    path = render_script(station, "2027-03")
    assert path == station.dir / "scripts" / "2027-03.md"
    s = read_script(path)
    assert s.month == "2027-03" and s.status == "draft" and not s.approved and not s.edited
    assert s.meta["rendered_sha256"] == s.body_sha256
    titles = [seg.title for seg in s.segments]
    assert titles[0] == "Mở đầu" and titles[-1] == "Lời kết" and "Hỏi đáp" in titles
    assert s.segments[0].items[0].cue == "intro" and s.segments[-1].items[-1].cue == "outro"
    assert all(seg.items[0].cue == "stinger" for seg in s.segments[1:])
    text = path.read_text(encoding="utf-8")
    assert "Kính thưa" in text or "kính chào" in text.lower()
    assert station.contacts["hotline"] in text
    assert "[[giọng phụ]]" in text and "[[nhạc nền bật]]" in text and "[[nhạc nền tắt]]" in text


def test_rerender_unchanged_is_a_no_op_and_keeps_approval(station):
    path = render_script(station, "2027-03")
    approve(station, "2027-03", "Trần Thị B")
    before = path.read_text(encoding="utf-8")
    render_script(station, "2027-03")
    assert path.read_text(encoding="utf-8") == before
    assert read_script(path).approved


def test_staff_edit_is_never_overwritten_without_force(station):
    path = render_script(station, "2027-03")
    edited = path.read_text(encoding="utf-8").replace("## Lời kết", "## Lời kết\nCâu cán bộ tự thêm.")
    path.write_text(edited, encoding="utf-8")
    with pytest.raises(ScriptError) as err:
        render_script(station, "2027-03")
    assert err.value.exit_code == 1
    assert "sửa" in str(err.value) and err.value.next_step == NextStep("script-force", month="2027-03")
    assert "--force" in error_text(err.value)  # what the command line shows
    assert path.read_text(encoding="utf-8") == edited
    render_script(station, "2027-03", force=True, now=datetime(2027, 2, 20, 9, 30, 0))
    backup = path.with_name("2027-03.20270220-093000.bak.md")
    assert backup.read_text(encoding="utf-8") == edited
    assert "Câu cán bộ tự thêm." not in path.read_text(encoding="utf-8")


def test_unreadable_existing_script_is_kept_unless_force(station):
    path = station.store.script_path("2027-03")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("bản viết tay không có front matter\n", encoding="utf-8")
    with pytest.raises(ScriptError):
        render_script(station, "2027-03")
    assert path.read_text(encoding="utf-8").startswith("bản viết tay")


def test_approve_records_who_when_hash_and_edit_returns_to_draft(station):
    path = render_script(station, "2027-04")
    s = approve(station, "2027-04", "Lê Văn C", now=datetime(2027, 3, 25, 8, 0, 0))
    assert s.approved and s.meta["approved_by"] == "Lê Văn C"
    assert s.meta["approved_at"] == "2027-03-25T08:00:00+07:00"  # station time, with its offset
    assert s.meta["approved_sha256"] == s.body_sha256
    path.write_text(path.read_text(encoding="utf-8").replace("Hỏi đáp", "Giải đáp"), encoding="utf-8")
    again = read_script(path)
    assert again.status == "approved" and not again.approved and again.effective_status == "draft"
    # an approved (even unedited) script is not re-rendered silently
    approve(station, "2027-04", "Lê Văn C")
    with pytest.raises(ScriptError):
        render_script(station, "2027-04")


def test_approve_needs_a_script_and_a_name(station):
    with pytest.raises(ScriptError) as err:
        approve(station, "2027-05", "A")
    assert err.value.next_step == NextStep("script", month="2027-05")
    render_script(station, "2027-05")
    with pytest.raises(ScriptError):
        approve(station, "2027-05", "   ")


# ------------------------------------------------------------------ facts in the script


def test_example_facts_are_read_and_marked(station):
    path = render_script(station, "2026-12")
    s = read_script(path)
    text = path.read_text(encoding="utf-8")
    assert s.meta["example_facts"] is True and "SỐ LIỆU VÍ DỤ" in text
    assert "1.245" in text and "98,6%" in text
    news = next(seg for seg in s.segments if seg.title.startswith("Tin"))
    spoken = " ".join(i.text for i in news.items if i.kind == "speech")
    assert "SỐ LIỆU VÍ DỤ" not in spoken  # the warning is a comment, never read


def test_missing_figure_means_the_sentence_is_left_out(station):
    facts = station.store.facts_dir / "2027-05.yaml"
    facts.write_text("example: false\nreceived: 321\nresolved: 300\n", encoding="utf-8")
    text = render_script(station, "2027-05").read_text(encoding="utf-8")
    assert "321" in text and "300" in text
    for absent in (
        "đúng hạn",
        "đúng hẹn",
        "trực tuyến, chiếm",
        "hài lòng với sự phục vụ đạt",
        "số hóa đạt",
        "%",
    ):
        assert absent not in text.split("## ", 3)[2], absent  # the news segment
    assert "example_facts: false" in text


def test_no_facts_file_means_no_news_segment(station):
    s = read_script(render_script(station, "2027-06"))
    assert not any(seg.title.startswith("Tin") for seg in s.segments)
    assert "facts" not in s.meta


# ------------------------------------------------------------------ templates


def test_station_template_overrides_builtin_by_name(station):
    tdir = station.dir / "templates"
    tdir.mkdir()
    (tdir / "greeting.md.j2").write_text(
        "## Chào đài riêng\n[[nhạc hiệu]]\nXin chào bà con {{ station.locality }}, tháng {{ month_number }}.\n",
        encoding="utf-8",
    )
    s = read_script(render_script(station, "2027-02"))
    assert s.segments[0].title == "Chào đài riêng"
    assert s.segments[0].items[1].text == f"Xin chào bà con {station.locality}, tháng 2."


@pytest.mark.parametrize(
    "template, line, word",
    [
        ("## A\nDòng một.\n{{ station.khong_co }}\n", 3, "khong_co"),
        ("## A\n\n{% if x %}\nchưa đóng\n", 4, "sai cú pháp"),
    ],
)
def test_template_errors_name_file_and_line(station, template, line, word):
    tdir = station.dir / "templates"
    tdir.mkdir()
    bad = tdir / "closing.md.j2"
    bad.write_text(template, encoding="utf-8")
    with pytest.raises(ScriptError) as err:
        render_script(station, "2027-02")
    msg = str(err.value)
    assert str(bad) in msg and f"dòng {line}" in msg and word in msg
    assert not station.store.script_path("2027-02").exists()


def test_template_sandbox_blocks_unsafe_access(station):
    tdir = station.dir / "templates"
    tdir.mkdir()
    (tdir / "closing.md.j2").write_text("## K\n{{ station.__class__.__mro__ }}\n", encoding="utf-8")
    with pytest.raises(ScriptError):
        render_script(station, "2027-02")


def test_a_copied_script_with_the_wrong_month_is_refused(tmp_path):
    from conftest import make_station

    from broadcast.config import load_station

    st = load_station(make_station(tmp_path))
    path = render_script(st, "2027-02")
    copy = path.with_name("2027-03.md")
    copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ScriptError) as err:
        read_script(copy)
    line = next(
        i for i, t in enumerate(copy.read_text(encoding="utf-8").splitlines(), 1) if t.startswith("month:")
    )
    assert err.value.line == line and "month: 2027-03" in str(err.value)


def test_a_cue_in_single_brackets_is_refused_not_read_aloud():
    text = "---\nmonth: 2027-02\nstatus: draft\n---\n## Mở đầu\n[nhạc hiệu]\nXin chào.\n[Ghi chú của phóng viên]\n"
    with pytest.raises(ScriptError) as err:
        parse_script(text, Path("scripts/2027-02.md"))
    assert err.value.line == 6 and "[[nhạc hiệu]]" in str(err.value)
    ok = parse_script(text.replace("[nhạc hiệu]", "[[nhạc hiệu]]"), Path("scripts/2027-02.md"))
    assert [i.cue for i in ok.segments[0].items if i.kind == "cue"] == ["intro"]
