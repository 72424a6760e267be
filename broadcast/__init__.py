"""broadcast: monthly CCHC radio programmes for commune loudspeaker stations.

The public API is small: load a station, run the main job, or a single stage.
"""

from __future__ import annotations

from broadcast.config import Station, load_station
from broadcast.errors import BroadcastError
from broadcast.pipeline import STAGES, make, next_month

__all__ = ["STAGES", "BroadcastError", "Station", "load_station", "make", "next_month"]
__version__ = "0.1.0"
