"""Voice stage: interchangeable TTS engines behind one interface, a per-clip cache, fallbacks.

Engines are selected by name in station.yaml (`voice.main` / `voice.second`, each an ordered
chain). `synthesize()` voices a list of utterances, clip by clip, from the cache when it
can, falling back along the chain when an engine fails (see docs/voices.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from broadcast.errors import ConfigError
from broadcast.voice.base import (
    Clip,
    Engine,
    EngineError,
    VoiceRequest,
    VoiceResult,
)
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


from broadcast.voice.chain import (  # noqa: E402 - chain needs ENGINES defined above
    EngineStatus,
    chain_rates,
    engine_status,
    make_engine,
    primary_usable,
    speaking_rate,
    synthesize,
)

__all__ = [
    "ENGINES",
    "Clip",
    "Engine",
    "EngineError",
    "EngineStatus",
    "VoiceRequest",
    "VoiceResult",
    "chain_rates",
    "create_engine",
    "engine_class",
    "engine_status",
    "make_engine",
    "primary_usable",
    "speaking_rate",
    "synthesize",
]
