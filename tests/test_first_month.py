"""A station's first month as a new user meets it (issue 12): missing airings, example figures,
calendars that cancel, the operator's sheet, error messages."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from conftest import make_station, run_cli, station_dir, write_programme  # noqa: F401

from broadcast import calendar as oncal
from broadcast import readiness
from broadcast import schedule as sch
from broadcast.config import load_station
from broadcast.render.sheet import RUNNING_ORDER


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = run_cli(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- #3 day


def test_day_shows_a_planned_airing_with_no_programme_loudly_and_exits_3(tmp_path, capsys):
    st = load_station(make_station(tmp_path))
    planned = oncal.month_calendar(st, "2027-02").airings
    day, slot = planned[0]
    code, out, _ = _run(capsys, "day", day.isoformat(), "--station", str(st.dir))
    assert code == 3
    assert "CHƯA CÓ CHƯƠNG TRÌNH" in out and st.slot(slot).name in out
    assert "broadcast make --month 2027-02" in out
    assert "Không có chuyên mục CCHC" not in out
    # A day with nothing planned stays quiet, exit 0.
    free = next(date(2027, 2, d) for d in range(1, 29) if date(2027, 2, d) not in {p[0] for p in planned})
    code, out, _ = _run(capsys, "day", free.isoformat(), "--station", str(st.dir))
    assert code == 0 and "Không có chuyên mục CCHC phát trong ngày này." in out


# --------------------------------------------------------------------------- #9 calendar


def test_calendar_cancels_removed_airings_with_a_higher_sequence_and_has_reminders(tmp_path):
    from icalendar import Calendar

    d = station_dir(tmp_path)
    st = load_station(d)
    write_programme(st, "2026-03")
    sch.schedule_month(st, "2026-03")
    ics = st.store.schedules_dir / "2026-03.ics"
    first = {str(e["uid"]): e for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")}
    assert len(first) == 4
    for e in first.values():
        alarms = e.walk("VALARM")
        assert len(alarms) == 1 and alarms[0].decoded("trigger").total_seconds() == -15 * 60
    (d / "station.yaml").write_text(
        (d / "station.yaml").read_text(encoding="utf-8").replace("per_month: 4", "per_month: 2"),
        encoding="utf-8",
    )
    st = load_station(d)
    kept = {
        f"{st.slug}-{a.date:%Y%m%d}-{a.slot}@broadcast-cchc"
        for a in sch.schedule_month(st, "2026-03").airings
    }
    second = {str(e["uid"]): e for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")}
    assert set(second) >= set(first)  # nothing silently dropped
    gone = set(first) - kept
    assert gone
    for uid in gone:
        assert str(second[uid]["status"]) == "CANCELLED"
        assert int(second[uid]["sequence"]) > int(first[uid].get("sequence", 0))
    for uid in kept & set(first):
        assert str(second[uid]["status"]) == "CONFIRMED"
    text = ics.read_text(encoding="utf-8")
    assert "This timezone" not in text and "COMMENT" not in text


def test_calendar_reminder_follows_the_setting(tmp_path):
    from icalendar import Calendar

    d = station_dir(tmp_path)
    data = yaml.safe_load((d / "station.yaml").read_text(encoding="utf-8"))
    data["airing"]["reminder_min"] = 0
    (d / "station.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    st = load_station(d)
    write_programme(st, "2026-03")
    sch.schedule_month(st, "2026-03")
    events = Calendar.from_ical((st.store.schedules_dir / "2026-03.ics").read_bytes()).walk("VEVENT")
    assert events and all(not e.walk("VALARM") for e in events)


# --------------------------------------------------------------------------- #4 example figures


def test_approve_refuses_example_figures_unless_confirmed_and_records_it(tmp_path, capsys):
    from broadcast.script import read_script, render_script

    st = load_station(make_station(tmp_path))
    assert (
        yaml.safe_load((st.store.facts_dir / "2027-01.yaml").read_text(encoding="utf-8"))["example"] is True
    )
    render_script(st, "2027-01")
    code, out, err = _run(
        capsys, "approve", "--station", str(st.dir), "--month", "2027-01", "--by", "Nguyễn Văn A"
    )
    assert code == 1
    assert "SỐ LIỆU VÍ DỤ" in err and "2027-01.yaml" in err and "--confirm-example-figures" in err
    assert not read_script(st.store.script_path("2027-01")).approved
    code, out, _ = _run(
        capsys,
        "approve",
        "--station",
        str(st.dir),
        "--month",
        "2027-01",
        "--by",
        "Nguyễn Văn A",
        "--confirm-example-figures",
    )
    assert code == 0 and "SỐ LIỆU VÍ DỤ" in out
    script = read_script(st.store.script_path("2027-01"))
    assert script.approved and script.meta["example_figures_confirmed"] is True
    assert script.meta["approved_at"].endswith("+07:00")  # station time, with its offset


def test_approve_of_real_figures_needs_no_confirmation(tmp_path, capsys):
    from broadcast.script import read_script, render_script

    st = load_station(make_station(tmp_path))
    facts = st.store.facts_dir / "2027-01.yaml"
    facts.write_text(
        facts.read_text(encoding="utf-8").replace("example: true", "example: false"), encoding="utf-8"
    )
    render_script(st, "2027-01")
    code, _, _ = _run(
        capsys, "approve", "--station", str(st.dir), "--month", "2027-01", "--by", "Nguyễn Văn A"
    )
    assert code == 0
    assert "example_figures_confirmed" not in read_script(st.store.script_path("2027-01")).meta


# --------------------------------------------------------------------------- #10 operator's sheet


def test_sheet_has_end_times_a_tick_column_and_marks_fallback_voice_and_example_figures(tmp_path):
    import json

    from broadcast.script import _compose, set_front_matter, split_front_matter

    st = load_station(station_dir(tmp_path))
    write_programme(st, "2026-03", seconds=754)  # 12:34 -> ends 06:13 (a started minute counts)
    sch.schedule_month(st, "2026-03", now=datetime(2026, 3, 1, 1, 0))
    first = oncal.month_calendar(st, "2026-03").airings[0]
    sheet = st.store.days_dir / first[0].isoformat() / RUNNING_ORDER
    page = sheet.read_text(encoding="utf-8")
    slot = st.slot(first[1])
    assert "Đã phát" in page and "☐" in page
    end_minute = slot.start.hour * 60 + slot.start.minute + 13
    assert f"{slot.start:%H:%M} – {end_minute // 60:02d}:{end_minute % 60:02d}" in page
    assert "GIỌNG DỰ PHÒNG" not in page and "SỐ LIỆU VÍ DỤ" not in page
    assert "Lập lúc 01:00 ngày 01/03/2026" in page  # station time, as given
    # The same programme voiced by the fallback engine, approved with example figures.
    mf = st.store.programme_dir("2026-03") / "manifest.json"
    m = json.loads(mf.read_text(encoding="utf-8"))
    m["degraded"] = True
    mf.write_text(json.dumps(m), encoding="utf-8")
    p = st.store.script_path("2026-03")
    fm, body, _ = split_front_matter(p.read_text(encoding="utf-8"), p)
    p.write_text(_compose(set_front_matter(fm, {"example_figures_confirmed": True}), body), encoding="utf-8")
    sch.schedule_month(
        st, "2026-03", now=datetime(2026, 3, 1, 1, 0, tzinfo=__import__("zoneinfo").ZoneInfo("UTC"))
    )
    page = sheet.read_text(encoding="utf-8")
    assert "GIỌNG DỰ PHÒNG" in page and "SỐ LIỆU VÍ DỤ" in page
    assert "Lập lúc 08:00 ngày 01/03/2026" in page  # 01:00 UTC is 08:00 in Việt Nam


# --------------------------------------------------------------------------- #2 the first month


def test_make_without_month_also_makes_the_rest_of_the_current_month(tmp_path):
    from broadcast.pipeline import months_to_make

    st = load_station(station_dir(tmp_path))
    airings = oncal.month_calendar(st, "2026-03").airings
    before_first = airings[0][0]
    after_last = date(2026, 3, 31)
    assert after_last > airings[-1][0]
    assert months_to_make(st, before_first) == ["2026-03", "2026-04"]
    assert months_to_make(st, after_last) == ["2026-04"]  # nothing left to air this month
    write_programme(st, "2026-03")
    sch.schedule_month(st, "2026-03")
    assert months_to_make(st, before_first) == ["2026-04"]  # already has its programme


def test_standing_notice_is_mastered_to_the_target_and_tagged(tmp_path):
    from mutagen.id3 import ID3

    from broadcast.loudness import measure_file

    d = station_dir(tmp_path)
    data = yaml.safe_load((d / "station.yaml").read_text(encoding="utf-8"))
    data["audio"]["target_lufs"] = -15
    (d / "station.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    st = load_station(d)
    notice = readiness.standing_notice(st)
    m = measure_file(notice.path)  # the exported MP3, with the project's meter
    assert abs(m.lufs - st.audio.target_lufs) <= 1.0
    assert m.true_peak_dbtp <= st.audio.true_peak_dbtp
    tags = ID3(notice.path)
    assert str(tags["TIT2"]) == notice.title and str(tags["TPE1"]) == st.name


# --------------------------------------------------------------------------- #11 smaller error gaps


def test_a_wrong_month_fails_before_any_progress_line(tmp_path, capsys):
    st = make_station(tmp_path)
    code, out, err = _run(capsys, "make", "--station", str(st), "--month", "2027-13")
    assert code == 1 and "tháng không hợp lệ: '2027-13'" in err
    assert "Làm chương trình" not in err + out


def test_month_as_staff_write_it(tmp_path, capsys):
    from broadcast.config import validate_month

    assert validate_month("12/2026") == "2026-12" and validate_month("1/2027") == "2027-01"
    st = make_station(tmp_path)
    code, out, _ = _run(capsys, "script", "--station", str(st), "--month", "01/2027")
    assert code == 0 and (st / "scripts" / "2027-01.md").is_file()


def test_a_two_digit_year_gets_a_hint(tmp_path, capsys):
    code, _, err = _run(capsys, "plan", "--station", str(make_station(tmp_path)), "--year", "27")
    assert code == 1 and "--year 2027" in err and "4 chữ số" in err


def test_an_unquoted_colon_in_the_title_is_explained_in_vietnamese(tmp_path, capsys):
    from broadcast.script import render_script

    st = load_station(make_station(tmp_path))
    path = render_script(st, "2027-01")
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    n = next(i for i, ln in enumerate(lines) if ln.startswith("title:"))
    lines[n] = "title: Dịch vụ công: nộp hồ sơ trên mạng"
    path.write_text("\n".join(lines), encoding="utf-8")
    code, _, err = _run(capsys, "check", "--station", str(st.dir), "--month", "2027-01")
    assert code == 1
    assert f"dòng {n + 1}" in err and "dấu hai chấm" in err
    assert "mapping values" not in err and "not allowed" not in err


def test_a_facts_typo_gets_a_suggestion(tmp_path):
    from broadcast.errors import ConfigError
    from broadcast.topics import load_facts

    st = load_station(make_station(tmp_path))
    f = st.store.facts_dir / "2027-01.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("received:", "recieved:", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_facts(st, "2027-01")
    assert "Có phải ý bạn là 'received'?" in str(exc.value) and "2027-01.yaml" in str(exc.value)


@pytest.mark.parametrize(
    "change, key",
    [
        ({"on_time_rate": 99.1, "overdue": 0}, "on_time_rate"),
        ({"on_time_rate": 100, "overdue": 4}, "on_time_rate"),
        ({"received": 100, "online_received": 120}, "online_received"),
        ({"received": 1000, "online_received": 500, "online_share": 68}, "online_share"),
    ],
)
def test_facts_that_contradict_each_other_are_refused_at_their_line(tmp_path, change, key):
    from broadcast.errors import ConfigError
    from broadcast.topics import load_facts

    st = load_station(make_station(tmp_path))
    f = st.store.facts_dir / "2027-03.yaml"
    f.write_text(yaml.safe_dump({"example": False, **change}), encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_facts(st, "2027-03")
    text = yaml.safe_dump({"example": False, **change}).split("\n")
    assert exc.value.line == next(i + 1 for i, ln in enumerate(text) if ln.startswith(key + ":"))
    assert "mâu thuẫn" in exc.value.message


def test_the_example_facts_agree_with_themselves(tmp_path):
    from broadcast.topics import load_facts

    st = load_station(make_station(tmp_path))
    for month in ("2026-12", "2027-01"):
        assert load_facts(st, month).present


def test_every_body_error_is_reported_at_once(tmp_path):
    from broadcast.errors import ScriptError
    from broadcast.script import parse_script

    text = (
        '---\nmonth: "2027-01"\n---\n## Mở đầu\n[nhạc hiệu]\nChào bà con [[nghỉ 1]] nhé.\n'
        "##\n<!-- chưa đóng\n"
    )
    with pytest.raises(ScriptError) as exc:
        parse_script(text, Path("scripts/2027-01.md"))
    msg = exc.value.message
    assert "4 chỗ cần sửa" in msg
    for line in (5, 6, 7, 8):
        assert f"dòng {line}:" in msg


def test_a_month_outside_the_national_programme_is_refused(tmp_path, capsys):
    code, _, err = _run(capsys, "script", "--station", str(make_station(tmp_path)), "--month", "2020-01")
    assert code == 1 and "2021–2030" in err and "gõ nhầm năm" in err


def test_check_catches_a_slot_too_short_for_the_programme(tmp_path, capsys):
    from broadcast.script import render_script

    d = make_station(tmp_path)
    data = yaml.safe_load((d / "station.yaml").read_text(encoding="utf-8"))
    data["slots"][0]["length_min"] = 10
    (d / "station.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    st = load_station(d)
    render_script(st, "2027-02")
    code, out, err = _run(capsys, "check", "--station", str(d), "--month", "2027-02")
    assert code == 1
    assert "KHÔNG VỪA BUỔI PHÁT" in out and "length_min" in err and "station.yaml" in err


def test_a_wrong_ffmpeg_override_is_an_environment_error(tmp_path, monkeypatch):
    from broadcast import audiotools
    from broadcast.errors import EnvironmentProblem

    audiotools._which.cache_clear()
    monkeypatch.setenv("BROADCAST_FFMPEG", "/nope/ffmpeg")
    try:
        with pytest.raises(EnvironmentProblem) as exc:
            audiotools.find_ffmpeg()
        assert (
            exc.value.exit_code == 2
            and "BROADCAST_FFMPEG" in str(exc.value)
            and "/nope/ffmpeg" in str(exc.value)
        )
    finally:
        audiotools._which.cache_clear()


def test_help_has_no_english_metavars_and_there_is_a_version(capsys):
    from broadcast.cli import _COMMANDS

    outs = []
    for name in [""] + [c.replace("_", "-") for c in _COMMANDS] + ["voices install"]:
        code, out, _ = _run(capsys, *(name.split() + ["--help"]))
        assert code == 0
        outs.append(out)
    joined = "\n".join(outs)
    for english in ("INTEGER", "RANGE", "DIRECTORY", " NAME", "TEXT", "PATH", "FLOAT"):
        assert english not in joined
    code, out, _ = _run(capsys, "--version")
    import broadcast

    assert code == 0 and out.strip() == f"broadcast phiên bản {broadcast.__version__}"


def test_make_summary_counts_voices_without_contradiction():
    from broadcast.cli.make import summary
    from broadcast.models.programme import Manifest
    from broadcast.pipeline import MakeResult

    m = Manifest(
        month="2027-01",
        title="T",
        file="x.mp3",
        duration_s=720,
        loudness_lufs=-16,
        true_peak_dbtp=-2,
        sample_rate=44100,
        channels=1,
        bitrate_kbps=128,
        script_sha256="0",
        degraded=True,
        engines={"espeak-ng": 122},
        clips_synthesized=0,
        clips_cached=122,
    )
    text = summary(
        MakeResult(month="2027-01", script=Path("scripts/2027-01.md"), manifest=m), Path("."), "gtts"
    )
    assert "tổng 122 câu: espeak-ng 122 câu" in text and "thay cho gtts" in text


def test_daemon_says_which_job_needs_attention_and_starts_without_a_warning_label(
    capsys, tmp_path, monkeypatch
):
    import logging

    from broadcast import automation
    from broadcast.cli import daemon as daemon_cli

    st = make_station(tmp_path)

    def fake_run_due(station, now, **_kw):
        from types import SimpleNamespace as Run

        return [
            Run(job="generate", outcome="waiting_approval", detail="chờ duyệt", next_steps=[]),
            Run(job="prepare", outcome="ok", detail="Các lần phát kể trên đều sẵn sàng.", next_steps=[]),
        ]

    monkeypatch.setattr(daemon_cli, "run_due", fake_run_due)
    code, out, err = _run(capsys, "daemon", "--station", str(st), "--run-due")
    assert code == 1
    assert "Cần xem lại — Làm chương trình tháng sau: CHỜ DUYỆT" in err
    assert "Tất cả đã sẵn sàng" not in out

    # The start line of the daemon is information (the CLI prints it), not a "Cảnh báo".
    class _Sched:
        def start(self):
            pass

        def shutdown(self, wait=True):
            pass

    import threading

    monkeypatch.setattr(automation, "_run_due_locked", lambda station, now: [])
    monkeypatch.setattr(automation, "build_scheduler", lambda station, blocking=True: _Sched())
    stop = threading.Event()
    stop.set()
    records = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = records.append
    logging.getLogger("broadcast").addHandler(handler)
    try:
        automation.run_daemon(load_station(st), stop=stop)
    finally:
        logging.getLogger("broadcast").removeHandler(handler)
    assert not [r for r in records if "chế độ tự động" in r.getMessage()]
