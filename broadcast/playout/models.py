"""Playout data: settings, what is planned to air, and what aired (dataclasses, no I/O).

"What was planned" (`PlannedItem`) and "what aired" (`AsRunRow`) are separate records, as in
LibreTime's queue/playout history and Rivendell's ELR lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Results of an as-run row. A row is inserted as `partial` when the item starts and completed
# when it ends, so a crash or a power cut leaves `partial`, never nothing.
AIRED = "aired"  # played to the end as scheduled
PARTIAL = "partial"  # started, never completed (the player stopped during the item)
FAILED = "failed"  # started, stopped by a decoder/device error or ended too early
FALLBACK = "fallback"  # the fallback (last approved programme / standing notice) aired instead
SKIPPED = "skipped"  # not aired: too late after a sleep/clock change, or no fallback possible
RESULTS = (AIRED, PARTIAL, FAILED, FALLBACK, SKIPPED)

RESULT_VI = {
    AIRED: "đã phát",
    PARTIAL: "phát dở (bị ngắt)",
    FAILED: "lỗi khi phát",
    FALLBACK: "phát thay thế",
    SKIPPED: "bỏ qua",
}


@dataclass
class AmplifierSettings:
    """Optional relay/amplifier power commands (argument lists, never a shell)."""

    on: list[str] = field(default_factory=list)
    off: list[str] = field(default_factory=list)
    on_before_s: float = 30.0
    off_after_s: float = 10.0
    timeout_s: float = 15.0


@dataclass
class PlayoutSettings:
    """The `playout:` section of station.yaml (documented in docs/station.md)."""

    backend: str = "mpv"  # registry name in broadcast.playout.backends
    device: str = "auto"  # "auto", "null", "file:FOLDER" or a name from --devices
    lead_min: float = 15.0  # before-air check this many minutes ahead
    late_max_min: float = 5.0  # after a sleep/clock change: start late up to this, else skip
    clock_jump_s: float = 5.0  # wall clock vs monotonic difference reported as a jump
    silence_report_s: float = 10.0  # silence longer than this in a file is reported before air
    amplifier: AmplifierSettings = field(default_factory=AmplifierSettings)


@dataclass
class PlannedItem:
    """One file planned to air in a slot (from the schedule and the day folder)."""

    date: date
    slot: str
    slot_name: str
    start: datetime  # the slot's start (aware, station time)
    slot_end: datetime  # start + slot length
    order: int  # 1-based position in the slot
    file: str  # path relative to the station folder
    title: str
    duration_s: float
    month: str | None  # programme month; None for the standing notice
    fallback: bool = False  # planned in place of the scheduled programme
    reason: str = ""  # why it is a fallback
    sha256: str = ""  # of the file as checked before air

    @property
    def key(self) -> str:
        """Identifies the slot of this item in the as-run log: 'YYYY-MM-DD slot'."""
        return f"{self.date.isoformat()} {self.slot}"


@dataclass
class AsRunRow:
    """One row of the as-run log."""

    id: int
    date: str  # YYYY-MM-DD of the airing
    month: str  # YYYY-MM of the airing (not of the programme)
    slot: str
    item_order: int
    scheduled_start: str  # ISO datetime of the slot start
    actual_start: str  # ISO datetime the item started
    actual_end: str | None
    file: str
    sha256: str
    title: str
    programme_month: str
    result: str
    seconds_aired: float
    reason: str
    backend: str

    FIELDS = (
        "id",
        "date",
        "month",
        "slot",
        "item_order",
        "scheduled_start",
        "actual_start",
        "actual_end",
        "file",
        "sha256",
        "title",
        "programme_month",
        "result",
        "seconds_aired",
        "reason",
        "backend",
    )
