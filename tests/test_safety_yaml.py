"""Issue 11 #11/#12: hostile YAML and script input ends in a Vietnamese error naming the file.

Alias bombs, self-referencing aliases, FIFOs, 5000-digit integers, lone surrogates, NUL bytes,
deep nesting and over-long tokens, in station.yaml, facts, topics and scripts, through the
real CLI. Each case runs under a hang guard: a hang fails the test instead of stalling CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _safety import cli
from conftest import make_station

BOMB = 'lol0: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"lol{i}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]\n" for i in range(1, 9)
)
SELF_ALIAS = "loop: &x [*x]\n"
DEEP = "deep: " + "[" * 3000 + "]" * 3000 + "\n"
BIG_INT = "big: " + "9" * 5000 + "\n"
SURROGATE = 'bad: "\\ud800"\n'


@pytest.fixture
def station(tmp_path):
    return make_station(tmp_path)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


@pytest.mark.parametrize(
    "payload, words",
    [
        (BOMB, "alias"),
        (SELF_ALIAS, "chính nó"),
        (DEEP, "lồng nhau"),
        (BIG_INT, "số quá dài"),
        (SURROGATE, "surrogate"),
    ],
)
def test_hostile_station_yaml_is_an_error_naming_the_file(station, capsys, payload, words):
    _append(station / "station.yaml", payload)
    code, out, err = cli(["check", "--station", str(station), "--month", "2026-12"], capsys)
    assert code == 1
    assert "station.yaml" in err and words in err and "Traceback" not in err
    assert "dòng" in err  # the line to look at


@pytest.mark.parametrize(
    "payload, words",
    [
        (BOMB, "alias"),
        (SELF_ALIAS, "chính nó"),
        (DEEP, "lồng nhau"),
        (BIG_INT, "số quá dài"),
        (SURROGATE, "surrogate"),
    ],
)
def test_hostile_facts_file_is_an_error_naming_the_file(station, capsys, payload, words):
    _append(station / "facts" / "2026-12.yaml", payload)
    code, out, err = cli(["script", "--station", str(station), "--month", "2026-12"], capsys)
    assert code == 1
    assert "2026-12.yaml" in err and words in err
    assert not (station / "scripts" / "2026-12.md").exists()


def test_alias_bomb_in_a_station_topic_is_an_error(station, capsys):
    (station / "topics").mkdir()
    (station / "topics" / "bom.yaml").write_text("id: bom\n" + BOMB, encoding="utf-8")
    code, out, err = cli(["script", "--station", str(station), "--month", "2026-12"], capsys)
    assert code == 1 and "bom.yaml" in err and "alias" in err


def test_station_yaml_as_a_fifo_is_refused_not_waited_on(tmp_path, capsys):
    os.mkfifo(tmp_path / "station.yaml")
    code, out, err = cli(["check", "--station", str(tmp_path), "--month", "2026-12"], capsys)
    assert code == 1 and "station.yaml" in err and "tệp thường" in err


def test_plain_anchors_and_aliases_still_work(station, capsys):
    # Reuse within limits is legitimate YAML: the loader only refuses what explodes.
    text = (station / "station.yaml").read_text(encoding="utf-8")
    text = text.replace('  name: "', '  name: &ten "', 1) if '  name: "' in text else text
    (station / "station.yaml").write_text(text, encoding="utf-8")
    code, out, err = cli(["script", "--station", str(station), "--month", "2026-12"], capsys)
    assert code == 0, err


# ------------------------------------------------------------------ scripts (#12)


FM = '---\nmonth: "2026-12"\ntopic: mot-cua-lien-thong\ntitle: Thử\nstatus: draft\n---\n'


def _script(station: Path, text: str) -> None:
    (station / "scripts").mkdir(exist_ok=True)
    (station / "scripts" / "2026-12.md").write_bytes(text.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize(
    "text, line, words",
    [
        ('---\nmonth: "2026-12"\ntitle: a\x00b\n---\n## A\nMột câu.\n', 3, "ký tự"),
        ("---\nmonth: " + "[ " * 3000 + "\n---\n## A\nMột câu.\n", 2, "lồng nhau"),
        (FM + "## A\n" + "a" * 50_000 + "\n", 8, "dài"),
        (FM + "## A\nMột câu " + "x" * 5000 + " nữa.\n", 8, "5.000 ký tự"),
        (FM + "## A\nThứ " + "9" * 5000 + ".\n", 8, "dài"),
        (FM + "## A\nThứ " + "9" * 60 + ".\n", 8, "60 chữ số"),
        (FM.replace("title: Thử", "title: &t [*t]"), 4, "chính nó"),
    ],
)
def test_hostile_script_is_an_error_naming_file_and_line(station, capsys, text, line, words):
    _script(station, text)
    code, out, err = cli(["check", "--station", str(station), "--month", "2026-12"], capsys)
    assert code == 1, err
    assert "2026-12.md" in err and f"dòng {line}" in err and words in err


def test_script_that_is_not_utf8_names_the_line(station, capsys):
    (station / "scripts").mkdir()
    (station / "scripts" / "2026-12.md").write_bytes(
        FM.encode() + "## A\nMột câu.\n".encode() + b"\xff\xfe\n"
    )
    code, out, err = cli(["check", "--station", str(station), "--month", "2026-12"], capsys)
    assert code == 1 and "UTF-8" in err and "dòng 9" in err


@pytest.mark.parametrize("payload, words", [(BOMB, "alias"), (DEEP, "lồng nhau"), (SELF_ALIAS, "chính nó")])
def test_hostile_station_lexicon_is_an_error_naming_it(station, capsys, payload, words):
    (station / "lexicon.yaml").write_text("UBND: Ủy ban nhân dân\n" + payload, encoding="utf-8")
    code, out, err = cli(["normalize", "--station", str(station)], capsys)
    assert code == 1 and "lexicon.yaml" in err and words in err
    code, out, err = cli(["script", "--station", str(station), "--month", "2026-12"], capsys)
    assert code == 0, err  # rendering does not read the lexicon
    code, out, err = cli(["check", "--station", str(station), "--month", "2026-12"], capsys)
    assert code == 1 and "lexicon.yaml" in err and words in err
