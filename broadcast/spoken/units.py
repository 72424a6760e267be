"""Units, currencies, symbols and the slash that means 'per'."""

from __future__ import annotations

import re

from broadcast.spoken.context import Context, sub
from broadcast.spoken.numbers import read_numeral
from broadcast.spoken.tables import (
    HAS_DIGIT,
    NUM,
    PER_WORD,
    PREFIX_CUR,
    SYMBOLS,
    UNITS,
    alternation,
    data,
)

_UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))
# "7.5%", "2.5 km": a dot with one or two digits before a unit is a decimal point (an
# English-style copy), read "phẩy" like "7,5%"; "1.500 m" keeps its thousands dot.
_RE_DOT_DECIMAL = re.compile(rf"(?<![\d.,])(\d+)\.(\d{{1,2}})(?=\s?(?:{_UNIT_ALT})(?!\w))")
_RE_UNIT = re.compile(rf"(?<![\d.,])({NUM})\s?({_UNIT_ALT})(?!\w)")
_RE_PREFIX_CUR = re.compile(rf"({'|'.join(re.escape(c) for c in PREFIX_CUR)})\s?({NUM})")
_PER_WORDS = alternation(data("units.yaml")["per_words"], True)
_UNIT_AFTER_SLASH = "|".join(
    re.escape(u)
    for u in sorted(UNITS, key=len, reverse=True)
    if u.replace("²", "2").replace("³", "3").isalnum()
)
# After a slash with any word before it, only units of two letters or more ("người/km2",
# "đồng/kWh"); a lone "m", "g", "V" after a slash is read per only after a price word.
_UNIT2_AFTER_SLASH = "|".join(
    re.escape(u)
    for u in sorted(UNITS, key=len, reverse=True)
    if len(u) >= 2 and u.replace("²", "2").replace("³", "3").isalnum()
)
_PER_AFTER = alternation(data("units.yaml")["per_after"], True)
_RE_SLASH = re.compile(
    rf"\s*/\s*(?:(?=({_PER_WORDS})(?!\w))(?:(?:{_UNIT_AFTER_SLASH})(?!\w))?)"
    rf"|(?<!\w)({_PER_AFTER})\s*/\s*(?:({_UNIT_AFTER_SLASH})(?!\w)|(?=[^\W\d_]))"
    rf"|\s*/\s*({_UNIT2_AFTER_SLASH})(?![\w/])|\s*/\s*"
)
# Units read only when written straight after the number ("220V", "60W"): with a space,
# "5 V" is more often a letter (a class, an item) than volts.
_GLUED_ONLY = frozenset(str(u) for u in data("units.yaml").get("glued_only", []))
# "người/km2", "đồng/m3": a unit with a digit after a slash, read before the number rule
# would take its digit.
_RE_SLASH_UNIT_DIGIT = re.compile(
    r"(?<=[^\W\d_])\s*/\s*("
    + "|".join(
        re.escape(u)
        for u in sorted(UNITS, key=len, reverse=True)
        if any(c.isdigit() or c in "²³" for c in u) and "/" not in u
    )
    + r")(?![\w/])"
)
# "1,2 triệu đ/tháng": "đ" after a scale word is "đồng" ("điểm đ" of a law stays a letter).
_RE_SCALE_DONG = re.compile(r"(?<!\w)((?i:nghìn|ngàn|triệu|tỷ|tỉ))\s?đ(?!\w)")
# "83,2%/50%": a slash between two percentages compares them.
_RE_PERCENT_SLASH = re.compile(r"(?<=\d[%‰])\s*/\s*(?=\d)")
_RE_SYMBOL = re.compile("[" + "".join(re.escape(s) for s in SYMBOLS) + "]")


def unit(ctx: Context, text: str) -> str:
    """Number + unit or currency: '98,5%', '15.000đ', '20 km', '$100'."""
    if not HAS_DIGIT(text):
        return text
    if "/" in text:
        text = sub(ctx, "unit", _RE_PERCENT_SLASH, " trên ", text)
        text = sub(ctx, "unit", _RE_SLASH_UNIT_DIGIT, lambda m: f" {PER_WORD} {UNITS[m.group(1)]}", text)
    if "." in text:
        text = sub(ctx, "unit", _RE_DOT_DECIMAL, r"\1,\2", text)
    text = sub(ctx, "unit", _RE_UNIT, _read_unit, text)
    if "đ" in text:
        text = sub(ctx, "unit", _RE_SCALE_DONG, r"\1 đồng", text)
    return sub(
        ctx,
        "unit",
        _RE_PREFIX_CUR,
        lambda m: f"{read_numeral(m.group(2))} {PREFIX_CUR[m.group(1)]}",
        text,
    )


def _read_unit(m: re.Match) -> str:
    if m.group(2) in _GLUED_ONLY and not m.group(0)[len(m.group(1))].isalpha():
        return m.group(0)
    return f"{read_numeral(m.group(1))} {UNITS[m.group(2)]}"


def symbol(ctx: Context, text: str) -> str:
    """'&' -> 'và', '%' -> 'phần trăm'; quotes and decorations dropped."""
    return sub(ctx, "symbol", _RE_SYMBOL, lambda m: f" {SYMBOLS[m.group(0)]} ", text)


def _read_slash(m: re.Match) -> str:
    if m.group(1):
        unit_name = UNITS.get(m.group(1))
        if unit_name and m.group(0).endswith(m.group(1)):
            # "tạ/ha": the unit after the slash is read by its name, "… một héc ta".
            return f" {PER_WORD} {unit_name}"
        return f" {PER_WORD} "
    if m.group(2):
        if m.group(3):
            # "đồng/kg", "đô la Mỹ/ tấn": the unit after the slash is read by its name.
            return f"{m.group(2)} {PER_WORD} {UNITS.get(m.group(3), m.group(3))}"
        return f"{m.group(2)} {PER_WORD} "
    if m.group(4):
        return f" {PER_WORD} {UNITS[m.group(4)]}"
    return ", "


def slash(ctx: Context, text: str) -> str:
    """'đồng/tháng' -> 'đồng một tháng'; other 'a/b' -> 'a, b' (reported as a guess)."""
    if "/" not in text:
        return text

    def read(m: re.Match) -> str:
        out = _read_slash(m)
        if out == ", ":
            around = m.string[max(0, m.start() - 15) : m.end() + 15].strip()
            ctx.guess(around, "đọc dấu '/' thành ngắt nghỉ", "dấu '/' không rõ nghĩa")
            ctx.decided("không rõ nghĩa: ngắt nghỉ")
        return out

    return sub(ctx, "slash", _RE_SLASH, read, text)
