"""The on-air calendar rule: which days and slots of a month carry the programme. Pure.

The calendar rule (documented for staff in docs/operators.md):

* A day is a *regular* air day when it is on or after ``airing.from_day``, its weekday is in
  ``airing.weekdays``, at least one of the chosen slots (``airing.slots``) runs that weekday,
  it is not in ``airing.days_off`` and (with ``skip_holidays``) not a Vietnamese public
  holiday. Holidays, including the lunar ones (Tết, Giỗ Tổ Hùng Vương) and the government's
  substitute days off, come from the ``holidays`` package.
* ``per_month`` airings are spread evenly over the regular days: with *n* regular days and
  *k* airings, airing *i* (0-based) goes on regular day ``floor(i * n / k)``. The first
  airing is therefore the first regular day, and the gaps differ by at most one day.
  If *k* > *n*, the same spread runs over every (day, slot) pair instead, so some days
  carry two airings in different slots.
* The chosen slots alternate: airing *i* prefers ``airing.slots[i % len(slots)]``; if that
  slot does not run on the day, the next chosen slot that does is used.
* Every ``airing.extra_days`` date in the month is an *additional* airing (even on a
  holiday or a weekday that is otherwise off); it continues the slot alternation. A date in
  both ``extra_days`` and ``days_off`` is a configuration error.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

from broadcast.config import Slot, Station, validate_month
from broadcast.errors import ScheduleError
from broadcast.models.schedule import MonthCalendar

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(now: datetime) -> datetime:
    """A datetime in the station's time zone (naive values are taken as local time)."""
    return now.replace(tzinfo=TZ) if now.tzinfo is None else now.astimezone(TZ)


def month_bounds(month: str) -> tuple[int, int, list[date]]:
    """Year, month and every day of a month already checked by validate_month."""
    y, m = int(month[:4]), int(month[5:7])
    return y, m, [date(y, m, d) for d in range(1, calendar.monthrange(y, m)[1] + 1)]


@cache
def vn_holidays(year: int) -> dict[date, str]:
    """Vietnamese public holidays of `year` (names in Vietnamese), lunar ones included."""
    import holidays  # noqa: PLC0415 - about 0.2 s to import; TZ and local() users never need it

    return dict(holidays.country_holidays("VN", years=year, language="vi"))


def holiday_name(day: date) -> str | None:
    """The holiday's Vietnamese name, or None on an ordinary day."""
    return vn_holidays(day.year).get(day)


def month_calendar(station: Station, month: str) -> MonthCalendar:
    """The month's airings from station.yaml and the holiday calendar (rule: module doc)."""
    month = validate_month(month)
    year, mon, days = month_bounds(month)
    air = station.airing
    chosen = [station.slot(s) for s in (air.slots or [s.id for s in station.slots])]
    extra_all = list(air.extra_days)
    for i, d in enumerate(extra_all):
        if d in air.days_off:
            raise ScheduleError(
                f"ngày {d:%d/%m/%Y} vừa là ngày phát thêm vừa là ngày nghỉ.",
                file=station.store.station_file,
                line=station.line("airing", "extra_days", i),
                field="airing.extra_days",
                hint="Bỏ ngày đó khỏi một trong hai danh sách extra_days hoặc days_off.",
            )
    extra = sorted(d for d in extra_all if (d.year, d.month) == (year, mon))
    holidays_of_year = vn_holidays(year) if air.skip_holidays else {}

    def slots_on(d: date) -> list[Slot]:
        return [s for s in chosen if d.weekday() in s.weekdays]

    regular: list[date] = []
    skipped: dict[date, str] = {}
    for d in days:
        if d in extra or d.day < air.from_day or d.weekday() not in air.weekdays or not slots_on(d):
            continue
        if d in air.days_off:
            skipped[d] = "ngày nghỉ của đài (airing.days_off)"
        elif d in holidays_of_year:
            skipped[d] = holidays_of_year[d]
        else:
            regular.append(d)

    k, n = air.per_month, len(regular)
    picked: list[tuple[date, Slot | None]]
    if k <= n:
        picked = [(regular[(i * n) // k], None) for i in range(k)]
    else:
        pairs = [(d, s) for d in regular for s in slots_on(d)]
        if k > len(pairs):
            raise ScheduleError(
                f"tháng {month} chỉ có {len(pairs)} buổi có thể phát nhưng cấu hình đòi {k} lần.",
                file=station.store.station_file,
                line=station.line("airing", "per_month"),
                field="airing.per_month",
                hint="Giảm per_month, thêm buổi phát (airing.slots) hoặc thêm ngày (extra_days).",
            )
        picked = [pairs[(i * len(pairs)) // k] for i in range(k)]
    picked += [(d, None) for d in extra]
    picked.sort(key=lambda p: (p[0], p[1].start if p[1] else time(0)))

    airings: list[tuple[date, str]] = []
    for i, (d, slot) in enumerate(picked):
        if slot is None:
            running = slots_on(d) or chosen  # an extra day airs even if no slot runs that weekday
            ids = [s.id for s in running]
            turn = [chosen[(i + j) % len(chosen)] for j in range(len(chosen))]
            slot = next((s for s in turn if s.id in ids), running[0])
        airings.append((d, slot.id))
    airings.sort(key=lambda a: (a[0], station.slot(a[1]).start))
    return MonthCalendar(month=month, regular_days=regular, airings=airings, skipped=skipped)
