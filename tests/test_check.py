"""Check stage: estimated length, unreadable tokens, fit verdict; a year of distinct months."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_station

from broadcast.check import check_script, estimate, sentence_overlap
from broadcast.cli import cli
from broadcast.config import load_station
from broadcast.errors import ScriptError
from broadcast.script import parse_script, read_script, render_script

ESPEAK = {"main": [{"engine": "espeak-ng", "voice": "vi"}], "second": [], "fallback": True}


@pytest.fixture
def espeak_station(tmp_path):
    """The example station voiced by espeak-ng only (offline, fixed built-in rate)."""
    return load_station(make_station(tmp_path, voice=ESPEAK))


@pytest.fixture(scope="module")
def year_2027(tmp_path_factory):
    station = load_station(make_station(tmp_path_factory.mktemp("year"), voice=ESPEAK))
    scripts = {}
    for m in range(1, 13):
        month = f"2027-{m:02d}"
        scripts[month] = read_script(render_script(station, month))
    return station, scripts


def test_every_month_of_2027_fits_10_to_15_minutes(year_2027):
    station, scripts = year_2027
    minutes = {}
    for month in scripts:
        report = check_script(station, month)
        minutes[month] = round(report.minutes, 1)
        assert report.fits, (month, report.verdict())
        assert not report.unreadable, (month, [(u.token, u.line) for u in report.unreadable])
    assert len({s.topic for s in scripts.values()}) == 12


def test_months_are_distinct(year_2027):
    _, scripts = year_2027
    worst = max(
        (sentence_overlap(scripts[a], scripts[b]), a, b) for a, b in itertools.combinations(scripts, 2)
    )
    assert worst[0] < 0.15, worst


def test_segment_estimates_add_up_and_name_segments(year_2027):
    station, _ = year_2027
    report = check_script(station, "2027-03")
    assert [s.title for s in report.segments][0] == "Mở đầu"
    assert abs(sum(s.total_s for s in report.segments) - report.total_s) < 1e-6
    intro = report.segments[0]
    assert intro.jingle_s == pytest.approx(8.0) and intro.syllables > 20
    assert report.segments[-1].jingle_s == pytest.approx(3.0 + 8.0)


def test_slower_voice_means_longer_programme(year_2027):
    station, scripts = year_2027
    fast = estimate(scripts["2027-03"], station, rate=4.5)
    slow = estimate(scripts["2027-03"], station, rate=3.0)
    assert slow.total_s > fast.total_s and slow.syllables == fast.syllables


def _write(station, month, body):
    path = station.store.script_path(month)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\nmonth: {month}\ntopic: x\ntitle: Ngắn\nstatus: draft\n---\n{body}", encoding="utf-8"
    )
    return path


def test_short_script_fails_with_exit_1_and_a_clear_message(espeak_station):
    _write(espeak_station, "2027-08", "## Mở đầu\n[[nhạc hiệu]]\nXin chào.\n")
    report = check_script(espeak_station, "2027-08")
    assert not report.fits and "QUÁ NGẮN" in report.verdict()
    with pytest.raises(ScriptError) as err:
        report.raise_if_unfit()
    assert err.value.exit_code == 1 and "10" in str(err.value)
    result = CliRunner().invoke(cli, ["check", "--station", str(espeak_station.dir), "--month", "2027-08"])
    assert result.exit_code != 0
    assert "QUÁ NGẮN" in result.output


def test_long_script_is_too_long(espeak_station):
    para = "Người dân nộp hồ sơ tại Bộ phận Một cửa và nhận kết quả đúng hẹn. " * 20
    _write(espeak_station, "2027-08", "## A\n" + "\n\n".join([para] * 20) + "\n")
    report = check_script(espeak_station, "2027-08")
    assert "QUÁ DÀI" in report.verdict()


def test_unreadable_tokens_are_listed_with_their_line(espeak_station):
    _write(espeak_station, "2027-08", "## A\nCâu bình thường.\nMã QWXZ cần đọc.\n\n## B\nKý hiệu ABCDXYZ.\n")
    report = check_script(espeak_station, "2027-08")
    found = {(u.token, u.line) for u in report.unreadable}
    assert ("QWXZ", 9) in found and ("ABCDXYZ", 12) in found


def test_cli_check_prints_segments_total_and_exit_0(year_2027):
    station, _ = year_2027
    result = CliRunner().invoke(cli, ["check", "--station", str(station.dir), "--month", "2027-02"])
    assert result.exit_code == 0, result.output
    assert "TỔNG CỘNG" in result.output and "Hỏi đáp" in result.output and "VỪA" in result.output


def test_example_facts_warning(espeak_station):
    render_script(espeak_station, "2026-12")
    report = check_script(espeak_station, "2026-12")
    assert report.example_facts and any("VÍ DỤ" in w for w in report.warnings)


def test_sentence_overlap_measure():
    fm = "---\nmonth: 2027-01\ntopic: x\ntitle: t\nstatus: draft\n---\n"
    a = parse_script(fm + "## A\nMột. Hai. Ba. Bốn.\n", Path("a"))
    b = parse_script(fm + "## A\nMột. Hai. Năm. Sáu.\n", Path("b"))
    assert sentence_overlap(a, b) == pytest.approx(0.5)


def test_script_must_fit_with_every_engine_of_the_chain(tmp_path):
    """A fast online voice and a slow offline fallback: the month must fit both."""
    from conftest import make_station

    from broadcast.check import check_script
    from broadcast.config import load_station
    from broadcast.errors import ScriptError
    from broadcast.script import render_script

    slow = {"engine": "silent", "syllable_s": 0.3}
    fast = {"engine": "silent", "syllable_s": 0.12}
    st = load_station(make_station(tmp_path, voice={"main": [slow], "second": []}))
    render_script(st, "2027-05")
    assert check_script(st, "2027-05").fits

    st = load_station(make_station(tmp_path, voice={"main": [slow, fast], "second": []}))
    report = check_script(st, "2027-05")
    assert [round(t) for _, t in report.by_engine][0] == round(report.total_s)
    assert report.by_engine[1][1] < st.min_minutes * 60 <= report.total_s
    assert not report.fits and "CHƯA VỪA VỚI MỌI GIỌNG" in report.verdict()
    with pytest.raises(ScriptError):
        report.raise_if_unfit()
