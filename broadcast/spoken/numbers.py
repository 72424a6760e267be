"""Reading numbers: counts, digit runs, decimals, ordinals, months and Roman numerals.

Pure functions over the tables of `tables.py`; no rule state. A run of more than
`MAX_DIGITS` digits is read digit by digit (never converted to an int), so a pasted
identifier or a garbage run of 5,000 digits costs linear time and never fails.
"""

from __future__ import annotations

import re

from broadcast.spoken.tables import (
    AFTER_MUOI,
    AFTER_MUOI_10,
    BILLION,
    COMMA_WORD,
    DIGITS,
    DOT_WORD,
    MAX_DIGITS,
    MONTHS,
    ORDINALS,
    SCALES,
    ZERO_TEN,
)

THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")


def _three(n: int, full: bool) -> list[str]:
    """Words for 0 < n < 1000; `full` says "không trăm"/"linh" as in a non-leading group."""
    h, rest = divmod(n, 100)
    t, u = divmod(rest, 10)
    words: list[str] = []
    if h or full:
        words += [DIGITS[h], "trăm"]
    if t == 0:
        if u:
            if h or full:
                words.append(ZERO_TEN)
            words.append(DIGITS[u])
    elif t == 1:
        words.append("mười")
        if u:
            words.append(AFTER_MUOI_10.get(u, DIGITS[u]))
    else:
        words += [DIGITS[t], "mươi"]
        if u:
            words.append(AFTER_MUOI.get(u, DIGITS[u]))
    return words


def _int_words(n: int, full: bool = False) -> list[str]:
    if n == 0:
        return [] if full else [DIGITS[0]]
    if n >= 1_000_000_000:
        high, low = divmod(n, 1_000_000_000)
        words = _int_words(high, full) + [BILLION]
        if low:
            words += _int_words(low, True)
        return words
    groups = []
    while n:
        n, g = divmod(n, 1000)
        groups.append(g)
    words = []
    leading = True
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            continue
        words += _three(g, full or not leading)
        if SCALES[i]:
            words.append(SCALES[i])
        leading = False
    return words


def read_number(digits: str) -> str:
    """Read a run of digits as a count: "2021" -> "hai nghìn không trăm hai mươi mốt".

    Leading zeros of short counts are dropped ("06" -> "sáu"); a long run starting with 0
    (an area code, an identifier) or longer than 15 digits is read digit by digit.
    """
    if len(digits) > MAX_DIGITS or (len(digits) > 3 and digits[0] == "0"):
        return read_digits(digits)
    return " ".join(_int_words(int(digits)))


def read_digits(digits: str) -> str:
    """Digit by digit: "1022" -> "một không hai hai"."""
    return " ".join(DIGITS[int(c)] for c in digits if c in "0123456789")


def _read_decimal(frac: str) -> str:
    if frac.startswith("0") or len(frac) > 2:
        return read_digits(frac)
    return read_number(frac)


def read_numeral(token: str) -> str:
    """Read a written number with Vietnamese separators.

    "1.245" -> thousands dot; "98,5" -> "chín mươi tám phẩy năm"; "4.0" -> "bốn chấm
    không" (a dot not followed by groups of three digits is read "chấm").
    """
    if token.count(",") > 1:
        return ", ".join(read_numeral(p) for p in token.split(",") if p)
    if "," in token:
        whole, frac = token.split(",")
        return f"{read_numeral(whole)} {COMMA_WORD} {_read_decimal(frac)}"
    if "." in token:
        if THOUSANDS.fullmatch(token):
            return read_number(token.replace(".", ""))
        parts = token.split(".")
        return f" {DOT_WORD} ".join(
            read_digits(p) if len(p) > 1 and p[0] == "0" else read_number(p) for p in parts
        )
    return read_number(token)


def small_int(digits: str) -> int | None:
    """The value of a digit run that is short enough to be a count, else None."""
    return int(digits) if len(digits) <= MAX_DIGITS else None


def ordinal_words(digits: str) -> str:
    """'1' -> 'nhất', '4' -> 'tư', else the count; an over-long run digit by digit."""
    n = small_int(digits)
    if n is None:
        return read_digits(digits)
    return ORDINALS.get(n, read_number(str(n)))


def month_name(n: int) -> str:
    return MONTHS[n]


_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(token: str) -> int | None:
    """Value of a well-formed Roman numeral, else None."""
    if len(token) > 15:
        return None
    total, prev = 0, 0
    for ch in reversed(token):
        v = _ROMAN_VALUES.get(ch)
        if v is None:
            return None
        total += -v if v < prev else v
        prev = max(prev, v)
    if total <= 0 or total >= 4000 or to_roman(total) != token:
        return None
    return total


def to_roman(n: int) -> str:
    out = []
    for v, s in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= v:
            out.append(s)
            n -= v
    return "".join(out)
