"""The engine registry: the names station.yaml may use and the class behind each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from broadcast.errors import ConfigError
from broadcast.voice.base import Engine
from broadcast.voice.edge_engine import EdgeEngine
from broadcast.voice.espeak_engine import EspeakEngine
from broadcast.voice.gtts_engine import GttsEngine
from broadcast.voice.piper_engine import PiperEngine
from broadcast.voice.silent_engine import SilentEngine

# The registry: the names station.yaml may use, in the order `broadcast voices` lists them.
ENGINES: dict[str, type[Engine]] = {
    cls.NAME: cls for cls in (GttsEngine, EdgeEngine, PiperEngine, EspeakEngine, SilentEngine)
}


def engine_class(name: str) -> type[Engine]:
    """The engine class registered under `name`; ConfigError listing valid names otherwise."""
    try:
        return ENGINES[name]
    except KeyError:
        raise ConfigError(
            f"không có bộ đọc tên '{name}'.",
            field="voice",
            hint="Các bộ đọc có sẵn: " + ", ".join(ENGINES) + ".",
        ) from None


def create_engine(name: str, options: dict[str, Any] | None, timeout_s: float, state_dir: Path) -> Engine:
    """Construct engine `name` with its station options (never touches network or models)."""
    return engine_class(name)(options or {}, timeout_s, state_dir)
