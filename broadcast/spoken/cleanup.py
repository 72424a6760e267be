"""Clean-up rules: markup, list markers, news tags, dotted abbreviations, dashes, brackets
and whatever punctuation is left."""

from __future__ import annotations

import re
import unicodedata

from broadcast.spoken.context import Change, Context, sub
from broadcast.spoken.tables import DIGITS, alternation, data

_RE_MARKUP = re.compile(
    r"<(sup|sub)>.*?</\1>|</?[a-zA-Z][^<>]{0,80}>|\[\d{1,3}\]|\*+|`+|~~|\./\.|…|\.{3,}"
    r"|[\u200b-\u200d\u2060\ufeff]"
)
_HAS_MARKUP = re.compile(r"[<\[*`~…\u200b-\u200d\u2060\ufeff]|\.[/.]").search
_RE_HEADING = re.compile(r"^\s*#{1,6}\s*|^\s*[-=_*]{3,}\s*$")
_RE_SPACES_IN = re.compile(r"[\u00a0\u2002-\u200a\u202f\t]")
_RE_BULLET = re.compile(
    r"^\s*(?:[-+•▪●■□◦○➢➤✓·–—>]+\s*"
    r"|(?:\(?\d{1,2}(?:\.\d{1,2})*[.)]|\(\d{1,2}\)|\(?[a-zđ]\)|[a-zđ]\.|[IVXLC]{1,6}[.)])(?:\s+|$))"
)
_ARROWS = r"(?:={1,2}>|-{1,2}>|[→⇒⟶➔➜])"
_RE_ARROW_LEAD = re.compile(rf"^\s*{_ARROWS}\s*")
_RE_ARROW = re.compile(rf"\s*{_ARROWS}\s*")
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
# "km²", "m³": a superscript power after a unit is the plain digit the unit table knows.
_RE_SUPERSCRIPT = re.compile(r"(?<=[a-zA-Z])[²³](?!\w)")

_ABBR = data("abbreviations.yaml")
_TAGS = alternation(_ABBR["news_tags"])
# "(ĐN) - Ngày 19-4 …", "(BBNĐT) Ngày …", "CTTĐT - Sáng nay …": the outlet's tag is not read.
_RE_NEWS_TAG = re.compile(
    r"^\s*(?:\(\s*[A-ZĐ][^\W\d_][^\W\d_.\- ]*(?:[ .\-]+[^\W\d_]+){0,4}\s*\)\s*[-–—]\s*"
    rf"|\(\s*(?:{_TAGS})\s*\)\s*|(?:{_TAGS})\s*[-–—]\s*"
    r"|[A-Z][A-Za-z]{1,20}\.(?:com\.)?vn\s*[-–—]\s*"
    # "(Quanlynhanuoc.vn) – …", "(baochinhphu.vn) …": the outlet's web address in brackets.
    r"|\(\s*(?:www\.)?[A-Za-z0-9\-]{2,40}(?:\.[A-Za-z0-9\-]{1,20}){0,2}"
    r"\.(?:vn|com|net|org|gov\.vn|edu\.vn)\s*\)\s*(?:[-–—:]\s*)?)(?=\w)"
)
_DOTTED: dict[str, str] = {str(k): str(v) for k, v in _ABBR["dotted"].items()}
# "TP.Tam Kỳ", "TP. Hồ Chí Minh", "Q.1", "P.3": the abbreviation's dot ends no sentence.
_RE_DOTTED = re.compile(
    rf"(?<![\w.])({alternation(_DOTTED)})\.\s?"
    r"(?=\d|[A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈÍÌÓÒÚÙÝ][^\W\d_]*[a-zđàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩị"
    r"òóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ])"
)

_RE_DOT_BETWEEN_CAPS = re.compile(r"(?<![\w.])([A-ZĐ][A-ZĐ]{1,5}|Tp)\.(?=([A-ZĐ][A-ZĐ&]+)(?![\w.]))")
_RE_DASH_SPACED = re.compile(r"\s+[-–—]+\s+|\s+[-–—]+(?=\w)|(?<=\w)[-–—]+\s+")
_RE_DASH_TIGHT = re.compile(r"(?<=\w)[-–—](?=\w)|[-–—]")
_RE_BRACKET = re.compile(r"(\s*[)\]}]\s*(?=[.,;:?!]|$))|[()\[\]{}]")
_HAS_BRACKET = re.compile(r"[()\[\]{}]").search
_RE_BAD = re.compile(r"[^\w\s.,;:?!]|\d|_")
_RE_SP_PUNCT = re.compile(r"\s+(?=[.,;:?!])")
_RE_PUNCT_RUN = re.compile(r"[.,;:?!](?:\s*[.,;:?!])+")
_RE_PUNCT_SPACE = re.compile(r"([.,;:?!])(?=[^\W\d_])")
_RE_LEAD = re.compile(r"^[\s.,;:?!]+")
_RE_WS = re.compile(r"\s{2,}|[^\S ]")


def markup(ctx: Context, text: str) -> str:
    """NFC; drop HTML tags, footnote marks, markdown emphasis, './.', '…'; superscripts."""
    text = unicodedata.normalize("NFC", text)
    text = _RE_SPACES_IN.sub(" ", text)
    if "Ð" in text or "ð" in text:
        # Old VNI/TCVN pages write Đ with the Icelandic eth, which looks the same.
        text = text.replace("Ð", "Đ").replace("ð", "đ")
    if _HAS_MARKUP(text):
        text = sub(ctx, "markup", _RE_MARKUP, "", text)
    if "²" in text or "³" in text:
        text = sub(ctx, "markup", _RE_SUPERSCRIPT, lambda m: m.group(0).translate(_SUPERSCRIPTS), text)
    return sub(ctx, "markup", _RE_HEADING, "", text)


def bullet(ctx: Context, text: str) -> str:
    """List markers at the start of a line are not read: -, +, ▪, •, 1., 1.2., a), II.

    Arrows ('=>', '->', '→') are not read either: at the start of a line they are
    dropped, between words they become a pause.
    """
    if ">" in text or "→" in text or "⇒" in text:
        text = sub(ctx, "bullet", _RE_ARROW_LEAD, "", text)
        text = sub(ctx, "bullet", _RE_ARROW, ", ", text)
    return sub(ctx, "bullet", _RE_BULLET, "", text)


def news_tag(ctx: Context, text: str) -> str:
    """A news outlet's tag at the start of a line ('(ĐN) -', 'CTTĐT -') is not read."""
    return sub(ctx, "news_tag", _RE_NEWS_TAG, "", text)


def dotted(ctx: Context, text: str) -> str:
    """'TP.Tam Kỳ' -> 'thành phố Tam Kỳ', 'Q.1' -> 'quận 1' (data: abbreviations.yaml);
    'PCT.UBND', 'Tp.HCM': a dot between two abbreviations is a space, not a sentence end."""
    if "." not in text:
        return text
    text = sub(ctx, "dotted", _RE_DOTTED, lambda m: _DOTTED[m.group(1)] + " ", text)

    def between(m: re.Match) -> str:
        if ctx.lexicon.entry(f"{m.group(1)}.{m.group(2)}") is not None:
            return m.group(0)  # "TP.HCM" is a lexicon entry of its own
        return m.group(1) + " "

    return sub(ctx, "dotted", _RE_DOT_BETWEEN_CAPS, between, text)


def dash(ctx: Context, text: str) -> str:
    """A hyphen between words is a space (or a comma before a capital), never 'trừ'."""
    if "-" not in text and "–" not in text and "—" not in text:
        return text
    text = sub(ctx, "dash", _RE_DASH_SPACED, _dash_spaced, text)
    return sub(ctx, "dash", _RE_DASH_TIGHT, " ", text)


def _dash_spaced(m: re.Match) -> str:
    e = m.end()
    if e < len(m.string) and m.string[e].isupper() and m.start() > 0:
        return ", "
    return " "


def cleanup(ctx: Context, text: str) -> str:
    """Brackets become pauses; anything else unreadable is dropped; tidy punctuation."""
    before = text
    if _HAS_BRACKET(text):
        text = _RE_BRACKET.sub(lambda m: "" if m.group(1) else ", ", text)
    if _RE_BAD.search(text):
        text = _RE_BAD.sub(lambda m: _bad_char(ctx, m), text)
    text = _RE_SP_PUNCT.sub("", text)
    text = _RE_PUNCT_RUN.sub(_punct_run, text)
    text = _RE_PUNCT_SPACE.sub(r"\1 ", text)
    text = _RE_LEAD.sub("", text)
    text = _RE_WS.sub(" ", text).strip()
    if ctx.changes is not None and " ".join(before.split()) != text:
        ctx.changes.append(Change("cleanup", before.strip(), text))
    return text


def _bad_char(ctx: Context, m: re.Match) -> str:
    ch = m.group(0)
    if ch.isdigit():
        ctx.note_unreadable(ch)
        return f" {DIGITS[int(ch)]} " if ch in "0123456789" else " "
    if not ch.isspace():
        ctx.note_unreadable(ch)
    return " "


def _punct_run(m: re.Match) -> str:
    run = m.group(0)
    for strong in ".?!":
        if strong in run:
            return strong
    return run[0]
