"""Vietnamese syllable shapes, letter names and the folding used to compare wordings."""

from __future__ import annotations

import functools
import re
import unicodedata

from broadcast.spoken.tables import DIGITS, LETTERS

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
SYLLABLE = re.compile(
    r"(?!.*(?:aa|ii|ee|uu|yy|ăă|ââ|êê|ôô|ơơ|ưư))"
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdđghklmnprstvx])?"
    r"[aăâeêioôơuưy]{1,3}(?:ch|ng|nh|[cmnpt])?"
)
_LONGEST_SYLLABLE = 8


@functools.lru_cache(maxsize=8192)
def toneless(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))


@functools.lru_cache(maxsize=8192)
def is_vietnamese_syllable(word: str) -> bool:
    """True if `word` is shaped like one Vietnamese syllable (any case, any tone)."""
    if len(word) > _LONGEST_SYLLABLE:
        return False
    return bool(SYLLABLE.fullmatch(toneless(word)))


def spell(token: str) -> str:
    """Letter names of every letter in `token`: "NQ-CP" -> "en quy xê pê"."""
    out = []
    for ch in token.lower():
        if ch in LETTERS:
            out.append(LETTERS[ch])
        elif ch in "0123456789":
            out.append(DIGITS[int(ch)])
        else:
            base = toneless(ch)
            if base in LETTERS:
                out.append(LETTERS[base])
    return " ".join(out)


def segment_syllables(label: str) -> list[str] | None:
    """Split an unaccented run like "dichvucong" into syllables, or None."""
    n = len(label)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        for j in range(min(n, i + 7), i, -1):
            piece = label[i:j]
            there = best[j]
            if SYLLABLE.fullmatch(piece) and (there is None or len(there) > len(here) + 1):
                best[j] = [*here, piece]
    return best[n]


# Old-style tone placement ("hoá", "uỷ") folded to the new one for comparisons only.
_OLD_TONE = re.compile(r"(?<![q])([ou])([àáảãạèéẻẽẹìíỉĩịỳýỷỹỵ])(?![^\W\d_])")
_TONE_OF: dict[str, tuple[str, str]] = {}
for _base, _marked in (("a", "àáảãạ"), ("e", "èéẻẽẹ"), ("i", "ìíỉĩị"), ("y", "ỳýỷỹỵ")):
    for _mark, _m in zip(_marked, ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323"), strict=True):
        _TONE_OF[_mark] = (_base, _m)


def _fold_tone(m: re.Match) -> str:
    base, mark = _TONE_OF[m.group(2)]
    return unicodedata.normalize("NFC", m.group(1) + mark) + base


def fold(text: str) -> str:
    """Lower case, new-style tone marks, punctuation dropped: for comparing wordings."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _OLD_TONE.sub(_fold_tone, text)
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())
