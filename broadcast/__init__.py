"""broadcast: monthly CCHC radio programmes for commune loudspeaker stations.

The public API is small: load a station, run the main job, or a single stage.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers; at run time the names load on first use (below)
    from broadcast.config import Station, load_station
    from broadcast.errors import BroadcastError
    from broadcast.pipeline import STAGES, make, next_month

# Loaded lazily so that importing one module of the package (a worker producing from cached
# clips, the player) does not load the whole main job first.
_WHERE = {
    "Station": "config",
    "load_station": "config",
    "BroadcastError": "errors",
    "STAGES": "pipeline",
    "make": "pipeline",
    "next_month": "pipeline",
}

__all__ = [
    "STAGES",
    "BroadcastError",
    "Station",
    "load_station",
    "make",
    "next_month",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value
    return value


__version__ = "0.1.0"
