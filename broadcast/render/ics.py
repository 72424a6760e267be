"""The month's calendar file (.ics) for the operators' calendar programs, from the schedule."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Component, Event

from broadcast.config import Station
from broadcast.models.schedule import MonthSchedule, ScheduledAiring
from broadcast.render.text import mmss


def previous_events(data: bytes | None) -> dict[str, Component]:
    """VEVENTs of the calendar written last time, by UID (empty if none or unreadable)."""
    if not data:
        return {}
    try:
        return {str(e["uid"]): e for e in Calendar.from_ical(data).walk("VEVENT")}
    except (ValueError, KeyError):
        return {}


def _sequence(previous: dict[str, Component], uid: str, changed: bool) -> int:
    """SEQUENCE of an event: 0 when new, one more than last time when it changed."""
    old = previous.get(uid)
    if old is None:
        return 0
    seq = int(old.get("sequence", 0))
    return seq + 1 if changed else seq


def _airing_event(
    station: Station, a: ScheduledAiring, stamp: datetime, previous: dict[str, Component]
) -> tuple[str, Event]:
    """The VEVENT of one airing (with a reminder when the station wants one), and its UID."""
    slot = station.slot(a.slot)
    start = datetime.combine(a.date, slot.start, tzinfo=station.tz)
    length = sum(i.duration_s for i in a.items) or slot.length_min * 60
    uid = f"{station.slug}-{a.date:%Y%m%d}-{slot.id}@broadcast-cchc"
    summary = f"Phát: {a.items[0].title}" if a.items else "Phát chuyên mục CCHC"
    files = "\n".join(f"{i.file} ({mmss(i.duration_s)})" for i in a.items)
    end = start + timedelta(seconds=round(length))
    old = previous.get(uid)
    changed = old is not None and (
        str(old.get("summary")) != summary
        or old.decoded("dtstart") != start
        or old.decoded("dtend") != end
        or str(old.get("status", "CONFIRMED")) != "CONFIRMED"
    )
    ev = Event()
    ev.add("uid", uid)
    ev.add("sequence", _sequence(previous, uid, changed))
    ev.add("status", "CONFIRMED")
    ev.add("dtstamp", stamp)
    ev.add("last-modified", stamp)
    ev.add("dtstart", start)
    ev.add("dtend", end)
    ev.add("summary", summary)
    ev.add("description", f"{slot.name} {a.start}.\nTệp phát:\n{files}")
    ev.add("location", station.name)
    if station.airing.reminder_min > 0:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{slot.name} {a.start}: sắp đến giờ phát chuyên mục CCHC")
        alarm.add("trigger", timedelta(minutes=-station.airing.reminder_min))
        ev.add_component(alarm)
    return uid, ev


def _cancelled_event(
    station: Station, uid: str, old: Component, stamp: datetime, previous: dict[str, Component]
) -> Event:
    """An airing of the last calendar that is gone: kept, as STATUS:CANCELLED."""
    was_cancelled = str(old.get("status", "")) == "CANCELLED"
    ev = Event()
    ev.add("uid", uid)
    ev.add("sequence", _sequence(previous, uid, not was_cancelled))
    ev.add("status", "CANCELLED")
    ev.add("dtstamp", stamp)
    ev.add("last-modified", stamp)
    ev.add("dtstart", old.decoded("dtstart"))
    ev.add("dtend", old.decoded("dtend"))
    ev.add("summary", "ĐÃ HỦY: " + str(old.get("summary", "")).removeprefix("ĐÃ HỦY: "))
    ev.add("description", "Buổi phát này đã được bỏ khỏi lịch của đài.")
    ev.add("location", station.name)
    return ev


def month_ics(
    station: Station, sched: MonthSchedule, now: datetime, previous: dict[str, Component] | None = None
) -> bytes:
    """The month's calendar; airings of `previous` that are gone stay as STATUS:CANCELLED.

    UIDs are stable per (station, day, slot). An event whose time or text changed, and a
    newly cancelled one, get a higher SEQUENCE so calendar programs apply the change.
    """
    previous = previous or {}
    cal = Calendar()
    cal.add("prodid", "-//broadcast//Chuyên mục CCHC//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{station.name}: lịch phát CCHC")
    cal.add("x-wr-timezone", str(station.tz))
    stamp = now.astimezone(ZoneInfo("UTC")).replace(microsecond=0)
    seen: set[str] = set()
    for a in sched.airings:
        uid, ev = _airing_event(station, a, stamp, previous)
        seen.add(uid)
        cal.add_component(ev)
    for uid, old in sorted(previous.items()):
        if uid not in seen:
            cal.add_component(_cancelled_event(station, uid, old, stamp, previous))
    cal.add_missing_timezones()
    for vtz in cal.walk("VTIMEZONE"):  # icalendar adds an English COMMENT; operators read this file
        vtz.pop("COMMENT", None)
    return cal.to_ical()
