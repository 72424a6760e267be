"""The check stage: will the month's script fit the programme, and can the voice read it?

Duration is estimated per segment from the syllables of the spoken form (the normalize
stage) divided by the voice's speaking rate (calibrated per engine and voice by the voice
stage), plus the production pauses and the jingles. Unreadable tokens are listed with
their line numbers so staff can fix them in the script or the lexicon.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from broadcast.config import Station, validate_month
from broadcast.errors import ConfigError, NextStep, NormalizeError, ScriptError
from broadcast.readings import reading_warnings, split_segment, usable_readings
from broadcast.script import Script, read_script
from broadcast.spoken import Normalizer, check_token_length, syllable_count
from broadcast.voice import chain_rates, speaking_rate

log = logging.getLogger(__name__)

# Jingle allowances (seconds) used in the estimate; the built-in jingles are about this long.
JINGLE_S = {"intro": 8.0, "stinger": 3.0, "outro": 8.0}
# espeak-ng `-v vi` measured here on seed sentences (130 syllables in 32.2 s, clip edges
# included) — used only if the voice stage cannot give a rate.
FALLBACK_RATE = 4.0
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass
class SegmentEstimate:
    """Estimated length of one `## segment`."""

    title: str
    line: int
    syllables: int = 0
    speech_s: float = 0.0
    pause_s: float = 0.0
    jingle_s: float = 0.0
    reading_s: float = 0.0
    """Length of a person's reading that replaces the segment's paragraphs (measured, not estimated)."""

    @property
    def total_s(self) -> float:
        return self.speech_s + self.pause_s + self.jingle_s + self.reading_s

    @property
    def minutes(self) -> float:
        return self.total_s / 60


@dataclass
class Unreadable:
    """A token the spoken-form stage cannot read, and where it is."""

    token: str
    line: int
    segment: str = ""


@dataclass
class CheckReport:
    """What `broadcast check` reports for one month."""

    month: str
    path: Path
    topic: str
    segments: list[SegmentEstimate]
    rate: float
    """Syllables per second used for the main voice."""
    rate_source: str
    min_s: float
    max_s: float
    unreadable: list[Unreadable] = field(default_factory=list)
    status: str = "draft"
    """Effective status: "approved" only if the approval still matches the body."""
    example_facts: bool = False
    warnings: list[str] = field(default_factory=list)
    next_steps: list[NextStep] = field(default_factory=list)
    """What a person should do about the warnings (approve again…)."""
    main_syllables: int = 0
    second_syllables: int = 0
    by_engine: list[tuple[str, float]] = field(default_factory=list)
    """(engine label, estimated total seconds) for each engine of the main voice chain:
    the network may be down on the day, so the script must fit whichever engine reads."""
    slot_problems: list[ConfigError] = field(default_factory=list)
    """Airing slots (station.yaml) too short for the programme as estimated."""

    @property
    def fixed_s(self) -> float:
        """Pauses, jingles and readings: the part of the length that does not depend on the voice."""
        return sum(s.pause_s + s.jingle_s + s.reading_s for s in self.segments)

    def total_with(self, main_rate: float, second_rate: float | None = None) -> float:
        """Estimated total length if the main (and second) voice read at these rates."""
        second_rate = second_rate or main_rate
        return self.main_syllables / main_rate + self.second_syllables / second_rate + self.fixed_s

    def _out_of_range(self) -> list[tuple[str, float]]:
        return [(label, t) for label, t in self.by_engine if not self.min_s <= t <= self.max_s]

    @property
    def syllables(self) -> int:
        return sum(s.syllables for s in self.segments)

    @property
    def total_s(self) -> float:
        return sum(s.total_s for s in self.segments)

    @property
    def minutes(self) -> float:
        return self.total_s / 60

    @property
    def fits(self) -> bool:
        return (
            self.min_s <= self.total_s <= self.max_s and not self._out_of_range() and not self.slot_problems
        )

    def verdict(self) -> str:
        """One Vietnamese sentence: fits, too short or too long, and by how much."""
        if self.min_s <= self.total_s <= self.max_s and self._out_of_range():
            label, t = self._out_of_range()[0]
            side = "quá ngắn" if t < self.min_s else "quá dài"
            return (
                f"CHƯA VỪA VỚI MỌI GIỌNG: giọng đang dùng đọc khoảng {self.total_s / 60:.1f} phút, "
                f"nhưng nếu phải dùng giọng {label} thì {side} ({t / 60:.1f} phút, "
                f"cho phép {self.min_s / 60:g}–{self.max_s / 60:g} phút)."
            )
        total = self.total_s / 60
        lo, hi = self.min_s / 60, self.max_s / 60
        if total < lo:
            return (
                f"QUÁ NGẮN: ước tính {total:.1f} phút, cần ít nhất {lo:g} phút "
                f"(thiếu khoảng {(self.min_s - self.total_s) / 60:.1f} phút, "
                f"tức khoảng {round((self.min_s - self.total_s) * self.rate)} âm tiết)."
            )
        if total > hi:
            return (
                f"QUÁ DÀI: ước tính {total:.1f} phút, tối đa {hi:g} phút "
                f"(thừa khoảng {(self.total_s - self.max_s) / 60:.1f} phút, "
                f"tức khoảng {round((self.total_s - self.max_s) * self.rate)} âm tiết)."
            )
        return f"VỪA: ước tính {total:.1f} phút, trong khoảng {lo:g}–{hi:g} phút."

    def raise_if_unfit(self) -> None:
        """ScriptError (exit 1) when the script cannot fit the programme length (or a slot)."""
        if self.fits:
            return
        if self.min_s <= self.total_s <= self.max_s and not self._out_of_range():
            raise self.slot_problems[0]
        short = self.total_s < self.min_s
        raise ScriptError(
            f"kịch bản tháng {self.month} không vừa độ dài chương trình. {self.verdict()}",
            file=self.path,
            hint=(
                "Thêm nội dung (giải thích, hỏi đáp, hướng dẫn) vào kịch bản"
                if short
                else "Rút bớt câu chữ trong kịch bản"
            )
            + ", hoặc sửa programme.min_minutes / max_minutes trong station.yaml.",
        )


def _by_engine(station: Station, report: CheckReport) -> list[tuple[str, float]]:
    """The estimated total for each engine of the main chain (second voice: its first)."""
    try:
        main = chain_rates(station, "main")
        second = chain_rates(station, "second") if station.voice.second else []
    except Exception as exc:  # noqa: BLE001 - an estimate must not fail on a voice problem
        log.warning("không tính được tốc độ đọc của từng giọng (%s)", exc)
        return []
    second_rate = second[0][1] if second else None
    return [(label, report.total_with(rate, second_rate or rate)) for label, rate in main]


def _rates(station: Station) -> tuple[float, float, str]:
    try:
        main = float(speaking_rate(station, "main"))
        second = float(speaking_rate(station, "second")) if station.voice.second else main
    except Exception as exc:  # noqa: BLE001 - an estimate must not fail on a voice problem
        log.warning("không tính được tốc độ đọc (%s); dùng %.2f âm tiết/giây", exc, FALLBACK_RATE)
        return FALLBACK_RATE, FALLBACK_RATE, "hằng số đo trên espeak-ng"
    return main, second, "tốc độ đọc của giọng đang dùng"


def normalizer_for(station: Station) -> Normalizer:
    """The spoken-form normaliser of this station (its lexicon, its settings)."""
    return Normalizer(station.store.station_lexicon(), spell_issuer=station.spell_issuer)


def _locate(lines: list[str], start: int, token: str) -> int:
    """The line (from `start`, inside the paragraph) that holds `token`."""
    for i in range(start - 1, len(lines)):
        if token in lines[i]:
            return i + 1
        if i > start - 1 and not lines[i].strip():
            break
    return start


def estimate(
    script: Script,
    station: Station,
    *,
    rate: float | None = None,
    second_rate: float | None = None,
    rate_source: str | None = None,
    readings: dict[int, float] | None = None,
) -> CheckReport:
    """Estimate the spoken length of `script` per segment, and list unreadable tokens.

    `readings` (0-based segment index -> seconds) are segments a person read: their
    paragraphs count with the reading's real length (broadcast/readings.py says which cues stay).
    """
    readings = readings or {}
    automatic = rate is None
    if rate is None:
        rate, auto_second, source = _rates(station)
        second_rate = second_rate or auto_second
        rate_source = rate_source or source
    second_rate = second_rate or rate
    pauses = station.audio.pauses
    pause_of = {
        "sentence": pauses.sentence_s,
        "clause": pauses.clause_s,
        "paragraph": pauses.paragraph_s,
        "none": 0.0,
    }
    normalizer = normalizer_for(station)
    try:
        file_lines = Path(script.path).read_text(encoding="utf-8").splitlines()
    except OSError:
        file_lines = []
    segments: list[SegmentEstimate] = []
    unreadable: list[Unreadable] = []
    seen: set[tuple[str, int]] = set()
    role_syllables = [0, 0]  # main, second
    for index, seg in enumerate(script.segments):
        est = SegmentEstimate(seg.title, seg.line)
        if index:
            est.pause_s += pauses.segment_s
        items = seg.items
        if index in readings:
            split = split_segment(seg)
            est.reading_s = readings[index]
            est.pause_s += pauses.paragraph_s
            items = split.before + split.after
        for item in items:
            if item.kind == "cue":
                if item.cue in JINGLE_S:
                    est.jingle_s += JINGLE_S[item.cue]
                elif item.cue == "pause":
                    est.pause_s += float(item.arg or 0)
                continue
            item_rate = second_rate if item.voice == "second" else rate
            try:
                check_token_length(item.text)
            except NormalizeError as exc:
                long_run = max(item.text.split(), key=len)[:40]
                exc.file = str(script.path)
                exc.line = _locate(file_lines, item.line, long_run) if file_lines else item.line
                raise
            utterances = [u for u in normalizer.utterances(item.text) if u.text.strip(" .,;:?!")]
            for i, utt in enumerate(utterances):
                n = syllable_count(utt.text)
                est.syllables += n
                role_syllables[item.voice == "second"] += n
                est.speech_s += n / item_rate
                kind = "paragraph" if i == len(utterances) - 1 else utt.pause
                est.pause_s += pause_of.get(kind, pauses.sentence_s)
            # Unknown acronyms (spelled) and slashes of unclear meaning were read by a guess:
            # listed so staff can settle them in the station lexicon.
            guessed = [g.token for g in normalizer.guesses(item.text)]
            for token in dict.fromkeys([*normalizer.unreadable(item.text), *guessed]):
                line = _locate(file_lines, item.line, token) if file_lines else item.line
                if (token, line) not in seen:
                    seen.add((token, line))
                    unreadable.append(Unreadable(token, line, seg.title))
        segments.append(est)
    report = CheckReport(
        month=script.month,
        path=Path(script.path),
        topic=script.topic,
        segments=segments,
        rate=rate,
        rate_source=rate_source or "",
        min_s=station.min_minutes * 60,
        max_s=station.max_minutes * 60,
        unreadable=unreadable,
        status=script.effective_status,
        example_facts=bool(script.meta.get("example_facts")),
        main_syllables=role_syllables[0],
        second_syllables=role_syllables[1],
    )
    if automatic:
        report.by_engine = _by_engine(station, report)
    if report.example_facts:
        report.warnings.append(
            "Kịch bản dùng SỐ LIỆU VÍ DỤ (example_facts: true): thay bằng số liệu thật trong "
            f"facts/{script.month}.yaml trước khi phát."
        )
    if script.edited:
        report.warnings.append("Kịch bản đã được cán bộ sửa sau khi soạn (bản sửa được giữ nguyên).")
    if script.status == "approved" and not script.approved:
        report.warnings.append(
            "Kịch bản đã bị sửa SAU KHI DUYỆT nên trở lại bản nháp; lãnh đạo cần nghe lại và duyệt lại."
        )
        report.next_steps.append(NextStep("approve", month=script.month))
    return report


def check_script(station: Station, month: str) -> CheckReport:
    """Read the month's script and estimate it (see estimate())."""
    month = validate_month(month)
    script = read_script(station.store.script_path(month))
    human = usable_readings(station.store, script)
    report = estimate(script, station, readings={i: r.duration_s for i, r in human.items()})
    report.warnings.extend(w[0].upper() + w[1:] for w in reading_warnings(station.store, script))
    report.slot_problems = _slot_problems(station, report)
    return report


def _slot_problems(station: Station, report: CheckReport) -> list[ConfigError]:
    """Slots the programme airs in that are shorter than its estimate (any engine of the chain)."""
    airing = getattr(station, "airing", None)
    slots = list(getattr(station, "slots", None) or [])
    if airing is None or not slots:
        return []
    used = set(airing.slots or [s.id for s in slots])
    longest = max([report.total_s] + [t for _, t in report.by_engine])
    out = []
    for i, slot in enumerate(slots):
        if slot.id in used and slot.length_min * 60 < longest:
            out.append(
                ConfigError(
                    f"buổi phát '{slot.id}' ({slot.name}) chỉ dài {slot.length_min:g} phút, nhưng chương trình "
                    f"tháng {report.month} ước tính tới {longest / 60:.1f} phút: sẽ không xếp lịch được.",
                    file=station.store.station_file,
                    line=station.line("slots", i, "length_min"),
                    field=f"slots[{i}].length_min",
                    hint="Tăng length_min của buổi phát, hoặc rút ngắn kịch bản.",
                )
            )
    return out


# --------------------------------------------------------------------------- overlap


def sentences(script: Script) -> list[str]:
    """The spoken sentences of a script, as written, lower case, single spaces."""
    out = []
    for _seg, item in script.speech_items():
        for sentence in _SENTENCE_END.split(item.text):
            s = " ".join(sentence.lower().split()).strip()
            if any(c.isalnum() for c in s):
                out.append(s)
    return out


def sentence_overlap(a: Script, b: Script) -> float:
    """Share of identical sentences between two scripts (shared / smaller set of sentences)."""
    sa, sb = set(sentences(a)), set(sentences(b))
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))
