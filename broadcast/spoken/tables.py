"""The data every rule reads: digits, months, letter names, units, web labels, symbols.

All of it lives in YAML under `broadcast/data/normalize/`; this module only loads it once at
import and turns it into read-only tables and regex fragments. No rule logic here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
BUILTIN_LEXICON = DATA_DIR / "lexicon.yaml"
BUILTIN_LOANWORDS = DATA_DIR / "loanwords.yaml"
NORM_DATA = DATA_DIR / "normalize"

MAX_TOKEN = 200
"""Longest run of non-space characters the stage reads (a URL is far shorter)."""
MAX_DIGITS = 15
"""Digit runs longer than this are read digit by digit, never as one count."""


@functools.cache
def data(name: str) -> dict[str, Any]:
    """One YAML file of `broadcast/data/normalize/`, parsed once."""
    path = NORM_DATA / name
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _readings() -> dict[str, Any]:
    return data("readings.yaml")


def _str_map(table: dict) -> dict[str, str]:
    return {str(k): str(v or "") for k, v in table.items()}


def _int_map(table: dict) -> dict[int, str]:
    return {int(k): str(v) for k, v in table.items()}


DIGITS: list[str] = list(_readings()["digits"])
LETTERS: dict[str, str] = _str_map(_readings()["letters"])
MONTHS: dict[int, str] = _int_map(_readings()["months"])
ORDINALS: dict[int, str] = _int_map(_readings()["ordinals"])
AFTER_MUOI: dict[int, str] = _int_map(_readings()["after_muoi"])
AFTER_MUOI_10: dict[int, str] = _int_map(_readings()["after_muoi_10"])
ZERO_TEN: str = _readings()["zero_ten"]
SCALES: list[str] = list(_readings()["scales"])
BILLION: str = _readings()["billion"]
COMMA_WORD: str = _readings()["decimal_comma"]
DOT_WORD: str = _readings()["dot"]
PART_DENOMINATORS: dict[int, str] = _int_map(_readings()["part_denominators"])

UNITS: dict[str, str] = _str_map(data("units.yaml")["units"])
PREFIX_CUR: dict[str, str] = _str_map(data("units.yaml")["prefix_currency"])
PER_WORD: str = data("units.yaml")["per_word"]
WEB_SYMBOLS: dict[str, str] = _str_map(data("web.yaml")["symbols"])
WEB_LABELS: dict[str, str] = _str_map(data("web.yaml")["labels"])
SYMBOLS: dict[str, str] = _str_map(data("symbols.yaml"))


def words_of(key: str) -> list[str]:
    """A list of keywords from `readings.yaml` (empty when the file has none)."""
    return [str(w) for w in _readings().get(key, []) or []]


def alternation(words: Iterable[str], flags_ci: bool = False) -> str:
    """A regex alternation of `words`, longest first; a space matches any run of spaces."""
    ordered = sorted(set(words), key=len, reverse=True)
    alt = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)
    return f"(?i:{alt})" if flags_ci else f"(?:{alt})"


def class_of(pred: Callable[[str], bool]) -> str:
    """A character class of the Latin/Vietnamese letters for which `pred` holds."""
    ranges = [(0x41, 0x5B), (0x61, 0x7B), (0xC0, 0x250), (0x1EA0, 0x1F00)]
    chars = [chr(c) for a, b in ranges for c in range(a, b) if pred(chr(c))]
    return "[" + "".join(re.escape(c) for c in chars) + "]"


UP = class_of(lambda c: c.isupper())
NUM = r"\d+(?:[.,]\d+)*"
HAS_DIGIT = re.compile(r"\d").search
RE_WORD = re.compile(r"[^\W\d_]+")
