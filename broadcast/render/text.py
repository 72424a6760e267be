"""Small text helpers shared by the renderers (operator-facing formats of times and dates)."""

from __future__ import annotations

from datetime import date

from broadcast.config import WEEKDAY_NAMES_VI


def mmss(seconds: float) -> str:
    """Seconds as zero-padded "MM:SS" (rounded to the second), as printed for operators."""
    m, s = divmod(int(round(seconds)), 60)
    return f"{m:02d}:{s:02d}"


def vi_date(d: date) -> str:
    """ "Thứ Hai, ngày 06/04/2026"."""
    return f"{WEEKDAY_NAMES_VI[d.weekday()]}, ngày {d:%d/%m/%Y}"
