"""The small interface every TTS engine implements, its error type and shared helpers."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from broadcast.errors import ConfigError

# Kinds of engine failure. The chain decides from the kind whether to stop using an engine
# for the rest of the run (circuit breaker) or only to fall back for this one clip.
KINDS = ("network", "rate_limit", "timeout", "model_missing", "binary_missing", "bad_output", "other")
# Failures that will repeat for every clip of this run: stop trying the engine at once.
FATAL_KINDS = frozenset({"network", "rate_limit", "timeout", "model_missing", "binary_missing"})


class EngineError(Exception):
    """An engine could not voice one utterance; `kind` says why, `message` in Vietnamese."""

    kind = "other"

    def __init__(self, message: str, *, kind: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if kind is not None:
            self.kind = kind
        if self.kind not in KINDS:
            raise ValueError(f"unknown engine error kind {self.kind!r}")
        self.hint = hint

    def __str__(self) -> str:
        return self.message + (f" ({self.hint})" if self.hint else "")


class NetworkError(EngineError):
    """The service cannot be reached (no network, DNS failure, connection refused)."""

    kind = "network"


class RateLimitError(EngineError):
    """The service keeps answering HTTP 429 (too many requests)."""

    kind = "rate_limit"


class EngineTimeout(EngineError):
    """The service accepted the connection but did not answer in time."""

    kind = "timeout"


class ModelMissing(EngineError):
    """A voice model file is not on disk (or the engine's package is not installed)."""

    kind = "model_missing"


class BinaryMissing(EngineError):
    """An external program (espeak-ng) is not installed."""

    kind = "binary_missing"


class BadOutput(EngineError):
    """The engine answered but the audio is empty or unreadable."""

    kind = "bad_output"


class Engine:
    """One TTS engine with its station settings.

    Subclasses set NAME (the registry name used in station.yaml), EXT (file suffix of
    what they write), ONLINE, VOICES (known voice ids) and implement `voice_id`,
    `cache_settings`, `check` and `synthesize`. Constructing an engine never touches the
    network or loads a model: `check()` and `synthesize()` do.
    """

    NAME: ClassVar[str] = ""
    EXT: ClassVar[str] = ".wav"
    #: Longest time one online request may take from start to last byte (voice.request_deadline_s).
    request_deadline_s: float = 20.0
    #: time.monotonic() by which this run's network time is spent (set by the chain), or None.
    run_deadline: float | None = None
    ONLINE: ClassVar[bool] = False
    LABEL: ClassVar[str] = ""
    VOICES: ClassVar[tuple[str, ...]] = ()
    OPTIONS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, options: dict[str, Any] | None, timeout_s: float, state_dir: Path) -> None:
        self.options = dict(options or {})
        self.timeout_s = float(timeout_s)
        self.state_dir = Path(state_dir)
        unknown = sorted(set(self.options) - set(self.OPTIONS))
        if unknown:
            raise ConfigError(
                f"bộ đọc '{self.NAME}' không có tùy chọn: {', '.join(unknown)}.",
                field="voice",
                hint="Các tùy chọn hợp lệ: " + (", ".join(self.OPTIONS) or "(không có)") + ".",
            )

    @property
    def station_dir(self) -> Path:
        """The station folder (state_dir is <station>/.broadcast)."""
        return self.state_dir.parent

    @property
    def voice_id(self) -> str:
        """The engine's voice id, e.g. 'vi' or 'vi-VN-HoaiMyNeural'."""
        raise NotImplementedError

    def cache_settings(self) -> dict[str, Any]:
        """Everything that changes the sound (part of the cache key)."""
        raise NotImplementedError

    def check(self) -> tuple[bool, str]:
        """Whether the engine is usable here and now, and why not (Vietnamese). Fast."""
        raise NotImplementedError

    def synthesize(self, text: str, out_path: Path) -> None:
        """Write a complete audio file for `text` to `out_path` or raise EngineError."""
        raise NotImplementedError

    def request_deadline(self) -> float:
        """time.monotonic() by which the next online request must be over: its own deadline,
        or the end of the run's network budget if that comes first."""
        end = time.monotonic() + self.request_deadline_s
        return end if self.run_deadline is None else min(end, self.run_deadline)

    def describe(self) -> str:
        """`engine/voice` for messages and logs."""
        return f"{self.NAME}/{self.voice_id}"


def tcp_probe(host: str, port: int, timeout_s: float) -> tuple[bool, str]:
    """Open (and close) a TCP connection: a fast 'is the service reachable' check."""
    start = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            pass
    except socket.gaierror:
        return False, f"không phân giải được tên miền {host} (không có mạng hoặc lỗi DNS)"
    except ConnectionRefusedError:
        return False, f"{host}:{port} từ chối kết nối (dịch vụ không chạy hoặc bị chặn)"
    except TimeoutError:
        return False, f"{host}:{port} không trả lời sau {timeout_s:g} giây (mạng chậm hoặc mất mạng)"
    except OSError as exc:
        return False, f"không kết nối được {host}:{port} (không có mạng?): {exc.strerror or exc}"
    return True, f"kết nối được {host}:{port} ({(time.monotonic() - start) * 1000:.0f} ms)"


@dataclass
class VoiceRequest:
    """One utterance to voice."""

    text: str
    """Spoken form (already normalised) of one sentence or clause."""
    role: str = "main"
    """Which voice chain reads it: "main" or "second" (questions in Q&A)."""


@dataclass
class Clip:
    """A voiced utterance: a complete audio file in the cache."""

    path: Path
    """Audio file as the engine wrote it (WAV or MP3), never half-written."""
    duration_s: float
    """Duration measured on the file."""
    engine: str
    """Registry name of the engine that made it."""
    voice: str
    """The engine's voice id (e.g. "vi", "vi-VN-HoaiMyNeural")."""
    cached: bool
    """True if it came from the cache in this run."""
    fallback: bool
    """True if not made by the first engine of its chain."""


@dataclass
class VoiceResult:
    """All clips of a run, in request order, with what made them."""

    clips: list[Clip]
    """Same order and length as the requests."""
    engines: dict[str, int]
    """Engine name -> clip count."""
    degraded: bool
    """True if any clip came from a fallback engine."""
    synthesized: int
    """Clips synthesised in this run."""
    cached: int
    """Clips taken from the cache in this run."""
