"""Human readings: a person's recording of one script segment, used instead of the synthetic voice.

A reading lives in the station folder (content, not cache: kept, backed up, never cleaned):
``readings/YYYY-MM/doan-NN.wav`` (mono PCM at the production sample rate, made by the intake
in broadcast.services.readings) and ``doan-NN.json`` next to it (the record below, written
last). It is keyed by (month, 1-based segment position) and records the sha256 of the
segment's speech text when it was recorded (`segment_sha256`): when the script's segment no
longer has that text the reading is *outdated* — shown as such and never used, never applied
to another segment. Production then reads that segment with the synthetic voice and warns.

How a reading replaces a segment (`split_segment`): the cues before the segment's first
paragraph and after its last one are kept (an intro jingle, a closing stinger, a pause); the
reading replaces the paragraphs and everything between them (the reader's own pauses are
used; a pause or jingle cue between two paragraphs is not played). Bed on/off cues between
paragraphs take effect after the reading, so the bed is in the same state after the segment.
The `gain` cue in force at the first paragraph applies to the reading.

This module is the core part (records, statuses, the segment hash): no audio libraries.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from broadcast.errors import BroadcastError
from broadcast.fsutil import read_state_json
from broadcast.script import Item, Script, Segment
from broadcast.store import StationStore

log = logging.getLogger(__name__)

#: The engine name production records for a segment read by a person (manifest `engine`).
HUMAN_ENGINE = "human"
_NAME = re.compile(r"^doan-(\d{2,3})\.json$")


class ReadingError(BroadcastError):
    """A reading cannot be taken (bad file, wrong segment, outdated text): wrong input."""


def segment_sha256(segment: Segment) -> str:
    """sha256 of the segment's speech text (its paragraphs, whitespace-insensitive).

    Cues and the heading are not part of it: moving a jingle keeps a reading; changing a word
    of what is read makes it outdated.
    """
    paragraphs = [" ".join(item.text.split()) for item in segment.items if item.kind == "speech"]
    return hashlib.sha256("\n\n".join(paragraphs).encode("utf-8")).hexdigest()


def segment_text(segment: Segment) -> list[str]:
    """The paragraphs a reader reads aloud (as written in the script)."""
    return [item.text for item in segment.items if item.kind == "speech"]


@dataclass
class Reading:
    """The record of one reading (readings/YYYY-MM/doan-NN.json)."""

    month: str
    position: int  #: 1-based position of the segment in the script
    segment_title: str
    segment_sha256: str  #: sha256 of the segment's speech text when recorded (segment_sha256())
    file: str  #: the WAV's name next to the record
    audio_sha256: str  #: sha256 of the WAV as stored
    duration_s: float  #: measured on the normalised WAV
    recorded_at: str  #: ISO time
    recorded_by: str
    source: str  #: "micro" (recorded in the browser) | "upload" | "cli"
    original_name: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def recorded_label(self) -> str:
        """`06/12/2026 10:05` for people (the stored ISO time if it cannot be read)."""
        try:
            return datetime.fromisoformat(self.recorded_at).strftime("%d/%m/%Y %H:%M")
        except ValueError:
            return self.recorded_at

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Reading:
        kw: dict[str, Any] = {k: d.get(k) for k in cls.__dataclass_fields__}
        r = cls(**kw)
        r.position, r.duration_s = int(r.position), float(r.duration_s)
        for name in ("month", "segment_sha256", "file", "audio_sha256"):
            if not isinstance(getattr(r, name), str) or not getattr(r, name):
                raise ValueError(f"thiếu {name}")
        r.segment_title = str(r.segment_title or "")
        r.recorded_at, r.recorded_by = str(r.recorded_at or ""), str(r.recorded_by or "")
        r.source, r.original_name = str(r.source or ""), str(r.original_name or "")
        return r


def base_name(position: int) -> str:
    return f"doan-{position:02d}"


def record_path(store: StationStore, month: str, position: int) -> Path:
    return store.readings_month_dir(month) / f"{base_name(position)}.json"


def read_reading(store: StationStore, month: str, position: int) -> Reading | None:
    """The reading of segment `position` (1-based) or None (none, or its record is unreadable)."""
    path = record_path(store, month, position)
    if not path.is_file():
        return None
    data = read_state_json(path, warn=False)
    try:
        if not isinstance(data, dict):
            raise ValueError("không phải JSON")
        reading = Reading.from_dict(data)
        if reading.position != position or reading.month != month:
            raise ValueError("sai tháng hoặc sai đoạn")
        if Path(reading.file).name != reading.file:
            raise ValueError("tên tệp không hợp lệ")
        return reading
    except (ValueError, TypeError) as exc:
        log.warning("bản ghi giọng đọc hỏng, bỏ qua: %s (%s)", path, exc)
        return None


def month_readings(store: StationStore, month: str) -> dict[int, Reading]:
    """Every reading of the month, by 1-based segment position."""
    folder = store.readings_month_dir(month)
    if not folder.is_dir():
        return {}
    out: dict[int, Reading] = {}
    for p in sorted(folder.iterdir()):
        m = _NAME.match(p.name)
        if m:
            reading = read_reading(store, month, int(m.group(1)))
            if reading is not None:
                out[reading.position] = reading
    return out


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


#: Statuses of a segment's reading, with their Vietnamese labels.
STATUSES = {
    "none": "chưa có",
    "current": "đang dùng",
    "outdated": "đã cũ (kịch bản đã sửa)",
    "broken": "hỏng",
}


@dataclass
class SegmentReading:
    """One segment of the month's script with its reading's status."""

    position: int
    segment: Segment
    sha256: str
    reading: Reading | None
    status: str  #: a key of STATUSES

    @property
    def label(self) -> str:
        return STATUSES[self.status]


def _status(store: StationStore, month: str, position: int, sha: str, reading: Reading | None) -> str:
    if reading is None:
        return "none"
    if reading.segment_sha256 != sha:
        return "outdated"
    wav = store.readings_month_dir(month) / reading.file
    try:
        if wav.stat().st_size <= 44 or file_sha256(wav) != reading.audio_sha256:
            return "broken"
    except OSError:
        return "broken"
    return "current"


def script_readings(store: StationStore, script: Script) -> list[SegmentReading]:
    """Every segment of `script`, in order, with the status of its reading."""
    readings = month_readings(store, script.month)
    out = []
    for position, segment in enumerate(script.segments, 1):
        sha = segment_sha256(segment)
        reading = readings.get(position)
        out.append(
            SegmentReading(
                position, segment, sha, reading, _status(store, script.month, position, sha, reading)
            )
        )
    return out


def orphan_readings(store: StationStore, script: Script) -> list[Reading]:
    """Readings of segment positions the script no longer has (outdated, never used)."""
    return [r for p, r in month_readings(store, script.month).items() if p > len(script.segments)]


def usable_readings(store: StationStore, script: Script) -> dict[int, Reading]:
    """The readings production uses: current ones, by 0-based segment index."""
    return {
        s.position - 1: s.reading
        for s in script_readings(store, script)
        if s.status == "current" and s.reading
    }


def reading_warnings(store: StationStore, script: Script) -> list[str]:
    """Vietnamese warnings for readings that exist but are not used (outdated or broken)."""
    out = []
    for s in script_readings(store, script):
        if s.status == "outdated":
            out.append(
                f"đoạn {s.position} ({s.segment.title}): bản ghi giọng người đọc đã cũ vì lời đoạn này đã sửa "
                "sau khi ghi; đoạn này được đọc bằng giọng máy. Ghi lại để dùng giọng người."
            )
        elif s.status == "broken":
            out.append(
                f"đoạn {s.position} ({s.segment.title}): tệp bản ghi giọng người đọc bị thiếu hoặc hỏng; "
                "đoạn này được đọc bằng giọng máy. Ghi lại hoặc tải lên lại."
            )
    for r in orphan_readings(store, script):
        out.append(
            f"bản ghi giọng người đọc của đoạn {r.position} ({r.segment_title}) không còn đoạn nào khớp "
            "(kịch bản đã bớt đoạn); không dùng."
        )
    return out


def readings_fingerprint(readings: dict[int, Reading]) -> dict[str, str]:
    """What the manifest records about the readings used: 1-based position -> audio sha256."""
    return {str(i + 1): r.audio_sha256 for i, r in sorted(readings.items())}


@dataclass
class SegmentSplit:
    """A segment read by a person: the cues kept around the reading (see the module doc)."""

    before: list[Item]  #: cues before the first paragraph, in order
    after: list[Item]  #: bed cues between paragraphs, then the cues after the last paragraph
    gain_db: float  #: the gain cue in force at the first paragraph


def split_segment(segment: Segment) -> SegmentSplit:
    items = segment.items
    speech = [i for i, it in enumerate(items) if it.kind == "speech"]
    if not speech:
        return SegmentSplit(list(items), [], 0.0)
    first, last = speech[0], speech[-1]
    before = [it for it in items[:first] if it.kind == "cue"]
    middle_beds = [
        it for it in items[first : last + 1] if it.kind == "cue" and it.cue in ("bed_on", "bed_off")
    ]
    after = middle_beds + [it for it in items[last + 1 :] if it.kind == "cue"]
    gain = 0.0
    for it in before:
        if it.cue == "gain":
            gain = float(it.arg or 0.0)
    return SegmentSplit(before, after, gain)


def reading_json(reading: Reading) -> str:
    return json.dumps(reading.to_dict(), ensure_ascii=False, indent=2) + "\n"
