"""Playout backends behind one interface, selected by name (`playout.backend`), like voice engines.

Importing this package loads no native library: each backend loads its tool when constructed.
"""

from __future__ import annotations

from pathlib import Path

from broadcast.errors import ConfigError
from broadcast.playout.backends.base import Backend, Device, PlayResult
from broadcast.playout.backends.ffmpeg_backend import FfmpegBackend
from broadcast.playout.backends.mpv_backend import MpvBackend

BACKENDS: dict[str, type[Backend]] = {cls.NAME: cls for cls in (MpvBackend, FfmpegBackend)}


def create_backend(name: str, device: str, station_dir: Path) -> Backend:
    """Construct backend `name` for `device`; EnvironmentProblem (exit 2) if it cannot play here."""
    try:
        cls = BACKENDS[name]
    except KeyError:
        raise ConfigError(
            f"không có bộ phát tên '{name}'.",
            field="playout.backend",
            hint="Các bộ phát có sẵn: " + ", ".join(BACKENDS) + ".",
        ) from None
    return cls(device, station_dir)


__all__ = ["BACKENDS", "Backend", "Device", "PlayResult", "create_backend"]
