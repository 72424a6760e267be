"""Network models: settings, member station specs and job results (dataclasses, no I/O)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

#: A job's states, in the order a job goes through them.
STATUSES = ("queued", "running", "retrying", "ok", "draft", "failed")
#: States that end a job (the coordinator stops waiting for it).
FINAL = ("ok", "draft", "failed")


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures (network voice, a busy disk) are retried, with exponential backoff."""

    max_retries: int = 3
    """Retries after the first attempt; then the job is reported failed."""
    min_backoff_s: float = 5.0
    """Wait before the first retry; doubled for each further retry."""
    max_backoff_s: float = 300.0
    """Longest wait between two attempts."""

    def backoff_s(self, retries: int) -> float:
        """Wait before retry number `retries` (1-based)."""
        return min(self.max_backoff_s, self.min_backoff_s * 2 ** max(0, retries - 1))


@dataclass
class MemberSpec:
    """One member station of network.yaml: an existing station folder, or template + overrides."""

    slug: str
    """The member's id: folder name under stations/ and name of its result and ZIP bundle."""
    folder: str | None = None
    """An existing station folder (relative to the network folder); None: built from the template."""
    overrides: dict[str, Any] = field(default_factory=dict)
    """station.yaml values over the template's, as nested sections ({"station": {"name": …}})."""
    facts: str | None = None
    """A folder of YYYY-MM.yaml facts files for this member (relative to the network folder)."""
    line: int | None = None
    """Line of the member in network.yaml, for errors."""


@dataclass
class NetworkSettings:
    """network.yaml, validated."""

    root: Path
    """The network folder (network.yaml, stations/, the shared voice cache, delivery/)."""
    name: str
    members: list[MemberSpec]
    template: str | None = None
    """The shared template station folder (relative to the network folder), if any member uses it."""
    delivery: str = "folder"
    """"folder": outputs stay in each station folder; "zip": also one ZIP bundle per station and month."""
    auto_approve: bool = False
    """Approve each member's script automatically (trial runs); else unapproved months are drafts."""
    workers: int = 2
    """Processes of the embedded pool when no broker is given."""
    broker: str | None = None
    """redis://… URL of the coordinator's Redis; None: the embedded pool."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def member(self, slug: str) -> MemberSpec:
        for m in self.members:
            if m.slug == slug:
                return m
        raise KeyError(slug)


@dataclass
class JobResult:
    """What one (station, month) job did; stored as JSON under the network's state folder."""

    station: str
    """The member's slug."""
    month: str
    status: str = "queued"
    """One of STATUSES."""
    name: str = ""
    """The station's name as its programme says it."""
    minutes: float | None = None
    """Length of the programme, measured on the MP3."""
    loudness_lufs: float | None = None
    voice: str = ""
    """Engines and clip counts ("silent 120")."""
    degraded: bool = False
    """Some sentences were read by a fallback voice."""
    error: str = ""
    """The Vietnamese message of a failure (or of the last transient failure while retrying)."""
    attempts: int = 0
    clips_synthesized: int = 0
    clips_cached: int = 0
    programme: str = ""
    """The MP3, relative to the network folder."""
    bundle: str = ""
    """The ZIP bundle, relative to the network folder ("" when delivery is "folder")."""
    cpu_s: float = 0.0
    """CPU seconds of the last attempt (the process and its children: ffmpeg, espeak-ng)."""
    wall_s: float = 0.0
    worker: str = ""
    """host:pid of the worker that ran the last attempt."""

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> JobResult:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})
