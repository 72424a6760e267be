"""broadcast: monthly CCHC radio programmes for commune loudspeaker stations.

The public API is small: load a station, run the main job, or a single stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from broadcast.lazy import lazy_getattr

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


__getattr__ = lazy_getattr(__name__, _WHERE, globals())
__version__ = "0.1.0"
