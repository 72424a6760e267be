"""The *Tháng* page segment by segment: split/rebuild round trip, saving one segment
(conflict-safe, merged when another segment changed), cue controls with Vietnamese errors,
the live check of a segment, and the audio preview (cached); every role for the new views."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import make_station, write_script
from webtests import ROLES, django_ready, web, write_minute_script  # noqa: F401

from broadcast.config import load_station
from broadcast.script import parse_script, render_text
from broadcast.services import load_script_text
from broadcast.services.segments import (
    EditedCue,
    load_segments,
    preview_segment,
    rebuild_segment,
    split_script,
)

MONTH = "2026-03"
THREE = """---
month: 2026-03
topic: dat-dai
title: Ba đoạn
status: draft
---

# Tiêu đề cho người đọc, không đọc lên
## Mở đầu
[[intro]]
Kính chào bà con, đây là chuyên mục tháng ba.
<!-- ghi chú cho người duyệt
   [[nhạc hiệu]] trong chú thích không phải tín hiệu -->

## Hỏi đáp
[[voice second]]
Hỏi: làm thủ tục đất đai ở đâu?
[[giọng chính]]
Đáp: tại Bộ phận Một cửa của xã, hoặc trực tuyến.
[[pause 1.5]]
   [[Âm lượng +2]]
- Ý thứ nhất của danh sách.
- **Ý thứ hai** của danh sách.

##Kết thúc
[[bed on]]
Cảm ơn bà con đã lắng nghe.
[[nhạc nền tắt]]
[[outro]]
"""


def _round_trip(text: str) -> str:
    script = parse_script(text, Path("x.md"))
    split = split_script(text, script)
    replaced = {}
    for seg in split.segments:
        parts = [b.text if b.kind == "text" else EditedCue(b.cue, b.value, b.raw) for b in seg.blocks]
        replaced[seg.index] = rebuild_segment(seg.heading, seg.title, parts)
    return split.rebuild(replaced)


def _fixture_texts(tmp_path: Path) -> dict[str, str]:
    st = load_station(make_station(tmp_path))
    texts = {}
    for month in ("2026-01", "2026-04", "2026-07", "2026-10", "2027-02", "2027-06"):
        texts[f"rendered {month}"] = render_text(st, month)[0]
    texts["write_script"] = write_script(st, "2026-05", approved=False).read_text(encoding="utf-8")
    texts["write_minute_script"] = write_minute_script(st, "2026-06").read_text(encoding="utf-8")
    texts["three segments"] = THREE
    texts["crlf"] = THREE.replace("\n", "\r\n")
    texts["no final newline"] = THREE.rstrip("\n")
    texts["bom"] = "\ufeff" + THREE
    texts["odd heading"] = THREE.replace("## Hỏi đáp", "##   Hỏi  đáp   <!-- ghi chú -->")
    doc = (Path(__file__).parents[1] / "docs" / "script-format.md").read_text(encoding="utf-8")
    texts["docs example"] = re.search(r"```markdown\n(.*?)```", doc, re.S).group(1)
    return texts


def test_split_and_rebuild_reproduce_every_script_byte_for_byte(tmp_path):
    texts = _fixture_texts(tmp_path)
    for name, text in texts.items():
        assert _round_trip(text).encode("utf-8") == text.encode("utf-8"), name
    split = split_script(THREE, parse_script(THREE, Path("x.md")))
    assert [s.title for s in split.segments] == ["Mở đầu", "Hỏi đáp", "Kết thúc"]
    cues = [b.label for b in split.segments[1].blocks if b.kind == "cue"]
    assert cues == ["Giọng thứ hai", "Giọng chính", "Nghỉ 1,5 giây", "Chỉnh âm lượng +2 dB"]
    # the cue inside a comment stays text; the first segment's cue is the intro jingle
    assert [b.label for b in split.segments[0].blocks if b.kind == "cue"] == ["Nhạc hiệu mở đầu"]


def test_a_changed_cue_is_written_in_vietnamese_and_an_unchanged_one_keeps_its_spelling():
    seg = split_script(THREE, parse_script(THREE, Path("x.md"))).segments[1]
    parts = [b.text if b.kind == "text" else EditedCue(b.cue, b.value, b.raw) for b in seg.blocks]
    at = next(i for i, b in enumerate(seg.blocks) if b.raw == "[[pause 1.5]]")
    parts[at] = EditedCue("pause", 2.5, "[[pause 1.5]]")
    lines = rebuild_segment(seg.heading, seg.title, parts)
    assert "[[nghỉ 2,5]]" in lines and "[[voice second]]" in lines and "   [[Âm lượng +2]]" in lines


# --------------------------------------------------------------------------- web


def _post_data(web, index: int, month: str = MONTH) -> dict[str, str]:
    """What the page's form for segment `index` sends when nothing is changed."""
    from broadcast.web.segment_forms import SegmentForm

    loaded = load_script_text(web.station, month)
    seg = split_script(loaded.text, loaded.script).segments[index - 1]
    form = SegmentForm.for_segment(seg, loaded.sha256)
    return {f"d{index}-{k}": str(v) for k, v in form.initial.items()}


def _block(data: dict[str, str], index: int, contains: str) -> str:
    for key, value in data.items():
        if re.fullmatch(rf"d{index}-b\d+", key) and contains in value:
            return key
    raise AssertionError(f"no block with {contains!r}")


def _three(web) -> Path:
    path = web.station.store.script_path(MONTH)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(THREE, encoding="utf-8")
    return path


def test_the_page_shows_segments_with_cues_as_labelled_controls(web):
    _three(web)
    page = web.client("editor").get(f"/thang/{MONTH}/").content.decode()
    assert 'id="doan-2"' in page and "Hỏi đáp" in page
    assert '<option value="voice_second" selected>Giọng thứ hai</option>' in page
    assert 'value="1.5"' in page and ">giây<" in page
    assert "Sửa cả bài" in page
    # the approver reads the segments with the cues as labels (no [[…]])
    page = web.client("approver").get(f"/thang/{MONTH}/").content.decode()
    assert '<span class="cue-chip">Nghỉ 1,5 giây</span>' in page
    assert "Nghe thử đoạn này" in page


def test_saving_one_segment_changes_only_its_lines(web):
    path = _three(web)
    data = _post_data(web, 2)
    key = _block(data, 2, "làm thủ tục đất đai")
    data[key] = data[key].replace("làm thủ tục đất đai ở đâu", "nộp hồ sơ đất đai ở đâu")
    response = web.client("editor").post(f"/thang/{MONTH}/doan/2/luu/", data)
    assert response.status_code == 302 and response["Location"].endswith("#doan-2")
    assert path.read_text(encoding="utf-8") == THREE.replace(
        "làm thủ tục đất đai ở đâu", "nộp hồ sơ đất đai ở đâu"
    )
    row = web.audit.get(action="edit")
    assert row.detail.startswith("đoạn 2: Hỏi đáp")


def test_saving_an_unchanged_segment_writes_nothing(web):
    path = _three(web)
    before = path.stat().st_mtime_ns
    for index in (1, 2, 3):
        response = web.client("editor", name=f"e{index}").post(
            f"/thang/{MONTH}/doan/{index}/luu/", _post_data(web, index)
        )
        assert response.status_code == 302
    assert path.read_bytes() == THREE.encode("utf-8") and path.stat().st_mtime_ns == before
    assert not web.audit.filter(action="edit").exists()


def test_a_cue_control_change_is_saved_as_a_vietnamese_cue(web):
    path = _three(web)
    data = _post_data(web, 3)
    cue = next(k for k, v in data.items() if v == "bed_on")
    data[cue], data[cue + "_so"] = "pause", "2,5"
    assert web.client("editor").post(f"/thang/{MONTH}/doan/3/luu/", data).status_code == 302
    assert path.read_text(encoding="utf-8") == THREE.replace("[[bed on]]", "[[nghỉ 2,5]]")


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("pause", "45", "Thời gian nghỉ phải từ 0,1 đến 30 giây"),
        ("pause", "hai", "Thời gian nghỉ phải từ 0,1 đến 30 giây"),
        ("gain", "-20", "Mức chỉnh âm lượng phải từ −12 đến +12 dB"),
    ],
)
def test_a_bad_cue_value_is_refused_beside_the_control_and_nothing_saved(web, kind, value, message):
    path = _three(web)
    data = _post_data(web, 2)
    cue = next(k for k, v in data.items() if v == "pause")
    data[cue], data[cue + "_so"] = kind, value
    key = _block(data, 2, "làm thủ tục")
    data[key] = data[key].replace("làm thủ tục", "SỬA KHÔNG ĐƯỢC LƯU")
    response = web.client("editor").post(f"/thang/{MONTH}/doan/2/luu/", data)
    page = response.content.decode()
    assert response.status_code == 400
    control = re.search(r'<div class="cue has-error">(.*?)</div>', page, re.S).group(1)
    assert message in control and f'name="{cue}_so"' in control
    assert "SỬA KHÔNG ĐƯỢC LƯU" in page  # the editor's text is kept on the page
    assert path.read_bytes() == THREE.encode("utf-8")


def test_a_script_error_in_the_segment_is_shown_and_nothing_saved(web):
    path = _three(web)
    data = _post_data(web, 1)
    key = _block(data, 1, "Kính chào")
    data[key] = data[key] + "[[nhạc hiệu x]]\n"
    response = web.client("editor").post(f"/thang/{MONTH}/doan/1/luu/", data)
    assert response.status_code == 400
    assert "không hiểu tín hiệu [[nhạc hiệu x]]" in response.content.decode()
    assert path.read_bytes() == THREE.encode("utf-8")


def test_an_edit_of_another_segment_meanwhile_is_merged(web):
    path = _three(web)
    mine = _post_data(web, 1)  # loaded before the other person saves
    other = _post_data(web, 3)
    key = _block(other, 3, "Cảm ơn")
    other[key] = other[key].replace("Cảm ơn bà con", "Xin cảm ơn bà con")
    assert web.client("editor", name="binh").post(f"/thang/{MONTH}/doan/3/luu/", other).status_code == 302
    key = _block(mine, 1, "Kính chào")
    mine[key] = mine[key].replace("Kính chào bà con", "Xin kính chào bà con")
    response = web.client("editor", name="anh").post(f"/thang/{MONTH}/doan/1/luu/", mine)
    assert response.status_code == 302
    text = path.read_text(encoding="utf-8")
    assert text == THREE.replace("Cảm ơn bà con", "Xin cảm ơn bà con").replace(
        "Kính chào bà con", "Xin kính chào bà con"
    )
    assert "đã ghép" in web.audit.get(action="edit", username="anh").detail


def test_an_edit_of_the_same_segment_meanwhile_is_refused_with_a_diff(web):
    path = _three(web)
    mine, other = _post_data(web, 2), _post_data(web, 2)
    key = _block(other, 2, "làm thủ tục")
    other[key] = other[key].replace("làm thủ tục", "Câu của Bình")
    assert web.client("editor", name="binh").post(f"/thang/{MONTH}/doan/2/luu/", other).status_code == 302
    mine[key] = mine[key].replace("làm thủ tục", "Câu của Anh")
    response = web.client("editor", name="anh").post(f"/thang/{MONTH}/doan/2/luu/", mine)
    page = response.content.decode()
    assert response.status_code == 409
    assert "Chưa lưu" in page and "-Hỏi: Câu của Bình" in page and "+Hỏi: Câu của Anh" in page
    text = path.read_text(encoding="utf-8")
    assert "Câu của Bình" in text and "Câu của Anh" not in text
    assert web.audit.filter(action="conflict", username="anh").count() == 1


def _seconds(page: str) -> float:
    return float(re.search(r'class="seg-seconds" data-seconds="([0-9.]+)"', page).group(1))


def test_the_live_check_follows_the_text_being_typed(web):
    _three(web)
    client = web.client("editor")
    data = _post_data(web, 2)
    saved = _seconds(client.post(f"/thang/{MONTH}/doan/2/kiem-tra/", data).content.decode())
    key = _block(data, 2, "làm thủ tục")
    data[key] = data[key].replace("ở đâu?", "ở đâu, gửi KQXT cho ai, ký hiệu ☃ là gì, và mất bao nhiêu ngày?")
    page = client.post(f"/thang/{MONTH}/doan/2/kiem-tra/", data).content.decode()
    assert _seconds(page) > saved
    assert "“KQXT”, tạm đọc là “ca quy ích tê”" in page and "Máy không đọc được “☃”" in page
    assert re.search(r"<li>silent[^<]*: [0-9,]+ phút \([0-9]+ giây\)</li>", page)  # per engine of the chain
    # nothing was saved by a check
    assert "KQXT" not in web.station.store.script_path(MONTH).read_text(encoding="utf-8")
    # a bad cue value is reported by the check too (in Vietnamese)
    cue = next(k for k, v in data.items() if v == "pause")
    data[cue + "_so"] = "99"
    assert (
        "Thời gian nghỉ phải từ 0,1 đến 30 giây"
        in client.post(f"/thang/{MONTH}/doan/2/kiem-tra/", data).content.decode()
    )


def test_preview_is_made_once_then_served_from_the_cache(web):
    write_minute_script(web.station, MONTH)
    seg = load_segments(web.station, MONTH).segments[0]
    client = web.client("editor")
    response = client.get(f"/thang/{MONTH}/doan/1/nghe-thu/?ma={seg.speech_sha256}")
    page = response.content.decode()
    assert response.status_code == 200, page
    src = re.search(r'<audio [^>]*src="([^"]+)"', page).group(1)
    audio = client.get(src)
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/mpeg"
    data = b"".join(audio.streaming_content)
    assert len(data) > 1000
    first = preview_segment(web.station, MONTH, 1, seg.speech_sha256)
    mtime = first.path.stat().st_mtime_ns
    again = preview_segment(web.station, MONTH, 1, seg.speech_sha256)
    assert again.cached and again.path == first.path and again.path.stat().st_mtime_ns == mtime
    assert again.path.read_bytes() == data
    # approvers hear it too
    assert web.client("approver").get(src).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/thang/{m}/doan/1/nghe-thu/?ma=" + "0" * 64,  # a segment changed since (stale hash)
        "/thang/{m}/doan/9/nghe-thu/?ma={sha}",  # no such segment
        "/thang/{m}/doan/0/nghe-thu/?ma={sha}",
        "/thang/{m}/doan/1/nghe-thu/?ma=xyz",
        "/thang/{m}/nghe-thu/../../station.yaml",
        "/thang/{m}/nghe-thu/" + "a" * 32 + ".mp3",  # never made
    ],
)
def test_an_invalid_segment_or_preview_is_404(web, url):
    write_minute_script(web.station, MONTH)
    seg = load_segments(web.station, MONTH).segments[0]
    response = web.client("editor").get(url.format(m=MONTH, sha=seg.speech_sha256))
    assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_every_role_for_the_segment_views(web, role):
    write_minute_script(web.station, MONTH)
    seg = load_segments(web.station, MONTH).segments[0]
    client = web.client(role)
    data = _post_data(web, 1)
    views = [
        ("post", f"/thang/{MONTH}/doan/1/luu/", data, ["editor"], 302),
        ("post", f"/thang/{MONTH}/doan/1/kiem-tra/", data, ["editor", "approver"], 200),
        ("get", f"/thang/{MONTH}/doan/1/nghe-thu/", {"ma": seg.speech_sha256}, ["editor", "approver"], 200),
    ]
    for method, url, payload, allowed, ok in views:
        response = getattr(client, method)(url, payload)
        if role in allowed:
            assert response.status_code == ok, (url, role, response.status_code)
        else:
            assert response.status_code == 403, (url, role, response.status_code)
            assert "không có quyền" in response.content.decode()
    name = next(preview_segment(web.station, MONTH, 1, seg.speech_sha256).path.name for _ in [0])
    response = client.get(f"/thang/{MONTH}/nghe-thu/{name}")
    assert response.status_code == (200 if role in ("editor", "approver") else 403)
    anonymous = web.client().get(f"/thang/{MONTH}/nghe-thu/{name}")
    assert anonymous.status_code == 302 and "dang-nhap" in anonymous["Location"]


def test_with_the_network_down_the_preview_falls_back_and_is_not_reused(web):
    import yaml
    from test_voice_fakes import Hanging

    write_minute_script(web.station, MONTH)
    cfg_path = web.dir / "station.yaml"
    cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
    with Hanging() as hang:
        gtts = {"engine": "gtts", "url": hang.url, "min_interval_s": 0, "backoff_s": 0.05}
        cfg["voice"] = {
            "main": [gtts, {"engine": "silent"}],
            "second": [],
            "fallback": True,
            "timeout_s": 1.0,
        }
        cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
        seg = load_segments(web.station, MONTH).segments[0]
        page = web.client("editor").get(f"/thang/{MONTH}/doan/1/nghe-thu/?ma={seg.speech_sha256}")
        again = preview_segment(web.station, MONTH, 1, seg.speech_sha256)
    text = page.content.decode()
    assert page.status_code == 200 and "giọng dự phòng" in text
    assert re.search(r'src="[^"]+-du-phong\.mp3"', text)
    assert again.degraded and not again.cached and again.path.name.endswith("-du-phong.mp3")
