"""The playout service: air each airing at its slot time, log it, never leave dead air.

Loop (LibreTime's queue in miniature): find the next slot; at `lead_min` before it run the
schedule stage's readiness check (check_air: present, the scheduled file, approved, length)
plus a decode check, and choose the fallback in advance (the last approved earlier programme,
else the standing notice); switch the amplifier on; at the slot time play the items in order;
on a missing file, or a decoder/device error mid-item, air the fallback for the rest of the
slot; switch the amplifier off. Every wait sleeps on a monotonic clock in short steps and
re-reads the wall clock, so a sleeping PC or a clock change is noticed and logged; a slot
found already running is started late up to `late_max_min`, else skipped and logged.

The clock is injected (`now()`, `monotonic()`, `sleep()`), so tests run a day in seconds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import date as _date  # SlotPlan has a field named `date`
from pathlib import Path

from broadcast.config import Station
from broadcast.errors import BroadcastError
from broadcast.fsutil import atomic_write_text
from broadcast.playout import control, source
from broadcast.playout.asrun import AsRunLog, open_log
from broadcast.playout.backends import Backend, create_backend
from broadcast.playout.models import AIRED, FAILED, FALLBACK, PARTIAL, SKIPPED, PlannedItem, PlayoutSettings

log = logging.getLogger(__name__)

STATUS_FILE = "playout-status.json"
HEARTBEAT_S = 2.0  # the status file is rewritten at least this often while the player runs
STALE_AFTER_S = 15.0  # a heartbeat older than this: the player is not running
_STEP_S = 30.0  # longest single sleep: the wall clock is re-read at least this often
_SHORT_TOLERANCE_S = 1.0  # an item that ends this much before its length ended early (error)


class Clock:
    """The real clock: station wall time, a monotonic counter, sleep (cut short by `interrupt`)."""

    interrupt: threading.Event | None = None

    def now(self) -> datetime:
        return datetime.now(source.TZ)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if self.interrupt is not None:
            self.interrupt.wait(max(0.0, seconds))  # a stop request (SIGTERM) ends the wait at once
        else:
            time.sleep(max(0.0, seconds))


class OffsetClock(Clock):
    """Real time flowing from a chosen start (`broadcast play --now`, trials and tests)."""

    def __init__(self, start: datetime) -> None:
        self._offset = start - datetime.now(source.TZ)

    def now(self) -> datetime:
        return datetime.now(source.TZ) + self._offset


@dataclass
class SlotPlan:
    """One airing being prepared/aired."""

    date: date
    slot: str
    name: str
    start: datetime
    end: datetime
    items: list[PlannedItem] = field(default_factory=list)
    checked: bool = False
    amp_on: bool = False
    amp_problem: str = ""
    fallback: tuple[Path, str, float, str | None] | None = None
    fallback_sha256: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[_date, str]:
        return (self.date, self.slot)


class _ItemStop(threading.Event):
    """Ends one item: set by a console command, or by the player's own stop event (shutdown)."""

    def __init__(self, shutdown: threading.Event) -> None:
        super().__init__()
        self.shutdown = shutdown
        self.action = ""  # control.STOP | control.SKIP when a console command ended the item
        self.issuer = ""

    def is_set(self) -> bool:
        return super().is_set() or self.shutdown.is_set()


@dataclass
class _Airing:
    """The item on air now (shared with the control thread under the player's lock)."""

    item: PlannedItem
    row: int
    stop: _ItemStop
    started: datetime


def _sha256(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return ""


class Player:
    """Airs a station's schedule. `say` receives one Vietnamese line per event."""

    def __init__(
        self,
        station: Station,
        *,
        clock: Clock | None = None,
        backend: Backend | None = None,
        settings: PlayoutSettings | None = None,
        say: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
        poll_s: float = 0.5,
    ) -> None:
        self.station = station
        self.settings = settings or station.playout or PlayoutSettings()
        self.clock = clock or Clock()
        self.backend = backend or create_backend(self.settings.backend, self.settings.device, station.dir)
        self.say = say or (lambda line: log.info("%s", line))
        self.stop = stop or threading.Event()
        # Waits end early on a shutdown or a console command: the control thread sets `wake`.
        self.wake = threading.Event()
        if isinstance(self.clock, Clock) and self.clock.interrupt is None:
            self.clock.interrupt = self.wake
        self.poll_s = poll_s
        self.lock = threading.RLock()
        self.current: _Airing | None = None
        self.manual: list[tuple[control.Command, PlannedItem]] = []
        self.real_start = datetime.now(source.TZ)  # commands issued before this are never executed
        self._next: dict | None = None
        self._quit = threading.Event()
        self.asrun: AsRunLog = open_log(station.store)
        self.started_at = self.clock.now()
        self.last_command = ""  # control.STOP | control.SKIP if a console command ended the last item
        self.plans: dict[tuple[date, str], SlotPlan] = {}
        self.done: set[tuple[date, str]] = set()
        self.now_playing: str | None = None

    # ------------------------------------------------------------------ waiting

    def _wait_until(self, target: datetime) -> bool:
        """Sleep until `target` (wall time) in monotonic steps; False if the wall clock jumped."""
        while not self.stop.is_set():
            now = self.clock.now()
            remaining = (target - now).total_seconds()
            if remaining <= 0:
                return True
            step = min(remaining, _STEP_S)
            m0 = self.clock.monotonic()
            self.clock.sleep(step)
            slept = self.clock.monotonic() - m0
            if self.wake.is_set():
                self.wake.clear()
            if self.manual:
                return False  # a console "play now" is waiting: the main loop airs it
            moved = (self.clock.now() - now).total_seconds()
            if abs(moved - slept) > self.settings.clock_jump_s:
                self.say(
                    f"CẢNH BÁO: đồng hồ máy nhảy {moved - slept:+.0f} giây "
                    "(máy tính ngủ/tắt màn hình hoặc bị đổi giờ). Tính lại lịch phát."
                )
                log.warning(
                    "wall clock jumped by %.1f s (monotonic %.1f s, wall %.1f s)", moved - slept, slept, moved
                )
                return False
        return False

    # ------------------------------------------------------------------ planning

    def _upcoming(self, now: datetime) -> list[SlotPlan]:
        late = timedelta(minutes=self.settings.late_max_min)
        out = []
        for day, slot_id in source.airings_between(
            self.station, now.date() - timedelta(days=1), now.date() + timedelta(days=1)
        ):
            key = (day, slot_id)
            if key in self.done:
                continue
            start, end, name = source.slot_times(self.station, day, slot_id)
            if start + late < now and start < self.started_at - late:
                continue  # long before this player started: reconciliation reports it, not us
            plan = self.plans.get(key) or SlotPlan(day, slot_id, name, start, end)
            self.plans[key] = plan
            out.append(plan)
        return out

    def _check(self, plan: SlotPlan) -> None:
        """The before-air check: readiness, decode, length; the fallback chosen in advance."""
        now = self.clock.now()
        report = None
        try:
            report = source.readiness(self.station, now)
            for line in report.render().splitlines():
                log.info("%s", line)
        except Exception as exc:  # noqa: BLE001 - the check must never stop the player
            self.say(f"CẢNH BÁO: kiểm tra sẵn sàng lỗi ({exc}); vẫn phát theo thư mục ngày.")
        plan.items = source.planned_items(self.station, plan.date, plan.slot, report)
        avoid = {self.station.store.inside(i.file) for i in plan.items}
        try:
            plan.fallback = source.fallback_source(self.station, plan.date, plan.slot, avoid)
            plan.fallback_sha256 = _sha256(plan.fallback[0])
        except Exception as exc:  # noqa: BLE001 - no fallback is bad, but the programme may still air
            self.say(f"CẢNH BÁO: không chuẩn bị được chương trình thay thế ({exc}).")
            plan.fallback = None
        if not plan.items:
            plan.notes.append("thư mục ngày không có tệp nào cho buổi này.")
            if plan.fallback:
                plan.items = [self._fallback_item(plan, 1, "thư mục ngày không có tệp cho buổi này.")]
        checked = []
        for item in plan.items:
            path = self.station.store.inside(item.file)
            problems, warnings, _ = source.file_problems(
                path, item.duration_s, self.settings.silence_report_s
            )
            for w in warnings:
                self.say(f"CẢNH BÁO: {w} Kiểm tra lại tệp (vẫn phát theo lịch).")
                log.warning("%s", w)
            if problems and not item.fallback and plan.fallback:
                self.say(
                    f"{plan.date:%d/%m} {plan.start:%H:%M}: {' '.join(problems)} Sẽ phát chương trình thay thế."
                )
                item = self._fallback_item(plan, item.order, " ".join(problems))
            elif problems:
                self.say(f"{plan.date:%d/%m} {plan.start:%H:%M}: {' '.join(problems)}")
            item.sha256 = _sha256(self.station.store.inside(item.file))
            checked.append(item)
        plan.items = checked
        plan.checked = True
        what = (
            ", ".join(f"{i.title}{' (THAY THẾ)' if i.fallback else ''}" for i in plan.items) or "không có gì"
        )
        self.say(f"Đã kiểm tra buổi {plan.name} {plan.start:%H:%M %d/%m/%Y}: {what}.")

    def _fallback_item(self, plan: SlotPlan, order: int, reason: str) -> PlannedItem:
        assert plan.fallback is not None
        path, title, seconds, month = plan.fallback
        rel = self.station.store.rel(path)
        return PlannedItem(
            plan.date,
            plan.slot,
            plan.name,
            plan.start,
            plan.end,
            order,
            rel,
            title,
            seconds,
            month,
            fallback=True,
            reason=reason,
            sha256=plan.fallback_sha256,
        )

    # ------------------------------------------------------------------ amplifier

    def _amplifier(self, which: str) -> str:
        amp = self.settings.amplifier
        cmd = amp.on if which == "on" else amp.off
        if not cmd:
            return ""
        what = "bật" if which == "on" else "tắt"
        try:
            proc = subprocess.run(
                cmd,
                shell=False,
                capture_output=True,
                timeout=amp.timeout_s,
                stdin=subprocess.DEVNULL,
                cwd=self.station.dir,
            )
            if proc.returncode == 0:
                self.say(f"Đã {what} âm ly.")
                return ""
            detail = (proc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
            problem = f"lệnh {what} âm ly trả mã lỗi {proc.returncode}" + (
                f" ({detail[-1]})" if detail else ""
            )
        except (OSError, subprocess.SubprocessError) as exc:
            problem = f"không chạy được lệnh {what} âm ly ({exc})"
        self.say(f"CẢNH BÁO: {problem}. Vẫn phát chương trình.")
        log.warning("%s", problem)
        return problem + "."

    # ------------------------------------------------------------------ airing

    def _play(
        self, plan: SlotPlan, item: PlannedItem, *, result_ok: str, reason: str
    ) -> tuple[bool, float, str]:
        """Play one item with its as-run row; (completed, seconds, problem)."""
        path = self.station.store.inside(item.file)
        # The hash checked before air goes in the row now (hashing 12 MB would delay the start);
        # the hash of the file as played replaces it when the item ends.
        row = self.asrun.start(
            item,
            actual_start=self.clock.now(),
            file=item.file,
            sha256=item.sha256,
            title=item.title,
            programme_month=item.month,
            backend=self.backend.NAME,
            reason=reason,
        )
        item_stop = _ItemStop(self.stop)
        with self.lock:
            self.current = _Airing(item, row, item_stop, datetime.now(source.TZ))
            self.now_playing = f"{item.title} ({plan.name} {plan.start:%H:%M})"
        self._write_status()
        self.say(f"{self.clock.now():%H:%M:%S} BẮT ĐẦU PHÁT: {item.title} [{item.file}]")
        try:
            res = self.backend.play(
                path, name=f"asrun-{row:06d}", stop=item_stop, timeout_s=max(60.0, item.duration_s * 1.5 + 30)
            )
        finally:
            with self.lock:
                self.current = None
                self.now_playing = None
        self.last_command = item_stop.action
        end = self.clock.now()
        sha = _sha256(path)
        short = res.ok and item.duration_s > 0 and res.seconds < item.duration_s - _SHORT_TOLERANCE_S
        if res.stopped or item_stop.action:
            why = res.reason
            if item_stop.action:
                what = "dừng" if item_stop.action == control.STOP else "bỏ qua"
                why = f"{what} theo lệnh của {item_stop.issuer} (bảng phát sóng)."
            self.asrun.finish(
                row, result=PARTIAL, actual_end=end, seconds=res.seconds, reason=why, sha256=sha
            )
            self.say(f"Đã dừng giữa chừng: {item.title} ({res.seconds:.0f} giây). {why}")
            return False, res.seconds, why
        if not res.ok or short:
            problem = res.reason or (
                f"tệp kết thúc sớm sau {res.seconds:.1f} giây "
                f"(đáng lẽ {item.duration_s:.1f} giây): tệp hỏng giữa chừng."
            )
            self.asrun.finish(
                row, result=FAILED, actual_end=end, seconds=res.seconds, reason=problem, sha256=sha
            )
            self.say(f"{end:%H:%M:%S} LỖI KHI PHÁT {item.title}: {problem}")
            return False, res.seconds, problem
        self.asrun.finish(row, result=result_ok, actual_end=end, seconds=res.seconds, sha256=sha)
        self.say(f"{end:%H:%M:%S} PHÁT XONG: {item.title} ({res.seconds:.1f} giây).")
        return True, res.seconds, ""

    def _air(self, plan: SlotPlan) -> None:
        now = self.clock.now()
        late_s = (now - plan.start).total_seconds()
        started = self.asrun.started_orders(plan.date, plan.slot)
        todo = [i for i in plan.items if i.order not in started]
        if started and not todo or self.asrun.slot_ended_early(plan.date, plan.slot):
            self.say(f"Buổi {plan.name} {plan.start:%H:%M %d/%m} đã phát trước đó: không phát lại.")
            return
        if started:
            self.say(
                f"Buổi {plan.name} {plan.start:%H:%M %d/%m} đã phát dở (máy phát bị ngắt): "
                f"không phát lại {len(started)} tệp đã bắt đầu, phát tiếp phần còn lại."
            )
        if late_s > self.settings.late_max_min * 60:
            why = (
                f"trễ {late_s / 60:.0f} phút so với giờ phát (máy tính ngủ, tắt hoặc đổi giờ), quá giới hạn "
                f"late_max_min = {self.settings.late_max_min:g} phút: bỏ qua."
            )
            for item in todo:
                self.asrun.record(item, when=now, result=SKIPPED, reason=why, backend=self.backend.NAME)
            self.say(f"BỎ QUA buổi {plan.name} {plan.start:%H:%M %d/%m}: {why}")
            return
        if not plan.items:
            why = "không có tệp nào để phát (thư mục ngày trống) và không có chương trình thay thế."
            empty = PlannedItem(plan.date, plan.slot, plan.name, plan.start, plan.end, 1, "", "", 0.0, None)
            self.asrun.record(empty, when=now, result=FAILED, reason=why, backend=self.backend.NAME)
            self.say(f"LỖI: buổi {plan.name} {plan.start:%H:%M %d/%m}: {why}")
            return
        late_note = f"phát trễ {late_s:.0f} giây." if late_s > 5 else ""
        if not plan.amp_on:
            plan.amp_problem = self._amplifier("on")
            plan.amp_on = True
        amp_problem = plan.amp_problem
        for item in todo:
            if self.stop.is_set():
                return
            reason = " ".join(x for x in (item.reason, late_note, amp_problem) if x)
            path = self.station.store.inside(item.file)
            if not path.is_file() and not item.fallback and plan.fallback:
                fb = self._fallback_item(plan, item.order, f"thiếu tệp {item.file} lúc phát.")
                self.say(f"{self.clock.now():%H:%M:%S} THIẾU TỆP {item.file}: phát chương trình thay thế.")
                self._play(
                    plan,
                    fb,
                    result_ok=FALLBACK,
                    reason=" ".join(x for x in (fb.reason, late_note, amp_problem) if x),
                )
                return self._after(plan)
            ok, _, problem = self._play(
                plan, item, result_ok=FALLBACK if item.fallback else AIRED, reason=reason
            )
            if self.stop.is_set():
                return
            if self.last_command == control.SKIP:
                late_note = amp_problem = ""
                continue  # the operator skipped this item: the next one of the slot airs now
            if self.last_command == control.STOP:
                why = f"không phát: đã dừng buổi phát theo lệnh ({problem})"
                for rest in todo[todo.index(item) + 1 :]:
                    self.asrun.record(
                        rest, when=self.clock.now(), result=SKIPPED, reason=why, backend=self.backend.NAME
                    )
                break
            if not ok:
                if plan.fallback and not item.fallback:
                    fb = self._fallback_item(plan, item.order, f"thay cho tệp lỗi: {problem}")
                    self.say("Chuyển sang chương trình thay thế cho phần còn lại của buổi phát.")
                    self._play(plan, fb, result_ok=FALLBACK, reason=fb.reason)
                break
            late_note = amp_problem = ""
        self._after(plan)

    def _after(self, plan: SlotPlan) -> None:
        """Amplifier off `off_after_s` after the slot, unless the next airing needs it sooner."""
        amp = self.settings.amplifier
        if not amp.off or self.stop.is_set():
            return
        off_at = self.clock.now() + timedelta(seconds=amp.off_after_s)
        nxt = [p for p in self._upcoming(self.clock.now()) if p.key != plan.key and p.key not in self.done]
        if nxt and nxt[0].start - timedelta(seconds=amp.on_before_s) <= off_at:
            nxt[0].amp_on = True
            return
        self._wait_until(off_at)
        self._amplifier("off")

    # ------------------------------------------------------------------ main loop

    def run(self, *, until: datetime | None = None, once: bool = False) -> int:
        """Air slots until `until` (or for ever, or one slot with `once`); the number of slots handled."""
        handled = 0
        self.say(
            f"Bắt đầu phát tự động ({self.backend.LABEL}, thiết bị: {self.backend.device}) lúc "
            f"{self.clock.now():%H:%M:%S %d/%m/%Y}."
        )
        self._write_status()
        self._poll_commands()  # commands left from before this start are answered "refused" at once
        controller = threading.Thread(target=self._control_loop, name="playout-control", daemon=True)
        controller.start()
        try:
            while not self.stop.is_set():
                now = self.clock.now()
                if until is not None and now >= until:
                    break
                if self.manual:
                    self._air_manual()
                    continue
                plans = self._upcoming(now)
                if not plans:
                    target = datetime.combine(
                        now.date() + timedelta(days=1), datetime.min.time(), tzinfo=source.TZ
                    )
                    self._write_status(next_plan=None)
                    self._wait_until(min(target, until) if until else target)
                    continue
                plan = plans[0]
                self._write_status(next_plan=plan)
                lead_at = plan.start - timedelta(minutes=self.settings.lead_min)
                amp_at = plan.start - timedelta(seconds=self.settings.amplifier.on_before_s)
                if not plan.checked:
                    if now < lead_at and not self._wait_until(min(lead_at, until) if until else lead_at):
                        continue
                    if until is not None and self.clock.now() >= until:
                        break
                    self._check(plan)
                    continue
                if self.settings.amplifier.on and not plan.amp_on and now < amp_at:
                    if not self._wait_until(min(amp_at, until) if until else amp_at):
                        continue
                    if until is not None and self.clock.now() >= until:
                        break
                    plan.amp_problem = self._amplifier("on")
                    plan.amp_on = True
                    continue
                if now < plan.start:
                    if not self._wait_until(min(plan.start, until) if until else plan.start):
                        continue
                    if until is not None and self.clock.now() >= until and self.clock.now() < plan.start:
                        break
                self._air(plan)
                self.done.add(plan.key)
                self.plans.pop(plan.key, None)
                handled += 1
                self._write_status(next_plan=None)
                if once:
                    break
        finally:
            self._quit.set()
            controller.join(timeout=10)
            for cmd, _item in self.manual:
                control.answer(
                    self.station.store, cmd, control.REFUSED, "máy phát đã dừng.", now=datetime.now(source.TZ)
                )
            self.backend.close()
            self._write_status(stopped=True)
            self.asrun.close()
        return handled

    # ------------------------------------------------------------------ console commands

    def _control_loop(self) -> None:
        """The control thread: heartbeat, console commands (broadcast.playout.control)."""
        beat = time.monotonic()
        while not self._quit.wait(self.poll_s):
            if self.stop.is_set():
                self.wake.set()  # end the main thread's wait at once
                continue
            if time.monotonic() - beat >= HEARTBEAT_S:
                self._write_status()
                beat = time.monotonic()
            self._poll_commands()

    def _poll_commands(self) -> None:
        try:
            now = datetime.now(source.TZ)
            for cmd in control.take(self.station.store, now=now, not_before=self.real_start):
                self._execute(cmd)
        except Exception:  # noqa: BLE001 - a bad command must never stop the player
            log.exception("lỗi khi xử lý lệnh từ bàn phát sóng")

    def _execute(self, cmd: control.Command) -> None:
        store, now = self.station.store, datetime.now(source.TZ)
        with self.lock:
            cur = self.current
            if cmd.action in (control.STOP, control.SKIP):
                if cur is None:
                    control.answer(store, cmd, control.REFUSED, "không có gì đang phát.", now=now)
                    return
                cur.stop.action, cur.stop.issuer = cmd.action, cmd.issuer
                cur.stop.set()
                done = "đã dừng" if cmd.action == control.STOP else "đã bỏ qua"
                control.answer(
                    store, cmd, control.DONE, f"{done} «{cur.item.title}».", now=now, what=cur.item.title
                )
                self.say(
                    f"{self.clock.now():%H:%M:%S} LỆNH TỪ BÀN PHÁT SÓNG ({cmd.issuer}): {done} {cur.item.title}."
                )
                return
            if cur is not None:
                control.answer(
                    store,
                    cmd,
                    control.REFUSED,
                    f"đang phát «{cur.item.title}»: bấm Dừng trước rồi mới phát ngay.",
                    now=now,
                )
                return
            if self.manual:
                control.answer(store, cmd, control.REFUSED, "đang chờ phát một lệnh phát ngay khác.", now=now)
                return
        assert cmd.target is not None  # Command.from_dict refuses a play without a target
        try:
            item = control.resolve(self.station, cmd.target, self.clock.now().date(), self.clock.now())
        except BroadcastError as exc:
            control.answer(store, cmd, control.REFUSED, exc.message, now=now)
            return
        with self.lock:
            self.manual.append((cmd, item))
        self.wake.set()

    def _air_manual(self) -> None:
        """Air the console's "play now" item (main thread); its as-run slot is control.MANUAL_SLOT."""
        with self.lock:
            cmd, _ = self.manual.pop(0)
        store, real_now, now = self.station.store, datetime.now(source.TZ), self.clock.now()
        if cmd.expires_at < real_now:
            control.answer(
                store,
                cmd,
                control.REFUSED,
                "máy phát bận phát buổi theo lịch; lệnh đã quá hạn.",
                now=real_now,
            )
            return
        assert cmd.target is not None
        try:  # again: the day folder or the approval may have changed since the command was taken
            item = control.resolve(self.station, cmd.target, now.date(), now)
        except BroadcastError as exc:
            control.answer(store, cmd, control.REFUSED, exc.message, now=real_now)
            return
        item.order = len(self.asrun.rows(day=item.date, slot=control.MANUAL_SLOT)) + 1
        item.sha256 = _sha256(self.station.store.inside(item.file))
        plan = SlotPlan(item.date, item.slot, item.slot_name, now, item.slot_end, [item], checked=True)
        control.answer(
            store, cmd, control.DONE, f"bắt đầu phát «{item.title}».", now=real_now, what=item.title
        )
        self.say(f"{now:%H:%M:%S} LỆNH TỪ BÀN PHÁT SÓNG ({cmd.issuer}): phát ngay {item.title}.")
        amp = self.settings.amplifier
        if amp.on:
            self._amplifier("on")
        self._play(
            plan, item, result_ok=AIRED, reason=f"phát thủ công theo lệnh của {cmd.issuer} (bảng phát sóng)."
        )
        if amp.off and not self.stop.is_set():
            self._amplifier("off")

    # ------------------------------------------------------------------ status

    def _write_status(self, *, next_plan: SlotPlan | None | bool = False, stopped: bool = False) -> None:
        """The status file, also the heartbeat (`heartbeat_at`, real time) the console watches.

        `next_plan` False keeps the last known next airing.
        """
        with self.lock:
            if next_plan is None:
                self._next = None
            elif isinstance(next_plan, SlotPlan):
                self._next = {
                    "date": next_plan.date.isoformat(),
                    "slot": next_plan.slot,
                    "name": next_plan.name,
                    "start": next_plan.start.isoformat(timespec="minutes"),
                }
            cur = self.current
            data: dict = {
                "pid": os.getpid(),
                "updated_at": self.clock.now().isoformat(timespec="seconds"),
                "heartbeat_at": datetime.now(source.TZ).isoformat(timespec="seconds"),
                "running": not stopped,
                "backend": self.backend.NAME,
                "device": self.backend.device,
                "now_playing": self.now_playing,
            }
            if cur is not None:
                data["current"] = {
                    "title": cur.item.title,
                    "file": cur.item.file,
                    "slot": cur.item.slot,
                    "manual": cur.item.slot == control.MANUAL_SLOT,
                    "started": cur.started.isoformat(timespec="seconds"),
                    "duration_s": cur.item.duration_s,
                }
            if self._next is not None:
                data["next"] = self._next
            try:
                atomic_write_text(
                    self.station.store.state_file(STATUS_FILE), json.dumps(data, ensure_ascii=False, indent=1)
                )
            except Exception as exc:  # noqa: BLE001 - the status file is a courtesy; airing goes on
                log.warning("không ghi được %s: %s", STATUS_FILE, exc)


def read_status(station: Station) -> dict:
    path = station.store.state_file(STATUS_FILE)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
