"""The printable running order of a day folder (lich-phat-song.html): a Jinja2 template, autoescaped.

The template is broadcast/data/render/running_order.html; every value is escaped by Jinja2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import jinja2

from broadcast.config import Slot, Station
from broadcast.models.schedule import PlayItem
from broadcast.render.text import mmss, vi_date

RUNNING_ORDER = "lich-phat-song.html"  # its file name inside a day folder

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("broadcast", "data/render"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass
class SheetRow:
    """One file of the sheet: its slot, position in the slot, file name and what the operator must know."""

    slot: Slot
    order: int
    file: str
    item: PlayItem
    marks: list[str] = field(default_factory=list)


@dataclass
class _Line:
    slot_name: str
    start: str
    end: str
    order: int
    title: str
    marks: list[str]
    length: str
    file: str


def running_order_sheet(
    station: Station, day: date, rows: list[SheetRow], warning: str | None, made: datetime
) -> str:
    """The sheet's HTML. Times run on within a slot; a part-minute end counts as a minute."""
    tz = station.tz
    lines: list[_Line] = []
    clock: dict[str, datetime] = {}
    for row in rows:
        start = clock.get(row.slot.id) or datetime.combine(day, row.slot.start, tzinfo=tz)
        end = start + timedelta(seconds=round(row.item.duration_s))
        clock[row.slot.id] = end
        shown_end = end + timedelta(seconds=(60 - end.second) % 60)
        lines.append(
            _Line(
                slot_name=row.slot.name,
                start=f"{start:%H:%M}",
                end=f"{shown_end:%H:%M}",
                order=row.order,
                title=row.item.title,
                marks=row.marks,
                length=mmss(row.item.duration_s),
                file=row.file,
            )
        )
    made = made.astimezone(tz) if made.tzinfo else made.replace(tzinfo=tz)
    return _ENV.get_template("running_order.html").render(
        date_short=f"{day:%d/%m/%Y}",
        date_long=vi_date(day),
        station=station.name,
        warning=warning,
        rows=lines,
        tz_name="Việt Nam" if station.timezone == "Asia/Ho_Chi_Minh" else station.timezone,
        made=f"{made:%H:%M ngày %d/%m/%Y}",
    )
