"""The parsed-YAML cache (yamlio.load_yaml) never hides an edit and never shares data."""

from __future__ import annotations

from broadcast.yamlio import load_yaml


def test_an_edit_is_seen_at_the_next_load(tmp_path):
    path = tmp_path / "station.yaml"
    path.write_text("name: Đài A\nslots: [sáng]\n", encoding="utf-8")
    assert load_yaml(path).data["name"] == "Đài A"
    path.write_text("name: Đài B\nslots: [sáng]\n", encoding="utf-8")  # same size, same second
    assert load_yaml(path).data["name"] == "Đài B"


def test_callers_get_their_own_copy(tmp_path):
    path = tmp_path / "facts.yaml"
    path.write_text("figures:\n  hồ sơ: 12\nlist: [1, 2]\n", encoding="utf-8")
    first = load_yaml(path)
    first.data["figures"]["hồ sơ"] = 999
    first.data["list"].append(3)
    first.lines.clear()
    again = load_yaml(path)
    assert again.data == {"figures": {"hồ sơ": 12}, "list": [1, 2]}
    assert again.lines[("figures", "hồ sơ")] == 2


def test_line_numbers_follow_the_offset_of_each_call(tmp_path):
    text = "a: 1\nb: 2\n"
    assert load_yaml(tmp_path / "x.md", text=text).lines[("b",)] == 2
    assert load_yaml(tmp_path / "x.md", text=text, line_offset=1).lines[("b",)] == 3
