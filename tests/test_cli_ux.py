"""What a user sees from the command line: Vietnamese help and usage errors, dates as staff write them."""

from __future__ import annotations

import pytest
from conftest import make_station, run_cli_captured

_run = run_cli_captured


def test_top_level_help_is_vietnamese(capsys):
    code, out, _ = _run(capsys, "--help")
    assert code == 0
    assert "Cách dùng: broadcast [TÙY_CHỌN] LỆNH" in out
    assert "Tùy chọn:" in out and "Các lệnh:" in out
    assert "Xem hướng dẫn này rồi thoát." in out
    for english in ("Usage:", "Options:", "Commands:", "Show this message"):
        assert english not in out


def test_command_help_names_the_station_folder_in_vietnamese(capsys):
    code, out, _ = _run(capsys, "day", "--help")
    assert code == 0
    assert "--station THƯ_MỤC" in out
    assert "mặc định" in out and "default" not in out


def test_missing_option_is_a_vietnamese_usage_error_with_exit_1(capsys, tmp_path):
    code, _, err = _run(capsys, "approve", "--station", str(tmp_path), "--month", "2027-02")
    assert code == 1
    assert "Lỗi: Thiếu tùy chọn '--by'." in err
    assert "Xem hướng dẫn: broadcast approve -h" in err
    assert "Error" not in err and "Missing" not in err


def test_unknown_command_and_bad_number_are_explained(capsys):
    code, _, err = _run(capsys, "mak")
    assert code == 1 and "Không có lệnh 'mak'" in err
    code, _, err = _run(capsys, "check-air", "--days", "x")
    assert code == 1 and "'x' không phải là một số" in err
    code, _, err = _run(capsys, "make", "--month")
    assert code == 1 and "Tùy chọn --month cần đi kèm một giá trị." in err


@pytest.mark.parametrize("written", ["2027-02-11", "11/02/2027", "11/2/2027", "2027-2-11", "11.02.2027"])
def test_day_accepts_dates_as_staff_write_them(capsys, tmp_path, written):
    station = make_station(tmp_path)
    code, out, _ = _run(capsys, "day", written, "--station", str(station))
    assert code == 3  # 11/02/2027 is a planned airing and this fresh station has no programme
    assert "ngày 11/02/2027" in out


def test_day_rejects_an_impossible_date_with_both_forms_in_the_hint(capsys, tmp_path):
    station = make_station(tmp_path)
    code, _, err = _run(capsys, "day", "31/02/2027", "--station", str(station))
    assert code == 1
    assert "'31/02/2027'" in err and "2026-12-05" in err and "05/12/2026" in err
    assert "Traceback" not in err


def test_daemon_run_due_reports_each_job_once_in_vietnamese(capsys, tmp_path, monkeypatch):
    import logging

    from broadcast import automation
    from broadcast.automation import JobRun

    station = make_station(tmp_path)

    def fake_run_due(st, now, **_kw):
        detail = "tháng 2027-03: đã dựng nhưng kịch bản CHƯA ĐƯỢC DUYỆT."
        # What run_job does: log the outcome (the CLI must not print it a second time).
        logging.getLogger("broadcast.automation").warning("generate: waiting_approval — %s", detail)
        return [JobRun("generate", now.isoformat(), None, outcome="waiting_approval", detail=detail)]

    monkeypatch.setattr("broadcast.cli.daemon.run_due", fake_run_due)
    assert automation.JOBS  # the real module is importable
    code, out, err = _run(
        capsys, "daemon", "--run-due", "--now", "2027-02-20T08:05", "--station", str(station)
    )
    assert code == 1
    assert "[Làm chương trình tháng sau] CHỜ DUYỆT (waiting_approval)" in out
    assert (out + err).count("CHƯA ĐƯỢC DUYỆT") == 1
    assert "automation.log" in err


def test_init_makes_a_real_station_with_the_facts_guide(capsys, tmp_path):
    from broadcast.config import load_station

    target = tmp_path / "xa-tan-lien"
    code, out, _ = _run(capsys, "init", str(target))
    assert code == 0
    assert load_station(target).example is False
    assert (target / "facts" / "README.md").read_text(encoding="utf-8").startswith("# Số liệu")
    assert "station.yaml" in out and "facts/README.md" in out
    code, _, err = _run(capsys, "init", str(target))
    assert code == 1 and "không ghi đè" in err


def test_produce_says_a_draft_is_for_listening_only(capsys, tmp_path, monkeypatch):
    station = make_station(tmp_path)
    code, _, _ = _run(capsys, "script", "--month", "2027-02", "--station", str(station))
    assert code == 0
    monkeypatch.setattr("broadcast.cli.produce.produce_month", lambda *a, **k: (None, False))
    code, out, _ = _run(capsys, "produce", "--month", "2027-02", "--station", str(station))
    assert code == 0
    assert "CHƯA ĐƯỢC DUYỆT" in out and "broadcast approve --month 2027-02" in out
    code, _, _ = _run(
        capsys, "approve", "--month", "2027-02", "--by", "Nguyễn Văn A", "--station", str(station)
    )
    assert code == 0
    code, out, _ = _run(capsys, "produce", "--month", "2027-02", "--station", str(station))
    assert "CHƯA ĐƯỢC DUYỆT" not in out


def test_an_unexpected_os_error_is_a_sentence_and_exit_2(tmp_path, capsys, monkeypatch):
    from conftest import make_station

    import broadcast.cli.make as make_cmd
    from broadcast.cli import main

    d = make_station(tmp_path)

    def locked(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(d / "audio_out" / "x.mp3"))

    monkeypatch.setattr(make_cmd, "make", locked)
    with pytest.raises(SystemExit) as ex:
        main(["make", "--station", str(d), "--month", "2027-01"])
    err = capsys.readouterr().err
    assert ex.value.code == 2
    assert "x.mp3" in err and "Traceback" not in err and "Cách sửa" in err
