"""The year at a glance: each month's state, minutes, airings and warnings (the *Năm* page)."""

from __future__ import annotations

from dataclasses import dataclass, field

from broadcast.calendar import month_calendar
from broadcast.config import Station
from broadcast.errors import BroadcastError, NextStep
from broadcast.production.manifest import read_approval, read_manifest
from broadcast.readings import reading_warnings
from broadcast.schedule import is_scheduled, read_schedule
from broadcast.script import read_script
from broadcast.topics import Topic, load_facts, load_topics, topic_for_month

# The states of a month, in the order a month goes through them (Vietnamese labels for people).
STATES = {
    "missing": "chưa soạn",
    "draft": "bản nháp",
    "listening": "chờ duyệt",
    "approved": "đã duyệt",
    "produced": "đã dựng",
    "scheduled": "đã xếp lịch",
}


@dataclass
class MonthStatus:
    """One month of a station's year, as read from its files (nothing cached, nothing guessed)."""

    month: str
    state: str
    """A key of STATES."""
    topic: str = ""
    title: str = ""
    minutes: float | None = None
    """Measured on the approved programme's file (or the listening copy), None if none."""
    airings_planned: int = 0
    airings_scheduled: int = 0
    approved_by: str | None = None
    warnings: list[str] = field(default_factory=list)
    next_step: NextStep | None = None

    @property
    def label(self) -> str:
        return STATES[self.state]


def month_status(station: Station, month: str, *, topics: dict[str, Topic] | None = None) -> MonthStatus:
    """Where `month` stands: script, approval, programme, schedule, and what to look at."""
    store = station.store
    status = MonthStatus(month=month, state="missing")
    try:
        status.topic = topic_for_month(station, month, topics=topics).title
    except BroadcastError as exc:
        status.warnings.append(f"chủ đề: {exc.message}")
    try:
        status.airings_planned = len(month_calendar(station, month).airings)
    except BroadcastError as exc:
        status.warnings.append(f"lịch: {exc.message}")
    script = None
    if store.script_path(month).exists():
        try:
            script = read_script(store.script_path(month))
            status.title = script.title
        except BroadcastError as exc:
            status.warnings.append(f"kịch bản lỗi: {exc.where()} {exc.message}")
    approved = read_manifest(store.programme_dir(month))
    listening = read_manifest(store.draft_dir(month))
    record = read_approval(store.programme_dir(month)) if approved else None
    if script is None:
        status.next_step = NextStep("script", month=month)
    elif not script.approved:
        status.state = "listening" if listening and listening.script_sha256 == script.body_sha256 else "draft"
        status.next_step = NextStep("approve" if status.state == "listening" else "produce", month=month)
    else:
        status.state = "approved"
        status.approved_by = script.meta.get("approved_by")
        status.next_step = NextStep("make", month=month)
    if approved is not None:
        status.minutes = approved.duration_s / 60
        if record:
            status.approved_by = record.get("approved_by") or status.approved_by
        if script is not None and script.approved and approved.script_sha256 == script.body_sha256:
            status.state = "produced"
        if approved.degraded:
            status.warnings.append("có câu đọc bằng giọng dự phòng")
    elif listening is not None:
        status.minutes = listening.duration_s / 60
    sched = read_schedule(station, month)
    if sched is not None:
        status.airings_scheduled = len(sched.airings)
        if status.state == "produced" and is_scheduled(station, month):
            status.state = "scheduled"
            status.next_step = None
    if script is not None:
        status.warnings.extend(reading_warnings(store, script))
    if script is not None and not script.approved and approved is not None:
        status.warnings.append("bản sửa chưa duyệt; bản đã duyệt trước vẫn được phát")
    try:
        if load_facts(station, month).example:
            status.warnings.append("số liệu ví dụ, chưa phải số liệu thật")
    except BroadcastError as exc:
        status.warnings.append(f"số liệu lỗi: {exc.message}")
    return status


def year_overview(station: Station, year: int) -> list[MonthStatus]:
    """The twelve months of `year`."""
    try:
        topics: dict[str, Topic] | None = load_topics(station)
    except BroadcastError:
        topics = None  # each month then reports the topic error as its warning
    return [month_status(station, f"{year:04d}-{m:02d}", topics=topics) for m in range(1, 13)]
