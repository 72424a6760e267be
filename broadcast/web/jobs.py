"""Long runs (produce a listening copy, make) in a background thread, progress kept in memory.

The page polls the job with htmx; the thread reports through `broadcast.events.Progress`.
One job per month at a time; the pipeline's own lock keeps runs of the station apart.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from broadcast.errors import BroadcastError
from broadcast.events import Event, Progress


@dataclass
class Job:
    id: str
    month: str
    kind: str
    by: str
    events: list[Event] = field(default_factory=list)
    done: bool = False
    error: str = ""
    result: str = ""

    @property
    def percent(self) -> int:
        if self.done:
            return 100
        stages = [e for e in self.events if e.kind == "stage"]
        prog = [e for e in self.events if e.kind == "progress"]
        base, span = 0.0, 100.0
        if stages and stages[-1].total:
            last = stages[-1]
            span = 100.0 / last.total
            base = span * (last.number - 1)
        if prog and prog[-1].total:
            base += span * prog[-1].number / prog[-1].total
        return max(1, min(99, int(base)))

    @property
    def last_text(self) -> str:
        return self.events[-1].text if self.events else "đang bắt đầu…"


_JOBS: dict[str, Job] = {}
_LOCK = threading.Lock()


def running(month: str) -> Job | None:
    with _LOCK:
        for job in _JOBS.values():
            if job.month == month and not job.done:
                return job
    return None


def latest(month: str) -> Job | None:
    """The last job started for `month` (running or finished), to show how it ended."""
    with _LOCK:
        matching = [job for job in _JOBS.values() if job.month == month]
    return matching[-1] if matching else None


def get(job_id: str) -> Job | None:
    with _LOCK:
        return _JOBS.get(job_id)


def start(month: str, kind: str, by: str, work: Callable[[Progress], str]) -> Job:
    """Run `work(progress)` in a thread unless a job of the month is already running."""
    with _LOCK:
        for job in _JOBS.values():
            if job.month == month and not job.done:
                return job
        job = Job(uuid.uuid4().hex, month, kind, by)
        _JOBS[job.id] = job

    def run() -> None:
        progress = Progress(job.events.append)
        try:
            job.result = work(progress)
        except BroadcastError as exc:
            job.error = str(exc)
        except Exception as exc:  # a thread must never die silently: the page shows it
            job.error = f"lỗi không mong đợi: {exc}"
        finally:
            job.done = True

    threading.Thread(target=run, name=f"broadcast-{kind}-{month}", daemon=True).start()
    return job


def wait_all(timeout: float = 120.0) -> None:
    """Tests: wait until every job is finished."""
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with _LOCK:
            if all(j.done for j in _JOBS.values()):
                return
        time.sleep(0.05)
