"""Read the records of a period and compute the report's figures (broadcast.report.models).

Records, never settings: the approval record and the approved script copy, the manifest
(measured minutes, engines, degraded), the schedule, the as-run log (where it has rows for
the month; otherwise airings are counted "theo lịch"). Two sources give the same records:
the live station folder (`LiveRecords`) and the archive (`ArchiveRecords`, archive/YYYY/YYYY-MM/),
so the report can be computed from the archive alone. Every path comes from `station.store`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Protocol

from broadcast.calendar import month_calendar
from broadcast.config import Station
from broadcast.errors import BroadcastError, ConfigError
from broadcast.models.programme import Manifest
from broadcast.models.schedule import MonthSchedule, ScheduledAiring
from broadcast.playout.asrun import asrun_path, open_log, reconcile
from broadcast.playout.models import AIRED as RUN_AIRED
from broadcast.playout.models import FALLBACK as RUN_FALLBACK
from broadcast.playout.models import AsRunRow
from broadcast.production.manifest import (
    APPROVAL_NAME,
    APPROVED_SCRIPT_NAME,
    MANIFEST_NAME,
    read_approval,
    read_manifest,
)
from broadcast.report.models import (
    AIRED,
    MISSED,
    PARTIAL,
    PLANNED,
    SUBSTITUTED,
    VOICE_FALLBACK,
    VOICE_HUMAN,
    VOICE_SYNTHETIC,
    AiringFigure,
    FallbackUse,
    HolidaySkip,
    LegalDocument,
    Period,
    ProgrammeFigure,
    Report,
    ReportSettings,
)
from broadcast.schedule import read_schedule
from broadcast.script import Script, parse_script
from broadcast.topics import AREAS, load_topics
from broadcast.yamlio import load_yaml

# File names inside an archived month (archive/YYYY/YYYY-MM/), next to the MP3.
ARCHIVE_SCHEDULE = "lich-phat.yaml"
ARCHIVE_ASRUN_JSON = "nhat-ky-phat-song.json"
ARCHIVE_ASRUN_CSV = "nhat-ky-phat-song.csv"
CHECKSUMS = "SHA256SUMS"

HUMAN_ENGINES = frozenset({"human", "recording", "nguoi-doc"})
ASRUN_SOURCE = "nhật ký phát sóng"
SCHEDULE_SOURCE = "theo lịch"


class Records(Protocol):
    """Where the records of a month are read from (live folder or archive)."""

    from_archive: bool

    def manifest(self, month: str) -> tuple[Manifest | None, str]: ...
    def approval(self, month: str) -> tuple[dict | None, str]: ...
    def approved_script(self, month: str) -> tuple[Script | None, str]: ...
    def schedule(self, month: str) -> tuple[MonthSchedule | None, str]: ...
    def asrun(self, month: str) -> tuple[list[AsRunRow], str]: ...


def _script_from(path: Path) -> Script | None:
    if not path.is_file():
        return None
    try:
        return parse_script(path.read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError, BroadcastError):
        return None


class LiveRecords:
    """The records in the station folder as they are now."""

    from_archive = False

    def __init__(self, station: Station) -> None:
        self.station = station
        self.store = station.store
        self._log_rows: dict[str, list[AsRunRow]] | None = None

    def manifest(self, month: str) -> tuple[Manifest | None, str]:
        return read_manifest(self.store.programme_dir(month)), self.store.rel(self.store.manifest_path(month))

    def approval(self, month: str) -> tuple[dict | None, str]:
        path = self.store.programme_dir(month) / APPROVAL_NAME
        return read_approval(self.store.programme_dir(month)), self.store.rel(path)

    def approved_script(self, month: str) -> tuple[Script | None, str]:
        path = self.store.programme_dir(month) / APPROVED_SCRIPT_NAME
        return _script_from(path), self.store.rel(path)

    def schedule(self, month: str) -> tuple[MonthSchedule | None, str]:
        return read_schedule(self.station, month), self.store.rel(self.store.schedule_path(month))

    def asrun(self, month: str) -> tuple[list[AsRunRow], str]:
        path = asrun_path(self.store)
        if not path.is_file():
            return [], self.store.rel(path)
        with open_log(self.store) as log:
            return log.rows(month=month), self.store.rel(path)


class ArchiveRecords:
    """The records copied into archive/YYYY/YYYY-MM/ (broadcast.report.archive)."""

    from_archive = True

    def __init__(self, station: Station) -> None:
        self.store = station.store

    def _dir(self, month: str) -> Path:
        return self.store.archive_month_dir(month)

    def manifest(self, month: str) -> tuple[Manifest | None, str]:
        return read_manifest(self._dir(month)), self.store.rel(self._dir(month) / MANIFEST_NAME)

    def approval(self, month: str) -> tuple[dict | None, str]:
        return read_approval(self._dir(month)), self.store.rel(self._dir(month) / APPROVAL_NAME)

    def approved_script(self, month: str) -> tuple[Script | None, str]:
        path = self._dir(month) / APPROVED_SCRIPT_NAME
        return _script_from(path), self.store.rel(path)

    def schedule(self, month: str) -> tuple[MonthSchedule | None, str]:
        path = self._dir(month) / ARCHIVE_SCHEDULE
        if not path.is_file():
            return None, self.store.rel(path)
        return MonthSchedule.from_dict(load_yaml(path).data), self.store.rel(path)

    def asrun(self, month: str) -> tuple[list[AsRunRow], str]:
        path = self._dir(month) / ARCHIVE_ASRUN_JSON
        if not path.is_file():
            return [], self.store.rel(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            rows = [AsRunRow(**{k: row[k] for k in AsRunRow.FIELDS}) for row in data]
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ConfigError(
                f"nhật ký phát sóng lưu trữ bị hỏng ({exc}).",
                file=path,
                hint="Kiểm tra hồ sơ lưu trữ (mã SHA256) rồi lưu trữ lại tháng này từ bản đang dùng.",
            ) from None
        return rows, self.store.rel(path)


# --------------------------------------------------------------------------- legal documents

_KINDS = (
    "Thông tư liên tịch",
    "Nghị quyết liên tịch",
    "Bộ luật",
    "Luật",
    "Pháp lệnh",
    "Nghị định",
    "Nghị quyết",
    "Quyết định",
    "Thông tư",
    "Chỉ thị",
    "Kế hoạch",
    "Công văn",
    "Hướng dẫn",
    "Thông báo",
    "Chương trình",
    "Đề án",
    "Kết luận",
)
_CODE = r"[A-ZĐ][A-Za-zĐđ&]*\d*"
_LEGAL = re.compile(
    r"(?P<kind>" + "|".join(_KINDS) + r")\s+(?:số\s+)?"
    r"(?P<number>\d+[a-z]?(?:/(?:19|20)\d{2})?/" + _CODE + r"(?:-" + _CODE + r")*)"
    r"(?:\s+ngày\s+(?P<day>\d{1,2})[/-](?P<month>\d{1,2})[/-](?P<year>\d{4}))?"
    r"(?:\s+của\s+(?P<issuer>[^,.;:()\n]+?))?"
    r"(?=\s+(?:về|ban hành|quy định|thực hiện|triển khai|hướng dẫn|và|là|có|đã|đều|nêu)\s|[,.;:()\n]|$)"
)


# Words that start what the issuer did ("của Chính phủ yêu cầu …"): the issuer ends before them.
_AFTER_ISSUER = re.compile(
    r"\s+(?:yêu cầu|nhấn mạnh|đặt ra|đặt|cho phép|giao|xác định|khẳng định|chỉ đạo|đề ra|"
    r"nêu rõ|nêu|quy định|hướng dẫn|đã|được|cũng|sẽ|vừa|mới|tại|với|trong)\b.*$"
)


def legal_documents(text: str) -> list[tuple[str, str, str, str]]:
    """(kind, number, date, issuer) of each legal document named in `text`, in order."""
    found = []
    for m in _LEGAL.finditer(text):
        issued = f"{int(m['day'])}/{int(m['month'])}/{m['year']}" if m["day"] else ""
        issuer = _AFTER_ISSUER.sub("", (m["issuer"] or "").strip())
        found.append((m["kind"], m["number"], issued, issuer))
    return found


# --------------------------------------------------------------------------- the report


def _voice(manifest: Manifest) -> str:
    if set(manifest.engines) and set(manifest.engines) <= HUMAN_ENGINES:
        return VOICE_HUMAN
    return VOICE_FALLBACK if manifest.degraded else VOICE_SYNTHETIC


def _status(reconciled_status: str) -> str:
    return {"aired": AIRED, "fallback": SUBSTITUTED, "partial": PARTIAL, "failed": PARTIAL}.get(
        reconciled_status, MISSED
    )


def _airing_figure(
    airing: ScheduledAiring, month: str, *, status: str, seconds: float, reason: str, source: str
) -> AiringFigure:
    """One row of the report's airings table for a scheduled airing."""
    return AiringFigure(
        date=airing.date,
        slot=airing.slot,
        start=airing.start,
        month=month,
        title="; ".join(i.title for i in airing.items),
        status=status,
        minutes=round(seconds / 60, 1),
        reason=reason,
        source=source,
    )


def collect(station: Station, period: Period, records: Records | None = None) -> Report:
    """The report of `period` computed from `records` (default: the live station folder)."""
    records = records or LiveRecords(station)
    settings: ReportSettings = (
        station.report if isinstance(station.report, ReportSettings) else ReportSettings()
    )
    topics = load_topics(station)
    programmes: list[ProgrammeFigure] = []
    airings: list[AiringFigure] = []
    fallbacks: list[FallbackUse] = []
    holidays: list[HolidaySkip] = []
    legal: dict[str, LegalDocument] = {}
    asrun_months: list[str] = []
    missing: list[str] = []
    for month in period.months:
        manifest, manifest_src = records.manifest(month)
        approval, approval_src = records.approval(month)
        script, script_src = records.approved_script(month)
        approved = bool(manifest and approval and approval.get("approved_sha256"))
        if not approved or manifest is None or approval is None:
            missing.append(month)
        else:
            topic_id = str(script.meta.get("topic") or "") if script else ""
            topic = topics.get(topic_id)
            area = topic.area if topic else ""
            programmes.append(
                ProgrammeFigure(
                    month=month,
                    title=manifest.title,
                    topic=topic_id,
                    area=area,
                    area_name=AREAS.get(area, ""),
                    minutes=round(manifest.duration_s / 60, 1),
                    voice=_voice(manifest),
                    engines=sorted(manifest.engines),
                    approved_by=str(approval.get("approved_by") or ""),
                    approved_at=str(approval.get("approved_at") or ""),
                    source=f"{manifest_src}; {approval_src}",
                )
            )
            if manifest.degraded:
                fallbacks.append(
                    FallbackUse(
                        month=month,
                        when="",
                        what=f"giọng dự phòng ({', '.join(sorted(manifest.engines))})",
                        why="giọng đọc chính không dùng được khi dựng chương trình",
                        source=manifest_src,
                    )
                )
            if script is not None:
                body = "\n".join(item.text for _seg, item in script.speech_items())
                for kind, number, issued, issuer in legal_documents(body):
                    doc = legal.setdefault(
                        number, LegalDocument(number, kind, issued, issuer, [], script_src)
                    )
                    doc.issued = doc.issued or issued
                    doc.issuer = doc.issuer or issuer
                    if month not in doc.months:
                        doc.months.append(month)
        sched, sched_src = records.schedule(month)
        if sched is None:
            continue
        rows, log_src = records.asrun(month)
        if rows:
            asrun_months.append(month)
            reconciled, _extra = reconcile(sched.airings, rows)
            for airing, rec in zip(sched.airings, reconciled, strict=True):
                status = _status(rec.status)
                own = [r for r in rec.rows if r.result != RUN_FALLBACK]
                subs = [r for r in rec.rows if r.result == RUN_FALLBACK]
                reason = "; ".join(
                    dict.fromkeys(r.reason for r in rec.rows if r.reason and r.result != RUN_AIRED)
                )
                airings.append(
                    _airing_figure(
                        airing,
                        month,
                        status=status,
                        seconds=sum(r.seconds_aired for r in own),
                        reason=reason or ("không có trong nhật ký" if status == MISSED else ""),
                        source=f"{ASRUN_SOURCE} ({log_src})",
                    )
                )
                for r in subs:
                    fallbacks.append(
                        FallbackUse(
                            month=month,
                            when=airing.date.isoformat(),
                            what=f"phát thay thế: {r.title}",
                            why=r.reason or "chương trình của buổi không phát được",
                            source=log_src,
                        )
                    )
        else:
            for airing in sched.airings:
                airings.append(
                    _airing_figure(
                        airing,
                        month,
                        status=PLANNED,
                        seconds=sum(i.duration_s for i in airing.items),
                        reason="",
                        source=f"{SCHEDULE_SOURCE} ({sched_src})",
                    )
                )
        calendar = month_calendar(station, month)
        for day in calendar.holidays_skipped:
            holidays.append(HolidaySkip(day, calendar.skipped[day], "lịch nghỉ lễ (airing.skip_holidays)"))
    return Report(
        period=period,
        station=station.name,
        authority=station.authority,
        settings=settings,
        programmes=programmes,
        airings=airings,
        legal=sorted(legal.values(), key=lambda d: d.months[0]),
        holidays=holidays,
        fallbacks=fallbacks,
        asrun_months=asrun_months,
        missing_months=missing,
        from_archive=records.from_archive,
    )
