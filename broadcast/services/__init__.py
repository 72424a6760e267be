"""The use cases: what every front end (CLI, web console, player, workers) calls.

Each is a function of the station (settings + its store), the month or day it is about, and
the time where time matters; long ones report progress through an `EventSink`. They return
models and raise `BroadcastError`s that carry a `NextStep`; none prints, and none knows which
front end called it.

- the main job: `make` (pipeline.STAGES, in order) and its parts `produce_month`, `check_month`
- content: `load_script_text` / `save_script_text` (conflict-safe), `render_month_script`,
  `approve_month`, `spoken_form`, `month_facts`
- the year at a glance: `year_overview`, `month_status`
- on air: `schedule_month`, `check_air`, `day_running_order`, `missing_airings`
"""

from __future__ import annotations

from broadcast.events import Event, EventSink, Progress
from broadcast.pipeline import STAGES, MakeResult, Stage, make, months_to_make, next_month, produce_month
from broadcast.readiness import check_air
from broadcast.schedule import day_running_order, missing_airings, schedule_month
from broadcast.services.content import (
    ConflictError,
    ScriptText,
    approve_month,
    check_month,
    load_script_text,
    month_facts,
    normalizer_for,
    render_month_script,
    save_script_text,
    spoken_form,
    text_sha256,
)
from broadcast.services.overview import STATES, MonthStatus, month_status, year_overview

__all__ = [
    "STAGES",
    "STATES",
    "ConflictError",
    "Event",
    "EventSink",
    "MakeResult",
    "MonthStatus",
    "Progress",
    "ScriptText",
    "Stage",
    "approve_month",
    "check_air",
    "check_month",
    "day_running_order",
    "load_script_text",
    "make",
    "missing_airings",
    "month_facts",
    "month_status",
    "months_to_make",
    "next_month",
    "normalizer_for",
    "produce_month",
    "render_month_script",
    "save_script_text",
    "schedule_month",
    "spoken_form",
    "text_sha256",
    "year_overview",
]
