"""A station's first month as a new user meets it (issue 12): missing airings, example figures,
calendars that cancel, the operator's sheet, error messages."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from broadcast import schedule as sch
from broadcast.config import load_station

from conftest import make_station, run_cli, station_dir, write_programme  # noqa: F401


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = run_cli(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------- #3 day


def test_day_shows_a_planned_airing_with_no_programme_loudly_and_exits_3(tmp_path, capsys):
    st = load_station(make_station(tmp_path))
    planned = sch.month_calendar(st, "2027-02").airings
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
    ics = st.schedules_dir / "2026-03.ics"
    first = {str(e["uid"]): e for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")}
    assert len(first) == 4
    for e in first.values():
        alarms = e.walk("VALARM")
        assert len(alarms) == 1 and alarms[0].decoded("trigger").total_seconds() == -15 * 60
    (d / "station.yaml").write_text(
        (d / "station.yaml").read_text(encoding="utf-8").replace("per_month: 4", "per_month: 2"), encoding="utf-8"
    )
    st = load_station(d)
    kept = {f"{st.slug}-{a.date:%Y%m%d}-{a.slot}@broadcast-cchc" for a in sch.schedule_month(st, "2026-03").airings}
    second = {str(e["uid"]): e for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")}
    assert set(second) >= set(first)          # nothing silently dropped
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
    events = Calendar.from_ical((st.schedules_dir / "2026-03.ics").read_bytes()).walk("VEVENT")
    assert events and all(not e.walk("VALARM") for e in events)


# --------------------------------------------------------------------------- #4 example figures


def test_approve_refuses_example_figures_unless_confirmed_and_records_it(tmp_path, capsys):
    from broadcast.script import read_script, render_script

    st = load_station(make_station(tmp_path))
    assert yaml.safe_load((st.facts_dir / "2027-01.yaml").read_text(encoding="utf-8"))["example"] is True
    render_script(st, "2027-01")
    code, out, err = _run(capsys, "approve", "--station", str(st.dir), "--month", "2027-01", "--by", "Nguyễn Văn A")
    assert code == 1
    assert "SỐ LIỆU VÍ DỤ" in err and "2027-01.yaml" in err and "--confirm-example-figures" in err
    assert not read_script(st.script_path("2027-01")).approved
    code, out, _ = _run(capsys, "approve", "--station", str(st.dir), "--month", "2027-01", "--by", "Nguyễn Văn A",
                        "--confirm-example-figures")
    assert code == 0 and "SỐ LIỆU VÍ DỤ" in out
    script = read_script(st.script_path("2027-01"))
    assert script.approved and script.meta["example_figures_confirmed"] is True
    assert script.meta["approved_at"].endswith("+07:00")   # station time, with its offset


def test_approve_of_real_figures_needs_no_confirmation(tmp_path, capsys):
    from broadcast.script import read_script, render_script

    st = load_station(make_station(tmp_path))
    facts = st.facts_dir / "2027-01.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("example: true", "example: false"), encoding="utf-8")
    render_script(st, "2027-01")
    code, _, _ = _run(capsys, "approve", "--station", str(st.dir), "--month", "2027-01", "--by", "Nguyễn Văn A")
    assert code == 0
    assert "example_figures_confirmed" not in read_script(st.script_path("2027-01")).meta


# --------------------------------------------------------------------------- #10 operator's sheet


def test_sheet_has_end_times_a_tick_column_and_marks_fallback_voice_and_example_figures(tmp_path):
    import json

    from broadcast.script import _compose, set_front_matter, split_front_matter

    st = load_station(station_dir(tmp_path))
    write_programme(st, "2026-03", seconds=754)          # 12:34 -> ends 06:13 (a started minute counts)
    sch.schedule_month(st, "2026-03", now=datetime(2026, 3, 1, 1, 0))
    first = sch.month_calendar(st, "2026-03").airings[0]
    sheet = st.days_dir / first[0].isoformat() / sch.RUNNING_ORDER
    page = sheet.read_text(encoding="utf-8")
    slot = st.slot(first[1])
    assert "Đã phát" in page and "☐" in page
    end_minute = slot.start.hour * 60 + slot.start.minute + 13
    assert f"{slot.start:%H:%M} – {end_minute // 60:02d}:{end_minute % 60:02d}" in page
    assert "GIỌNG DỰ PHÒNG" not in page and "SỐ LIỆU VÍ DỤ" not in page
    assert "Lập lúc 01:00 ngày 01/03/2026" in page           # station time, as given
    # The same programme voiced by the fallback engine, approved with example figures.
    mf = st.programme_dir("2026-03") / "manifest.json"
    m = json.loads(mf.read_text(encoding="utf-8"))
    m["degraded"] = True
    mf.write_text(json.dumps(m), encoding="utf-8")
    p = st.script_path("2026-03")
    fm, body, _ = split_front_matter(p.read_text(encoding="utf-8"), p)
    p.write_text(_compose(set_front_matter(fm, {"example_figures_confirmed": True}), body), encoding="utf-8")
    sch.schedule_month(st, "2026-03", now=datetime(2026, 3, 1, 1, 0, tzinfo=__import__("zoneinfo").ZoneInfo("UTC")))
    page = sheet.read_text(encoding="utf-8")
    assert "GIỌNG DỰ PHÒNG" in page and "SỐ LIỆU VÍ DỤ" in page
    assert "Lập lúc 08:00 ngày 01/03/2026" in page           # 01:00 UTC is 08:00 in Việt Nam


# --------------------------------------------------------------------------- #2 the first month


def test_make_without_month_also_makes_the_rest_of_the_current_month(tmp_path):
    from broadcast.cli.make import months_to_make

    st = load_station(station_dir(tmp_path))
    airings = sch.month_calendar(st, "2026-03").airings
    before_first = airings[0][0]
    after_last = date(2026, 3, 31)
    assert after_last > airings[-1][0]
    assert months_to_make(st, before_first) == ["2026-03", "2026-04"]
    assert months_to_make(st, after_last) == ["2026-04"]          # nothing left to air this month
    write_programme(st, "2026-03")
    sch.schedule_month(st, "2026-03")
    assert months_to_make(st, before_first) == ["2026-04"]        # already has its programme


def test_standing_notice_is_mastered_to_the_target_and_tagged(tmp_path):
    from mutagen.id3 import ID3

    from broadcast.loudness import measure_file

    d = station_dir(tmp_path)
    data = yaml.safe_load((d / "station.yaml").read_text(encoding="utf-8"))
    data["audio"]["target_lufs"] = -15
    (d / "station.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    st = load_station(d)
    notice = sch.standing_notice(st)
    m = measure_file(notice.path)                # the exported MP3, with the project's meter
    assert abs(m.lufs - st.audio.target_lufs) <= 1.0
    assert m.true_peak_dbtp <= st.audio.true_peak_dbtp
    tags = ID3(notice.path)
    assert str(tags["TIT2"]) == notice.title and str(tags["TPE1"]) == st.name
