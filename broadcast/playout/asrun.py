"""The as-run log: `.broadcast/asrun.sqlite` in the station folder (stdlib sqlite3, WAL).

A row is inserted as `partial` when an item starts and completed (result, end, seconds)
when it ends, so a crash leaves a `partial` row, never nothing. Each write is its own
transaction. The web console reads the same file.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from broadcast.errors import EnvironmentProblem
from broadcast.playout.models import (
    AIRED,
    FALLBACK,
    PARTIAL,
    RESULT_VI,
    AsRunRow,
    PlannedItem,
)
from broadcast.store import StationStore

ASRUN_FILE = "asrun.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS asrun (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    date TEXT NOT NULL,
    month TEXT NOT NULL,
    slot TEXT NOT NULL,
    item_order INTEGER NOT NULL,
    scheduled_start TEXT NOT NULL,
    actual_start TEXT NOT NULL,
    actual_end TEXT,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL DEFAULT '',
    programme_month TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL,
    seconds_aired REAL NOT NULL DEFAULT 0,
    reason TEXT NOT NULL DEFAULT '',
    backend TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS asrun_slot ON asrun (date, slot, item_order);
CREATE INDEX IF NOT EXISTS asrun_month ON asrun (month);
"""

# CSV column headers (Vietnamese for the staff who file the report), in AsRunRow.FIELDS order.
CSV_HEADERS = (
    "STT",
    "Ngày",
    "Tháng",
    "Buổi",
    "Thứ tự",
    "Giờ theo lịch",
    "Bắt đầu",
    "Kết thúc",
    "Tệp",
    "sha256",
    "Tiêu đề",
    "Chương trình tháng",
    "Kết quả",
    "Số giây đã phát",
    "Lý do",
    "Bộ phát",
    "Diễn giải kết quả",
)


def _busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def asrun_path(store: StationStore) -> Path:
    return store.state_file(ASRUN_FILE)


class AsRunLog:
    """Open (and create) a station's as-run log."""

    def __init__(self, path: Path, *, timeout_s: float = 10.0) -> None:
        self.path = path
        # The player, the console's panel and the reports open the log at the same time. Some
        # of the set-up (switching a new file to WAL, recovering a WAL another process left) is
        # refused with "database is locked" at once, without SQLite's busy wait: retry it.
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(str(path), timeout=timeout_s, isolation_level=None)
                try:
                    self._set_up()
                except sqlite3.Error:
                    self.db.close()
                    raise
                return
            except sqlite3.OperationalError as exc:
                if _busy(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise self._cannot_open(exc) from None
            except (sqlite3.Error, OSError) as exc:
                raise self._cannot_open(exc) from None

    def _set_up(self) -> None:
        if str(self.db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")  # a row survives a power cut once written
        self.db.executescript(_SCHEMA)

    def _cannot_open(self, exc: BaseException) -> EnvironmentProblem:
        return EnvironmentProblem(
            f"không mở được nhật ký phát sóng ({exc}).",
            file=self.path,
            hint="Kiểm tra quyền ghi thư mục .broadcast và ổ đĩa còn chỗ trống.",
        )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> AsRunLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ writing

    def _write(self, sql: str, args: tuple) -> int:
        try:
            cur = self.db.execute(sql, args)
        except sqlite3.Error as exc:
            raise EnvironmentProblem(
                f"không ghi được nhật ký phát sóng ({exc}).",
                file=self.path,
                hint="Kiểm tra ổ đĩa còn chỗ trống và quyền ghi.",
            ) from None
        return int(cur.lastrowid or 0)

    def start(
        self,
        item: PlannedItem,
        *,
        actual_start: datetime,
        file: str,
        sha256: str,
        title: str,
        programme_month: str | None,
        backend: str,
        reason: str = "",
    ) -> int:
        """Insert the row of an item that is starting now (`partial` until finished)."""
        return self._write(
            "INSERT INTO asrun (date, month, slot, item_order, scheduled_start, actual_start, file, sha256,"
            " title, programme_month, result, reason, backend) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                item.date.isoformat(),
                f"{item.date:%Y-%m}",
                item.slot,
                item.order,
                item.start.isoformat(),
                actual_start.isoformat(timespec="milliseconds"),
                file,
                sha256,
                title,
                programme_month or "",
                PARTIAL,
                reason,
                backend,
            ),
        )

    def finish(
        self,
        row_id: int,
        *,
        result: str,
        actual_end: datetime,
        seconds: float,
        reason: str = "",
        sha256: str | None = None,
    ) -> None:
        """Complete a row; `sha256` (of the file as played) replaces the one written at the start."""
        self._write(
            "UPDATE asrun SET result=?, actual_end=?, seconds_aired=?, reason=CASE WHEN ?='' THEN reason "
            "WHEN reason='' THEN ? ELSE reason || ' ' || ? END, sha256=COALESCE(?, sha256) WHERE id=?",
            (
                result,
                actual_end.isoformat(timespec="milliseconds"),
                round(seconds, 3),
                reason,
                reason,
                reason,
                sha256,
                row_id,
            ),
        )

    def record(
        self, item: PlannedItem, *, when: datetime, result: str, reason: str, backend: str = ""
    ) -> int:
        """A row for an item that did not start (skipped): start = end = `when`, 0 s aired."""
        row = self.start(
            item,
            actual_start=when,
            file=item.file,
            sha256="",
            title=item.title,
            programme_month=item.month,
            backend=backend,
            reason=reason,
        )
        self.finish(row, result=result, actual_end=when, seconds=0.0)
        return row

    # ------------------------------------------------------------------ reading

    def rows(
        self, *, month: str | None = None, day: date | None = None, slot: str | None = None
    ) -> list[AsRunRow]:
        sql, args = "SELECT " + ", ".join(AsRunRow.FIELDS) + " FROM asrun WHERE 1=1", []
        if month:
            sql += " AND month=?"
            args.append(month)
        if day:
            sql += " AND date=?"
            args.append(day.isoformat())
        if slot:
            sql += " AND slot=?"
            args.append(slot)
        sql += " ORDER BY id"
        return [AsRunRow(*r) for r in self.db.execute(sql, args).fetchall()]

    def started_orders(self, day: date, slot: str) -> set[int]:
        """Item positions of a slot that already have a row (never air them twice)."""
        cur = self.db.execute(
            "SELECT DISTINCT item_order FROM asrun WHERE date=? AND slot=?", (day.isoformat(), slot)
        )
        return {int(r[0]) for r in cur.fetchall()}

    def slot_ended_early(self, day: date, slot: str) -> bool:
        """The slot already switched to its fallback for the rest of the slot."""
        cur = self.db.execute(
            "SELECT 1 FROM asrun WHERE date=? AND slot=? AND result=? LIMIT 1",
            (day.isoformat(), slot, FALLBACK),
        )
        return cur.fetchone() is not None

    def last(self, n: int = 1) -> list[AsRunRow]:
        cur = self.db.execute(
            "SELECT " + ", ".join(AsRunRow.FIELDS) + " FROM asrun ORDER BY id DESC LIMIT ?", (n,)
        )
        return [AsRunRow(*r) for r in cur.fetchall()]


def open_log(store: StationStore) -> AsRunLog:
    return AsRunLog(asrun_path(store))


# ------------------------------------------------------------------ reconciliation and export


@dataclass
class Reconciled:
    """One scheduled airing and what the log says about it."""

    date: date
    slot: str
    start: str
    titles: list[str]
    rows: list[AsRunRow]

    @property
    def status(self) -> str:
        """aired | fallback | partial | missing (scheduled and nothing aired) | other results."""
        if not self.rows:
            return "missing"
        results = {r.result for r in self.rows}
        if results <= {AIRED}:
            return AIRED
        if FALLBACK in results:
            return FALLBACK
        if PARTIAL in results:
            return PARTIAL
        return sorted(results - {AIRED})[0]


def reconcile(airings: list, log_rows: list[AsRunRow]) -> tuple[list[Reconciled], list[AsRunRow]]:
    """Scheduled airings (schedule.ScheduledAiring) matched with log rows; rows not in the schedule."""
    by_slot: dict[tuple[str, str], list[AsRunRow]] = {}
    for r in log_rows:
        by_slot.setdefault((r.date, r.slot), []).append(r)
    out = []
    for a in airings:
        rows = by_slot.pop((a.date.isoformat(), a.slot), [])
        out.append(Reconciled(a.date, a.slot, a.start, [i.title for i in a.items], rows))
    extra = [r for rows in by_slot.values() for r in rows]
    return out, extra


def to_csv(rows: list[AsRunRow]) -> str:
    """The rows as CSV (UTF-8 with BOM when written, so Excel shows Vietnamese correctly)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_HEADERS)
    for r in rows:
        values = [getattr(r, f) for f in AsRunRow.FIELDS] + [RESULT_VI.get(r.result, r.result)]
        w.writerow(["" if v is None else v for v in values])
    return buf.getvalue()
