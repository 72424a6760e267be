"""The programme models: the plan production works from and the manifest it writes.

`Event`/`ProgrammePlan` are made from the script by the pipeline; `Manifest` (with its
`ManifestSegment`s) is stored as audio_out/YYYY-MM/manifest.json (docs/production.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from broadcast.voice import Clip, VoiceResult


@dataclass
class Event:
    """One step of the programme, in order (made from the script by the lead's glue)."""

    kind: str  #: "speech" | "pause" | "jingle" | "bed"
    segment: int  #: index into ProgrammePlan.segments
    clip: Clip | None = None  #: speech: the voiced clip
    pause_after: str = "none"  #: speech: "sentence" | "clause" | "paragraph" | "none"
    seconds: float = 0.0  #: pause: silence in seconds
    jingle: str | None = None  #: jingle: "intro" | "stinger" | "outro"
    bed: bool | None = None  #: bed: on (True) / off (False)
    gain_db: float = 0.0  #: speech: per-segment trim in force


@dataclass
class ProgrammePlan:
    """Everything production needs: titles, events and the voice stage's result."""

    month: str  #: "YYYY-MM"
    title: str  #: the month's programme title (ID3 title, manifest title)
    segments: list[str]  #: segment titles (chapters)
    events: list[Event]
    script_sha256: str
    voice: VoiceResult  #: engines/degraded/clip counts for the manifest
    readings: dict[str, str] = field(default_factory=dict)
    """Segments read by a person (broadcast/readings.py): 1-based position -> sha256 of the WAV."""


@dataclass
class ManifestSegment:
    """A timed part of the file: a script segment (kind speech) or a jingle (kind jingle)."""

    title: str
    kind: str  #: "speech" (a whole script segment, = one chapter) | "jingle"
    start_s: float
    end_s: float
    engine: str | None = (
        None  #: speech: engines used, most clips first ("gtts, espeak-ng"); jingle: "builtin" | "station"
    )
    voice: str | None = (
        None  #: speech: voices used, most clips first ("vi, vi-vn-x-central"); jingle: file name
    )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ManifestSegment:
        kw: dict[str, Any] = {k: d.get(k) for k in cls.__dataclass_fields__}
        return cls(**kw)


@dataclass
class Manifest:
    """audio_out/YYYY-MM/manifest.json (DESIGN §5); figures measured on the exported file."""

    month: str
    title: str
    file: str  #: name of the MP3 next to the manifest
    duration_s: float
    loudness_lufs: float
    true_peak_dbtp: float
    sample_rate: int
    channels: int
    bitrate_kbps: int
    script_sha256: str
    degraded: bool  #: any clip came from a fallback engine
    engines: dict[str, int]  #: engine name -> clip count
    clips_synthesized: int
    clips_cached: int
    segments: list[ManifestSegment] = field(default_factory=list)
    file_size: int | None = None  #: bytes of the MP3 as delivered (tags included)
    file_sha256: str | None = None  #: sha256 of the MP3 as delivered; readiness checks verify it
    readings: dict[str, str] | None = None
    """Segments read by a person (engine `human`): 1-based position -> sha256 of the reading's WAV."""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["segments"] = [s.to_dict() for s in self.segments]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Manifest:
        kw: dict[str, Any] = {k: d.get(k) for k in cls.__dataclass_fields__}
        kw["segments"] = [ManifestSegment.from_dict(s) for s in d.get("segments") or []]
        kw["engines"] = dict(kw.get("engines") or {})
        return cls(**kw)
