"""Voice stage: interchangeable TTS engines behind one interface, a per-clip cache, fallbacks.

Engines are selected by name in station.yaml (`voice.main` / `voice.second`, each an ordered
chain). `synthesize()` voices a list of utterances, clip by clip, from the cache when it
can, falling back along the chain when an engine fails (see docs/voices.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from broadcast.lazy import lazy_getattr

if TYPE_CHECKING:  # for type checkers; at run time the names load on first use (below)
    from broadcast.voice.base import Clip, Engine, EngineError, VoiceRequest, VoiceResult
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

# Where each public name lives. Loaded lazily: settings (config.py) need only the registry,
# and a programme produced from cached clips never loads the chain (the normaliser and its
# lexicon, ~60 ms).
_WHERE = {
    "Clip": "base",
    "Engine": "base",
    "EngineError": "base",
    "VoiceRequest": "base",
    "VoiceResult": "base",
    "EngineStatus": "chain",
    "chain_rates": "chain",
    "engine_status": "chain",
    "make_engine": "chain",
    "primary_usable": "chain",
    "speaking_rate": "chain",
    "synthesize": "chain",
    "ENGINES": "registry",
    "create_engine": "registry",
    "engine_class": "registry",
}

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


__getattr__ = lazy_getattr(__name__, _WHERE, globals())
