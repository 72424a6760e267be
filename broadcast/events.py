"""Progress events: what a long use case tells whoever runs it (terminal, web page, worker).

A use case takes an `EventSink` (any callable taking an `Event`) and reports stages, counts and
notes through it; each front end shows them its own way (the CLI prints lines, the web console
updates a progress bar, a worker sends them to the coordinator).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    """One thing a running use case has to say."""

    kind: str
    """`stage` (a new step starts), `progress` (done/total of a step), `note` (a sentence)."""
    text: str = ""
    """Vietnamese, for a person; never a command line."""
    stage: str | None = None
    """The stage's name (`script`, `check`, `produce`, `schedule`) for `stage` events."""
    number: int = 0
    total: int = 0
    """Stage number and count for `stage`; items done and total for `progress`."""


EventSink = Callable[[Event], None]


def ignore(_event: Event) -> None:
    """The sink of a caller that does not listen."""


class Progress:
    """Helpers that turn calls into events on one sink (what the stages call)."""

    def __init__(self, sink: EventSink | None = None) -> None:
        self.sink: EventSink = sink or ignore
        self.events: list[Event] = []

    def stage(self, number: int, total: int, name: str, text: str) -> None:
        self._emit(Event("stage", text, stage=name, number=number, total=total))

    def say(self, text: str) -> None:
        self._emit(Event("note", text))

    def counter(self, label: str) -> Callable[[int, int], None]:
        """A (done, total) callback that reports about every tenth of the way."""
        last = -1

        def tick(done: int, total: int) -> None:
            nonlocal last
            step = max(1, total // 10)
            if done == total or done // step != last:
                last = done // step
                self._emit(Event("progress", label, number=done, total=total))

        return tick

    def _emit(self, event: Event) -> None:
        self.events.append(event)
        self.sink(event)
