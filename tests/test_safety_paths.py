"""Issue 11 #1: no path read from a state or data file may lead outside the station.

manifest.json `file`, the items of schedules/YYYY-MM.yaml and the entries of a day's .m3u8
are resolved (symlinks included) and must stay in their folder; otherwise the command says
which file holds the bad path, and nothing outside the station is linked or played.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from _safety import cli
from conftest import station_dir, tone_mp3, write_programme

from broadcast import readiness
from broadcast import schedule as sch
from broadcast.config import load_station
from broadcast.errors import ConfigError

MONTH = "2026-04"


@pytest.fixture
def station(tmp_path):
    (tmp_path / "st").mkdir()
    st = load_station(station_dir(tmp_path / "st"))
    write_programme(st, MONTH, seconds=4.0)
    return st


def _set_manifest_file(st, value: str) -> None:
    path = st.store.programme_dir(MONTH) / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["file"] = value
    path.write_text(json.dumps(data), encoding="utf-8")


def _day_files(st) -> list[Path]:
    return [p for p in st.store.days_dir.rglob("*") if p.is_file()] if st.store.days_dir.is_dir() else []


def test_inside_refuses_absolute_parent_and_linked_paths(tmp_path):
    from broadcast.fsutil import inside

    root = tmp_path / "root"
    (root / "a").mkdir(parents=True)
    (tmp_path / "outside.txt").write_text("x")
    os.symlink(tmp_path / "outside.txt", root / "a" / "link.txt")
    assert inside(root, "a/x.mp3", source=root / "m.json") == (root / "a" / "x.mp3").resolve()
    for bad in ("/etc/passwd", "../outside.txt", "a/../../outside.txt", "a/link.txt", "", "a\x00b"):
        with pytest.raises(ConfigError) as err:
            inside(root, bad, source=root / "m.json")
        assert err.value.file == str(root / "m.json")


@pytest.mark.parametrize("bad", ["/etc/passwd", "../../station.yaml", "../../../../../../etc/hostname"])
def test_schedule_refuses_a_manifest_file_outside_the_month_folder(station, capsys, bad):
    _set_manifest_file(station, bad)
    code, out, err = cli(["schedule", "--station", str(station.dir), "--month", MONTH], capsys)
    assert code == 1
    assert "manifest.json" in err and "ngoài" in err
    assert _day_files(station) == []  # nothing linked into a day folder


def test_schedule_refuses_a_programme_that_is_a_symlink_leading_out(station, tmp_path, capsys):
    outside = tone_mp3(tmp_path / "ngoai-dai.mp3", 4.0)
    prog = station.store.programme_dir(MONTH) / f"{station.slug}-{MONTH}.mp3"
    prog.unlink()
    os.symlink(outside, prog)
    code, out, err = cli(["schedule", "--station", str(station.dir), "--month", MONTH], capsys)
    assert code == 1 and "manifest.json" in err
    assert _day_files(station) == []


def test_check_air_does_not_trust_a_schedule_item_outside_the_day_folders(station, tmp_path):
    sched = sch.schedule_month(station, MONTH, now=datetime(2026, 3, 20, 8, 0))
    first = sched.airings[0]
    path = station.store.schedule_path(MONTH)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    outside = tone_mp3(tmp_path / "ngoai.mp3", 4.0)
    data["airings"][0]["items"][0]["file"] = str(outside)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert not sch.is_scheduled(station, MONTH)
    report = readiness.check_air(
        station, datetime.combine(first.date, datetime.min.time()), days=0, apply=False
    )
    assert not report.ready
    assert any(f"{MONTH}.yaml" in p and "ngoài" in p for c in report.checks for p in c.problems)


def test_day_does_not_show_a_playlist_entry_outside_the_day_folder_as_present(station, capsys):
    sched = sch.schedule_month(station, MONTH, now=datetime(2026, 3, 20, 8, 0))
    first = sched.airings[0]
    folder = station.store.day_dir(first.date)
    playlist = next(folder.glob("*.m3u8"))
    playlist.write_text("#EXTM3U\n#EXTINF:4,Mật\n" + "../" * 30 + "etc/hostname\n", encoding="utf-8")
    code, out, err = cli(["day", "--station", str(station.dir), first.date.isoformat()], capsys)
    assert code == 0, err
    assert "THIẾU TỆP" in out


def test_a_station_jingle_linked_out_of_the_station_is_refused(tmp_path):
    from broadcast import jingles
    from broadcast.errors import ProductionError

    outside = tone_mp3(tmp_path / "ngoai.mp3", 2.0)
    station = tmp_path / "st"
    (station / "jingles").mkdir(parents=True)
    os.symlink(outside, station / "jingles" / "intro.mp3")
    with pytest.raises(ProductionError) as err:
        jingles.source(station / "jingles", station / ".broadcast", "intro", 44100)
    assert "intro.mp3" in str(err.value) and "ngoài" in str(err.value)
    (station / "jingles" / "intro.mp3").unlink()
    (station / "jingles" / "intro.mp3").write_bytes(outside.read_bytes())  # a real copy is fine
    assert not jingles.source(station / "jingles", station / ".broadcast", "intro", 44100).builtin
