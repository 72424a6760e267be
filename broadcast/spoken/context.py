"""The per-call context every rule reads and writes, and the one helper that applies a rule.

A `Normalizer` holds only read-only data (the compiled lexicon, settings). Everything a
call records — the changes for `--explain`, the tokens it could not read, the tokens it had
to guess — lives in a `Context` made for that call, so one normaliser can be used from
several threads at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # typing only: lexicon.py imports this module at run time
    from broadcast.spoken.lexicon import Lexicon


@dataclass
class Change:
    """One edit made by one rule (what `--explain` shows)."""

    rule: str
    """Name of the rule, e.g. `date`, `lexicon`, `doc_number`."""
    before: str
    """The written fragment the rule matched."""
    after: str
    """What the rule turned it into."""
    why: str = ""
    """The context that decided, when a rule chose between readings ("sau 'xếp thứ'")."""


@dataclass
class Guess:
    """A token the stage read by a guess staff may want to settle in the station lexicon."""

    token: str
    reading: str
    why: str


@dataclass
class Context:
    """State of one `normalize` call."""

    lexicon: Lexicon
    spell_issuer: bool = False
    changes: list[Change] | None = None
    unreadable: list[str] | None = None
    guesses: list[Guess] | None = None
    why: str = ""
    """Set by a rule's replacement function to say which context decided."""
    taught: dict[str, str] = field(default_factory=dict)
    """Acronyms the text defined itself ("Ủy ban Thường vụ Quốc hội (UBTVQH)"): acronym ->
    expansion as written, read as the expansion where the acronym recurs in the same call."""

    def decided(self, why: str) -> None:
        """Say which context chose the reading of the match being replaced."""
        if self.changes is not None:
            self.why = why

    def note_unreadable(self, token: str) -> None:
        if self.unreadable is not None:
            self.unreadable.append(token)

    def guess(self, token: str, reading: str, why: str) -> None:
        if self.guesses is not None:
            self.guesses.append(Guess(token, reading, why))


Replacement = Callable[[re.Match], str] | str
Rule = Callable[[Context, str], str]


def sub(ctx: Context, name: str, pattern: re.Pattern, fn: Replacement, text: str) -> str:
    """`pattern.sub(fn, text)`, recording each change in `ctx` when explaining."""
    changes = ctx.changes
    if changes is None:
        return pattern.sub(fn, text)

    def recorded(m: re.Match) -> str:
        ctx.why = ""
        after = fn(m) if callable(fn) else m.expand(fn)
        if after != m.group(0):
            changes.append(Change(name, m.group(0), after, ctx.why))
        ctx.why = ""
        return after

    return pattern.sub(recorded, text)


@dataclass(frozen=True)
class RuleSpec:
    """One rule of the stage: its name (shown by `--explain`) and its function."""

    name: str
    run: Rule
    doc: str = field(default="")
