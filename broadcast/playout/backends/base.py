"""The small interface every playout backend implements."""

from __future__ import annotations

import struct
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PlayResult:
    """How one file played: completed or not, seconds of audio that went out, why it stopped."""

    ok: bool
    seconds: float
    reason: str = ""  # Vietnamese, when not ok
    stopped: bool = False  # stopped on request (shutdown), not by an error
    start_latency_s: float | None = None  # from play() to the first audio, when the backend knows


@dataclass
class Device:
    """An output a backend can play to (`broadcast play --devices`)."""

    name: str
    description: str


class Backend(ABC):
    """Plays one file at a time to one output.

    `device` is "auto" (the system's default output), "null" (no sound: trials and CI),
    "file:FOLDER" (each item is written to FOLDER/<name>.wav instead of a sound card: tests
    and trial runs), or a backend-specific name listed by `devices()`. The constructor checks
    that the backend's tool and the device exist and raises EnvironmentProblem (exit 2) if not.
    """

    NAME = ""
    LABEL = ""
    capture_speed: float | None = None
    """Pace of a "file:" capture as a multiple of real time (None: as fast as decoding goes).
    Tests that send a command while an item airs set it, so the item is still airing then."""

    def __init__(self, device: str, station_dir: Path) -> None:
        self.device = device or "auto"
        self.station_dir = station_dir
        self.capture_dir: Path | None = None
        if self.device.startswith("file:"):
            self.capture_dir = (station_dir / self.device[5:]).resolve()
            self.capture_dir.mkdir(parents=True, exist_ok=True)

    @classmethod
    @abstractmethod
    def devices(cls) -> list[Device]:
        """The outputs this backend can use on this machine."""

    @abstractmethod
    def play(
        self, path: Path, *, name: str, stop: threading.Event | None = None, timeout_s: float | None = None
    ) -> PlayResult:
        """Play `path` to the end (blocking). `name` names the capture file in file: mode."""

    def close(self) -> None:  # noqa: B027 - a no-op by default, not abstract
        """Release the output (nothing to do for backends that start a player per file)."""

    def capture_path(self, name: str) -> Path | None:
        return self.capture_dir / f"{name}.wav" if self.capture_dir else None


def wav_seconds(path: Path) -> float:
    """Length of a captured WAV from its RIFF chunks (also WAVE_FORMAT_EXTENSIBLE, as mpv writes).

    A data chunk whose size was never filled in (the writer was killed) counts to the end of file.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
            if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
                return 0.0
            rate = align = 0
            while True:
                chunk = fh.read(8)
                if len(chunk) < 8:
                    return 0.0
                cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if cid == b"fmt ":
                    fmt = fh.read(size + (size & 1))
                    rate = struct.unpack("<I", fmt[4:8])[0]
                    align = struct.unpack("<H", fmt[12:14])[0]
                elif cid == b"data":
                    if not rate or not align:
                        return 0.0
                    left = path.stat().st_size - fh.tell()
                    if size in (0, 0xFFFFFFFF) or size > left:
                        size = left
                    return (size // align) / rate
                else:
                    fh.seek(size + (size & 1), 1)
    except OSError:
        return 0.0
