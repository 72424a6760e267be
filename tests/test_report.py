"""`broadcast report`: a year of records made by the real pipeline (silent engine) and a
simulated as-run → the figures equal counts made here from the files; the DOCX is re-opened
and checked against the Nghị định 30/2020 format; the spreadsheet has a row per programme and
per airing; a malformed period is a Vietnamese error."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import REPO, make_station, run_cli
from docx import Document
from openpyxl import load_workbook
from report_records import make_months, schedule_airings, simulate_asrun

from broadcast.config import load_station
from broadcast.errors import ConfigError
from broadcast.report.collect import collect
from broadcast.report.models import parse_period

YEAR = [f"2027-{m:02d}" for m in range(1, 13)]
LOGGED = ["2027-01", "2027-02", "2027-03"]


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("year")
    station = make_months(folder, YEAR)
    written = simulate_asrun(station, LOGGED)
    return folder, written


def _docx(folder: Path, tmp_path: Path, period: str = "2027") -> Path:
    out = tmp_path / "bao-cao.docx"
    assert run_cli(["report", "--station", str(folder), "--period", period, "--out", str(out)]) == 0
    return out


def test_figures_equal_independent_counts(year: tuple[Path, dict]) -> None:
    folder, written = year
    report = collect(load_station(folder), parse_period("2027"))
    # Programmes: one per approved month; minutes measured on the file (manifest), by hand here.
    manifests = {m: json.loads((folder / "audio_out" / m / "manifest.json").read_text("utf-8")) for m in YEAR}
    assert [p.month for p in report.programmes] == YEAR
    assert report.minutes_produced == pytest.approx(
        sum(round(x["duration_s"] / 60, 1) for x in manifests.values()), abs=0.05
    )
    assert {p.month: p.title for p in report.programmes} == {m: x["title"] for m, x in manifests.items()}
    # Areas: the topic of each approved script, looked up in the topic files by hand.
    areas = {}
    for f in (REPO / "broadcast" / "data" / "topics").glob("*.yaml"):
        t = yaml.safe_load(f.read_text("utf-8"))
        areas[t["id"]] = t["area"]
    for p in report.programmes:
        text = (folder / "audio_out" / p.month / "kich-ban-da-duyet.md").read_text("utf-8")
        topic = re.search(r"^topic: (\S+)", text, re.M).group(1)
        assert p.topic == topic and p.area == areas[topic]
    # Airings: every scheduled airing once; statuses as the simulated as-run wrote them.
    scheduled = {m: schedule_airings(folder, m) for m in YEAR}
    assert len(report.airings) == sum(len(a) for a in scheduled.values())
    whats = [w for m in LOGGED for _d, _s, w in written[m]]
    assert report.count("missed") == whats.count("missed") == 1
    assert report.count("substituted") == whats.count("substituted") == 1
    assert report.count("partial") == whats.count("partial") == 1
    assert report.count("aired") == whats.count("aired")
    assert report.count("planned") == sum(len(scheduled[m]) for m in YEAR if m not in LOGGED)
    assert report.asrun_months == LOGGED
    partial = next(a for a in report.airings if a.status == "partial")
    assert partial.minutes == 1.0 and partial.reason == "mất điện giữa chừng"
    planned = [a for a in report.airings if a.status == "planned"]
    assert all(a.source.startswith("theo lịch") for a in planned)
    # By month: the substituted airing and its reason are in the fallbacks, January's numbers add up.
    jan = report.by_month()[0]
    assert (jan.scheduled, jan.missed, jan.substituted) == (len(scheduled["2027-01"]), 1, 1)
    assert [f.why for f in report.fallbacks] == ["tệp chương trình hỏng"]
    # Legal documents: the months whose approved script names 76/NQ-CP, found by substring here.
    doc = next(d for d in report.legal if d.number == "76/NQ-CP")
    cited = [
        m
        for m in YEAR
        if "76/NQ-CP" in (folder / "audio_out" / m / "kich-ban-da-duyet.md").read_text("utf-8")
    ]
    assert doc.months == cited and doc.issuer == "Chính phủ" and doc.issued == "15/7/2021"
    # Holidays: Tết 2027 (6/2) is one of the days skipped.
    assert date(2027, 2, 6) in [h.date for h in report.holidays]
    # Quarters and halves are the same records cut differently.
    q1 = collect(load_station(folder), parse_period("2027-Q1"))
    h2 = collect(load_station(folder), parse_period("2027-H2"))
    assert len(q1.programmes) == 3 and len(h2.programmes) == 6
    assert len(q1.airings) + sum(len(scheduled[m]) for m in YEAR[3:]) == len(report.airings)


def test_docx_is_in_the_administrative_format(year: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = year
    doc = Document(str(_docx(folder, tmp_path)))
    sec = doc.sections[0]
    mm = {
        k: round(getattr(sec, k).mm, 1)
        for k in ("page_width", "page_height", "top_margin", "bottom_margin", "left_margin", "right_margin")
    }
    assert (mm["page_width"], mm["page_height"]) == (210, 297)
    assert 20 <= mm["top_margin"] <= 25 and 20 <= mm["bottom_margin"] <= 25
    assert 30 <= mm["left_margin"] <= 35 and 15 <= mm["right_margin"] <= 20
    body = [p for p in doc.paragraphs if p.text.strip()]
    for p in body:
        for run in p.runs:
            assert run.font.name == "Times New Roman", p.text
            # 13–14 for the text; the sources note under the tables is a 12 pt footnote
            assert run.font.size.pt in (13, 14) or p.text.startswith("Nguồn số liệu"), (
                p.text,
                run.font.size.pt,
            )
    header = doc.tables[0]
    left, right = header.cell(0, 0).text, header.cell(0, 1).text
    assert "ỦY BAN NHÂN DÂN" in left and "PHƯỜNG TRƯƠNG QUANG TRỌNG" in left
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right and "Độc lập - Tự do - Hạnh phúc" in right
    assert re.match(r"Số:\s+/BC-UBND$", header.cell(1, 0).text)
    assert re.match(r"Trương Quang Trọng, ngày\s+tháng\s+năm 2027$", header.cell(1, 1).text)
    texts = [p.text for p in body]
    i = texts.index("BÁO CÁO")
    assert texts[i + 1] == "Kết quả công tác tuyên truyền cải cách hành chính năm 2027"
    assert any(t.startswith("I. ") for t in texts) and texts[-1].endswith("./.")
    closing = doc.tables[-1]
    assert closing.cell(0, 0).text.startswith("Nơi nhận:")
    assert "- UBND tỉnh Quảng Ngãi (để b/c);" in closing.cell(0, 0).text
    assert closing.cell(0, 0).text.rstrip().endswith("- Lưu: VT, VHXH.")
    sign = closing.cell(0, 1).text
    assert "TM. ỦY BAN NHÂN DÂN" in sign and "CHỦ TỊCH" in sign and sign.rstrip().endswith("Nguyễn Văn A")
    # The by-month table: its total row holds the counts of the report.
    report = collect(load_station(folder), parse_period("2027"))
    by_month = next(
        t for t in doc.tables if t.cell(0, 0).text == "Tháng" and t.cell(0, 1).text == "Lượt theo lịch"
    )
    total = [c.text for c in by_month.rows[-1].cells]
    assert total[:7] == [
        "Cộng",
        str(len(report.airings)),
        str(report.count("aired")),
        str(report.count("partial")),
        str(report.count("missed")),
        str(report.count("substituted")),
        str(report.count("planned")),
    ]
    assert [c.text for c in by_month.rows[1].cells][0] == "1/2027"
    progs = next(t for t in doc.tables if t.cell(0, 1).text == "Tên chương trình")
    assert len(progs.rows) == 1 + 12 + 1
    assert progs.cell(1, 1).text == report.programmes[0].title


def test_spreadsheet_has_a_row_per_programme_and_airing(year: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = year
    out = tmp_path / "phu-luc.xlsx"
    assert (
        run_cli(
            ["report", "--station", str(folder), "--period", "2027", "--format", "xlsx", "--out", str(out)]
        )
        == 0
    )
    wb = load_workbook(out)
    progs = list(wb["Chương trình"].iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in progs] == [f"{int(m[5:])}/2027" for m in YEAR]
    assert all("manifest.json" in r[-1] and "approval.json" in r[-1] for r in progs)
    airings = list(wb["Lượt phát"].iter_rows(min_row=3, values_only=True))
    assert len(airings) == sum(len(schedule_airings(folder, m)) for m in YEAR)
    results = [r[6] for r in airings]
    assert results.count("không phát") == 1 and results.count("phát thay thế") == 1
    assert results.count("theo lịch") == sum(len(schedule_airings(folder, m)) for m in YEAR[3:])


def test_html_has_the_figures(year: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = year
    out = tmp_path / "r.html"
    assert (
        run_cli(
            ["report", "--station", str(folder), "--period", "2027-Q1", "--format", "html", "--out", str(out)]
        )
        == 0
    )
    text = out.read_text("utf-8")
    assert "quý I năm 2027" in text and "Độc lập - Tự do - Hạnh phúc" in text and "phát thay thế" in text


@pytest.mark.parametrize("period", [None, "", "2027-H3", "2027-Q5", "27", "2027/H1", "H1-2027"])
def test_malformed_period_is_a_vietnamese_error(
    tmp_path: Path, capsys: pytest.CaptureFixture, period: str | None
) -> None:
    make_station(tmp_path)
    args = ["report", "--station", str(tmp_path)] + ([] if period is None else ["--period", period])
    assert run_cli(args) == 1
    err = capsys.readouterr().err
    assert "kỳ báo cáo" in err and "2027-H1" in err and "Traceback" not in err
    assert not list(tmp_path.glob("bao-cao*"))


def test_report_settings_errors_name_file_line_field(tmp_path: Path) -> None:
    make_station(tmp_path)
    path = tmp_path / "station.yaml"
    text = path.read_text("utf-8")
    data = yaml.safe_load(text)
    data["report"]["recipients"] = "UBND tỉnh"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    with pytest.raises(ConfigError) as exc:
        load_station(tmp_path)
    assert exc.value.field == "report.recipients" and exc.value.line and "nơi nhận" in exc.value.message
    data["report"]["recipients"] = []
    data["archive"] = {"keep_days": 0}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    with pytest.raises(ConfigError) as exc:
        load_station(tmp_path)
    assert exc.value.field == "archive.keep_days"


def test_station_template_overrides_the_narrative(year: tuple[Path, dict], tmp_path: Path) -> None:
    folder, _ = year
    own = folder / "templates" / "bao-cao.md.j2"
    own.parent.mkdir(exist_ok=True)
    own.write_text("## I. RIÊNG CỦA ĐÀI\nĐã phát {{ t.aired }} lượt.\n", "utf-8")
    try:
        out = _docx(folder, tmp_path, "2027-Q1")
        texts = [p.text for p in Document(str(out)).paragraphs]
        report = collect(load_station(folder), parse_period("2027-Q1"))
        assert f"Đã phát {report.count('aired')} lượt." in texts and "I. RIÊNG CỦA ĐÀI" in texts
        own.write_text("{{ t.khong_co }}\n", "utf-8")
        assert (
            run_cli(
                ["report", "--station", str(folder), "--period", "2027", "--out", str(tmp_path / "x.docx")]
            )
            == 1
        )
    finally:
        own.unlink()
