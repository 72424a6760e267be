"""The playout control channel: the console asks, the player does, through files.

The console and the player are separate processes (possibly different users or PCs sharing
the station folder), so they talk through two folders of the store:

- `store.playout_commands_dir`: one JSON file per command, written atomically (temp file and
  rename) by `send`. The player polls the folder (`take`, about every 0.5 s), deletes each file
  it takes (a deletion that fails means another player took it), and never executes a command
  that has expired or that was issued before the player started: an old command found after a
  restart is answered "refused", not played.
- `store.playout_results_dir`: the player's answer to each command (`answer`): done or refused,
  with a Vietnamese reason. The console shows the latest answers.

A command never carries a path. "Play now" names an item of today's running order (date, slot,
position) or a month whose approved programme airs; `resolve` turns that into a file through
the schedule stage's own rules, and the player resolves it again before airing.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from broadcast import schedule as sch
from broadcast.config import Station, validate_month
from broadcast.errors import BroadcastError, ScheduleError
from broadcast.fsutil import atomic_write_text
from broadcast.playout import source
from broadcast.playout.models import PlannedItem
from broadcast.store import StationStore

log = logging.getLogger(__name__)

PLAY, STOP, SKIP = "play", "stop", "skip"
ACTIONS = {PLAY: "phát ngay", STOP: "dừng", SKIP: "bỏ qua mục đang phát"}
DONE, REFUSED = "done", "refused"
STATUS_VI = {DONE: "đã làm", REFUSED: "từ chối"}
TTL_S = 30.0  # a command not taken within this many seconds is never executed
KEEP_RESULTS = 100
MANUAL_SLOT = "manual"  # the as-run `slot` of an airing started from the console


@dataclass(frozen=True)
class PlayTarget:
    """What "play now" airs: an item of a day's running order, or a month's approved programme."""

    kind: str  # "day" | "programme"
    date: str = ""  # day: YYYY-MM-DD
    slot: str = ""  # day: slot id
    order: int = 0  # day: 1-based position in the slot
    month: str = ""  # programme: YYYY-MM

    def to_dict(self) -> dict[str, str | int]:
        if self.kind == "day":
            return {"kind": "day", "date": self.date, "slot": self.slot, "order": self.order}
        return {"kind": "programme", "month": self.month}

    @classmethod
    def from_dict(cls, data: object) -> PlayTarget:
        if not isinstance(data, dict):
            raise ValueError("target is not an object")
        kind = data.get("kind")
        if kind == "day":
            day, slot, order = data.get("date"), data.get("slot"), data.get("order")
            if not isinstance(day, str) or not isinstance(slot, str) or type(order) is not int:
                raise ValueError("day target needs date, slot and order")
            return cls("day", date=day, slot=slot, order=order)
        if kind == "programme":
            month = data.get("month")
            if not isinstance(month, str):
                raise ValueError("programme target needs a month")
            return cls("programme", month=month)
        raise ValueError(f"unknown target kind {kind!r}")

    @classmethod
    def parse(cls, text: str) -> PlayTarget:
        """From a form value: `day:YYYY-MM-DD:SLOT:N` or `programme:YYYY-MM` (ValueError if not)."""
        parts = str(text or "").split(":")
        if len(parts) == 4 and parts[0] == "day" and parts[3].isdigit():
            return cls("day", date=parts[1], slot=parts[2], order=int(parts[3]))
        if len(parts) == 2 and parts[0] == "programme":
            return cls("programme", month=parts[1])
        raise ValueError(f"bad target {text[:40]!r}")

    @property
    def value(self) -> str:
        """The form value `parse` reads back."""
        if self.kind == "day":
            return f"day:{self.date}:{self.slot}:{self.order}"
        return f"programme:{self.month}"


@dataclass(frozen=True)
class Command:
    id: str
    action: str
    issuer: str
    issued_at: datetime
    expires_at: datetime
    target: PlayTarget | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "action": self.action,
            "issuer": self.issuer,
            "issued_at": self.issued_at.isoformat(timespec="milliseconds"),
            "expires_at": self.expires_at.isoformat(timespec="milliseconds"),
            "target": self.target.to_dict() if self.target else None,
        }

    @classmethod
    def from_dict(cls, data: object) -> Command:
        if not isinstance(data, dict):
            raise ValueError("a command is a JSON object")
        cid, action, issuer = data.get("id"), data.get("action"), data.get("issuer")
        if not isinstance(cid, str) or not cid or action not in ACTIONS or not isinstance(issuer, str):
            raise ValueError("id, action and issuer are required")
        issued = datetime.fromisoformat(str(data.get("issued_at")))
        expires = datetime.fromisoformat(str(data.get("expires_at")))
        if issued.tzinfo is None or expires.tzinfo is None:
            raise ValueError("times must carry their time zone")
        target = PlayTarget.from_dict(data["target"]) if data.get("target") is not None else None
        if action == PLAY and target is None:
            raise ValueError("play needs a target")
        return cls(cid, str(action), issuer, issued, expires, target)

    @property
    def action_vi(self) -> str:
        return ACTIONS.get(self.action, self.action)


@dataclass(frozen=True)
class Result:
    id: str
    action: str
    issuer: str
    status: str  # DONE | REFUSED
    reason: str
    at: datetime
    what: str = ""  # what aired / stopped, for people

    @property
    def status_vi(self) -> str:
        return STATUS_VI.get(self.status, self.status)

    @property
    def action_vi(self) -> str:
        return ACTIONS.get(self.action, self.action)


def _stamp(when: datetime) -> str:
    return when.astimezone(source.TZ).strftime("%Y%m%dT%H%M%S%f")


def send(
    store: StationStore,
    action: str,
    issuer: str,
    *,
    now: datetime,
    target: PlayTarget | None = None,
    ttl_s: float = TTL_S,
) -> Command:
    """Write a command for the player (atomically); it expires `ttl_s` after `now`."""
    if action not in ACTIONS:
        raise ScheduleError(f"lệnh '{action[:20]}' không có.")
    cmd = Command(uuid.uuid4().hex[:16], action, issuer, now, now + timedelta(seconds=ttl_s), target)
    path = store.playout_commands_dir / f"{_stamp(now)}-{cmd.id}.json"
    atomic_write_text(path, json.dumps(cmd.to_dict(), ensure_ascii=False, indent=1))
    return cmd


def pending(store: StationStore) -> list[Command]:
    """Commands written and not yet taken by the player, oldest first (bad files left out)."""
    out = []
    folder = store.playout_commands_dir
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            out.append(Command.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError):
            continue
    return out


def take(store: StationStore, *, now: datetime, not_before: datetime | None = None) -> list[Command]:
    """The commands the player must execute now, oldest first; each file is removed once taken.

    A file that is not a command is renamed `*.bad` with a warning (and never read again). An
    expired command, or one issued before `not_before` (the player's start), is answered
    "refused" and not returned.
    """
    folder = store.playout_commands_dir
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("."):
            continue  # an atomic write in progress
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        try:
            cmd = Command.from_dict(json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("bỏ qua tệp lệnh hỏng %s (%s)", store.rel(path), exc)
            try:
                path.replace(path.with_name(path.name + ".bad"))
            except OSError:
                pass
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue  # another player took it
        except OSError as exc:
            log.warning("không xóa được tệp lệnh %s (%s): bỏ qua lệnh", store.rel(path), exc)
            continue
        if cmd.expires_at < now:
            answer(store, cmd, REFUSED, f"lệnh đã quá hạn (gửi lúc {cmd.issued_at:%H:%M:%S %d/%m}).", now=now)
        elif not_before is not None and cmd.issued_at < not_before:
            answer(store, cmd, REFUSED, "lệnh gửi trước khi máy phát khởi động: không thực hiện.", now=now)
        else:
            out.append(cmd)
    return out


def answer(
    store: StationStore, cmd: Command, status: str, reason: str, *, now: datetime, what: str = ""
) -> None:
    """Write the player's answer to `cmd` (and forget the oldest answers beyond KEEP_RESULTS)."""
    data = {
        "id": cmd.id,
        "action": cmd.action,
        "issuer": cmd.issuer,
        "status": status,
        "reason": reason,
        "what": what,
        "at": now.isoformat(timespec="milliseconds"),
    }
    folder = store.playout_results_dir
    try:
        atomic_write_text(folder / f"{_stamp(now)}-{cmd.id}.json", json.dumps(data, ensure_ascii=False))
        for old in sorted(folder.glob("*.json"))[:-KEEP_RESULTS]:
            old.unlink(missing_ok=True)
    except (BroadcastError, OSError) as exc:  # the answer is a courtesy; airing goes on
        log.warning("không ghi được kết quả lệnh %s: %s", cmd.id, exc)


def results(store: StationStore, n: int = 10) -> list[Result]:
    """The player's latest answers, newest first."""
    folder = store.playout_results_dir
    out: list[Result] = []
    for path in sorted(folder.glob("*.json"), reverse=True) if folder.is_dir() else []:
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
            out.append(
                Result(
                    str(d["id"]),
                    str(d["action"]),
                    str(d["issuer"]),
                    str(d["status"]),
                    str(d.get("reason", "")),
                    datetime.fromisoformat(str(d["at"])),
                    str(d.get("what", "")),
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if len(out) >= n:
            break
    return out


def result_of(store: StationStore, command_id: str) -> Result | None:
    for r in results(store, KEEP_RESULTS):
        if r.id == command_id:
            return r
    return None


# --------------------------------------------------------------------------- what may air


def resolve(station: Station, target: PlayTarget, today: date, now: datetime) -> PlannedItem:
    """The approved file `target` names, as an item to air now; ScheduleError (Vietnamese) if not.

    Only an item of today's running order (its file in today's day folder) or a month's approved
    programme that passes the schedule stage's checks (approved, intact, right loudness) may air.
    """
    if target.kind == "day":
        if target.date != today.isoformat():
            raise ScheduleError("chỉ phát ngay được các mục của lịch phát hôm nay.")
        items = (
            source.planned_items(station, today, target.slot, None)
            if _known_slot(station, target.slot)
            else []
        )
        found = [i for i in items if i.order == target.order]
        if not found:
            raise ScheduleError(
                f"lịch phát hôm nay không có mục số {target.order} của buổi '{target.slot[:20]}'."
            )
        item = found[0]
        path = station.store.inside(item.file)  # refuses a name leading out of the station folder
        if path.parent != station.store.day_dir(today).resolve() or not path.is_file():
            raise ScheduleError(f"thiếu tệp {item.file} trong thư mục ngày hôm nay.")
        title, seconds, month = item.title, item.duration_s, item.month
        rel = item.file
    elif target.kind == "programme":
        try:
            month = validate_month(target.month)
        except BroadcastError:
            raise ScheduleError(f"tháng '{target.month[:10]}' không hợp lệ.") from None
        src, problems = sch.programme_source(station, month)
        if src is None:
            raise ScheduleError(
                f"chương trình tháng {month} chưa phát được: {' '.join(problems) or 'chưa duyệt.'}"
            )
        rel = station.store.rel(station.store.inside(station.store.rel(src.path)))
        title, seconds = src.title, src.duration_s
    else:
        raise ScheduleError("không rõ phát gì.")
    return PlannedItem(
        date=now.date(),
        slot=MANUAL_SLOT,
        slot_name="phát thủ công",
        start=now,
        slot_end=now + timedelta(seconds=seconds),
        order=1,
        file=rel,
        title=title,
        duration_s=seconds,
        month=month,
    )


def _known_slot(station: Station, slot_id: str) -> bool:
    return any(s.id == slot_id for s in station.slots)
