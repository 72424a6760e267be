"""station.yaml: defaults, validation, and errors that name the file, line and field."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from conftest import REPO

from broadcast.cli import main
from broadcast.config import load_station
from broadcast.errors import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "station.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def _example_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (REPO / "station.yaml").read_text(encoding="utf-8")
    assert old in text, old
    return _write(tmp_path, text.replace(old, new, 1))


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_example_station_loads_with_two_daily_slots():
    st = load_station(REPO)
    assert st.name.startswith("Đài Truyền thanh")
    assert [s.id for s in st.slots] == ["sang", "chieu"]
    assert st.slots[0].start == time(6, 0) and st.slots[1].start == time(17, 0)
    assert 10 <= st.min_minutes < st.max_minutes <= 15
    assert st.audio.target_lufs == -16.0
    assert [e.engine for e in st.voice.main] == ["gtts", "espeak-ng"]


def test_wrong_slot_time_names_file_line_and_field(tmp_path):
    d = _example_with(tmp_path, 'start: "17:00"', 'start: "17h"')
    with pytest.raises(ConfigError) as err:
        load_station(d)
    e = err.value
    assert e.file.endswith("station.yaml")
    assert e.line == _line_of(d / "station.yaml", 'start: "17h"')
    assert e.field == "slots.1.start"
    assert "giờ không hợp lệ" in str(e) and "HH:MM" in str(e)


def test_unquoted_time_is_read_as_time(tmp_path):
    d = _example_with(tmp_path, 'start: "06:00"', "start: 06:30")
    assert load_station(d).slots[0].start == time(6, 30)


def test_unknown_engine_lists_valid_names(tmp_path):
    d = _example_with(tmp_path, "- engine: gtts", "- engine: gtss")
    with pytest.raises(ConfigError) as err:
        load_station(d)
    assert err.value.line == _line_of(d / "station.yaml", "engine: gtss")
    assert "gtss" in str(err.value) and "espeak-ng" in str(err.value)


def test_unknown_section_is_refused(tmp_path):
    d = _example_with(tmp_path, "slots:", "slot:")
    with pytest.raises(ConfigError) as err:
        load_station(d)
    assert "slot" in str(err.value) and err.value.line == _line_of(d / "station.yaml", "slot:")


def test_yaml_syntax_error_has_line(tmp_path):
    d = _example_with(tmp_path, "  per_month: 4", "  per_month: [4")
    with pytest.raises(ConfigError) as err:
        load_station(d)
    assert err.value.line is not None and "YAML" in str(err.value)


def test_airing_slot_must_exist(tmp_path):
    d = _example_with(tmp_path, "slots: [sang, chieu]", "slots: [sang, toi]")
    with pytest.raises(ConfigError) as err:
        load_station(d)
    assert "toi" in str(err.value) and err.value.field == "airing.slots.1"


def test_min_longer_than_max_is_refused(tmp_path):
    d = _example_with(tmp_path, "min_minutes: 10", "min_minutes: 20")
    with pytest.raises(ConfigError, match="lớn hơn tối đa"):
        load_station(d)


def test_cli_reports_bad_input_in_vietnamese_with_exit_1(tmp_path, capsys):
    d = _example_with(tmp_path, 'start: "06:00"', 'start: "25:00"')
    with pytest.raises(SystemExit) as ex:
        main(["make", "--station", str(d), "--month", "2026-12"])
    assert ex.value.code == 1
    err = capsys.readouterr().err
    assert "station.yaml" in err and "dòng" in err and "slots.0.start" in err


def test_missing_station_file_says_how_to_fix(tmp_path, capsys):
    with pytest.raises(SystemExit) as ex:
        main(["make", "--station", str(tmp_path), "--month", "2026-12"])
    assert ex.value.code == 1
    assert "broadcast init" in capsys.readouterr().err


def test_init_creates_a_station_that_loads(tmp_path, capsys):
    main(["init", str(tmp_path / "xa-moi")])
    assert "Đã tạo đài mới" in capsys.readouterr().out
    st = load_station(tmp_path / "xa-moi")
    assert (tmp_path / "xa-moi" / "scripts").is_dir() and st.slots


@pytest.mark.parametrize(
    "content",
    ["a: \x07b\n", None],  # a control character (yaml ReaderError); a folder where a file should be
)
def test_unreadable_yaml_files_are_user_errors_naming_the_file(tmp_path, content):
    from broadcast.errors import BroadcastError
    from broadcast.yamlio import load_yaml

    path = tmp_path / "facts" / "2027-02.yaml"
    path.parent.mkdir()
    if content is None:
        path.mkdir()
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(BroadcastError) as err:
        load_yaml(path)
    assert "2027-02.yaml" in str(err.value)


@pytest.mark.parametrize("written", ["6", "600"])
def test_a_bare_number_is_not_taken_for_a_time(tmp_path, written):
    d = _example_with(tmp_path, 'start: "06:00"', f"start: {written}")
    with pytest.raises(ConfigError) as err:
        load_station(d)
    assert err.value.field == "slots.0.start" and "HH:MM" in str(err.value)


@pytest.mark.parametrize(
    "old, new, field, suggestion",
    [
        ("  per_month: 4", "  per_moth: 4", "airing.per_moth", "per_month"),
        (
            "    length_min: 30\n    weekdays: [T2, T3, T4, T5, T6, T7, CN]\n  - id: chieu",
            "    lenght_min: 30\n    weekdays: [T2, T3, T4, T5, T6, T7, CN]\n  - id: chieu",
            "slots.0.lenght_min",
            "length_min",
        ),
        ("  hotline:", "  hotlin:", "contacts.hotlin", "hotline"),
    ],
)
def test_misspelled_keys_are_named_with_a_suggestion(tmp_path, old, new, field, suggestion):
    d = _example_with(tmp_path, old, new)
    with pytest.raises(ConfigError) as err:
        load_station(d)
    assert err.value.field == field
    assert f"'{suggestion}'" in str(err.value)
    assert err.value.line == _line_of(d / "station.yaml", new.split(":")[0].strip() + ":")


def test_yaml_syntax_error_is_explained_in_vietnamese(tmp_path):
    d = _example_with(tmp_path, "  per_month: 4", "  per_month 4")
    with pytest.raises(ConfigError) as err:
        load_station(d)
    text = str(err.value)
    assert "dòng ngay trên" in text and "expected" not in text


@pytest.mark.parametrize(
    "given, expected", [("2027-01", "2027-01"), ("2027-1", "2027-01"), (" 2027-02 ", "2027-02")]
)
def test_month_argument_is_read_the_same_by_every_command(given, expected):
    from broadcast.config import validate_month

    assert validate_month(given) == expected


@pytest.mark.parametrize("bad", ["2027-13", "2027-00", "1999-05", "202701", "", None])
def test_wrong_month_argument_is_a_user_error(bad):
    from broadcast.config import validate_month
    from broadcast.errors import ScriptError

    with pytest.raises(ScriptError, match="YYYY-MM"):
        validate_month(bad)
