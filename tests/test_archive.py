"""`broadcast archive`: aired months copied with a checksum list that verifies; the report from
the archive alone equals the report from the live records; day folders older than keep_days are
removed only for archived months, never the archive."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import run_cli
from report_records import make_months, simulate_asrun

from broadcast.config import load_station
from broadcast.errors import ConfigError
from broadcast.report import archive
from broadcast.report.collect import CHECKSUMS, ArchiveRecords, collect
from broadcast.report.models import parse_period

MONTHS = ["2027-01", "2027-02"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("archive-src")
    station = make_months(folder, MONTHS)
    simulate_asrun(station, MONTHS)
    return folder


@pytest.fixture
def station_copy(made: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "st"
    shutil.copytree(made, dest, symlinks=True)
    return dest


def _figures(report) -> dict:  # type: ignore[no-untyped-def]
    """The report without the record paths (which say where the records were read)."""
    d = dataclasses.asdict(report)
    for key in ("programmes", "airings", "legal", "fallbacks", "holidays"):
        for row in d[key]:
            row.pop("source")
    d.pop("from_archive")
    return d


def test_archive_checksums_verify_and_report_from_archive_equals_live(station_copy: Path) -> None:
    st = load_station(station_copy)
    live = collect(st, parse_period("2027-Q1"))
    result = archive.run(st, date(2027, 3, 1), prune=False)
    assert result.archived == MONTHS
    for month in MONTHS:
        folder = station_copy / "archive" / "2027" / month
        lines = (folder / CHECKSUMS).read_text("utf-8").splitlines()
        listed = {name: digest for digest, name in (line.split("  ", 1) for line in lines)}
        # Every file is listed, and each digest is the file's sha256 (computed here independently).
        assert set(listed) == {p.name for p in folder.iterdir() if p.name != CHECKSUMS}
        for name, digest in listed.items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
        assert {
            "manifest.json",
            "approval.json",
            "kich-ban-da-duyet.md",
            "lich-phat.yaml",
            "nhat-ky-phat-song.csv",
            "nhat-ky-phat-song.json",
        } <= set(listed)
        assert any(n.endswith(".mp3") for n in listed)
        assert archive.verify(st, month) == []
    # The report from the archive alone: remove every live record first.
    for gone in ("audio_out", "schedules", ".broadcast", "scripts"):
        shutil.rmtree(station_copy / gone)
    from_archive = collect(st, parse_period("2027-Q1"), ArchiveRecords(st))
    assert from_archive.from_archive and not live.from_archive
    assert _figures(from_archive) == _figures(live)
    assert from_archive.count("missed") == 1 and from_archive.count("substituted") == 1
    assert from_archive.programmes[0].source.startswith("archive/2027/2027-01/")
    out = station_copy / "r.docx"
    assert (
        run_cli(
            [
                "report",
                "--station",
                str(station_copy),
                "--period",
                "2027-Q1",
                "--from-archive",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert out.stat().st_size > 0


def test_month_not_aired_yet_is_not_archived(station_copy: Path, capsys: pytest.CaptureFixture) -> None:
    st = load_station(station_copy)
    result = archive.run(st, date(2027, 2, 10), prune=False)
    assert result.archived == ["2027-01"] and "chưa phát xong" in result.not_ready["2027-02"]
    assert run_cli(["archive", "--station", str(station_copy), "--month", "2099-02"]) == 1
    assert "chưa có chương trình đã duyệt" in capsys.readouterr().out


def test_tampered_archive_is_reported(station_copy: Path, capsys: pytest.CaptureFixture) -> None:
    st = load_station(station_copy)
    archive.run(st, date(2027, 3, 1), prune=False)
    assert run_cli(["archive", "--station", str(station_copy), "--check"]) == 0
    approval = station_copy / "archive" / "2027" / "2027-01" / "approval.json"
    approval.write_text(approval.read_text("utf-8").replace("tự động", "người khác"), "utf-8")
    assert archive.verify(st, "2027-01") == ["tệp approval.json đã bị thay đổi (mã kiểm tra không khớp)"]
    capsys.readouterr()
    assert run_cli(["archive", "--station", str(station_copy), "--check"]) == 1
    assert "2027-01: tệp approval.json đã bị thay đổi" in capsys.readouterr().out


def test_retention_removes_old_day_folders_of_archived_months_only(station_copy: Path) -> None:
    st = load_station(station_copy)
    days = {p.name for p in (station_copy / "audio_out" / "days").iterdir()}
    jan = sorted(d for d in days if d.startswith("2027-01"))
    feb = sorted(d for d in days if d.startswith("2027-02"))
    assert jan and feb
    # Archive January only; on 2027-06-01 with keep_days 90 every January/February day is old.
    archive.archive_month(st, "2027-01", date(2027, 3, 1))
    archived_before = {p: p.read_bytes() for p in (station_copy / "archive").rglob("*") if p.is_file()}
    result = archive.ArchiveResult()
    archive.prune_days(st, date(2027, 6, 1), 90, result)
    left = {p.name for p in (station_copy / "audio_out" / "days").iterdir()}
    assert not (set(jan) & left) and set(feb) <= left
    assert [d.isoformat() for d in result.removed_days] == jan
    assert {d.isoformat() for d in result.kept_days} == set(feb)
    assert {
        p: p.read_bytes() for p in (station_copy / "archive").rglob("*") if p.is_file()
    } == archived_before
    # Days younger than keep_days stay even when archived.
    archive.archive_month(st, "2027-02", date(2027, 3, 1))
    result = archive.ArchiveResult()
    archive.prune_days(st, date(2027, 3, 1), 90, result)
    assert result.removed_days == [] and set(feb) <= {
        p.name for p in (station_copy / "audio_out" / "days").iterdir()
    }


def test_broken_archived_asrun_is_a_located_error(station_copy: Path, capsys: pytest.CaptureFixture) -> None:
    st = load_station(station_copy)
    archive.run(st, date(2027, 3, 1), prune=False)
    log = station_copy / "archive" / "2027" / "2027-01" / "nhat-ky-phat-song.json"
    log.write_text("[{", "utf-8")
    args = [
        "report",
        "--station",
        str(station_copy),
        "--period",
        "2027-Q1",
        "--from-archive",
        "--out",
        str(station_copy / "r.docx"),
    ]
    assert run_cli(args) == 1
    err = capsys.readouterr().err
    assert "nhat-ky-phat-song.json" in err and "Traceback" not in err
    assert not (station_copy / "r.docx").exists()


def test_manifest_naming_a_file_outside_is_refused(station_copy: Path) -> None:
    st = load_station(station_copy)
    manifest = station_copy / "audio_out" / "2027-01" / "manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    data["file"] = "../../station.yaml"
    manifest.write_text(json.dumps(data), "utf-8")
    with pytest.raises(ConfigError):
        archive.archive_month(st, "2027-01", date(2027, 3, 1))
    assert not (station_copy / "archive" / "2027" / "2027-01").exists()


def test_the_evening_job_archives_a_month_once_it_has_aired(station_copy: Path) -> None:
    from datetime import datetime

    from broadcast import automation
    from broadcast.calendar import TZ

    run = automation.job_prepare(station_copy, datetime(2027, 3, 1, 20, 0, tzinfo=TZ))
    assert "Lưu trữ: 2027-01, 2027-02" in run.detail
    for month in MONTHS:
        assert (station_copy / "archive" / "2027" / month / CHECKSUMS).is_file()
    again = automation.job_prepare(station_copy, datetime(2027, 3, 2, 20, 0, tzinfo=TZ))
    assert "Lưu trữ" not in again.detail  # nothing new: archived once
