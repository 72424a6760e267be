"""The spoken-form stage: the ordered rule list and the `Normalizer` that runs it.

A `Normalizer` holds only read-only data (the compiled lexicon and its settings); every call
makes its own `Context`, so one normaliser may be shared between threads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from broadcast.errors import NormalizeError
from broadcast.spoken import cleanup, counts, dates, docnumbers, lexicon, units, web
from broadcast.spoken.context import Change, Context, Guess, RuleSpec
from broadcast.spoken.lexicon import Lexicon
from broadcast.spoken.syllables import is_vietnamese_syllable
from broadcast.spoken.tables import MAX_TOKEN, RE_WORD

RULES: tuple[RuleSpec, ...] = (
    RuleSpec("markup", cleanup.markup),
    RuleSpec("bullet", cleanup.bullet),
    RuleSpec("news_tag", cleanup.news_tag),
    RuleSpec("web", web.web),
    RuleSpec("dotted", cleanup.dotted),
    RuleSpec("phone", web.phone),
    RuleSpec("acronym_once", lexicon.acronym_once),
    RuleSpec("taught", lexicon.taught),
    RuleSpec("context_abbr", lexicon.context_abbr),
    RuleSpec("number_once", counts.number_once),
    RuleSpec("doc_number", docnumbers.doc_number),
    RuleSpec("citation", dates.citation),
    RuleSpec("range", dates.range_),
    RuleSpec("date", dates.date),
    RuleSpec("fraction", dates.fraction),
    RuleSpec("time", dates.time),
    RuleSpec("roman", counts.roman),
    RuleSpec("ordinal", counts.ordinal),
    RuleSpec("unit", units.unit),
    RuleSpec("number", counts.number),
    RuleSpec("lexicon", lexicon.lexicon),
    RuleSpec("symbol", units.symbol),
    RuleSpec("slash", units.slash),
    RuleSpec("dash", cleanup.dash),
    RuleSpec("caps", lexicon.caps),
    RuleSpec("letter", lexicon.letter),
    RuleSpec("cleanup", cleanup.cleanup),
)
"""The rules, in the order they run on each line."""

_RE_LONG_TOKEN = re.compile(rf"\S{{{MAX_TOKEN + 1},}}")
_RE_SENT_END = re.compile(r"(?<=[.?!])\s+")
_RE_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
_RE_PARA = re.compile(r"\n\s*\n")


@dataclass
class Utterance:
    """One piece of spoken text handed to the voice stage."""

    text: str
    """Spoken form: Vietnamese words and punctuation only."""
    pause: str
    """Pause after it: "sentence" | "clause" | "none"."""


def check_token_length(text: str) -> None:
    """Raise NormalizeError for a run of more than MAX_TOKEN characters without a space.

    No word, number or web address is that long; such a run is a pasting mistake (an
    embedded image, a hash) and reading it would take minutes. Callers that know the file
    and line add them (`NormalizeError.file`/`.line`).
    """
    m = _RE_LONG_TOKEN.search(text)
    if m:
        raise NormalizeError(
            f"có một chuỗi {len(m.group(0))} ký tự liền nhau không có dấu cách "
            f"('{m.group(0)[:20]}…'), dài quá {MAX_TOKEN} ký tự nên không đọc được.",
            hint="Xóa chuỗi đó hoặc thêm dấu cách; có thể đã dán nhầm ảnh, mã hoặc đường "
            "dẫn dài vào kịch bản.",
        )


class Normalizer:
    """Written text -> spoken text, as a list of small rules over data files."""

    def __init__(self, station_lexicon: Path | None = None, *, spell_issuer: bool = False):
        """Build the lexicon (built-in + station file, station entries win).

        `spell_issuer` reads a document's issuing code with Vietnamese letter names
        ("76/NQ-CP" -> "bảy mươi sáu en quy xê pê") instead of dropping it.
        """
        self.spell_issuer = spell_issuer
        self.lex = Lexicon(station_lexicon)
        self.lexicon = self.lex.entries
        self.rules: tuple[RuleSpec, ...] = RULES

    # -- public API ------------------------------------------------------------------

    def normalize(self, text: str) -> str:
        """Written text -> spoken text; keeps `. , ; : ? !` as boundaries and line breaks."""
        return self._run(text, self._context())

    def explain(self, text: str) -> list[Change]:
        """Every change each rule made, in order (with the context that decided)."""
        ctx = self._context(changes=[])
        self._run(text, ctx)
        return ctx.changes or []

    def guesses(self, text: str) -> list[Guess]:
        """Tokens read by a guess (unknown acronyms spelled, a '/' of unclear meaning)."""
        ctx = self._context(guesses=[])
        self._run(text, ctx)
        seen: dict[str, Guess] = {}
        for g in ctx.guesses or []:
            seen.setdefault(g.token, g)
        return list(seen.values())

    def unreadable(self, text: str) -> list[str]:
        """Tokens the stage could not turn into Vietnamese words (unknown acronyms, symbols,
        foreign words), each once, in order of appearance."""
        ctx = self._context(unreadable=[])
        spoken = self._run(text, ctx)
        found = list(ctx.unreadable or [])
        for word in RE_WORD.findall(spoken):
            low = word.lower()
            if low not in self.lex.approved and not is_vietnamese_syllable(low):
                found.append(word)
        return list(dict.fromkeys(found))

    def utterances(self, text: str, max_chars: int = 180) -> list[Utterance]:
        """Normalise then split: one utterance per sentence; long sentences at `, ; :`.

        Clauses are packed greedily up to `max_chars`; a clause still longer than that is
        cut at the last space before the limit (pause "none").
        """
        spoken = self.normalize(text)
        out: list[Utterance] = []
        for para in _RE_PARA.split(spoken):
            para = " ".join(para.split())
            if not para:
                continue
            for sentence in _RE_SENT_END.split(para):
                sentence = sentence.strip()
                if not sentence or not RE_WORD.search(sentence):
                    continue
                if len(sentence) <= max_chars:
                    out.append(Utterance(sentence, "sentence"))
                    continue
                pieces = _split_long(sentence, max_chars)
                pieces[-1] = Utterance(pieces[-1].text, "sentence")
                out.extend(pieces)
        return out

    # -- engine ----------------------------------------------------------------------

    def _context(self, **kwargs) -> Context:
        return Context(self.lex, self.spell_issuer, **kwargs)

    def _run(self, text: str, ctx: Context) -> str:
        check_token_length(text)
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        out = []
        for line in lines:
            for rule in self.rules:
                if not line:
                    break
                line = rule.run(ctx, line)
            out.append(line)
        return "\n".join(out)


def _split_long(sentence: str, max_chars: int) -> list[Utterance]:
    clauses = [c for c in _RE_CLAUSE_END.split(sentence) if c]
    pieces: list[Utterance] = []
    current = ""
    for clause in clauses:
        if current and len(current) + 1 + len(clause) <= max_chars:
            current = f"{current} {clause}"
            continue
        if current:
            pieces.append(Utterance(current, "clause"))
        current = clause
        while len(current) > max_chars:
            cut = current.rfind(" ", 0, max_chars + 1)
            if cut <= 0:
                cut = current.find(" ")
                if cut <= 0:
                    break
            pieces.append(Utterance(current[:cut], "none"))
            current = current[cut + 1 :]
    if current:
        pieces.append(Utterance(current, "clause"))
    return pieces


_RE_TOKEN = re.compile(r"\w+")


def syllable_count(spoken: str) -> int:
    """Number of spoken syllables (words separated by spaces, punctuation excluded).

    Vietnamese writes each syllable as a word. Used by the check stage to estimate length
    and by the voice cache to measure speaking rates, so both count alike. (A digit run in
    text that was never normalised counts as one word.)
    """
    return len(_RE_TOKEN.findall(spoken))
