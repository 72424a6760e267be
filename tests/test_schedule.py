"""On air: calendar, daily folders, approval gate, readiness and the operator's running order.

Programmes are small fakes made here: a real (short) MP3 from ffmpeg, a manifest.json with
the DESIGN §5 fields and a script whose approval hash is computed by broadcast.script.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from conftest import make_station, run_cli, station_dir, tone_mp3, write_programme, write_script  # noqa: F401

from broadcast import calendar as oncal
from broadcast import readiness
from broadcast import schedule as sch
from broadcast.cli.wording import error_text
from broadcast.config import load_station
from broadcast.errors import EnvironmentProblem, ScheduleError


def days_in(st, month: str) -> list[str]:
    if not st.store.days_dir.is_dir():
        return []
    return sorted(p.name for p in st.store.days_dir.iterdir() if p.name.startswith(month))


# --------------------------------------------------------------------------- calendar


def test_holidays_library_knows_tet_and_hung_kings():
    h = oncal.vn_holidays(2026)
    assert "Tết Nguyên Đán" in h[date(2026, 2, 17)]
    assert "Giỗ Tổ Hùng Vương" in h[date(2026, 4, 26)]
    assert date(2026, 4, 30) in h and date(2026, 5, 1) in h and date(2026, 9, 2) in h
    # Lunar dates move: Tết 2027 is on 6 February.
    assert "Tết Nguyên Đán" in oncal.vn_holidays(2027)[date(2027, 2, 6)]


@pytest.mark.parametrize(
    "month,holidays",
    [
        ("2026-02", [date(2026, 2, d) for d in (16, 17, 18, 19, 20)]),
        ("2026-04", [date(2026, 4, 26), date(2026, 4, 27), date(2026, 4, 30)]),
        ("2026-05", [date(2026, 5, 1)]),
        ("2026-09", [date(2026, 9, 1), date(2026, 9, 2)]),
    ],
)
def test_holidays_are_never_air_days(tmp_path, month, holidays):
    # Air every possible day: only holidays are left out.
    st = load_station(station_dir(tmp_path, airing={"per_month": 20, "from_day": 1}))
    cal = oncal.month_calendar(st, month)
    aired = {d for d, _ in cal.airings}
    for h in holidays:
        assert h not in aired
        assert h not in cal.regular_days
        assert h in cal.skipped
    assert len(cal.airings) == 20


def test_holidays_air_when_the_station_does_not_skip_them(tmp_path):
    st = load_station(station_dir(tmp_path, airing={"per_month": 30, "from_day": 1, "skip_holidays": False}))
    aired = {d for d, _ in oncal.month_calendar(st, "2026-09").airings}
    assert date(2026, 9, 2) in aired


def test_airings_spread_evenly_from_the_first_day_and_alternate_slots(tmp_path):
    st = load_station(station_dir(tmp_path))  # 4 a month, from the 5th, slots sang/chieu
    cal = oncal.month_calendar(st, "2026-03")  # no holiday in March
    days = [d for d, _ in cal.airings]
    assert days[0] == date(2026, 3, 5)
    gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
    assert max(gaps) - min(gaps) <= 1 and len(days) == 4
    assert [s for _, s in cal.airings] == ["sang", "chieu", "sang", "chieu"]


def test_weekdays_of_the_airing_and_of_the_slots(tmp_path):
    st = load_station(
        station_dir(
            tmp_path,
            airing={"weekdays": ["T2", "T4", "T6"], "per_month": 6},
            slots=[
                {
                    "id": "sang",
                    "name": "Buổi sáng",
                    "start": "06:00",
                    "length_min": 30,
                    "weekdays": ["T2", "T3", "T4", "T5", "T6", "T7", "CN"],
                },
                {"id": "chieu", "name": "Buổi chiều", "start": "17:00", "length_min": 30, "weekdays": ["T4"]},
            ],
        )
    )
    cal = oncal.month_calendar(st, "2026-03")
    assert all(d.weekday() in (0, 2, 4) for d, _ in cal.airings)
    # The afternoon slot only runs on Wednesdays: other days take the morning slot.
    assert all(d.weekday() == 2 for d, s in cal.airings if s == "chieu")
    assert len(cal.airings) == 6


def test_days_off_and_extra_days(tmp_path):
    base = oncal.month_calendar(load_station(station_dir(tmp_path / "a")), "2026-03")
    first = base.airings[0][0]
    st = load_station(
        station_dir(
            tmp_path / "b",
            airing={"days_off": [first.isoformat()], "extra_days": ["2026-03-01", "2026-09-02"]},
        )
    )
    cal = oncal.month_calendar(st, "2026-03")
    days = [d for d, _ in cal.airings]
    assert first not in days and "ngày nghỉ" in cal.skipped[first]
    assert date(2026, 3, 1) in days  # before from_day, but an extra day
    assert len(days) == 5  # 4 spread + 1 extra
    # An extra day airs even on a holiday.
    assert date(2026, 9, 2) in [d for d, _ in oncal.month_calendar(st, "2026-09").airings]


def test_a_day_both_off_and_extra_is_an_error_naming_the_line(tmp_path):
    d = station_dir(tmp_path, airing={"days_off": ["2026-03-10"], "extra_days": ["2026-03-10"]})
    with pytest.raises(ScheduleError) as err:
        oncal.month_calendar(load_station(d), "2026-03")
    lines = (d / "station.yaml").read_text(encoding="utf-8").splitlines()
    assert "2026-03-10" in lines[err.value.line - 1]
    assert "extra_days" in str(err.value)


def test_programme_longer_than_its_slot_is_an_error_naming_slot_and_line(tmp_path):
    d = station_dir(tmp_path)
    text = (d / "station.yaml").read_text(encoding="utf-8")
    (d / "station.yaml").write_text(text.replace("length_min: 30", "length_min: 10", 1), encoding="utf-8")
    st = load_station(d)
    write_programme(st, "2026-03", duration_s=14 * 60)
    with pytest.raises(ScheduleError) as err:
        sch.schedule_month(st, "2026-03")
    msg = str(err.value)
    assert "'sang'" in msg and "10 phút" in msg
    line = (d / "station.yaml").read_text(encoding="utf-8").splitlines()[err.value.line - 1]
    assert "length_min: 10" in line
    assert not days_in(st, "2026-03")


def test_slugify_makes_ascii_names_from_vietnamese():
    assert sch.slugify("Đăng ký đất đai: thủ tục ở đâu?") == "dang-ky-dat-dai-thu-tuc-o-dau"
    assert sch.slugify("ĐỒNG BẰNG Ưu tiên") == "dong-bang-uu-tien"
    assert sch.slugify("!!!") == "chuong-trinh"
    long = sch.slugify("Một cửa, một cửa liên thông: làm thủ tục ở đâu, mất bao lâu, tốn bao nhiêu tiền")
    assert len(long) <= 48 and not long.endswith("-")


# --------------------------------------------------------------------------- daily folders


@pytest.fixture
def scheduled(tmp_path):
    st = load_station(station_dir(tmp_path))
    prog = write_programme(st, "2026-04", seconds=4.0)
    sched = sch.schedule_month(st, "2026-04", now=datetime(2026, 3, 20, 8, 0))
    return st, sched, prog


def test_schedule_yaml_follows_design(scheduled):
    st, sched, _ = scheduled
    data = yaml.safe_load((st.store.schedules_dir / "2026-04.yaml").read_text(encoding="utf-8"))
    assert data["month"] == "2026-04" and data["station"] == st.name
    assert len(data["airings"]) == 4
    for a in data["airings"]:
        assert set(a) == {"date", "slot", "start", "items"}
        assert re.fullmatch(r"\d\d:\d\d", a["start"])
        (item,) = a["items"]
        assert item["file"].startswith(f"audio_out/days/{a['date']}/")
        assert (st.dir / item["file"]).is_file()
        assert item["title"] == "Đăng ký đất đai trực tuyến tháng 04"
        assert item["duration_s"] == pytest.approx(4.0)
    # Giỗ Tổ Hùng Vương (26/4 and the day in lieu) and 30/4 never air.
    assert not {"2026-04-26", "2026-04-27", "2026-04-30"} & {a["date"] for a in data["airings"]}


def test_daily_folder_contents(scheduled):
    st, sched, prog = scheduled
    assert days_in(st, "2026-04") == sorted({a.date.isoformat() for a in sched.airings})
    for a in sched.airings:
        folder = st.store.days_dir / a.date.isoformat()
        names = sorted(p.name for p in folder.iterdir())
        hhmm = st.slot(a.slot).hhmm
        mp3 = f"{hhmm}-01-dang-ky-dat-dai-truc-tuyen-thang-04.mp3"
        assert names == sorted([mp3, f"{hhmm}.m3u8", "lich-phat-song.html"])
        assert all(n.isascii() for n in names)
        assert folder.stat().st_mode & 0o055 == 0o055  # readable by the operators' accounts
        assert (folder / mp3).read_bytes() == prog.read_bytes()
        raw = (folder / f"{hhmm}.m3u8").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
        lines = raw.decode("utf-8").split("\r\n")
        assert lines[0] == "#EXTM3U"
        assert lines[1] == "#EXTINF:4,Đăng ký đất đai trực tuyến tháng 04"
        assert (folder / lines[2]).is_file()  # relative path resolves from the playlist
        page = (folder / "lich-phat-song.html").read_text(encoding="utf-8")
        weekday = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"][
            a.date.weekday()
        ]
        assert f"{weekday}, ngày {a.date:%d/%m/%Y}" in page
        assert st.slot(a.slot).name in page and a.start in page
        assert "Đăng ký đất đai trực tuyến tháng 04" in page and mp3 in page and "00:04" in page
        assert "size: A4" in page


def test_two_slots_on_one_day_play_in_order(tmp_path):
    st = load_station(station_dir(tmp_path, airing={"per_month": 40, "from_day": 1}))
    write_programme(st, "2026-03")
    sched = sch.schedule_month(st, "2026-03")
    assert len(sched.airings) == 40
    folder = st.store.days_dir / "2026-03-01"
    mp3s = sorted(p.name for p in folder.glob("*.mp3"))
    assert [n[:7] for n in mp3s] == ["0600-01", "1700-01"]
    assert sorted(p.name for p in folder.glob("*.m3u8")) == ["0600.m3u8", "1700.m3u8"]


def test_calendar_file_has_one_event_per_airing_with_stable_uids(scheduled):
    from icalendar import Calendar

    st, sched, _ = scheduled
    ics = (st.store.schedules_dir / "2026-04.ics").read_bytes()
    events = Calendar.from_ical(ics).walk("VEVENT")
    assert len(events) == len(sched.airings)
    first = events[0]
    start = first.decoded("dtstart")
    assert str(start.tzinfo) == "Asia/Ho_Chi_Minh"
    assert (start.date(), f"{start:%H:%M}") == (sched.airings[0].date, sched.airings[0].start)
    assert b"BEGIN:VTIMEZONE" in ics
    uids = [str(e["uid"]) for e in events]
    sch.schedule_month(st, "2026-04")
    again = [
        str(e["uid"])
        for e in Calendar.from_ical((st.store.schedules_dir / "2026-04.ics").read_bytes()).walk("VEVENT")
    ]
    assert uids == again and len(set(uids)) == len(uids)


def test_reschedule_replaces_files_in_place_and_removes_days_no_longer_airing(tmp_path):
    d = station_dir(tmp_path)
    st = load_station(d)
    write_programme(st, "2026-03", freq=440)
    first = sch.schedule_month(st, "2026-03")
    before = days_in(st, "2026-03")
    assert len(before) == 4
    # The programme is re-made (new audio): same names, new content.
    new = write_programme(st, "2026-03", freq=880, script=False)
    second = sch.schedule_month(st, "2026-03")
    assert [a.items[0].file for a in second.airings] == [a.items[0].file for a in first.airings]
    for a in second.airings:
        assert (st.dir / a.items[0].file).read_bytes() == new.read_bytes()
    # The station now airs twice a month: the other two day folders go.
    text = (d / "station.yaml").read_text(encoding="utf-8").replace("per_month: 4", "per_month: 2")
    (d / "station.yaml").write_text(text, encoding="utf-8")
    st = load_station(d)
    third = sch.schedule_month(st, "2026-03")
    after = days_in(st, "2026-03")
    assert len(after) == 2 and set(after) < set(before)
    assert after == [a.date.isoformat() for a in third.airings]
    assert [p.name for p in st.store.days_dir.iterdir() if p.name.startswith(".")] == []


def test_a_failure_half_way_leaves_no_half_folder_and_the_previous_one_intact(tmp_path, monkeypatch):
    st = load_station(station_dir(tmp_path))
    write_programme(st, "2026-03", freq=440)
    sch.schedule_month(st, "2026-03")
    snapshot = {
        p.relative_to(st.store.days_dir): p.read_bytes() for p in st.store.days_dir.rglob("*") if p.is_file()
    }
    write_programme(st, "2026-03", freq=880, script=False)
    real = sch._link_or_copy
    calls = {"n": 0}

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(sch, "_link_or_copy", flaky)
    with pytest.raises(EnvironmentProblem):
        sch.schedule_month(st, "2026-03")
    # Days 1-2 were replaced whole, day 3 is still the old one, nothing half-made anywhere.
    now = {
        p.relative_to(st.store.days_dir): p.read_bytes() for p in st.store.days_dir.rglob("*") if p.is_file()
    }
    assert set(now) == set(snapshot)
    days = days_in(st, "2026-03")
    third = Path(days[2])
    for rel, data in now.items():
        if rel.parts[0] == str(third) and rel.suffix == ".mp3":
            assert data == snapshot[rel]
    assert not [p for p in st.store.days_dir.iterdir() if p.name.startswith(".")]
    # A first scheduling that fails half-way leaves whole days or none.
    st2 = load_station(station_dir(tmp_path / "fresh"))
    write_programme(st2, "2026-03")
    calls["n"] = 0
    with pytest.raises(EnvironmentProblem):
        sch.schedule_month(st2, "2026-03")
    for folder in st2.store.days_dir.iterdir():
        assert not folder.name.startswith(".")
        assert len(list(folder.iterdir())) == 3
    assert len(days_in(st2, "2026-03")) == 2
    assert not (st2.store.schedules_dir / "2026-03.yaml").exists()


# --------------------------------------------------------------------------- approval gate


def test_unapproved_script_is_not_scheduled_and_says_who_must_approve(tmp_path):
    st = load_station(station_dir(tmp_path))
    write_programme(st, "2026-03", approved=False)
    with pytest.raises(ScheduleError) as err:
        sch.schedule_month(st, "2026-03")
    msg = error_text(err.value)  # as the command line shows it: the next step worded as a command
    assert "chưa được duyệt" in msg
    assert "broadcast approve --month 2026-03 --by" in msg and "Lãnh đạo" in msg
    assert not days_in(st, "2026-03") and not (st.store.schedules_dir / "2026-03.yaml").exists()


def test_script_edited_after_approval_is_not_scheduled(tmp_path):
    st = load_station(station_dir(tmp_path))
    write_programme(st, "2026-03")
    path = st.store.script_path("2026-03")
    path.write_text(path.read_text(encoding="utf-8") + "Thêm một câu sau khi duyệt.\n", encoding="utf-8")
    with pytest.raises(ScheduleError, match="chưa được duyệt"):
        sch.schedule_month(st, "2026-03")


def test_programme_made_from_another_script_is_not_scheduled(tmp_path):
    st = load_station(station_dir(tmp_path))
    write_programme(st, "2026-03")
    m = st.store.programme_dir("2026-03") / "manifest.json"
    data = json.loads(m.read_text("utf-8"))
    data["script_sha256"] = "0" * 64
    m.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ScheduleError, match="bản kịch bản khác"):
        sch.schedule_month(st, "2026-03")


def test_schedule_command(tmp_path, capsys):
    d = station_dir(tmp_path)
    write_programme(load_station(d), "2026-04")
    assert run_cli(["schedule", "--station", str(d), "--month", "2026-04"]) == 0
    out = capsys.readouterr().out
    assert "4 lần phát" in out and "Ngày Giỗ Tổ Hùng Vương" in out


# --------------------------------------------------------------------------- readiness


def test_check_air_ready(scheduled):
    st, sched, _ = scheduled
    first = sched.airings[0]
    report = readiness.check_air(
        st, datetime(first.date.year, first.date.month, first.date.day, 0, 1), days=1
    )
    assert report.ready and report.checks and "SẴN SÀNG" in report.render()


def test_check_air_rebuilds_a_missing_day_folder_from_the_approved_programme(scheduled):
    st, sched, prog = scheduled
    a = sched.airings[1]
    shutil.rmtree(st.store.days_dir / a.date.isoformat())
    report = readiness.check_air(st, datetime.combine(a.date, datetime.min.time()), days=0)
    assert report.ready and report.checks[0].repaired
    assert (st.dir / a.items[0].file).read_bytes() == prog.read_bytes()


def test_check_air_falls_back_to_last_approved_programme(tmp_path, capsys):
    d = station_dir(tmp_path)
    st = load_station(d)
    old = write_programme(st, "2026-03", freq=440)
    write_programme(st, "2026-04", freq=880, approved=False)
    cal = oncal.month_calendar(st, "2026-04")
    day = cal.airings[0][0]
    assert (
        run_cli(["check-air", "--station", str(d), "--now", f"{day.isoformat()}T00:00", "--days", "0"]) == 1
    )
    out = capsys.readouterr().out
    assert "CHƯA SẴN SÀNG" in out and "chưa được duyệt" in out and "THAY BẰNG" in out and "2026-03" in out
    folder = st.store.days_dir / day.isoformat()
    (mp3,) = folder.glob("*.mp3")
    assert mp3.read_bytes() == old.read_bytes()
    assert "THAY THẾ" in (folder / "lich-phat-song.html").read_text(encoding="utf-8")
    order = sch.day_running_order(st, day)
    assert order and order[0].substitute and order[0].present


def test_check_air_falls_back_to_the_standing_notice(tmp_path):
    st = load_station(station_dir(tmp_path))
    write_programme(st, "2026-04", lufs=st.audio.target_lufs - 3)  # too quiet
    day = oncal.month_calendar(st, "2026-04").airings[0][0]
    report = readiness.check_air(st, datetime.combine(day, datetime.min.time()), days=0)
    assert not report.ready
    (c,) = report.checks
    assert c.substitute == "notice" and any("độ lớn" in p for p in c.problems)
    (mp3,) = (st.store.days_dir / day.isoformat()).glob("*.mp3")
    assert mp3.name.endswith("thong-bao-chuyen-muc-cai-cach-hanh-chinh.mp3")
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(mp3)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert 5 < float(probe.stdout) < 60  # real speech, not an empty file
    cached = list((st.store.state_dir / "notice").glob("*.mp3"))
    readiness.check_air(st, datetime.combine(day, datetime.min.time()), days=0)
    assert list((st.store.state_dir / "notice").glob("*.mp3")) == cached  # made once


def test_check_air_dry_run_changes_nothing(tmp_path):
    st = load_station(station_dir(tmp_path))
    write_programme(st, "2026-04", approved=False)
    day = oncal.month_calendar(st, "2026-04").airings[0][0]
    report = readiness.check_air(st, datetime.combine(day, datetime.min.time()), days=3, apply=False)
    assert not report.ready and "SẼ THAY BẰNG" in report.render()
    assert not st.store.days_dir.exists()


def test_check_air_schedules_an_approved_programme_waiting_for_it(tmp_path):
    st = load_station(station_dir(tmp_path))
    write_programme(st, "2026-04")
    day = oncal.month_calendar(st, "2026-04").airings[0][0]
    report = readiness.check_air(st, datetime.combine(day, datetime.min.time()), days=0)
    assert report.ready
    assert sch.is_scheduled(st, "2026-04")


# --------------------------------------------------------------------------- running order


def test_day_command_prints_the_running_order(scheduled, capsys):
    st, sched, _ = scheduled
    a = sched.airings[0]
    assert run_cli(["day", "--station", str(st.dir), a.date.isoformat()]) == 0
    out = capsys.readouterr().out
    assert f"ngày {a.date:%d/%m/%Y}" in out and "Buổi sáng" in out and "06:00" in out
    assert Path(a.items[0].file).name in out and "00:04" in out


def test_day_reads_the_running_order_from_the_schedule_not_back_from_the_playlist(scheduled, capsys):
    st, sched, _ = scheduled
    a = sched.airings[0]
    folder = st.store.day_dir(a.date)
    playlist = folder / f"{st.slot(a.slot).hhmm}.m3u8"
    name = Path(a.items[0].file).name
    playlist.write_bytes(f"#EXTM3U\r\n#EXTINF:999,Tên sai trong danh sách phát\r\n{name}\r\n".encode())
    order = sch.day_running_order(st, a.date)
    assert [(i.title, i.duration_s, i.file, i.present, i.substitute) for i in order] == [
        (a.items[0].title, a.items[0].duration_s, name, True, False)
    ]
    # A playlist that no longer lists the file: the operator cannot play it from there.
    playlist.write_bytes(b"#EXTM3U\r\n")
    assert not sch.day_running_order(st, a.date)[0].present


def test_day_without_airing_and_on_a_holiday(scheduled):
    st, _, _ = scheduled
    text = sch.render_day(st, date(2026, 4, 30), sch.day_running_order(st, date(2026, 4, 30)))
    assert "Ngày Chiến thắng" in text and "Không có chuyên mục" in text


def test_a_reproduced_programme_of_the_same_length_is_noticed_in_the_day_folders(scheduled):
    """Re-produced after a one-word edit: same duration and byte size, different audio.

    The day folders still hold the old file until the month is re-scheduled; check-air
    must see that (and repair it), and the month must not count as scheduled.
    """
    st, sched, prog = scheduled
    old = prog.read_bytes()
    new = write_programme(st, "2026-04", seconds=4.0, freq=880, script=False)
    assert new.stat().st_size == len(old) and new.read_bytes() != old
    assert not sch.is_scheduled(st, "2026-04")
    a = sched.airings[0]
    when = datetime.combine(a.date, datetime.min.time())
    report = readiness.check_air(st, when, days=0, apply=False)
    assert not report.ready
    assert (st.dir / a.items[0].file).read_bytes() == old  # a dry run changes nothing
    report = readiness.check_air(st, when, days=0)
    assert report.checks[0].repaired
    assert (st.dir / a.items[0].file).read_bytes() == new.read_bytes()


def test_scheduling_a_month_with_no_script_says_to_make_it(tmp_path):
    from conftest import make_station

    from broadcast.config import load_station
    from broadcast.errors import ScheduleError
    from broadcast.schedule import schedule_month

    st = load_station(make_station(tmp_path))
    with pytest.raises(ScheduleError) as err:
        schedule_month(st, "2027-06")
    assert "broadcast make --month 2027-06" in error_text(err.value)
    assert "approve" not in error_text(err.value)
