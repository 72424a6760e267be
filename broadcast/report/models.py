"""The figures of the CCHC publicity report, as dataclasses (no I/O).

Every figure names its source (`source`: the record it was read from, as a person reads
it), so a clerk can check it. The totals are computed here from the rows, never stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from broadcast.errors import BroadcastError

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
_PERIOD = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]))?$")

# Airing statuses in the report (as-run results grouped the way a report counts them).
AIRED = "aired"  # played to the end
PARTIAL = "partial"  # started, cut off (partial or failed in the as-run log)
MISSED = "missed"  # scheduled, nothing aired (no row, or skipped)
SUBSTITUTED = "substituted"  # something else aired instead (the fallback)
PLANNED = "planned"  # no as-run log for the month: counted as scheduled ("theo lịch")
STATUSES = (AIRED, PARTIAL, MISSED, SUBSTITUTED, PLANNED)
STATUS_VI = {
    AIRED: "đã phát",
    PARTIAL: "phát dở",
    MISSED: "không phát",
    SUBSTITUTED: "phát thay thế",
    PLANNED: "theo lịch",
}

# Voice of a programme (from the manifest): synthetic, fallback engine, or a person.
VOICE_SYNTHETIC = "giọng máy"
VOICE_FALLBACK = "giọng dự phòng"
VOICE_HUMAN = "người đọc"


class PeriodError(BroadcastError):
    """A malformed --period (bad input: exit 1)."""

    exit_code = 1


@dataclass(frozen=True)
class Period:
    """A reporting period: a year, a half-year or a quarter."""

    code: str  # "2027", "2027-H1", "2027-Q3"
    year: int
    months: tuple[str, ...]

    @property
    def label(self) -> str:
        """As the title says it: "6 tháng đầu năm 2027", "quý III năm 2027", "năm 2027"."""
        kind = self.code[5:6]
        if kind == "H":
            half = "đầu" if self.code.endswith("1") else "cuối"
            return f"6 tháng {half} năm {self.year}"
        if kind == "Q":
            return f"quý {ROMAN[int(self.code[-1])]} năm {self.year}"
        return f"năm {self.year}"

    @property
    def first_day(self) -> date:
        return date.fromisoformat(self.months[0] + "-01")


def parse_period(text: str | None) -> Period:
    """'2027', '2027-H1', '2027-H2', '2027-Q1'…'2027-Q4' (case-insensitive)."""
    raw = (text or "").strip()
    m = _PERIOD.match(raw.upper())
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        shown = f"'{raw}'" if raw else "(trống)"
        raise PeriodError(
            f"kỳ báo cáo {shown} không đúng dạng.",
            field="--period",
            hint="Ghi năm (2027), 6 tháng (2027-H1 là 6 tháng đầu năm, 2027-H2 là 6 tháng cuối năm) "
            "hoặc quý (2027-Q1 đến 2027-Q4).",
        )
    year, part = int(m.group(1)), m.group(2)
    if part is None:
        nums = list(range(1, 13))
    elif part[0] == "H":
        nums = list(range(1, 7)) if part == "H1" else list(range(7, 13))
    else:
        q = int(part[1])
        nums = list(range(3 * q - 2, 3 * q + 1))
    code = f"{year}-{part}" if part else str(year)
    return Period(code=code, year=year, months=tuple(f"{year}-{n:02d}" for n in nums))


@dataclass
class ReportSettings:
    """The `report:` section of station.yaml (docs/station.md)."""

    issuing_body: str = ""  # "ỦY BAN NHÂN DÂN PHƯỜNG …" (empty: from station.authority)
    parent_body: str = ""  # the line above it, e.g. "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI" (optional)
    place: str = ""  # the place in the date line ("Trương Quang Trọng")
    number_prefix: str = "BC-UBND"
    signer_authority: str = "TM. ỦY BAN NHÂN DÂN"  # "TM. …", "KT. CHỦ TỊCH", or empty
    signer_title: str = "CHỦ TỊCH"
    signer_name: str = ""
    recipients: list[str] = field(default_factory=list)
    keep_days: int = 90  # archive: day folders older than this are removed


@dataclass
class ProgrammeFigure:
    """One approved programme of a month."""

    month: str
    title: str
    topic: str  # topic id from the approved script ("" if none)
    area: str  # one of topics.AREAS ("" if unknown)
    area_name: str
    minutes: float  # measured on the exported file (manifest duration)
    voice: str  # VOICE_SYNTHETIC | VOICE_FALLBACK | VOICE_HUMAN
    engines: list[str]
    approved_by: str
    approved_at: str
    source: str  # the records read, e.g. "audio_out/2027-03/manifest.json, approval.json"


@dataclass
class AiringFigure:
    """One scheduled airing and what happened to it."""

    date: date
    slot: str
    start: str  # "HH:MM"
    month: str  # the programme's month
    title: str
    status: str  # one of STATUSES
    minutes: float  # aired minutes (as-run), or scheduled minutes when "theo lịch"
    reason: str  # why not aired / what replaced it
    source: str  # "nhật ký phát sóng" (as-run) or "theo lịch" (schedule only)


@dataclass
class LegalDocument:
    """A legal document named in an approved script (what was presented on air)."""

    number: str  # "76/NQ-CP"
    kind: str  # "Nghị quyết"
    issued: str  # "15/7/2021" or ""
    issuer: str  # "Chính phủ" or ""
    months: list[str]  # months whose approved script cites it
    source: str


@dataclass
class HolidaySkip:
    """A day the programme did not air because of a public holiday."""

    date: date
    name: str
    source: str


@dataclass
class FallbackUse:
    """A fallback used: a voice engine in production, or substitute audio on air."""

    month: str
    when: str  # the day, or "" for production
    what: str  # "giọng dự phòng (espeak-ng)" / "phát thay thế"
    why: str
    source: str


@dataclass
class MonthTotal:
    month: str
    programmes: int = 0
    minutes_produced: float = 0.0
    scheduled: int = 0
    aired: int = 0
    partial: int = 0
    missed: int = 0
    substituted: int = 0
    planned: int = 0
    minutes_aired: float = 0.0


@dataclass
class AreaTotal:
    area: str
    area_name: str
    programmes: int = 0
    airings: int = 0  # aired + partial + planned ("theo lịch") of its programmes
    minutes_aired: float = 0.0


@dataclass
class Report:
    """Everything the report says, computed from the records of one period."""

    period: Period
    station: str  # station name
    authority: str
    settings: ReportSettings
    programmes: list[ProgrammeFigure]
    airings: list[AiringFigure]
    legal: list[LegalDocument]
    holidays: list[HolidaySkip]
    fallbacks: list[FallbackUse]
    asrun_months: list[str]  # months whose airings come from the as-run log
    missing_months: list[str]  # months of the period with no approved programme
    from_archive: bool = False

    def count(self, status: str) -> int:
        return sum(1 for a in self.airings if a.status == status)

    @property
    def minutes_produced(self) -> float:
        return round(sum(p.minutes for p in self.programmes), 1)

    @property
    def minutes_aired(self) -> float:
        """Minutes on air of the programme itself (aired, partial, and 'theo lịch' airings)."""
        return round(sum(a.minutes for a in self.airings if a.status in (AIRED, PARTIAL, PLANNED)), 1)

    def by_month(self) -> list[MonthTotal]:
        totals = {m: MonthTotal(m) for m in self.period.months}
        for p in self.programmes:
            t = totals[p.month]
            t.programmes += 1
            t.minutes_produced = round(t.minutes_produced + p.minutes, 1)
        for a in self.airings:
            t = totals.setdefault(a.month, MonthTotal(a.month))
            t.scheduled += 1
            setattr(t, a.status, getattr(t, a.status) + 1)
            if a.status in (AIRED, PARTIAL, PLANNED):
                t.minutes_aired = round(t.minutes_aired + a.minutes, 1)
        return [totals[m] for m in sorted(totals)]

    def by_area(self, areas: dict[str, str]) -> list[AreaTotal]:
        """Every one of the six areas (zero rows included: the report shows what was not covered)."""
        totals = {k: AreaTotal(k, v) for k, v in areas.items()}
        area_of = {p.month: p.area for p in self.programmes}
        for p in self.programmes:
            if p.area in totals:
                totals[p.area].programmes += 1
        for a in self.airings:
            t = totals.get(area_of.get(a.month, ""))
            if t is not None and a.status in (AIRED, PARTIAL, PLANNED):
                t.airings += 1
                t.minutes_aired = round(t.minutes_aired + a.minutes, 1)
        return list(totals.values())
