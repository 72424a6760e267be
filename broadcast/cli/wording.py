"""How the command line words what the core says as data: next steps become command lines."""

from __future__ import annotations

import click

from broadcast.errors import BroadcastError, NextStep
from broadcast.events import Event

# The command line a person types for each use case; {month}/{year} are filled in.
_COMMANDS = {
    "approve": 'broadcast approve --month {month} --by "Họ tên"',
    "make": "broadcast make --month {month}",
    "script": "broadcast script --month {month}",
    "script-force": "broadcast script --month {month} --force",
    "produce": "broadcast produce --month {month}",
    "schedule": "broadcast schedule --month {month}",
    "check": "broadcast check --month {month}",
    "check-air": "broadcast check-air",
    "plan": "broadcast plan --year {year}",
    "plan-force": "broadcast plan --year {year} --force",
    "voices": "broadcast voices",
    "voices-install": "broadcast voices install {voice}",
    "init": "broadcast init THƯ_MỤC",
    "daemon": "broadcast daemon",
}


def command_line(step: NextStep) -> str:
    """`step` as the command to type, e.g. `broadcast approve --month 2027-03 --by "Họ tên"`."""
    template = _COMMANDS.get(step.action, f"broadcast {step.action}")
    return template.format(month=step.month or "NĂM-THÁNG", year=step.year or "NĂM", **step.options)


def error_text(exc: BroadcastError) -> str:
    """The error as the terminal shows it: place, message, fix, and the command to run next."""
    text = str(exc)
    if exc.next_step is not None:
        text += f"\n  Lệnh: {command_line(exc.next_step)}"
    return text


def event_line(event: Event) -> str:
    """A progress event as the terminal line the operator sees."""
    if event.kind == "stage":
        return f"[{event.number}/{event.total}] {event.text}"
    if event.kind == "progress":
        return f"      {event.text}: {event.number}/{event.total}"
    return event.text


def echo_event(event: Event) -> None:
    click.echo(event_line(event), err=True)
