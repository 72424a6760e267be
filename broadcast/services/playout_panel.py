"""The playout panel's use cases: what the player is doing, and sending it a command.

The panel (web console, *Phát sóng*) reads the player's heartbeat (its status file), the as-run
log and today's running order; it controls the player only through the control channel
(`broadcast.playout.control`), never by touching audio or the player's process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from broadcast import schedule as sch
from broadcast.config import Station
from broadcast.errors import ScheduleError
from broadcast.models.schedule import RunningItem
from broadcast.playout import control
from broadcast.playout.asrun import asrun_path, open_log
from broadcast.playout.models import PARTIAL, RESULT_VI, AsRunRow
from broadcast.playout.player import STALE_AFTER_S, read_status

PROGRAMME_MONTHS = 6  # "play now" offers the approved programmes of this many latest months


@dataclass
class Choice:
    """One thing "play now" may air (a form value and its label)."""

    value: str
    label: str


@dataclass
class Airing:
    """One as-run row as the panel shows it."""

    row: AsRunRow
    slot: str  # the slot's name, or "phát thủ công"
    result: str  # Vietnamese


@dataclass
class PanelState:
    now: datetime
    status: dict
    heartbeat_at: datetime | None
    alive: bool  # the heartbeat is fresh and the player says it is running
    on_air: dict | None  # the player's current item (title, file, started, manual…)
    interrupted: AsRunRow | None  # a `partial` row left when the player is not running
    next_items: list[RunningItem]
    today: list[RunningItem]
    recent: list[Airing]
    pending: list[control.Command]
    results: list[control.Result]
    choices: list[Choice] = field(default_factory=list)

    @property
    def heartbeat_age_s(self) -> float | None:
        return (self.now - self.heartbeat_at).total_seconds() if self.heartbeat_at else None

    @property
    def never_ran(self) -> bool:
        return not self.status


def _airing(station: Station, row: AsRunRow) -> Airing:
    names = {s.id: s.name for s in station.slots}
    slot = "phát thủ công" if row.slot == control.MANUAL_SLOT else names.get(row.slot, row.slot)
    if row.result == PARTIAL and not row.actual_end:
        result = "đang phát / bị ngắt"
    else:
        result = RESULT_VI.get(row.result, row.result)
    return Airing(row, slot, result)


def _heartbeat(status: dict) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(status.get("heartbeat_at")))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def panel(station: Station, now: datetime, *, with_choices: bool = False) -> PanelState:
    """The panel at `now` (real station time). `with_choices`: also what "play now" may air."""
    status = read_status(station)
    beat = _heartbeat(status)
    # Stale: no heartbeat for STALE_AFTER_S (the player, or its PC, is stopped or hung).
    alive = bool(status.get("running")) and beat is not None and (now - beat).total_seconds() <= STALE_AFTER_S
    recent: list[AsRunRow] = []
    if asrun_path(station.store).is_file():
        with open_log(station.store) as log:
            recent = log.last(10)
    interrupted = None
    if not alive:
        interrupted = next((r for r in recent if r.result == PARTIAL and not r.actual_end), None)
    today = sch.day_running_order(station, now.date())
    hhmm = f"{now:%H:%M}"
    state = PanelState(
        now=now,
        status=status,
        heartbeat_at=beat,
        alive=alive,
        on_air=status.get("current") if alive else None,
        interrupted=interrupted,
        next_items=[i for i in today if i.start > hhmm],
        today=today,
        recent=[_airing(station, r) for r in recent],
        pending=control.pending(station.store),
        results=control.results(station.store, 5),
    )
    if with_choices:
        state.choices = play_choices(station, now.date(), today)
    return state


def play_choices(station: Station, day: date, today: list[RunningItem]) -> list[Choice]:
    """Today's running-order items with their file present, then recent approved programmes."""
    out = [
        Choice(
            control.PlayTarget("day", date=day.isoformat(), slot=i.slot, order=i.order).value,
            f"Hôm nay {i.start} {i.slot_name} — {i.title}",
        )
        for i in today
        if i.present
    ]
    for month in reversed(station.store.programme_months()[-PROGRAMME_MONTHS:]):
        src, _problems = sch.programme_source(station, month)
        if src is not None:
            out.append(
                Choice(
                    control.PlayTarget("programme", month=month).value,
                    f"Chương trình đã duyệt tháng {month[5:]}/{month[:4]} — {src.title}",
                )
            )
    return out


def send_command(
    station: Station, action: str, issuer: str, *, target: str, now: datetime
) -> tuple[control.Command, str]:
    """Validate and send a console command; (the command, what it is about, for the audit log).

    Refused (ScheduleError, Vietnamese) when the player is not running, when "play now" names
    something that is not approved audio of today or of a month, or a stop/skip has nothing to act on.
    """
    state = panel(station, now)
    if not state.alive:
        raise ScheduleError("Máy phát không chạy: lệnh không được gửi. Hãy bật máy phát tự động trước.")
    if action not in control.ACTIONS:
        raise ScheduleError("lệnh không hợp lệ.")
    what = ""
    play_target = None
    if action == control.PLAY:
        try:
            play_target = control.PlayTarget.parse(target)
        except ValueError:
            raise ScheduleError("hãy chọn một mục trong danh sách để phát ngay.") from None
        if state.on_air:
            raise ScheduleError(
                f"đang phát «{state.on_air.get('title', '')}»: bấm Dừng trước rồi mới phát ngay."
            )
        what = control.resolve(station, play_target, now.date(), now).title
    elif not state.on_air:
        raise ScheduleError("không có gì đang phát.")
    else:
        what = str(state.on_air.get("title", ""))
    return control.send(station.store, action, issuer, now=now, target=play_target), what
