"""The abbreviation lexicon: reading its YAML files, and the rules that use it.

Data: `broadcast/data/lexicon.yaml` (built in) and the station's own `lexicon.yaml`
(station entries win). Rules here: `acronym_once` (an acronym and its expansion side by
side are read once), `lexicon` (known abbreviations), `caps` (ALL-CAPS words lowered,
unknown acronyms spelled and reported as guesses) and `letter` (a lone letter by name).
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from broadcast.errors import NormalizeError
from broadcast.spoken.context import Context, sub
from broadcast.spoken.syllables import fold, is_vietnamese_syllable, spell
from broadcast.spoken.tables import (
    BUILTIN_LEXICON,
    BUILTIN_LOANWORDS,
    LETTERS,
    NORM_DATA,
    RE_WORD,
    SYMBOLS,
    UNITS,
    UP,
    WEB_LABELS,
    WEB_SYMBOLS,
    alternation,
    data,
)
from broadcast.yamlio import compose_yaml

log = logging.getLogger(__name__)

MAX_TAIL = 4
"""Words allowed between an expansion and its bracketed acronym ("… cấp tỉnh ở Việt Nam")."""
MAX_KEY = 80
"""Longest abbreviation a lexicon entry may have (a trie deeper than this is a mistake)."""


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
    # The package's one safe YAML reader: size, depth, alias and character limits, and
    # Vietnamese errors naming the line.
    root = compose_yaml(path, error=NormalizeError)
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise _lex_error(
            path,
            root.start_mark.line + 1,
            None,
            "tệp từ điển phải là danh sách các mục 'CHỮ VIẾT: cách đọc'.",
            "Viết mỗi mục trên một dòng, ví dụ 'UBND: Ủy ban nhân dân' (không dùng dấu '-' đầu dòng).",
        )
    entries: dict[str, LexiconEntry] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        key = _scalar_text(key_node)
        if key is None or not key.strip():
            raise _lex_error(
                path,
                line,
                None,
                "mục không có chữ viết tắt.",
                "Viết chữ viết tắt trước dấu ':', ví dụ 'UBND: Ủy ban nhân dân'.",
            )
        key = unicodedata.normalize("NFC", key.strip())
        if len(key) > MAX_KEY:
            raise _lex_error(
                path,
                line,
                None,
                f"chữ viết tắt dài {len(key)} ký tự (tối đa {MAX_KEY}): '{key[:30]}…'.",
                "Mỗi mục là một chữ viết tắt ngắn, ví dụ 'UBND: Ủy ban nhân dân'; "
                "kiểm tra tệp có bị dán nhầm đoạn văn dài vào không.",
            )
        say, means = _entry_value(path, line, key, value_node)
        if key in entries:
            raise _lex_error(
                path,
                line,
                key,
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
            path,
            line,
            key,
            f"{what} của '{key}' có ký tự không đọc được: {bad!r}" if bad else f"{what} của '{key}' trống.",
            f"Viết {what} bằng chữ, ví dụ 'UBND: Ủy ban nhân dân'; số viết bằng chữ "
            "('hai mươi'), không dùng '/', '%', chữ số.",
        )
    return say


def _entry_value(path: Path, line: int, key: str, node: yaml.Node) -> tuple[str, tuple[str, ...]]:
    if isinstance(node, yaml.ScalarNode):
        value = _scalar_text(node)
        if value is None or not value.strip():
            raise _lex_error(
                path,
                line,
                key,
                f"mục '{key}' chưa có cách đọc.",
                "Viết cách đọc bằng chữ sau dấu ':', ví dụ 'UBND: Ủy ban nhân dân'.",
            )
        return _check_say(path, line, key, value, "cách đọc"), ()
    if isinstance(node, yaml.MappingNode):
        fields: dict[str, yaml.Node] = {}
        for k, v in node.value:
            name = _scalar_text(k) or ""
            if name not in ("say", "means", "note"):
                raise _lex_error(
                    path,
                    k.start_mark.line + 1,
                    key,
                    f"mục '{key}' có trường lạ '{name}'.",
                    "Chỉ dùng 'say' (cách đọc), 'means' (nghĩa đầy đủ) và 'note' (ghi chú).",
                )
            fields[name] = v
        if "say" not in fields or _scalar_text(fields["say"]) is None:
            raise _lex_error(
                path,
                line,
                key,
                f"mục '{key}' thiếu 'say' (cách đọc).",
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
                        path,
                        item.start_mark.line + 1,
                        key,
                        f"'means' của '{key}' phải là chữ hoặc danh sách chữ.",
                        "Ví dụ: means: [chỉ số cải cách hành chính].",
                    )
                means.append(text)
        return say, tuple(means)
    raise _lex_error(
        path,
        line,
        key,
        f"cách đọc của '{key}' phải là một dòng chữ.",
        f"Viết '{key}: cách đọc' trên một dòng (không dùng danh sách '-').",
    )


@functools.lru_cache(maxsize=1)
def builtin_entries() -> dict[str, LexiconEntry]:
    """The built-in lexicon, loanwords and the generated 'TP' + city initials, merged.

    A key in two built-in files is a packaging mistake and raises NormalizeError.
    """
    entries = read_lexicon(BUILTIN_LEXICON)
    for key, entry in read_lexicon(BUILTIN_LOANWORDS).items():
        if key in entries:
            raise _lex_error(
                BUILTIN_LOANWORDS,
                entry.line,
                key,
                f"mục '{key}' đã có ở {BUILTIN_LEXICON.name}:{entries[key].line}.",
                "Giữ mục ở một tệp, xóa mục còn lại.",
            )
        entries[key] = entry
    for key, entry in city_entries().items():
        entries.setdefault(key, entry)
    return entries


def city_entries() -> dict[str, LexiconEntry]:
    """'TPLX' -> 'thành phố Long Xuyên': 'TP' + the initials of every city in places.yaml.

    Initials shared by two cities (Hà Tĩnh, Hà Tiên) are left out: they would be a guess.
    """
    path = NORM_DATA / "places.yaml"
    by_key: dict[str, list[str]] = {}
    for city in data("places.yaml").get("cities", []):
        city = str(city)
        initials = "".join(w[0].upper() for w in re.findall(r"[^\W\d_]+", city))
        if len(initials) >= 2:
            by_key.setdefault("TP" + initials, []).append(city)
    for key, city in (data("places.yaml").get("preferred") or {}).items():
        by_key[str(key)] = [str(city)]
    return {
        key: LexiconEntry(key, f"thành phố {cities[0]}", (f"thành phố {cities[0]}",), str(path))
        for key, cities in by_key.items()
        if len(cities) == 1
    }


# ---------------------------------------------------------------------------------------
# The compiled lexicon (read-only once built)
# ---------------------------------------------------------------------------------------


# A space in a key matches any run of spaces; "&" may have spaces around it ("NN& PTNT").
_TRIE_CHAR = {" ": r"\s+", "&": r"\s*&\s*"}
_RE_AMP_SPACES = re.compile(r"\s*&\s*")
# "(UBND tỉnh)", "(UBBC huyện)": up to two lower-case words qualifying a bracketed acronym.
_QUALIFIER = r"((?:\s+[^\W\d_A-ZĐ]+){0,2})"
# "(PCCC&CNCH, Bộ Công an)": the acronym, then a comma and more that is read.
_COMMA_REST = r"(?:\s*,\s*([^()]{1,120}?))?"


def trie_regex(keys: Iterable[str]) -> str:
    """A regex matching any of `keys`, longest first, built as a character trie."""
    trie: dict = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [_TRIE_CHAR.get(ch, re.escape(ch)) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return build(trie) or "(?!)"


class Lexicon:
    """Built-in + station entries, compiled once; never changed after `__init__`."""

    def __init__(self, station_lexicon: Path | None = None):
        entries = dict(builtin_entries())
        if station_lexicon is not None:
            station_entries = read_lexicon(Path(station_lexicon))
            log.debug("station lexicon %s: %d entries", station_lexicon, len(station_entries))
            entries.update(station_entries)
        self.entries: dict[str, LexiconEntry] = entries
        self.exact: dict[str, LexiconEntry] = {}
        self.folded: dict[str, LexiconEntry] = {}
        for key, entry in entries.items():
            key = " ".join(key.split())
            if key == key.lower():
                self.folded[key] = entry
            else:
                self.exact[key] = entry
        # One regex for the whole lexicon, as a trie: the engine follows one branch per
        # character instead of trying every key at every position.
        alt = f"(?:{trie_regex(self.exact)}|(?i:{trie_regex(self.folded)}))"
        self.re_lex = re.compile(rf"(?<!\w)(?:{alt})(?!\w)")
        # "CMND/CCCD": two abbreviations joined by a slash are read one after the other.
        self.re_pair = re.compile(rf"(?<![\w/])({alt})\s?/\s?({alt})(?![\w/])")
        self.re_once_after = re.compile(rf"\s*\(\s*({alt}){_QUALIFIER}{_COMMA_REST}\s*\)")
        self.re_once_before = re.compile(rf"(?<![\w&])({alt})\s*\(([^()]{{2,200}})\)")
        self.forms: dict[str, tuple[str, ...]] = {
            e.key: tuple(f for f in {fold(e.say), *(fold(x) for x in e.means)} if f) for e in entries.values()
        }
        approved = {w.lower() for e in entries.values() for w in RE_WORD.findall(e.say)}
        for table in (LETTERS, UNITS, WEB_LABELS, WEB_SYMBOLS, SYMBOLS):
            approved.update(w.lower() for v in table.values() for w in RE_WORD.findall(v))
        self.approved: frozenset[str] = frozenset(approved)

    def entry(self, token: str) -> LexiconEntry | None:
        key = " ".join(token.split())
        if "&" in key:
            key = _RE_AMP_SPACES.sub("&", key)
        return self.exact.get(key) or self.folded.get(key.lower())

    def say_all(self, text: str) -> str:
        """`text` with every known abbreviation replaced by its reading (for comparisons)."""
        return self.re_lex.sub(lambda x: self._say(x.group(0)), text)

    def _say(self, token: str) -> str:
        entry = self.entry(token)
        return entry.say if entry else token


# ---------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------


_ACR = r"[A-ZĐ][A-Za-zĐđ]*[A-ZĐ](?:[&\-]?[A-ZĐ][a-zđ]?)*[a-zđ]?"
# "Ủy ban Thường vụ Quốc hội (UBTVQH)": any acronym in brackets, known or not.
# "Sở Kế hoạch và Đầu tư (Sở KH&ĐT)": the bracket may repeat the first word(s) in full.
# The acronym may be written in parts ("HND VN", "NN& PTNT"), qualified by lower-case
# words ("BCĐ PCD tỉnh") and followed by a comma list that is read ("…, Sở Nội vụ").
_ACR_PARTS = rf"{_ACR}(?:\s*&\s*{_ACR}|\s+{_ACR})*"
_RE_BRACKET_ACR = re.compile(
    rf"\s*\(\s*((?:[A-ZĐ][^\W\d_A-ZĐ]+\s+){{0,2}})({_ACR_PARTS}){_QUALIFIER}{_COMMA_REST}\s*\)"
)
# "UBTVQH (Ủy ban Thường vụ Quốc hội)": an acronym, then its expansion in brackets.
_RE_ACR_BRACKET = re.compile(rf"(?<![\w&\-])({_ACR})\s*\(([^()\d]{{4,160}})\)")
# Where the words an acronym could abbreviate stop: a bracket or a sentence's end.
_RE_CLAUSE_CUT = re.compile(r"[()\[\].;:!?]")
_RE_EXP_WORD = re.compile(r"[^\W\d_]+|&")
# Linking words an acronym may leave out: "Nông nghiệp và Phát triển nông thôn (NN&PTNT)".
_SKIP_WORDS = frozenset({"và", "&", "của", "các", "với"})
_RE_TAUGHT_OK = re.compile(r"[^\W\d_]+(?:[ ,\-]+[^\W\d_]+)*")


@functools.lru_cache(maxsize=4096)
def _base_letter(ch: str) -> str:
    """'Đ'/'đ' -> 'D', 'Ủ' -> 'U': a letter without its marks, upper case."""
    if ch in "Đđ":
        return "D"
    return unicodedata.normalize("NFD", ch)[0].upper()


def _acronym_letters(acronym: str) -> list[str]:
    letters = "".join(_base_letter(c) for c in acronym if c.isupper() or c in "Đ")
    # "TW" is the usual short form of "Trung ương" ("UBKTTW").
    return list(letters.replace("TW", "TU"))


def _initials_start(acronym: str, before: str) -> int | None:
    """Where in `before` the words whose initials spell `acronym` begin, or None.

    Matched backwards from the end of `before`; linking words ('và', '&', 'của') may be
    skipped when the acronym leaves them out. At least two words must match.
    """
    letters = _acronym_letters(acronym)
    if len(letters) < 2:
        return None
    words = list(_RE_EXP_WORD.finditer(before))
    i, j, start = len(letters) - 1, len(words) - 1, None
    while i >= 0 and j >= 0:
        w = words[j].group(0)
        if _base_letter(w[0]) == letters[i] and w != "&":
            start = words[j].start()
            i -= 1
        elif w.lower() not in _SKIP_WORDS:
            return None
        j -= 1
    return start if i < 0 else None


def _teach(ctx: Context, acronym: str, expansion: str) -> None:
    expansion = " ".join(expansion.replace("&", " và ").split())
    if _RE_TAUGHT_OK.fullmatch(expansion) and ctx.lexicon.entry(acronym) is None:
        ctx.taught.setdefault(acronym, expansion)


def acronym_once(ctx: Context, text: str) -> str:
    """'Ủy ban nhân dân (UBND)' and 'UBND (Ủy ban nhân dân)' are said once.

    Known acronyms compare with their lexicon forms; any acronym in brackets is also
    dropped when its letters are the initials of the words just before it
    ("Ủy ban Thường vụ Quốc hội (UBTVQH)"), and the text has then taught it: where
    'UBTVQH' recurs in the same text it is read as those words.
    """
    if "(" not in text:
        return text
    text = _acronym_once_known(ctx, text)
    if "(" not in text:
        return text

    def after(m: re.Match) -> str:
        lead, acronym = m.group(1).split(), " ".join(m.group(2).split())
        qualifier, rest = fold(m.group(3) or ""), m.group(4)
        before = m.string[max(0, m.start() - 200) : m.start()]
        cut = max((x.end() for x in _RE_CLAUSE_CUT.finditer(before)), default=0)
        before = before[cut:]
        if qualifier:
            # "… phòng chống dịch tỉnh (BCĐ PCD tỉnh)": the qualifier ends the text before
            # and the initials stand just before it.
            words = list(_RE_EXP_WORD.finditer(before))
            n = len(qualifier.split())
            if len(words) <= n or fold(" ".join(w.group(0) for w in words[-n:])) != qualifier:
                return m.group(0)
            before = before[: words[-n].start()]
        start = _initials_start(acronym, before)
        if start is None:
            return m.group(0)
        if lead:
            # The words written in full in the bracket must stand right before the initials.
            head = before[:start].split()
            if [w.lower() for w in head[-len(lead) :]] != [w.lower() for w in lead]:
                return m.group(0)
        ctx.decided(f"chữ cái đầu của '{before[start:].strip()}'")
        _teach(ctx, acronym, before[start:])
        return f" ({rest})" if rest else ""

    def before(m: re.Match) -> str:
        acronym, inside = m.group(1), m.group(2).strip()
        if ctx.lexicon.entry(acronym) is not None:
            return m.group(0)
        start = _initials_start(acronym, inside)
        if start is None or inside[:start].strip():
            return m.group(0)
        ctx.decided("trong ngoặc là nghĩa đầy đủ")
        _teach(ctx, acronym, inside)
        return inside

    text = sub(ctx, "acronym_once", _RE_BRACKET_ACR, after, text)
    if "(" in text:
        text = sub(ctx, "acronym_once", _RE_ACR_BRACKET, before, text)
    return text


def taught(ctx: Context, text: str) -> str:
    """An acronym the text defined earlier ('… (UBTVQH)') is read as its expansion."""
    if not ctx.taught:
        return text
    keys = "|".join(re.escape(k) for k in sorted(ctx.taught, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w&\-])(?:{keys})(?![\w&]|-\w)")

    def say(m: re.Match) -> str:
        ctx.decided("văn bản đã định nghĩa ở trước")
        return ctx.taught[m.group(0)]

    return sub(ctx, "taught", pattern, say, text)


def _acronym_once_known(ctx: Context, text: str) -> str:
    lex = ctx.lexicon

    def once_after(m: re.Match) -> str:
        entry = lex.entry(m.group(1))
        if entry is None:
            return m.group(0)
        before = m.string[max(0, m.start() - 240) : m.start()]
        # What stays of the bracket when the acronym goes: "(PCCC&CNCH, Bộ Công an)"
        # keeps "(Bộ Công an)".
        kept = f" ({m.group(3)})" if m.group(3) else ""
        qualifier = fold(m.group(2) or "")
        context = fold(lex.say_all(before))
        # "… đại biểu HĐND tỉnh (UBBC tỉnh)": the words after the acronym must end
        # the text before; they then mark where the full name ends.
        if qualifier and not (context == qualifier or context.endswith(" " + qualifier)):
            return m.group(0)
        for form in lex.forms[entry.key]:
            if context == form or context.endswith(" " + form):
                ctx.decided(f"'{form}' đứng ngay trước")
                return kept
        # "… cấp tỉnh ở Việt Nam (PAPI)": the expansion a few words back, in the same
        # clause, qualified by up to MAX_TAIL words (more when the bracket repeats the
        # qualifier that ends the name).
        cut = max((x.end() for x in _RE_CLAUSE_CUT.finditer(before)), default=0)
        clause = " " + fold(lex.say_all(before[cut:].split(",")[-1])) + " "
        max_tail = MAX_TAIL * 4 if qualifier else MAX_TAIL
        for form in lex.forms[entry.key]:
            at = clause.rfind(" " + form + " ")
            if at >= 0 and len(clause[at + len(form) + 2 :].split()) <= max_tail:
                ctx.decided(f"'{form}' đứng trước, cùng vế câu")
                return kept
            # "ban An toàn giao thông (UB ATGT)": the name written without its first
            # word; at least three words must still match.
            words = form.split()
            if len(words) >= 4 and clause.endswith(" " + " ".join(words[1:]) + " "):
                ctx.decided(f"'{form}' đứng trước, thiếu chữ đầu")
                return kept
        return m.group(0)

    def once_before(m: re.Match) -> str:
        entry = lex.entry(m.group(1))
        if entry is None:
            return m.group(0)
        inside = fold(lex.say_all(m.group(2)))
        if inside in lex.forms[entry.key]:
            ctx.decided("trong ngoặc là nghĩa đầy đủ")
            return m.group(1)
        return m.group(0)

    text = sub(ctx, "acronym_once", lex.re_once_after, once_after, text)
    return sub(ctx, "acronym_once", lex.re_once_before, once_before, text)


_CTX = data("abbreviations.yaml")
_BEFORE_YEAR: dict[str, str] = {str(k): str(v) for k, v in _CTX["before_year"].items()}
_RE_BEFORE_YEAR = re.compile(
    rf"(?<![\w&\-])({'|'.join(map(re.escape, _BEFORE_YEAR))})\.?(?=\s*:?\s*(?:19|20)\d\d(?!\d))"
)
# Other company-name words that may stand between ("Công ty CP TM DV …").
_BETWEEN = alternation([str(w) for w in _CTX.get("between_words", [])])
_AFTER_SAY: dict[str, str] = {str(k): str(v["say"]) for k, v in _CTX["after_words"].items()}
_AFTER_KEYS = "|".join(re.escape(k) for k in sorted(_AFTER_SAY, key=len, reverse=True))
_HAS_AFTER_KEY = re.compile(rf"(?<![\w&\-])(?:{_AFTER_KEYS})(?![\w&\-])").search
_AFTER_CONTEXT = alternation({str(w) for v in _CTX["after_words"].values() for w in v["after"]}, True)
_RE_AFTER_WORDS = re.compile(
    rf"(?<!\w)((?:{_AFTER_CONTEXT})(?:\s+{_BETWEEN}(?!\w))*)(\s+)({_AFTER_KEYS})(?![\w&\-])"
)


_ROADS: dict[str, str] = {str(k): str(v) for k, v in _CTX["road_codes"].items()}
_ROAD_ALWAYS = frozenset(str(k) for k in _CTX["road_always"])
_RE_ROAD = re.compile(
    rf"(?<![\w&\-])({'|'.join(map(re.escape, sorted(_ROADS, key=len, reverse=True)))})"
    r"(\.?\s?)(\d{1,3}[A-Z]?)(?![\w/]|[.,]\d)"
)
_RE_ROAD_WORD = re.compile(r"(?<!\w)" + alternation([str(w) for w in _CTX["road_words"]], True) + r"\s*$")


def _road(ctx: Context, m: re.Match) -> str:
    code, sep, num = m.groups()
    if (
        code not in _ROAD_ALWAYS
        and sep == " "
        and not _RE_ROAD_WORD.search(m.string, max(0, m.start() - 20), m.start())
    ):
        return m.group(0)
    ctx.decided("mã đường trước số")
    say = _ROADS[code]
    if say.startswith("đường ") and m.string[: m.start()].rstrip().lower().endswith("đường"):
        say = say[len("đường ") :]  # "Đường ĐH 12" -> "Đường huyện 12", not "đường" twice
    return f"{say} {num}"


def context_abbr(ctx: Context, text: str) -> str:
    """Abbreviations read by the words around them: 'SN 1969' -> 'sinh năm 1969',
    'Công ty CP' -> 'Công ty cổ phần' (data: abbreviations.yaml)."""

    def year(m: re.Match) -> str:
        ctx.decided("đứng trước một năm")
        return _BEFORE_YEAR[m.group(1)]

    if "S" in text or "N" in text:
        text = sub(ctx, "context_abbr", _RE_BEFORE_YEAR, year, text)
    if "L" in text or "Đ" in text:
        text = sub(ctx, "context_abbr", _RE_ROAD, lambda m: _road(ctx, m), text)
    if not _HAS_AFTER_KEY(text):
        return text

    def after(m: re.Match) -> str:
        ctx.decided(f"sau '{m.group(1)}'")
        return f"{m.group(1)}{m.group(2)}{_AFTER_SAY[m.group(3)]}"

    # A chain ("Cty CP TM DV") is read left to right, one key per pass.
    for _ in range(4):
        new = sub(ctx, "context_abbr", _RE_AFTER_WORDS, after, text)
        if new == text:
            break
        text = new
    return text


def lexicon(ctx: Context, text: str) -> str:
    """Abbreviations and brand names from the lexicon (built-in + station)."""
    lex = ctx.lexicon
    if "/" in text:

        def pair(m: re.Match) -> str:
            first, second = lex.entry(m.group(1)), lex.entry(m.group(2))
            if (
                first is None
                or second is None
                or not (_RE_UPPER2.search(first.key) and _RE_UPPER2.search(second.key))
            ):
                return m.group(0)
            ctx.decided("hai chữ viết tắt nối bằng '/'")
            return f"{first.say}, {second.say}"

        text = sub(ctx, "lexicon", lex.re_pair, pair, text)

    def say(m: re.Match) -> str:
        entry = lex.entry(m.group(0))
        if entry is None:
            return m.group(0)
        if ctx.changes is not None:
            ctx.decided(f"từ điển {Path(entry.file).name}:{entry.line}")
        return entry.say

    return sub(ctx, "lexicon", lex.re_lex, say, text)


_RE_UPPER2 = re.compile(f"{UP}{UP}")
_RE_CAPS = re.compile(rf"(?<!\w)[^\W\d_]*?{UP}{UP}[^\W\d_]*(?!\w)")
_HAS_CAPS = re.compile(f"{UP}{UP}").search
_RE_LETTER = re.compile(r"(?<![\w'])[^\W\d_](?![\w'])")
_RE_PREV_WORD = re.compile(r"(\S+)\s*$")


def _word_before(text: str, start: int) -> str:
    m = _RE_PREV_WORD.search(text, max(0, start - 40), start)
    return m.group(1) if m else ""


def caps(ctx: Context, text: str) -> str:
    """ALL-CAPS words are lowered; unknown acronyms are spelled (and reported)."""
    if not _HAS_CAPS(text):
        return text

    def read(m: re.Match) -> str:
        token = m.group(0)
        if token.isupper() and is_vietnamese_syllable(token):
            # A run of capitals (a heading, a name) keeps one capital at its start.
            prev = _word_before(m.string, m.start())
            low = token.lower()
            if not (prev.isupper() and prev.isalpha() and is_vietnamese_syllable(prev)):
                low = low[0].upper() + low[1:]
            return low
        ctx.note_unreadable(token)
        reading = spell(token)
        ctx.guess(token, reading, "viết tắt không có trong từ điển, đọc từng chữ cái")
        ctx.decided("không có trong từ điển: đọc từng chữ cái")
        return reading

    return sub(ctx, "caps", _RE_CAPS, read, text)


def letter(ctx: Context, text: str) -> str:
    """A lone consonant letter ('điểm b', 'Phụ lục C') is read by its name."""

    def read(m: re.Match) -> str:
        ch = m.group(0)
        return ch if is_vietnamese_syllable(ch) else spell(ch)

    return sub(ctx, "letter", _RE_LETTER, read, text)
