"""Spoken form: turn written Vietnamese administrative text into the words a broadcaster says.

The stage is a list of small rules applied in order to each line (`normalizer.RULES`), in
modules by subject: `cleanup` (markup, list markers, news tags, dashes, punctuation), `web`
(addresses, phones), `docnumbers`, `dates` (dates, ranges, ratios, times, weekdays),
`counts` (Roman numerals, ordinals, numbers), `units`, `lexicon` (abbreviations, capitals,
letters). What the rules read lives in YAML under `broadcast/data/` (`normalize/*.yaml` and
`lexicon.yaml`); `tables`, `numbers` and `syllables` load and read that data. Each call
works on its own `Context`, so one `Normalizer` can be shared between threads.

The readings follow the northern broadcast standard: "hai mươi mốt", "hai mươi tư", "mười
lăm", "một trăm linh năm", "nghìn", years in full. The output holds only Vietnamese words
and the punctuation `. , ; : ? !`, which the voice stage uses as boundaries.
"""

from __future__ import annotations

from broadcast.spoken.context import Change, Context, Guess
from broadcast.spoken.lexicon import LexiconEntry, read_lexicon
from broadcast.spoken.normalizer import (
    RULES,
    Normalizer,
    Utterance,
    check_token_length,
    syllable_count,
)
from broadcast.spoken.numbers import read_digits, read_number, read_numeral
from broadcast.spoken.syllables import is_vietnamese_syllable, spell
from broadcast.spoken.tables import BUILTIN_LEXICON, MAX_TOKEN

__all__ = [
    "BUILTIN_LEXICON",
    "MAX_TOKEN",
    "RULES",
    "Change",
    "Context",
    "Guess",
    "LexiconEntry",
    "Normalizer",
    "Utterance",
    "check_token_length",
    "is_vietnamese_syllable",
    "read_digits",
    "read_lexicon",
    "read_number",
    "read_numeral",
    "spell",
    "syllable_count",
]
