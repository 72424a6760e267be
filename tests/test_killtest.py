"""The kill campaign in the test suite: a handful of its points (tools/killtest.py runs all).

Each point SIGKILLs a real `broadcast` subprocess (silent engine) where the named point is
reached, then checks: nothing partial visible, the approved programme intact, and a re-run
leaves the same outputs as an unkilled run.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _killtest():
    spec = importlib.util.spec_from_file_location("killtest", REPO / "tools" / "killtest.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["killtest"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def kt():
    return _killtest()


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("killtest")


def test_the_suites_kill_points_are_named_in_the_campaign(kt):
    quick = [(sc.name, p) for sc in kt.SCENARIOS for p in sc.quick]
    assert len(quick) >= 4 and all(p in sc.points for sc in kt.SCENARIOS for p in sc.quick)


@pytest.mark.parametrize("scenario", ["make-edited", "schedule-fewer", "daemon-run-due"])
def test_killed_runs_leave_nothing_partial_and_converge(kt, work, scenario):
    sc = next(s for s in kt.SCENARIOS if s.name == scenario)
    outcomes = kt.campaign(work, only={scenario: sc.quick}, say=lambda _t: None)
    assert outcomes and all(o.reached for o in outcomes)
    assert [(o.point, o.problems) for o in outcomes if o.problems] == []


def test_a_schedule_killed_after_its_new_plan_never_revives_a_dropped_day(kt, work):
    """Issue 11 #8: the plan is written first; check-air finishes the change, never undoes it."""
    from datetime import datetime, time

    from broadcast import readiness
    from broadcast import schedule as sch
    from broadcast.config import load_station

    approved = kt.approved_station(work)
    folder = work / "dropped-day"
    kt._fewer_airings(folder, approved)
    st = load_station(folder)
    old_days = sorted(p.name for p in st.store.days_dir.iterdir() if not p.name.startswith("."))
    killed = kt.run(folder, ["schedule", "--month", kt.MONTH], kill_at="schedule-plan-written")
    assert killed.returncode == -9
    planned = {a.date.isoformat() for a in sch.read_schedule(st, kt.MONTH).airings}
    dropped = sorted(set(old_days) - planned)
    assert dropped and not sch.is_scheduled(st, kt.MONTH)
    first = min(planned)
    readiness.check_air(
        st, datetime.combine(datetime.fromisoformat(first).date(), time(0, 1)), days=0, apply=True
    )
    visible = sorted(p.name for p in st.store.days_dir.iterdir() if not p.name.startswith("."))
    assert not set(dropped) & set(visible)
