"""Web and e-mail addresses, phone and hotline numbers, short service numbers."""

from __future__ import annotations

import re

from broadcast.spoken.context import Context, sub
from broadcast.spoken.numbers import read_digits
from broadcast.spoken.syllables import segment_syllables, spell
from broadcast.spoken.tables import HAS_DIGIT, UNITS, WEB_LABELS, WEB_SYMBOLS, alternation, words_of

_KW_PHONE = alternation(words_of("phone_keywords"), True)
_RE_EMAIL = re.compile(
    r"(?<![\w.])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+"
)
_RE_URL = re.compile(
    r"(?<![\w@.])(?:https?://[^\s,;()]+|(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"\.(?:vn|com|net|org|gov|edu|info|io)(?![A-Za-z0-9-])(?:/[^\s,;()]*)?)"
)
_RE_WEB_PARTS = re.compile(r"[A-Za-z]+|\d+|[.@\-_/]")
_RE_PHONE_KW = re.compile(r"(?<!\w)(" + _KW_PHONE + r")(\s*:?\s*)(\(?\+?\d[\d .\-()]{0,18}\d)(?![\w/])")
_KW_PHONE_NEAR = re.compile(r"(?<!\w)" + alternation(words_of("phone_near_keywords"), True) + r"(?!\w)")
# A bare run of 7-11 digits (no thousands dots): after a dash that follows a word, or with
# a phone keyword a few words before it.
_RE_PHONE_DASH = re.compile(r"(?<=[^\W\d_])\s*[-–—]\s*(\d{7,11})(?![\w/]|[.,]\d)")
_RE_PHONE_BARE = re.compile(r"(?<![\w.,/])(\d{7,11})(?![\w/]|[.,]\d)")
# … but not a count: "1200000 người", "15000000 đồng".
_RE_COUNT_AFTER = re.compile(
    r"\s*(?:%|(?:"
    + alternation(
        words_of("counted_nouns")
        + words_of("time_nouns")
        + words_of("amount_words")
        + [u for u in UNITS if u.isalpha()],
        True,
    )
    + r")(?!\w))"
)
_RE_PHONE = re.compile(
    r"(?<![\w.,/])(?:\+84|\(?0\d{2,3}\)?)(?:[ .\-]?\d){6,9}(?![\w/]|[.,]\d)"
    r"|(?<![\w.,/])1[89]00[ .]?\d{2,4}(?:[ .]?\d{2,4})?(?![\w/]|[.,]\d)"
)


def _read_label(label: str) -> str:
    low = label.lower()
    if low in WEB_LABELS:
        return WEB_LABELS[low]
    if 4 <= len(low) <= 40:
        parts = segment_syllables(low)
        if parts and len(parts) <= len(low) // 2:
            return " ".join(parts)
    return spell(low)


def _read_address(m: re.Match) -> str:
    addr = m.group(0).rstrip(".,;:")
    tail = m.group(0)[len(addr) :]
    addr = re.sub(r"^https?://", "", addr, flags=re.IGNORECASE).rstrip("/")
    words = []
    for part in _RE_WEB_PARTS.findall(addr):
        if part in WEB_SYMBOLS:
            words.append(WEB_SYMBOLS[part])
        elif part.isdigit():
            words.append(read_digits(part))
        else:
            words.append(_read_label(part))
    return " ".join(w for w in words if w) + tail


def web(ctx: Context, text: str) -> str:
    """E-mail and web addresses: "a còng", "chấm", known labels, else spelled."""
    if "@" in text:
        text = sub(ctx, "web", _RE_EMAIL, _read_address, text)
    if "." in text:
        text = sub(ctx, "web", _RE_URL, _read_address, text)
    return text


def read_phone(number: str) -> str:
    prefix = ""
    if number.startswith("+84"):
        prefix, number = "cộng tám bốn, ", number[3:]
    groups = [g for g in re.split(r"[\s.\-()]+", number) if g]
    if len(groups) == 1:
        d = groups[0]
        n = len(d)
        if n == 10:
            groups = [d[:4], d[4:7], d[7:]]
        elif n == 11:
            groups = [d[:4], d[4:5], d[5:8], d[8:]]
        elif n == 9:
            groups = [d[:3], d[3:6], d[6:]]
        elif n == 8:
            groups = [d[:4], d[4:]]
    return prefix + ", ".join(read_digits(g) for g in groups)


def phone(ctx: Context, text: str) -> str:
    """Phone and hotline numbers digit by digit, in groups; 'gọi 113' too."""
    if not HAS_DIGIT(text):
        return text

    def keyword(m: re.Match) -> str:
        digits = sum(c.isdigit() for c in m.group(3))
        if digits < 3:
            return m.group(0)  # "gọi 15 lần" is a count, not a number to dial
        if digits < 7 and m.group(1).lower() == "đt" and not m.group(2).strip():
            return m.group(0)  # "ĐT 605", "ĐT605": a provincial road, not a phone
        ctx.decided(f"sau '{m.group(1)}'")
        return f"{m.group(1)}{m.group(2)}{read_phone(m.group(3))}"

    def bare(m: re.Match) -> str:
        near = _KW_PHONE_NEAR.search(m.string, max(0, m.start() - 40), m.start())
        if near is None or _RE_COUNT_AFTER.match(m.string, m.end()):
            return m.group(0)
        ctx.decided(f"sau '{near.group(0)}'")
        return read_phone(m.group(1))

    def dashed(m: re.Match) -> str:
        ctx.decided("dãy số sau dấu gạch ngang")
        return ", " + read_phone(m.group(1))

    text = sub(ctx, "phone", _RE_PHONE_KW, keyword, text)
    text = sub(ctx, "phone", _RE_PHONE, lambda m: read_phone(m.group(0)), text)
    if "-" in text or "–" in text or "—" in text:
        text = sub(ctx, "phone", _RE_PHONE_DASH, dashed, text)
    return sub(ctx, "phone", _RE_PHONE_BARE, bare, text)
