"""One exception family for the whole pipeline; only the CLI turns these into messages.

Messages are written in Vietnamese for the person who must fix the problem: which file,
which line, which field, and what to do. `exit_code` is 1 for wrong user input and 2 for a
wrong environment (a missing tool, a full disk, no usable engine).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class NextStep:
    """What the person should do next, as data: each front end words it for itself.

    `action` names a use case (`approve`, `make`, `script`, `produce`, `schedule`, `check`,
    `check-air`, `plan`, `voices`, `init`, `facts`); `month`/`year` say for what. The CLI
    turns it into a command line (`broadcast approve --month 2027-03 --by TÊN`), the web
    console into a button or a link to the page.
    """

    action: str
    month: str | None = None
    year: int | None = None
    options: dict[str, str] = field(default_factory=dict)


class BroadcastError(Exception):
    """Root of every error the CLI reports to a user."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
        next_step: NextStep | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.next_step = next_step
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        self.hint = hint

    def where(self) -> str:
        """`tệp X, dòng N, mục Y` — the location part of the message, or ''."""
        parts = []
        if self.file:
            parts.append(f"tệp {self.file}")
        if self.line:
            parts.append(f"dòng {self.line}")
        if self.field:
            parts.append(f"mục '{self.field}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  Cách sửa: {self.hint}"
        return text


class ConfigError(BroadcastError):
    """station.yaml, lexicon.yaml, facts or plan files are wrong."""


class ScriptError(BroadcastError):
    """A script file or a template is wrong (or the script cannot fit the programme)."""


class NormalizeError(BroadcastError):
    """The spoken-form stage could not read its data files."""


class VoiceError(BroadcastError):
    """No engine could voice an utterance (or fallback was forbidden)."""

    exit_code = 2


class ProductionError(BroadcastError):
    """Assembly, mastering or export failed, or the result is out of range."""


class ScheduleError(BroadcastError):
    """Slots, airings or daily folders are wrong, or a programme is not approved."""


class AutomationError(BroadcastError):
    """The unattended scheduler cannot run (e.g. another daemon holds the station)."""


class EnvironmentProblem(BroadcastError):
    """A tool or resource is missing on this machine (ffmpeg, espeak-ng, disk space)."""

    exit_code = 2
