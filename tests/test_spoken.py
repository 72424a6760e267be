"""Spoken form as a package: one normaliser shared by threads, limits on long input,
guessed tokens for `broadcast check`, and the context `--explain` shows."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import make_station, run_cli

from broadcast.check import check_script
from broadcast.cli import cli
from broadcast.config import load_station
from broadcast.errors import NormalizeError
from broadcast.spoken import MAX_TOKEN, Normalizer, read_lexicon

HERE = Path(__file__).resolve().parent
CASES = yaml.safe_load((HERE / "data" / "normalize_cases.yaml").read_text(encoding="utf-8"))
ESPEAK = {"main": [{"engine": "espeak-ng", "voice": "vi"}], "second": [], "fallback": True}


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return Normalizer()


def _texts() -> list[str]:
    return [written for cases in CASES.values() for written, _ in cases]


def test_one_normalizer_shared_by_threads_gives_the_serial_output(norm):
    texts = _texts() * 4
    serial = [(norm.normalize(t), norm.explain(t), norm.unreadable(t)) for t in texts]

    def work(t: str):
        return norm.normalize(t), norm.explain(t), norm.unreadable(t)

    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(work, texts))
    assert threaded == serial


def test_over_long_ordinal_is_read_not_a_traceback(norm):
    # 150 digits: below the token limit, read digit by digit (was: int() of it).
    spoken = norm.normalize("Thứ " + "5" * 150 + ".")
    assert spoken.startswith("Thứ năm năm năm") and spoken.count("năm") == 150


def test_5000_digit_ordinal_is_a_clear_vietnamese_error(norm):
    with pytest.raises(NormalizeError) as err:
        norm.normalize("Thứ " + "7" * 5000 + ".")
    assert "5001 ký tự" in str(err.value) and "Cách sửa" in str(err.value)


def test_long_digit_runs_inside_the_limit_are_read_digit_by_digit(norm):
    assert norm.normalize("mã 1234567890123456") == (
        "mã một hai ba bốn năm sáu bảy tám chín không một hai ba bốn năm sáu"
    )


def test_long_lines_of_ordinary_words_are_read_whole(norm):
    line = "Khóa XX, UBND tỉnh XYZ đạt 6/6 xã, thứ 2 - thứ 6. " * 2000
    spoken = norm.normalize(line)
    assert spoken.count("thứ hai đến thứ sáu") == 2000
    assert spoken.count("Khóa hai mươi") == 2000


def test_lexicon_key_of_5000_characters_names_file_and_line(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text("UBND: Ủy ban nhân dân\n? " + "A" * 5000 + "\n: dài quá\n", encoding="utf-8")
    with pytest.raises(NormalizeError) as err:
        read_lexicon(path)
    assert err.value.file == str(path) and err.value.line == 2
    assert "5000 ký tự" in err.value.message


def _write(station, month: str, body: str) -> Path:
    path = station.store.script_path(month)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\nmonth: {month}\nstatus: draft\n---\n{body}", encoding="utf-8")
    return path


def test_check_with_a_50000_character_token_exits_1_naming_file_and_line(tmp_path, capsys):
    station = load_station(make_station(tmp_path, voice=ESPEAK))
    path = _write(station, "2027-08", "## A\nCâu bình thường.\nMã " + "x" * 50_000 + " hết.\n")
    code = run_cli(["check", "--station", str(station.dir), "--month", "2027-08"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    assert f"{path.name}, dòng 7" in err
    # The script reader's line limit stops it first; the normaliser's own token limit
    # (MAX_TOKEN) guards text that reaches it by another way (the normalize command, the web).
    assert "dòng quá dài" in err or f"dài quá {MAX_TOKEN} ký tự" in err


def test_check_lists_guessed_tokens_for_the_station_lexicon(tmp_path):
    station = load_station(make_station(tmp_path, voice=ESPEAK))
    body = "## A\nCâu bình thường.\nĐoàn QWXZ làm việc.\nGửi cán bộ/công chức.\n"
    _write(station, "2027-08", body)
    report = check_script(station, "2027-08")
    tokens = [u.token for u in report.unreadable]
    assert "QWXZ" in tokens
    assert any("bộ/công" in t for t in tokens), tokens


def test_explain_cli_shows_rule_and_deciding_context(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["normalize", "--station", str(tmp_path), "--explain"],
        input="Xếp thứ 38/63 tỉnh; sáng 4-7 họp.\n",
    )
    assert result.exit_code == 0
    assert "ba mươi tám trên sáu mươi ba tỉnh" in result.output
    assert "[date] 'sáng 4-7' -> 'sáng ngày bốn tháng bảy'  (sau 'sáng')" in result.output
    assert "(sau 'thứ')" in result.output


# --- acronyms the text defines; loanwords file (wave 2) ---------------------------------


def test_acronym_defined_in_brackets_is_read_as_its_expansion_later_in_the_same_text(norm):
    text = "Ban Quản lý chợ Đồng Xuân (BQLCĐX) thông báo lịch họp.\nMọi ý kiến gửi BQLCĐX trước ngày 5/6."
    assert norm.normalize(text) == (
        "Ban Quản lý chợ Đồng Xuân thông báo lịch họp.\n"
        "Mọi ý kiến gửi Ban Quản lý chợ Đồng Xuân trước ngày năm tháng sáu."
    )
    # What one text taught is not carried into the next call.
    assert norm.normalize("Mọi ý kiến gửi BQLCĐX.") == "Mọi ý kiến gửi bê quy e lờ xê đê ích."
    rules = [c.rule for c in norm.explain(text)]
    assert "acronym_once" in rules and "taught" in rules


def test_bracketed_letters_that_are_not_the_initials_are_still_read(norm):
    # "(KT)" is not the initials of "Phòng Tài chính": it is read, not silently dropped.
    assert norm.normalize("Phòng Tài chính (KT)") == "Phòng Tài chính, Ký thay"


def test_loanword_in_both_builtin_files_is_an_error_naming_the_line(tmp_path, monkeypatch):
    from broadcast.spoken import lexicon as lexmod

    bad = tmp_path / "loanwords.yaml"
    bad.write_text("vaccine: vắc xin\nUBND: u bê\n", encoding="utf-8")
    monkeypatch.setattr(lexmod, "BUILTIN_LOANWORDS", bad)
    lexmod.builtin_entries.cache_clear()
    try:
        with pytest.raises(NormalizeError) as err:
            lexmod.builtin_entries()
        assert err.value.line == 2 and "UBND" in str(err.value)
    finally:
        lexmod.builtin_entries.cache_clear()


def test_station_lexicon_overrides_a_builtin_loanword(tmp_path):
    path = tmp_path / "lexicon.yaml"
    path.write_text("vaccine: vắc xin a\n", encoding="utf-8")
    assert Normalizer(path).normalize("tiêm Vaccine") == "tiêm vắc xin a"
