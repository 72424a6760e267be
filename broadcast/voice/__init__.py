"""Voice stage: interchangeable TTS engines behind one interface, a per-clip cache, fallbacks.

Engines are selected by name in station.yaml (`voice.main` / `voice.second`, each an ordered
chain). `synthesize()` voices a list of utterances, clip by clip, from the cache when it
can, falling back along the chain when an engine fails (see docs/voices.md).
"""

from __future__ import annotations

from broadcast.voice.base import (
    Clip,
    Engine,
    EngineError,
    VoiceRequest,
    VoiceResult,
)
from broadcast.voice.chain import (
    EngineStatus,
    chain_rates,
    engine_status,
    make_engine,
    primary_usable,
    speaking_rate,
    synthesize,
)
from broadcast.voice.registry import ENGINES, create_engine, engine_class

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
