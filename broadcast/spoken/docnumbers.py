"""Document numbers: '76/NQ-CP', '93/2021/NQ-HĐND', '30c/NQ-CP', 'Số:15 /2014/QĐ-UBND'."""

from __future__ import annotations

import re

from broadcast.spoken.context import Context, sub
from broadcast.spoken.numbers import read_number
from broadcast.spoken.syllables import spell
from broadcast.spoken.tables import alternation, data

_KINDS: dict[str, str] = {str(k): str(v) for k, v in data("abbreviations.yaml")["doc_kinds"].items()}
# "TT36/2017": a document's kind written straight before its number and year.
_RE_KIND_GLUED = re.compile(rf"(?<![\w/])({alternation(_KINDS)})(\d+)/(\d{{4}})(?![\w/])")

# "Nghị quyết 1211/2016", "Luật số 15/2023": a kind of document, its number and its year.
_RE_KIND_WORD = re.compile(
    rf"(?<!\w)({alternation(data('abbreviations.yaml')['doc_type_words'], True)})"
    r"(\s+(?i:số))?\s*:?\s*(\d+[a-z]?)\s*/\s*((?:19|20)\d{2})(?![\w/]|[.,]\d)"
)
_CODE1 = r"[A-ZĐ][A-Za-zĐđ&]*\d*"
_CODES = rf"{_CODE1}(?:[-/]{_CODE1})*"
_RE_DOC2 = re.compile(rf"(?<![\w/])(\d+[a-z]?)-({_CODE1})/({_CODES})(?![\w&])")
_RE_DOC1 = re.compile(rf"(?<![\w/.,])(\d+[a-z]?)\s?(?:/\s?(\d{{4}}))?\s?/\s?({_CODES})-?(?![\w&])")
_RE_DOC_BLANK = re.compile(rf"(?<![\w/])/({_CODE1}(?:-{_CODE1})+)(?![\w&])")
_RE_NUM_SUFFIX = re.compile(r"(\d+)([a-z]?)")


def _doc_num(num: str) -> str:
    m = _RE_NUM_SUFFIX.fullmatch(num)
    if m is None:
        return num
    words = read_number(m.group(1))
    if m.group(2):
        words += " " + spell(m.group(2))
    return words


def doc_number(ctx: Context, text: str) -> str:
    """'76/NQ-CP' -> 'bảy mươi sáu'; '93/2021/NQ-HĐND' -> '… năm hai nghìn …'."""
    if "/" not in text:
        return text

    def issuer(code: str) -> str:
        return " " + spell(code) if ctx.spell_issuer else ""

    def doc1(m: re.Match) -> str:
        words = _doc_num(m.group(1))
        if m.group(2):
            words += " năm " + read_number(m.group(2))
        return words + issuer(m.group(3))

    def doc2(m: re.Match) -> str:
        return _doc_num(m.group(1)) + issuer(m.group(2) + m.group(3))

    text = sub(
        ctx,
        "doc_number",
        _RE_KIND_GLUED,
        lambda m: f"{_KINDS[m.group(1)]} {_doc_num(m.group(2))} năm {read_number(m.group(3))}",
        text,
    )
    text = sub(
        ctx,
        "doc_number",
        _RE_KIND_WORD,
        lambda m: f"{m.group(1)}{m.group(2) or ''} {_doc_num(m.group(3))} năm {read_number(m.group(4))}",
        text,
    )
    text = sub(ctx, "doc_number", _RE_DOC2, doc2, text)
    text = sub(ctx, "doc_number", _RE_DOC1, doc1, text)
    return sub(ctx, "doc_number", _RE_DOC_BLANK, lambda m: issuer(m.group(1)).strip(), text)
