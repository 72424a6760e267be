"""Spoken form: turn written Vietnamese administrative text into the words a broadcaster says.

The stage is a list of small rules (gTTS `pre_processors` style) applied in order to each
line; what the rules read (digits, months, letter names, units, web labels, symbols and
the abbreviation lexicon) lives in data files under `broadcast/data/`. The readings follow
the northern broadcast standard: "hai mươi mốt", "hai mươi tư", "mười lăm", "một trăm linh
năm", "nghìn", years in full. The output holds only Vietnamese words and the punctuation
`. , ; : ? !`, which the voice stage uses as sentence and clause boundaries.

A `Normalizer` is cheap to call but not thread-safe: make one per thread.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import yaml

from broadcast.errors import NormalizeError

log = logging.getLogger(__name__)

__all__ = [
    "Change",
    "Utterance",
    "Normalizer",
    "LexiconEntry",
    "BUILTIN_LEXICON",
    "load_lexicon",
    "read_lexicon",
    "syllable_count",
    "read_number",
    "is_vietnamese_syllable",
]

_DATA = Path(__file__).resolve().parent / "data"
BUILTIN_LEXICON = _DATA / "lexicon.yaml"
_NORM_DATA = _DATA / "normalize"
LEXICON_NAME = "lexicon.yaml"


# ---------------------------------------------------------------------------------------
# Public dataclasses
# ---------------------------------------------------------------------------------------


@dataclass
class Change:
    """One edit made by one rule (what `--explain` shows)."""

    rule: str
    """Name of the rule, e.g. `date`, `lexicon`, `doc_number`."""
    before: str
    """The written fragment the rule matched."""
    after: str
    """What the rule turned it into."""


@dataclass
class Utterance:
    """One piece of spoken text handed to the voice stage."""

    text: str
    """Spoken form: Vietnamese words and punctuation only."""
    pause: str
    """Pause after it: "sentence" | "clause" | "none"."""


@dataclass(frozen=True)
class LexiconEntry:
    """One abbreviation or brand name and how it is read."""

    key: str
    """As written in the text (`UBND`, `PAR INDEX`, `website`)."""
    say: str
    """What the voice says."""
    means: tuple[str, ...] = ()
    """Full expansions: `Chỉ số ... (PAPI)` is read once when the text before matches."""
    file: str = ""
    line: int = 0


# ---------------------------------------------------------------------------------------
# Data files
# ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _data(name: str) -> dict:
    path = _NORM_DATA / name
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _readings() -> dict:
    return _data("readings.yaml")


_DIGITS: list[str] = list(_readings()["digits"])
_LETTERS: dict[str, str] = {str(k): str(v) for k, v in _readings()["letters"].items()}
_MONTHS: dict[int, str] = {int(k): str(v) for k, v in _readings()["months"].items()}
_ORDINALS: dict[int, str] = {int(k): str(v) for k, v in _readings()["ordinals"].items()}
_AFTER_MUOI: dict[int, str] = {int(k): str(v) for k, v in _readings()["after_muoi"].items()}
_AFTER_MUOI_10: dict[int, str] = {
    int(k): str(v) for k, v in _readings()["after_muoi_10"].items()
}
_ZERO_TEN: str = _readings()["zero_ten"]
_SCALES: list[str] = list(_readings()["scales"])
_BILLION: str = _readings()["billion"]
_COMMA_WORD: str = _readings()["decimal_comma"]
_DOT_WORD: str = _readings()["dot"]


# ---------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------


def _three(n: int, full: bool) -> list[str]:
    """Words for 0 < n < 1000; `full` says "không trăm"/"linh" as in a non-leading group."""
    h, rest = divmod(n, 100)
    t, u = divmod(rest, 10)
    words: list[str] = []
    if h or full:
        words += [_DIGITS[h], "trăm"]
    if t == 0:
        if u:
            if h or full:
                words.append(_ZERO_TEN)
            words.append(_DIGITS[u])
    elif t == 1:
        words.append("mười")
        if u:
            words.append(_AFTER_MUOI_10.get(u, _DIGITS[u]))
    else:
        words += [_DIGITS[t], "mươi"]
        if u:
            words.append(_AFTER_MUOI.get(u, _DIGITS[u]))
    return words


def _int_words(n: int, full: bool = False) -> list[str]:
    if n == 0:
        return [] if full else [_DIGITS[0]]
    if n >= 1_000_000_000:
        high, low = divmod(n, 1_000_000_000)
        words = _int_words(high, full) + [_BILLION]
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
        if _SCALES[i]:
            words.append(_SCALES[i])
        leading = False
    return words


def read_number(digits: str) -> str:
    """Read a run of digits as a count: "2021" -> "hai nghìn không trăm hai mươi mốt".

    Leading zeros of short counts are dropped ("06" -> "sáu"); a long run starting with 0
    (an area code, an identifier) or longer than 15 digits is read digit by digit.
    """
    if len(digits) > 15 or (len(digits) > 3 and digits[0] == "0"):
        return read_digits(digits)
    return " ".join(_int_words(int(digits)))


def read_digits(digits: str) -> str:
    """Digit by digit: "1022" -> "một không hai hai"."""
    return " ".join(_DIGITS[int(c)] for c in digits if c.isdigit())


def _read_decimal(frac: str) -> str:
    if frac.startswith("0") or len(frac) > 2:
        return read_digits(frac)
    return read_number(frac)


_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")


def read_numeral(token: str) -> str:
    """Read a written number with Vietnamese separators.

    "1.245" -> thousands dot; "98,5" -> "chín mươi tám phẩy năm"; "4.0" -> "bốn chấm
    không" (a dot not followed by groups of three digits is read "chấm").
    """
    if token.count(",") > 1:
        return ", ".join(read_numeral(p) for p in token.split(",") if p)
    if "," in token:
        whole, frac = token.split(",")
        return f"{read_numeral(whole)} {_COMMA_WORD} {_read_decimal(frac)}"
    if "." in token:
        if _THOUSANDS.fullmatch(token):
            return read_number(token.replace(".", ""))
        parts = token.split(".")
        return f" {_DOT_WORD} ".join(
            read_digits(p) if len(p) > 1 and p[0] == "0" else read_number(p) for p in parts
        )
    return read_number(token)


def _ordinal(n: int) -> str:
    return _ORDINALS.get(n, read_number(str(n)))


def _month(n: int) -> str:
    return _MONTHS[n]


# ---------------------------------------------------------------------------------------
# Vietnamese syllables and letter names
# ---------------------------------------------------------------------------------------

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_SYLLABLE = re.compile(
    r"(?!.*(?:aa|ii|ee|uu|yy|ăă|ââ|êê|ôô|ơơ|ưư))"
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdđghklmnprstvx])?"
    r"[aăâeêioôơuưy]{1,3}(?:ch|ng|nh|[cmnpt])?"
)


@functools.lru_cache(maxsize=8192)
def _toneless(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))


@functools.lru_cache(maxsize=8192)
def is_vietnamese_syllable(word: str) -> bool:
    """True if `word` is shaped like one Vietnamese syllable (any case, any tone)."""
    return bool(_SYLLABLE.fullmatch(_toneless(word)))


def spell(token: str) -> str:
    """Letter names of every letter in `token`: "NQ-CP" -> "en quy xê pê"."""
    out = []
    for ch in token.lower():
        if ch in _LETTERS:
            out.append(_LETTERS[ch])
        elif ch.isdigit():
            out.append(_DIGITS[int(ch)])
        else:
            base = _toneless(ch)
            if base in _LETTERS:
                out.append(_LETTERS[base])
    return " ".join(out)


def _segment_syllables(label: str) -> list[str] | None:
    """Split an unaccented run like "dichvucong" into syllables, or None."""
    n = len(label)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(min(n, i + 7), i, -1):
            piece = label[i:j]
            if _SYLLABLE.fullmatch(piece) and (best[j] is None or len(best[j]) > len(best[i]) + 1):
                best[j] = best[i] + [piece]
    return best[n]


# Old-style tone placement ("hoá", "uỷ") folded to the new one for comparisons only.
_OLD_TONE = re.compile(r"(?<![q])([ou])([àáảãạèéẻẽẹìíỉĩịỳýỷỹỵ])(?![^\W\d_])")
_TONE_OF = {}
for _base, _marked in (("a", "àáảãạ"), ("e", "èéẻẽẹ"), ("i", "ìíỉĩị"), ("y", "ỳýỷỹỵ")):
    for _mark, _m in zip(_marked, ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")):
        _TONE_OF[_mark] = (_base, _m)


def _fold_tone(m: re.Match) -> str:
    base, mark = _TONE_OF[m.group(2)]
    return unicodedata.normalize("NFC", m.group(1) + mark) + base


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = _OLD_TONE.sub(_fold_tone, text)
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


# ---------------------------------------------------------------------------------------
# Lexicon files
# ---------------------------------------------------------------------------------------

_SAY_OK = re.compile(r"[^\W\d_]+(?:[ ,.'\-]+[^\W\d_]+)*")
_NULL_TAG = "tag:yaml.org,2002:null"


def _lex_error(path: Path, line: int | None, key: str | None, message: str, hint: str):
    return NormalizeError(message, file=path, line=line, field=key, hint=hint)


def _scalar_text(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _NULL_TAG and node.value in ("", "~", "null", "Null", "NULL"):
            return None
        return node.value
    return None


def read_lexicon(path: Path) -> dict[str, LexiconEntry]:
    """Parse one lexicon file; a bad entry raises NormalizeError naming file, line and fix."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _lex_error(
            path,
            None,
            None,
            f"không đọc được tệp từ điển ({exc}).",
            "Kiểm tra tệp có tồn tại và được lưu dạng UTF-8.",
        ) from exc
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise _lex_error(
            path,
            line,
            None,
            f"tệp từ điển viết sai cú pháp YAML ({getattr(exc, 'problem', None) or exc}).",
            "Mỗi mục một dòng dạng 'CHỮ VIẾT: cách đọc', ví dụ 'UBND: Ủy ban nhân dân'; "
            "cách đọc có dấu ':' thì đặt trong ngoặc kép.",
        ) from exc
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise _lex_error(
            path,
            root.start_mark.line + 1,
            None,
            "tệp từ điển phải là danh sách các mục 'CHỮ VIẾT: cách đọc'.",
            "Viết mỗi mục trên một dòng, ví dụ 'UBND: Ủy ban nhân dân' (không dùng dấu '-' "
            "đầu dòng).",
        )
    entries: dict[str, LexiconEntry] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        key = _scalar_text(key_node)
        if key is None or not key.strip():
            raise _lex_error(
                path, line, None, "mục không có chữ viết tắt.",
                "Viết chữ viết tắt trước dấu ':', ví dụ 'UBND: Ủy ban nhân dân'.",
            )
        key = unicodedata.normalize("NFC", key.strip())
        say, means = _entry_value(path, line, key, value_node)
        if key in entries:
            raise _lex_error(
                path, line, key,
                f"mục '{key}' bị trùng (đã có ở dòng {entries[key].line}).",
                "Giữ một mục, xóa mục còn lại.",
            )
        entries[key] = LexiconEntry(key, say, means, str(path), line)
    return entries


def _check_say(path: Path, line: int, key: str, say: str, what: str) -> str:
    say = unicodedata.normalize("NFC", " ".join(say.split()))
    if not _SAY_OK.fullmatch(say):
        bad = "".join(sorted({c for c in say if not (c.isalpha() or c in " ,.'-")}))
        raise _lex_error(
            path, line, key,
            f"{what} của '{key}' có ký tự không đọc được: {bad!r}"
            if bad else f"{what} của '{key}' trống.",
            f"Viết {what} bằng chữ, ví dụ 'UBND: Ủy ban nhân dân'; số viết bằng chữ "
            "('hai mươi'), không dùng '/', '%', chữ số.",
        )
    return say


def _entry_value(
    path: Path, line: int, key: str, node: yaml.Node
) -> tuple[str, tuple[str, ...]]:
    if isinstance(node, yaml.ScalarNode):
        value = _scalar_text(node)
        if value is None or not value.strip():
            raise _lex_error(
                path, line, key, f"mục '{key}' chưa có cách đọc.",
                "Viết cách đọc bằng chữ sau dấu ':', ví dụ 'UBND: Ủy ban nhân dân'.",
            )
        return _check_say(path, line, key, value, "cách đọc"), ()
    if isinstance(node, yaml.MappingNode):
        fields: dict[str, yaml.Node] = {}
        for k, v in node.value:
            name = _scalar_text(k) or ""
            if name not in ("say", "means", "note"):
                raise _lex_error(
                    path, k.start_mark.line + 1, key,
                    f"mục '{key}' có trường lạ '{name}'.",
                    "Chỉ dùng 'say' (cách đọc), 'means' (nghĩa đầy đủ) và 'note' (ghi chú).",
                )
            fields[name] = v
        if "say" not in fields or _scalar_text(fields["say"]) is None:
            raise _lex_error(
                path, line, key, f"mục '{key}' thiếu 'say' (cách đọc).",
                f"Thêm dòng '  say: …' dưới '{key}:', ví dụ '  say: pa pi'.",
            )
        say = _check_say(path, line, key, _scalar_text(fields["say"]) or "", "cách đọc")
        means: list[str] = []
        m = fields.get("means")
        if m is not None:
            items = m.value if isinstance(m, yaml.SequenceNode) else [m]
            for item in items:
                text = _scalar_text(item)
                if text is None:
                    raise _lex_error(
                        path, item.start_mark.line + 1, key,
                        f"'means' của '{key}' phải là chữ hoặc danh sách chữ.",
                        "Ví dụ: means: [chỉ số cải cách hành chính].",
                    )
                means.append(text)
        return say, tuple(means)
    raise _lex_error(
        path, line, key, f"cách đọc của '{key}' phải là một dòng chữ.",
        f"Viết '{key}: cách đọc' trên một dòng (không dùng danh sách '-').",
    )


@functools.lru_cache(maxsize=1)
def _builtin_entries() -> dict[str, LexiconEntry]:
    return read_lexicon(BUILTIN_LEXICON)


def load_lexicon(station_dir: Path) -> Path | None:
    """The station's `lexicon.yaml` if the folder has one, else None."""
    path = Path(station_dir) / LEXICON_NAME
    return path if path.is_file() else None


# ---------------------------------------------------------------------------------------
# Regex building blocks
# ---------------------------------------------------------------------------------------


def _class_of(pred: Callable[[str], bool]) -> str:
    ranges = [(0x41, 0x5B), (0x61, 0x7B), (0xC0, 0x250), (0x1EA0, 0x1F00)]
    chars = [chr(c) for a, b in ranges for c in range(a, b) if pred(chr(c))]
    return "[" + "".join(re.escape(c) for c in chars) + "]"


_UP = _class_of(lambda c: c.isupper())
_L = r"[^\W\d_]"
_NUM = r"\d+(?:[.,]\d+)*"


def _trie_regex(keys: Iterable[str]) -> str:
    """A regex matching any of `keys`, longest first, built as a character trie."""
    trie: dict = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [
            (r"\s+" if ch == " " else re.escape(ch)) + build(child)
            for ch, child in sorted(node.items())
            if ch
        ]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return build(trie) or "(?!)"


def _alternation(words: Iterable[str], flags_ci: bool = False) -> str:
    words = sorted(set(words), key=len, reverse=True)
    alt = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    return f"(?i:{alt})" if flags_ci else f"(?:{alt})"


_KW_ROMAN = _alternation(_readings()["roman_keywords"], True)
_KW_RANK = re.compile(r"(?<!\w)" + _alternation(_readings()["rank_keywords"], True) + r"\s*$")
_KW_PART = re.compile(r"(?<!\w)" + _alternation(_readings()["part_keywords"], True) + r"\s*$")
_PART_DENOMINATORS: dict[int, str] = {
    int(k): str(v) for k, v in _readings()["part_denominators"].items()
}
_RE_PART_AFTER = re.compile(r"\s+(?:số|tổng số|diện tích|dân số)(?!\w)", re.I)
_KW_PHONE = _alternation(_readings()["phone_keywords"], True)

_UNITS: dict[str, str] = {str(k): str(v) for k, v in _data("units.yaml")["units"].items()}
_PREFIX_CUR: dict[str, str] = {
    str(k): str(v) for k, v in _data("units.yaml")["prefix_currency"].items()
}
_PER_WORDS = _alternation(_data("units.yaml")["per_words"], True)
_PER_WORD: str = _data("units.yaml")["per_word"]
_WEB = _data("web.yaml")
_WEB_SYMBOLS: dict[str, str] = {str(k): str(v) for k, v in _WEB["symbols"].items()}
_WEB_LABELS: dict[str, str] = {str(k): str(v or "") for k, v in _WEB["labels"].items()}
_SYMBOLS: dict[str, str] = {str(k): str(v or "") for k, v in _data("symbols.yaml").items()}

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _roman(token: str) -> int | None:
    """Value of a well-formed Roman numeral, else None."""
    total, prev = 0, 0
    for ch in reversed(token):
        v = _ROMAN_VALUES.get(ch)
        if v is None:
            return None
        total += -v if v < prev else v
        prev = max(prev, v)
    if total <= 0 or total >= 4000 or _to_roman(total) != token:
        return None
    return total


def _to_roman(n: int) -> str:
    out = []
    for v, s in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                 (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= v:
            out.append(s)
            n -= v
    return "".join(out)


# Rules, in order. Each pattern is compiled once at import.
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
_RE_EMAIL = re.compile(r"(?<![\w.])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_RE_URL = re.compile(
    r"(?<![\w@.])(?:https?://[^\s,;()]+|(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    r"\.(?:vn|com|net|org|gov|edu|info|io)(?![A-Za-z0-9-])(?:/[^\s,;()]*)?)"
)
_RE_WEB_PARTS = re.compile(r"[A-Za-z]+|\d+|[.@\-_/]")
_RE_PHONE_KW = re.compile(
    r"(?<!\w)(" + _KW_PHONE + r")(\s*:?\s*)(\(?\+?\d[\d .\-()]{0,18}\d)(?![\w/])"
)
_RE_PHONE = re.compile(
    r"(?<![\w.,/])(?:\+84|\(?0\d{2,3}\)?)(?:[ .\-]?\d){6,9}(?![\w/]|[.,]\d)"
    r"|(?<![\w.,/])1[89]00[ .]?\d{2,4}(?:[ .]?\d{2,4})?(?![\w/]|[.,]\d)"
)
_CODE1 = r"[A-ZĐ][A-Za-zĐđ&]*\d*"
_CODES = rf"{_CODE1}(?:-{_CODE1})*"
_RE_DOC2 = re.compile(rf"(?<![\w/])(\d+[a-z]?)-({_CODE1})/({_CODES})(?![\w&])")
_RE_DOC1 = re.compile(rf"(?<![\w/.,])(\d+[a-z]?)(?:/(\d{{4}}))?/({_CODES})-?(?![\w&])")
_RE_DOC_BLANK = re.compile(rf"(?<![\w/])/({_CODE1}(?:-{_CODE1})+)(?![\w&])")
_DAYWORD = r"(?:(?i:(ngày|mùng|mồng))\s+)?"
_RE_DATE_RANGE = re.compile(
    rf"(?<![\w/.,]){_DAYWORD}(\d{{1,2}})\s*[-–]\s*(\d{{1,2}})/(\d{{1,2}})(?:/(\d{{4}}))?"
    r"(?![\w/]|[.,]\d)"
)
_RE_DATE_FULL = re.compile(
    rf"(?<![\w/.,]){_DAYWORD}(\d{{1,2}})\s*([/.])\s*(\d{{1,2}})\s*\3\s*(\d{{4}})(?![\w/]|[.,]\d)"
)
_RE_DATE_DASHED = re.compile(
    rf"(?<![\w/.,\-]){_DAYWORD}(\d{{1,2}})(-)(\d{{1,2}})-(\d{{4}})(?![\w/\-]|[.,]\d)"
)
_RE_RANGE = re.compile(r"(?:(?<=\d)|(?<=\dh)|(?<=\d%))\s*[-–—]\s*(?=\d)")
_RE_MONTH_YEAR = re.compile(
    r"(?<![\w/.,])(?:(?i:(tháng))\s+)?(\d{1,2})/(\d{4})(?![\w/]|[.,]\d)"
)
_RE_DAY_MONTH = re.compile(
    rf"(?<![\w/.,]){_DAYWORD}(\d{{1,2}})/(\d{{1,2}})(?![\w/]|[.,]\d)"
)
_RE_MONTH = re.compile(r"(?<!\w)((?i:tháng))\s+(\d{1,2})(?![\w/]|[.,]\d)")
_RE_FRACTION = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)*)\s*/\s*(\d+(?:[.,]\d+)*)(?![\d.,]\d)")
_RE_TIME_H = re.compile(r"(?<![\w.,:])(\d{1,2})\s?h(?:\s?(\d{2}))?(?:'|p)?(?!\w)")
_RE_TIME_COLON = re.compile(r"(?<![\w.,:])(\d{1,2}):(\d{2})(?![\w:]|[.,]\d)")
# Roman numerals after a keyword: I, V, X, L only ("Mục C", "Phụ lục D" are letters).
_R = r"[IVXL]+"
_RE_ROMAN_KW = re.compile(
    rf"(?<!\w)({_KW_ROMAN})\s+({_R}(?:\s*(?:,|và|-|–|đến)\s*{_R})*)(?:\s*/\s*(\d{{4}}))?(?!\w)"
)
_RE_ROMAN_LIST = re.compile(rf"{_R}|,|và|-|–|đến")
_RE_ROMAN_ALONE = re.compile(r"(?<![\w-])(?=[IVX]{2,}(?!\w))X{0,3}(?:IX|IV|V?I{0,3})(?![\w-])")
_RE_ORDINAL = re.compile(r"(?<!\w)((?i:thứ))\s+(\d+)(?![\w]|[.,/]\d)")
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_RE_UNIT = re.compile(rf"(?<![\d.,])({_NUM})\s?({_UNIT_ALT})(?!\w)")
_RE_PREFIX_CUR = re.compile(
    rf"({'|'.join(re.escape(c) for c in _PREFIX_CUR)})\s?({_NUM})"
)
_RE_NUMBER = re.compile(rf"(?<![\d.,]){_NUM}")
_PER_AFTER = _alternation(_data("units.yaml")["per_after"], True)
_RE_SLASH = re.compile(
    rf"\s*/\s*(?=({_PER_WORDS})(?!\w))|(?<!\w)({_PER_AFTER})\s*/\s*(?=[^\W\d_])|\s*/\s*"
)
_RE_CODE = re.compile(r"(?<![\w.])(?=[\w.]*\d)[A-Za-z\d]+(?:\.[A-Za-z\d]+){3,}(?!\w)")
_RE_DASH_SPACED = re.compile(r"\s+[-–—]+\s+|\s+[-–—]+(?=\w)|(?<=\w)[-–—]+\s+")
_RE_DASH_TIGHT = re.compile(r"(?<=\w)[-–—](?=\w)|[-–—]")
_RE_CAPS = re.compile(rf"(?<!\w)[^\W\d_]*{_UP}{_UP}[^\W\d_]*(?!\w)")
_HAS_CAPS = re.compile(f"{_UP}{_UP}").search
_RE_LETTER = re.compile(r"(?<![\w'])[^\W\d_](?![\w'])")
_RE_BRACKET = re.compile(r"(\s*[)\]}]\s*(?=[.,;:?!]|$))|[()\[\]{}]")
_RE_SYMBOL = re.compile(
    "[" + "".join(re.escape(s) for s in _SYMBOLS) + "]"
)
_RE_BAD = re.compile(r"[^\w\s.,;:?!]|\d|_")
_RE_SP_PUNCT = re.compile(r"\s+(?=[.,;:?!])")
_RE_PUNCT_RUN = re.compile(r"[.,;:?!](?:\s*[.,;:?!])+")
_RE_PUNCT_SPACE = re.compile(r"([.,;:?!])(?=[^\W\d_])")
_RE_LEAD = re.compile(r"^[\s.,;:?!]+")
_RE_WS = re.compile(r"\s{2,}|[^\S ]")
_HAS_BRACKET = re.compile(r"[()\[\]{}]").search
_HAS_ROMAN = re.compile(r"(?<!\w)[IVXLCDM]+(?!\w)").search
_RE_WORD = re.compile(r"[^\W\d_]+")
_HAS_DIGIT = re.compile(r"\d").search
_RE_SENT_END = re.compile(r"(?<=[.?!])\s+")
_RE_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")


@dataclass
class _State:
    changes: list[Change] | None
    unreadable: list[str] | None
    line: str = ""


# ---------------------------------------------------------------------------------------
# The stage
# ---------------------------------------------------------------------------------------


class Normalizer:
    """Written text -> spoken text, as a list of small rules over data files."""

    def __init__(self, station_lexicon: Path | None = None, *, spell_issuer: bool = False):
        """Build the lexicon (built-in + station file, station entries win) and the rules.

        `spell_issuer` reads a document's issuing code with Vietnamese letter names
        ("76/NQ-CP" -> "bảy mươi sáu en quy xê pê") instead of dropping it.
        """
        self.spell_issuer = spell_issuer
        entries = dict(_builtin_entries())
        if station_lexicon is not None:
            station_entries = read_lexicon(Path(station_lexicon))
            log.debug("station lexicon %s: %d entries", station_lexicon, len(station_entries))
            entries.update(station_entries)
        self.lexicon: dict[str, LexiconEntry] = entries
        self._exact: dict[str, LexiconEntry] = {}
        self._folded: dict[str, LexiconEntry] = {}
        for key, entry in entries.items():
            key = " ".join(key.split())
            if key == key.lower():
                self._folded[key] = entry
            else:
                self._exact[key] = entry
        # One regex for the whole lexicon, as a trie: the engine follows one branch per
        # character instead of trying every key at every position.
        alt = f"(?:{_trie_regex(self._exact)}|(?i:{_trie_regex(self._folded)}))"
        self._re_lex = re.compile(rf"(?<!\w)(?:{alt})(?!\w)")
        self._re_once_after = re.compile(rf"\s*\(\s*({alt})\s*\)")
        self._re_once_before = re.compile(rf"(?<![\w&])({alt})\s*\(([^()]{{2,200}})\)")
        self._forms: dict[str, tuple[str, ...]] = {}
        self._approved = {w.lower() for e in entries.values() for w in _RE_WORD.findall(e.say)}
        for table in (_LETTERS, _UNITS, _WEB_LABELS, _WEB_SYMBOLS, _SYMBOLS):
            self._approved.update(w.lower() for v in table.values() for w in _RE_WORD.findall(v))
        self._st = _State(None, None)
        self.rules: list[tuple[str, Callable[[str], str]]] = [
            ("markup", self._markup),
            ("bullet", self._bullet),
            ("web", self._web),
            ("phone", self._phone),
            ("acronym_once", self._acronym_once),
            ("doc_number", self._doc_number),
            ("range", self._range),
            ("date", self._date),
            ("fraction", self._fraction),
            ("time", self._time),
            ("roman", self._roman),
            ("ordinal", self._ordinal),
            ("unit", self._unit),
            ("number", self._number),
            ("lexicon", self._lexicon),
            ("symbol", self._symbol),
            ("slash", self._slash),
            ("dash", self._dash),
            ("caps", self._caps),
            ("letter", self._letter),
            ("cleanup", self._cleanup),
        ]

    # -- public API ------------------------------------------------------------------

    def normalize(self, text: str) -> str:
        """Written text -> spoken text; keeps `. , ; : ? !` as boundaries and line breaks."""
        return self._run(text, _State(None, None))

    def explain(self, text: str) -> list[Change]:
        """Every change each rule made, in order."""
        st = _State([], None)
        self._run(text, st)
        return st.changes or []

    def unreadable(self, text: str) -> list[str]:
        """Tokens the stage could not turn into Vietnamese words (unknown acronyms, symbols,
        foreign words), each once, in order of appearance."""
        st = _State(None, [])
        spoken = self._run(text, st)
        found = list(st.unreadable or [])
        for word in _RE_WORD.findall(spoken):
            low = word.lower()
            if low not in self._approved and not is_vietnamese_syllable(low):
                found.append(word)
        seen: dict[str, None] = {}
        for tok in found:
            seen.setdefault(tok, None)
        return list(seen)

    def utterances(self, text: str, max_chars: int = 180) -> list[Utterance]:
        """Normalise then split: one utterance per sentence; long sentences at `, ; :`.

        Clauses are packed greedily up to `max_chars`; a clause still longer than that is
        cut at the last space before the limit (pause "none").
        """
        spoken = self.normalize(text)
        out: list[Utterance] = []
        for para in re.split(r"\n\s*\n", spoken):
            para = " ".join(para.split())
            if not para:
                continue
            for sentence in _RE_SENT_END.split(para):
                sentence = sentence.strip()
                if not sentence or not _RE_WORD.search(sentence):
                    continue
                if len(sentence) <= max_chars:
                    out.append(Utterance(sentence, "sentence"))
                    continue
                pieces = self._split_long(sentence, max_chars)
                pieces[-1] = Utterance(pieces[-1].text, "sentence")
                out.extend(pieces)
        return out

    # -- engine ----------------------------------------------------------------------

    def _run(self, text: str, st: _State) -> str:
        self._st = st
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        out = []
        for line in lines:
            st.line = line
            for _name, rule in self.rules:
                if not line:
                    break
                line = rule(line)
            out.append(line)
        return "\n".join(out)

    def _sub(self, name: str, pattern: re.Pattern, fn, text: str) -> str:
        changes = self._st.changes
        if changes is None:
            return pattern.sub(fn, text)

        def recorded(m: re.Match) -> str:
            after = fn(m) if callable(fn) else m.expand(fn)
            if after != m.group(0):
                changes.append(Change(name, m.group(0), after))
            return after

        return pattern.sub(recorded, text)

    def _note_unreadable(self, token: str) -> None:
        if self._st.unreadable is not None:
            self._st.unreadable.append(token)

    @staticmethod
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

    # -- rules -----------------------------------------------------------------------

    def _markup(self, text: str) -> str:
        """NFC; drop HTML tags, footnote marks, markdown emphasis, './.', '…'."""
        text = unicodedata.normalize("NFC", text)
        text = _RE_SPACES_IN.sub(" ", text)
        if _HAS_MARKUP(text):
            text = self._sub("markup", _RE_MARKUP, "", text)
        return self._sub("markup", _RE_HEADING, "", text)

    def _bullet(self, text: str) -> str:
        """List markers at the start of a line are not read: -, +, ▪, •, 1., 1.2., a), II."""
        return self._sub("bullet", _RE_BULLET, "", text)

    def _web(self, text: str) -> str:
        """E-mail and web addresses: "a còng", "chấm", known labels, else spelled."""
        if "@" in text:
            text = self._sub("web", _RE_EMAIL, self._read_address, text)
        if "." in text:
            text = self._sub("web", _RE_URL, self._read_address, text)
        return text

    def _read_address(self, m: re.Match) -> str:
        addr = m.group(0).rstrip(".,;:")
        tail = m.group(0)[len(addr):]
        addr = re.sub(r"^https?://", "", addr, flags=re.I).rstrip("/")
        words = []
        for part in _RE_WEB_PARTS.findall(addr):
            if part in _WEB_SYMBOLS:
                words.append(_WEB_SYMBOLS[part])
            elif part.isdigit():
                words.append(read_digits(part))
            else:
                words.append(self._read_label(part))
        return " ".join(w for w in words if w) + tail

    @staticmethod
    def _read_label(label: str) -> str:
        low = label.lower()
        if low in _WEB_LABELS:
            return _WEB_LABELS[low]
        if len(low) >= 4:
            parts = _segment_syllables(low)
            if parts and len(parts) <= len(low) // 2:
                return " ".join(parts)
        return spell(low)

    def _phone(self, text: str) -> str:
        """Phone and hotline numbers digit by digit, in groups separated by commas."""
        if not _HAS_DIGIT(text):
            return text
        text = self._sub("phone", _RE_PHONE_KW, self._phone_kw, text)
        return self._sub("phone", _RE_PHONE, lambda m: self._read_phone(m.group(0)), text)

    def _phone_kw(self, m: re.Match) -> str:
        if sum(c.isdigit() for c in m.group(3)) < 3:
            return m.group(0)  # "gọi 15 lần" is a count, not a number to dial
        return f"{m.group(1)}{m.group(2)}{self._read_phone(m.group(3))}"

    @staticmethod
    def _read_phone(number: str) -> str:
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

    def _acronym_once(self, text: str) -> str:
        """'Ủy ban nhân dân (UBND)' and 'UBND (Ủy ban nhân dân)' are said once."""
        if "(" not in text:
            return text
        text = self._sub("acronym_once", self._re_once_after, self._once_after, text)
        return self._sub("acronym_once", self._re_once_before, self._once_before, text)

    def _entry(self, token: str) -> LexiconEntry | None:
        key = " ".join(token.split())
        return self._exact.get(key) or self._folded.get(key.lower())

    def _entry_forms(self, entry: LexiconEntry) -> tuple[str, ...]:
        forms = self._forms.get(entry.key)
        if forms is None:
            forms = tuple(f for f in {_fold(entry.say), *(_fold(x) for x in entry.means)} if f)
            self._forms[entry.key] = forms
        return forms

    def _once_after(self, m: re.Match) -> str:
        entry = self._entry(m.group(1))
        if entry is None:
            return m.group(0)
        before = m.string[max(0, m.start() - 240) : m.start()]
        context = _fold(self._re_lex.sub(lambda x: self._entry(x.group(0)).say, before))
        for form in self._entry_forms(entry):
            if context == form or context.endswith(" " + form):
                return ""
        return m.group(0)

    def _once_before(self, m: re.Match) -> str:
        entry = self._entry(m.group(1))
        if entry is None:
            return m.group(0)
        inside = _fold(self._re_lex.sub(lambda x: self._entry(x.group(0)).say, m.group(2)))
        if inside in self._entry_forms(entry):
            return m.group(1)
        return m.group(0)

    def _doc_number(self, text: str) -> str:
        """'76/NQ-CP' -> 'bảy mươi sáu'; '93/2021/NQ-HĐND' -> '… năm hai nghìn …'."""
        if "/" not in text:
            return text
        text = self._sub("doc_number", _RE_DOC2, self._doc2, text)
        text = self._sub("doc_number", _RE_DOC1, self._doc1, text)
        return self._sub("doc_number", _RE_DOC_BLANK, self._doc_blank, text)

    def _doc_num(self, num: str) -> str:
        m = re.fullmatch(r"(\d+)([a-z]?)", num)
        assert m
        words = read_number(m.group(1))
        if m.group(2):
            words += " " + spell(m.group(2))
        return words

    def _issuer(self, code: str) -> str:
        return " " + spell(code) if self.spell_issuer else ""

    def _doc1(self, m: re.Match) -> str:
        words = self._doc_num(m.group(1))
        if m.group(2):
            words += " năm " + read_number(m.group(2))
        return words + self._issuer(m.group(3))

    def _doc2(self, m: re.Match) -> str:
        return self._doc_num(m.group(1)) + self._issuer(m.group(2) + m.group(3))

    def _doc_blank(self, m: re.Match) -> str:
        return self._issuer(m.group(1)).strip()

    def _date(self, text: str) -> str:
        """Dates: '15/7/2021', 'ngày 02/9/2021', 'tháng 4/2024', '30/4', 'tháng 01'."""
        if not _HAS_DIGIT(text):
            return text
        text = self._sub("date", _RE_DATE_FULL, self._date_full, text)
        if "/" in text:
            text = self._sub("date", _RE_MONTH_YEAR, self._month_year, text)
            text = self._sub("date", _RE_DAY_MONTH, self._day_month, text)
        if "háng" in text or "HÁNG" in text:
            text = self._sub("date", _RE_MONTH, self._month_only, text)
        return text

    @staticmethod
    def _valid(day: str | None, month: str) -> bool:
        m = int(month)
        return 1 <= m <= 12 and (day is None or 1 <= int(day) <= 31)

    def _date_range(self, m: re.Match) -> str:
        word, d1, d2, mo, year = m.groups()
        if not (self._valid(d1, mo) and self._valid(d2, mo)):
            return m.group(0)
        word = word or "ngày"
        out = f"{word} {read_number(d1)} đến ngày {read_number(d2)} tháng {_month(int(mo))}"
        if year:
            out += " năm " + read_number(year)
        return out

    def _date_full(self, m: re.Match) -> str:
        word, day, _sep, month, year = m.groups()
        if not self._valid(day, month):
            return m.group(0)
        word = word or "ngày"
        return f"{word} {read_number(day)} tháng {_month(int(month))} năm {read_number(year)}"

    def _month_year(self, m: re.Match) -> str:
        word, month, year = m.groups()
        if not self._valid(None, month):
            return m.group(0)
        return f"{word or 'tháng'} {_month(int(month))} năm {read_number(year)}"

    def _day_month(self, m: re.Match) -> str:
        word, day, month = m.groups()
        if not word:
            fraction = self._fraction_words(m, day, month)
            if fraction:
                return fraction
        if not self._valid(day, month):
            return m.group(0)
        return f"{word or 'ngày'} {read_number(day)} tháng {_month(int(month))}"

    def _month_only(self, m: re.Match) -> str:
        if not self._valid(None, m.group(2)):
            return m.group(0)
        return f"{m.group(1)} {_month(int(m.group(2)))}"

    def _range(self, text: str) -> str:
        """'2021 - 2030', '2021-2030', '10-15 phút' -> '… đến …' (never 'trừ').

        Dates written with hyphens ('15-7-2021') and day ranges ('15-20/7') are read
        first, so their hyphens are not ranges.
        """
        if "-" not in text and "–" not in text and "—" not in text:
            return text
        if "/" in text:
            text = self._sub("date", _RE_DATE_RANGE, self._date_range, text)
        if "-" in text:
            text = self._sub("date", _RE_DATE_DASHED, self._date_full, text)
        return self._sub("range", _RE_RANGE, " đến ", text)

    @staticmethod
    def _fraction_words(m: re.Match, a: str, b: str, default: str | None = None) -> str | None:
        """'5/63' after 'xếp thứ' -> '5 trên 63'; '2/3 số xã' -> '2 phần ba'; else None.

        Numbers stay as digits for the later rules (ordinal, time, number) to read.
        """
        start = max(0, m.start() - 24)
        if _KW_RANK.search(m.string, start, m.start()):
            return f"{a} trên {b}"
        part = _KW_PART.search(m.string, start, m.start()) or _RE_PART_AFTER.match(
            m.string, m.end()
        )
        if part or default:
            if a.isdigit() and b.isdigit() and int(a) < int(b) and int(b) in _PART_DENOMINATORS:
                return f"{a} phần {_PART_DENOMINATORS[int(b)]}"
            return f"{a} trên {b}"
        return None

    def _fraction(self, text: str) -> str:
        """'5/63' (not a date, not a document) -> 'năm trên sáu mươi ba'."""
        if "/" not in text:
            return text
        return self._sub(
            "fraction",
            _RE_FRACTION,
            lambda m: self._fraction_words(m, m.group(1), m.group(2), default="trên") or "",
            text,
        )

    def _time(self, text: str) -> str:
        """'7h30' -> 'bảy giờ ba mươi phút'; '13h00' -> 'mười ba giờ'; '7:30' too."""
        if "h" in text:
            text = self._sub("time", _RE_TIME_H, self._read_time, text)
        if ":" in text:
            text = self._sub("time", _RE_TIME_COLON, self._read_time, text)
        return text

    @staticmethod
    def _read_time(m: re.Match) -> str:
        hour, minute = m.group(1), m.group(2)
        if int(hour) > 24 or (minute is not None and int(minute) > 59):
            return m.group(0)
        out = f"{read_number(hour)} giờ"
        if minute and int(minute):
            out += f" {read_number(minute)} phút"
        return out

    def _roman(self, text: str) -> str:
        """'Quý II', 'Quý I/2024', 'Khoá XX', 'lần thứ XXI', 'thế kỷ XXI', lone 'XX'."""
        if not _HAS_ROMAN(text):
            return text
        text = self._sub("roman", _RE_ROMAN_KW, self._roman_kw, text)
        return self._sub("roman", _RE_ROMAN_ALONE, self._roman_alone, text)

    def _roman_kw(self, m: re.Match) -> str:
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
                value = _roman(tok)
                if value is None or tok == "L":
                    return m.group(0)
                words.append(_ordinal(value) if ordinal else read_number(str(value)))
        out = f"{keyword} " + " ".join(words).replace(" ,", ",")
        if year:
            out += " năm " + read_number(year)
        return out

    @staticmethod
    def _roman_alone(m: re.Match) -> str:
        token = m.group(0)
        value = _roman(token)
        if not value:
            return token
        if is_vietnamese_syllable(token):
            # "VI", "XI" inside an all-caps heading are words ("XỬ LÝ VI PHẠM").
            before = m.string[: m.start()].split()
            after = m.string[m.end() :].split()
            for word in (before[-1] if before else "", after[0] if after else ""):
                word = word.strip(".,;:?!")
                if len(word) > 1 and word.isupper() and is_vietnamese_syllable(word):
                    return token
        return read_number(str(value))

    def _ordinal(self, text: str) -> str:
        """'thứ 1' -> 'thứ nhất', 'lần thứ 4' -> 'lần thứ tư'."""
        if "hứ" not in text and "HỨ" not in text:
            return text
        return self._sub(
            "ordinal", _RE_ORDINAL, lambda m: f"{m.group(1)} {_ordinal(int(m.group(2)))}", text
        )

    def _unit(self, text: str) -> str:
        """Number + unit or currency: '98,5%', '15.000đ', '20 km', '$100'."""
        if not _HAS_DIGIT(text):
            return text
        text = self._sub(
            "unit", _RE_UNIT, lambda m: f"{read_numeral(m.group(1))} {_UNITS[m.group(2)]}", text
        )
        return self._sub(
            "unit",
            _RE_PREFIX_CUR,
            lambda m: f"{read_numeral(m.group(2))} {_PREFIX_CUR[m.group(1)]}",
            text,
        )

    def _number(self, text: str) -> str:
        """Every other number: '1.245', '98,5', '4.0', '06', '2021'."""
        if not _HAS_DIGIT(text):
            return text
        if "." in text:
            text = self._sub("number", _RE_CODE, self._read_code, text)
        return self._sub("number", _RE_NUMBER, self._read_number_match, text)

    @staticmethod
    def _read_code(m: re.Match) -> str:
        """A dotted identifier such as a procedure code '1.001234.000.00.00.H55'."""
        code = m.group(0)
        if _THOUSANDS.fullmatch(code):
            return code
        return f" {_DOT_WORD} ".join(
            read_digits(p) if p.isdigit() else spell(p) for p in code.split(".")
        )

    @staticmethod
    def _read_number_match(m: re.Match) -> str:
        words = read_numeral(m.group(0))
        s, e = m.start(), m.end()
        if s > 0 and m.string[s - 1].isalpha():
            words = " " + words
        if e < len(m.string) and m.string[e].isalpha():
            words += " "
        return words

    def _lexicon(self, text: str) -> str:
        """Abbreviations and brand names from the lexicon (built-in + station)."""
        return self._sub("lexicon", self._re_lex, self._lex_say, text)

    def _lex_say(self, m: re.Match) -> str:
        entry = self._entry(m.group(0))
        return entry.say if entry else m.group(0)

    def _symbol(self, text: str) -> str:
        """'&' -> 'và', '%' -> 'phần trăm'; quotes and decorations dropped."""
        return self._sub("symbol", _RE_SYMBOL, lambda m: f" {_SYMBOLS[m.group(0)]} ", text)

    @staticmethod
    def _read_slash(m: re.Match) -> str:
        if m.group(1):
            return f" {_PER_WORD} "
        if m.group(2):
            return f"{m.group(2)} {_PER_WORD} "
        return ", "

    def _slash(self, text: str) -> str:
        """'đồng/tháng' -> 'đồng một tháng'; other 'a/b' -> 'a, b'."""
        if "/" not in text:
            return text
        return self._sub(
            "slash", _RE_SLASH, self._read_slash, text
        )

    def _dash(self, text: str) -> str:
        """A hyphen between words is a space (or a comma before a capital), never 'trừ'."""
        if "-" not in text and "–" not in text and "—" not in text:
            return text
        text = self._sub("dash", _RE_DASH_SPACED, self._dash_spaced, text)
        return self._sub("dash", _RE_DASH_TIGHT, " ", text)

    @staticmethod
    def _dash_spaced(m: re.Match) -> str:
        e = m.end()
        if e < len(m.string) and m.string[e].isupper() and m.start() > 0:
            return ", "
        return " "

    def _caps(self, text: str) -> str:
        """ALL-CAPS words are lowered; unknown acronyms are spelled (and reported)."""
        if not _HAS_CAPS(text):
            return text
        return self._sub("caps", _RE_CAPS, self._read_caps, text)

    def _read_caps(self, m: re.Match) -> str:
        token = m.group(0)
        if token.isupper() and is_vietnamese_syllable(token):
            # A run of capitals (a heading, a name) keeps one capital at its start.
            words_before = m.string[: m.start()].split()
            prev = words_before[-1] if words_before else ""
            low = token.lower()
            if not (prev.isupper() and prev.isalpha() and is_vietnamese_syllable(prev)):
                low = low[0].upper() + low[1:]
            return low
        self._note_unreadable(token)
        return spell(token)

    def _letter(self, text: str) -> str:
        """A lone consonant letter ('điểm b', 'Phụ lục C') is read by its name."""
        return self._sub("letter", _RE_LETTER, self._read_letter, text)

    @staticmethod
    def _read_letter(m: re.Match) -> str:
        ch = m.group(0)
        return ch if is_vietnamese_syllable(ch) else spell(ch)

    def _cleanup(self, text: str) -> str:
        """Brackets become pauses; anything else unreadable is dropped; tidy punctuation."""
        before = text
        if _HAS_BRACKET(text):
            text = _RE_BRACKET.sub(lambda m: "" if m.group(1) else ", ", text)
        if _RE_BAD.search(text):
            text = _RE_BAD.sub(self._bad_char, text)
        text = _RE_SP_PUNCT.sub("", text)
        text = _RE_PUNCT_RUN.sub(self._punct_run, text)
        text = _RE_PUNCT_SPACE.sub(r"\1 ", text)
        text = _RE_LEAD.sub("", text)
        text = _RE_WS.sub(" ", text).strip()
        if self._st.changes is not None and " ".join(before.split()) != text:
            self._st.changes.append(Change("cleanup", before.strip(), text))
        return text

    def _bad_char(self, m: re.Match) -> str:
        ch = m.group(0)
        if ch.isdigit():
            self._note_unreadable(ch)
            return f" {_DIGITS[int(ch)]} " if ch in "0123456789" else " "
        if not ch.isspace():
            self._note_unreadable(ch)
        return " "

    @staticmethod
    def _punct_run(m: re.Match) -> str:
        run = m.group(0)
        for strong in ".?!":
            if strong in run:
                return strong
        return run[0]


# ---------------------------------------------------------------------------------------
# Helpers used by other stages
# ---------------------------------------------------------------------------------------


_RE_TOKEN = re.compile(r"\w+")


def syllable_count(spoken: str) -> int:
    """Number of spoken syllables (words separated by spaces, punctuation excluded).

    Vietnamese writes each syllable as a word. Used by the check stage to estimate length
    and by the voice cache to measure speaking rates, so both count alike. (A digit run in
    text that was never normalised counts as one word.)
    """
    return len(_RE_TOKEN.findall(spoken))
