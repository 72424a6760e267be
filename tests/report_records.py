"""Records for the report and archive tests: months made by the real pipeline, a simulated as-run.

The station is the example with the `silent` engine, short pauses and no length limits, so a
programme is about three minutes and a month takes a few seconds. The as-run log is written
through broadcast.playout.asrun's API, as the player writes it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import yaml
from conftest import make_station

from broadcast.config import Station, load_station
from broadcast.pipeline import make
from broadcast.playout.asrun import open_log
from broadcast.playout.models import AIRED, FALLBACK, PARTIAL, SKIPPED, PlannedItem


def make_months(folder: Path, months: list[str]) -> Station:
    make_station(
        folder,
        voice={"main": [{"engine": "silent", "syllable_s": 0.02}], "second": [], "fallback": True},
        programme={"min_minutes": 1, "max_minutes": 120},
        airing={"per_month": 2},
    )
    station = load_station(folder)
    for month in months:
        result = make(station, month, now=datetime(2026, 12, 20, 8), auto_approve=True)
        assert result.can_air, result.notes
    return station


def schedule_airings(folder: Path, month: str) -> list[dict]:
    """The month's airings read straight from schedules/YYYY-MM.yaml (independent of the code)."""
    data = yaml.safe_load((folder / "schedules" / f"{month}.yaml").read_text(encoding="utf-8"))
    return data["airings"]


def simulate_asrun(station: Station, months: list[str]) -> dict[str, list[tuple[str, str, str]]]:
    """Rows for every airing of `months`: all aired, except the first airing of the first month is
    missed (skipped), its second is substituted (fallback), and the first of the second month is
    cut off (partial). Returns, per month, (date, slot, what) as written."""
    written: dict[str, list[tuple[str, str, str]]] = {}
    tz = station.tz
    with open_log(station.store) as log:
        for mi, month in enumerate(months):
            written[month] = []
            for ai, a in enumerate(schedule_airings(station.dir, month)):
                day = datetime.fromisoformat(str(a["date"])).date()
                hh, mm = (int(x) for x in str(a["start"]).split(":"))
                start = datetime.combine(day, time(hh, mm), tz)
                item = a["items"][0]
                planned = PlannedItem(
                    date=day,
                    slot=a["slot"],
                    slot_name=a["slot"],
                    start=start,
                    slot_end=start + timedelta(minutes=30),
                    order=1,
                    file=item["file"],
                    title=item["title"],
                    duration_s=float(item["duration_s"]),
                    month=month,
                )
                what = "aired"
                if (mi, ai) == (0, 0):
                    log.record(
                        planned, when=start + timedelta(minutes=6), result=SKIPPED, reason="máy phát mất điện"
                    )
                    what = "missed"
                elif (mi, ai) == (0, 1):
                    row = log.start(
                        planned,
                        actual_start=start,
                        file="audio_out/thong-bao.mp3",
                        sha256="",
                        title="Thông báo thường trực",
                        programme_month=None,
                        backend="null",
                        reason="tệp chương trình hỏng",
                    )
                    log.finish(row, result=FALLBACK, actual_end=start + timedelta(seconds=40), seconds=40.0)
                    what = "substituted"
                elif (mi, ai) == (1, 0):
                    row = log.start(
                        planned,
                        actual_start=start,
                        file=item["file"],
                        sha256="",
                        title=item["title"],
                        programme_month=month,
                        backend="null",
                    )
                    log.finish(
                        row,
                        result=PARTIAL,
                        actual_end=start + timedelta(seconds=60),
                        seconds=60.0,
                        reason="mất điện giữa chừng",
                    )
                    what = "partial"
                else:
                    row = log.start(
                        planned,
                        actual_start=start,
                        file=item["file"],
                        sha256="",
                        title=item["title"],
                        programme_month=month,
                        backend="null",
                    )
                    secs = float(item["duration_s"])
                    log.finish(row, result=AIRED, actual_end=start + timedelta(seconds=secs), seconds=secs)
                written[month].append((str(a["date"]), a["slot"], what))
    return written
