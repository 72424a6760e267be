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
