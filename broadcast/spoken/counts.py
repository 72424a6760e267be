"""Rules that read numbers in running text: Roman numerals, ordinals, codes, plain numbers."""

from __future__ import annotations

import re

from broadcast.spoken.context import Context, sub
from broadcast.spoken.numbers import (
    THOUSANDS,
    ordinal_words,
    read_digits,
    read_number,
    read_numeral,
    roman_value,
)
from broadcast.spoken.syllables import fold, is_vietnamese_syllable, spell
from broadcast.spoken.tables import DOT_WORD, HAS_DIGIT, NUM, alternation, words_of

_KW_ROMAN = alternation(words_of("roman_keywords"), True)
_R = r"[IVXL]+"
# Roman numerals after a keyword: I, V, X, L only ("Mục C", "Phụ lục D" are letters).
_RE_ROMAN_KW = re.compile(
    rf"(?<!\w)({_KW_ROMAN})\s+({_R}(?:\s*(?:,|và|-|–|đến)\s*{_R})*)(?:\s*/\s*(\d{{4}}))?(?!\w)"
)
_RE_ROMAN_LIST = re.compile(rf"{_R}|,|và|-|–|đến")
_RE_ROMAN_ALONE = re.compile(r"(?<![\w-])(?=[IVX]{2,}(?!\w))X{0,3}(?:IX|IV|V?I{0,3})(?![\w-])")
_HAS_ROMAN = re.compile(r"(?<!\w)[IVXLCDM]+(?!\w)").search
_RE_ORDINAL = re.compile(r"(?<!\w)((?i:thứ))\s+(\d+)(?![\w]|[.,/]\d)")
_RE_NUMBER = re.compile(rf"(?<![\d.,]){NUM}")
_RE_CODE = re.compile(r"(?<![\w.])(?=[\w.]*\d)[A-Za-z\d]+(?:\.[A-Za-z\d]+){3,}(?!\w)")
# "50 (năm mươi)": the number written out in brackets is not read twice.
_RE_NUMBER_ONCE = re.compile(rf"(?<![\d.,])({NUM})\s*\(([^()\d]{{2,120}})\)")
_RE_WORD_AROUND = re.compile(r"(\S+)\s*$")


def number_once(ctx: Context, text: str) -> str:
    """'50 (năm mươi) ngày' -> '50 ngày' when the brackets say the same number."""
    if "(" not in text or not HAS_DIGIT(text):
        return text

    def once(m: re.Match) -> str:
        if fold(m.group(2)) == fold(read_numeral(m.group(1))):
            ctx.decided("trong ngoặc là số viết bằng chữ")
            return m.group(1)
        return m.group(0)

    return sub(ctx, "number_once", _RE_NUMBER_ONCE, once, text)


def roman(ctx: Context, text: str) -> str:
    """'Quý II', 'Quý I/2024', 'Khoá XX', 'lần thứ XXI', 'thế kỷ XXI', lone 'XX'."""
    if not _HAS_ROMAN(text):
        return text
    text = sub(ctx, "roman", _RE_ROMAN_KW, lambda m: _roman_kw(ctx, m), text)
    return sub(ctx, "roman", _RE_ROMAN_ALONE, _roman_alone, text)


def _roman_kw(ctx: Context, m: re.Match) -> str:
    keyword, body, year = m.groups()
    ordinal = keyword.lower().endswith("thứ")
    words = []
    for tok in _RE_ROMAN_LIST.findall(body):
        if tok == ",":
            words.append(",")
        elif tok in ("-", "–", "đến"):
            words.append("đến")
        elif tok == "và":
            words.append("và")
        else:
            value = roman_value(tok)
            if value is None or tok == "L":
                return m.group(0)
            words.append(ordinal_words(str(value)) if ordinal else read_number(str(value)))
    ctx.decided(f"sau '{keyword}'")
    out = f"{keyword} " + " ".join(words).replace(" ,", ",")
    if year:
        out += " năm " + read_number(year)
    return out


def _neighbour_words(text: str, start: int, end: int) -> tuple[str, str]:
    before = _RE_WORD_AROUND.search(text, max(0, start - 40), start)
    after = text[end : end + 40].split()
    return (before.group(1) if before else "", after[0] if after else "")


def _roman_alone(m: re.Match) -> str:
    token = m.group(0)
    value = roman_value(token)
    if not value:
        return token
    if is_vietnamese_syllable(token):
        # "VI", "XI" inside an all-caps heading are words ("XỬ LÝ VI PHẠM").
        for word in _neighbour_words(m.string, m.start(), m.end()):
            word = word.strip(".,;:?!")
            if len(word) > 1 and word.isupper() and is_vietnamese_syllable(word):
                return token
    return read_number(str(value))


def ordinal(ctx: Context, text: str) -> str:
    """'thứ 1' -> 'thứ nhất', 'lần thứ 4' -> 'lần thứ tư'."""
    if "hứ" not in text and "HỨ" not in text:
        return text
    return sub(ctx, "ordinal", _RE_ORDINAL, lambda m: f"{m.group(1)} {ordinal_words(m.group(2))}", text)


def number(ctx: Context, text: str) -> str:
    """Every other number: '1.245', '98,5', '4.0', '06', '2021'."""
    if not HAS_DIGIT(text):
        return text
    if "." in text:
        text = sub(ctx, "number", _RE_CODE, _read_code, text)
    return sub(ctx, "number", _RE_NUMBER, _read_number_match, text)


def _read_code(m: re.Match) -> str:
    """A dotted identifier such as a procedure code '1.001234.000.00.00.H55'."""
    code = m.group(0)
    if THOUSANDS.fullmatch(code):
        return code
    return f" {DOT_WORD} ".join(read_digits(p) if p.isdigit() else spell(p) for p in code.split("."))


def _read_number_match(m: re.Match) -> str:
    words = read_numeral(m.group(0))
    s, e = m.start(), m.end()
    if s > 0 and m.string[s - 1].isalpha():
        words = " " + words
    if e < len(m.string) and m.string[e].isalpha():
        words += " "
    return words
