"""Dates, ranges, slash ratios, times and weekdays.

Which reading a written '4-7', '12.5', '6/6' or '24/7' gets depends on the words around
it: a date word before it ("sáng", "dịp", "ngày"), a counted noun after it ("6/6 xã"), a
rank or share word before it ("xếp thứ 5/63", "chiếm 2/3"). The word lists are data in
`broadcast/data/normalize/readings.yaml`.
"""

from __future__ import annotations

import re

from broadcast.spoken.context import Context, sub
from broadcast.spoken.numbers import month_name, read_number
from broadcast.spoken.tables import HAS_DIGIT, PART_DENOMINATORS, alternation, words_of

_KW_RANK = re.compile(r"(?<!\w)" + alternation(words_of("rank_keywords"), True) + r"\s*$")
_KW_PART = re.compile(r"(?<!\w)" + alternation(words_of("part_keywords"), True) + r"\s*$")
_KW_RATIO = re.compile(r"(?<!\w)" + alternation(words_of("ratio_keywords"), True) + r"\s*$")
# "tỷ lệ 1/2000": after a scale word, N/large-number is a map or plan scale, not a
# month and year.
_KW_SCALE = re.compile(r"(?<!\w)" + alternation(words_of("scale_keywords"), True) + r"\s*$")
_RE_PART_AFTER = re.compile(r"\s+(?:số|tổng số|diện tích|dân số)(?!\w)", re.IGNORECASE)
_RE_COUNTED_AFTER = re.compile(r"\s*(?:" + alternation(words_of("counted_nouns"), True) + r")(?!\w)")
_DAYWORD = r"(?:(?i:(ngày|mùng|mồng))\s*:?\s+)?"
_KW_DAY_BEFORE = alternation(words_of("date_words_add_day"), True)
_KW_DATE_PLAIN = alternation(words_of("date_words") + words_of("date_words_weak"), True)
_WEAK = {w.lower() for w in words_of("date_words_weak")}
_NO_DAY_BEFORE = re.compile(
    r"(?<!\w)"
    + alternation([w for w in words_of("date_words") if w not in ("ngày", "mùng", "mồng")], True)
    + r"\s*$"
)
_RE_UNIT_AFTER = re.compile(
    r"\s*(?:%|(?:" + alternation(words_of("counted_nouns") + words_of("time_nouns"), True) + r")(?!\w))"
)

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
# "sáng 4-7", "chiều 12.5", "dịp 2-9", "Ngày 19 – 4", "ngày 17-9-2021".
_RE_DATE_WORD_DASH = re.compile(
    rf"(?<!\w)(?:({_KW_DAY_BEFORE})|({_KW_DATE_PLAIN}))\s*(\d{{1,2}})\s*([-–.])\s*(\d{{1,2}})"
    r"(?:\s*\4\s*(\d{4}))?(?![\w/]|[.,\-–]\d)"
)
# "ngày 24 và 25.8", "ngày 3, 4 và 5-9", "sáng 2 và 3/10": a list of days sharing a month.
_RE_DATE_LIST = re.compile(
    rf"(?<!\w)(?:({_KW_DAY_BEFORE})|((?i:ngày|các ngày|mùng|mồng)))\s+"
    r"(\d{1,2}(?:\s*(?:,|;|và|(?i:và ngày)|&)\s*\d{1,2})+)\s*([-–./])\s*(\d{1,2})"
    r"(?:\s*\4\s*(\d{4}))?(?![\w/]|[.,\-–]\d)"
)
_RE_LIST_SPLIT = re.compile(r"\d+|,|;|&|và ngày|và", re.IGNORECASE)
# "từ 1-7 đến 15-7", "ngày 30-4 và 1-5": two days with their months, joined.
_RE_DATE_PAIR = re.compile(
    rf"(?<!\w)((?i:từ\s+ngày|từ|ngày|các ngày|mùng|mồng)|{_KW_DAY_BEFORE})\s+"
    r"(\d{1,2})\s*([-.])\s*(\d{1,2})\s*(,|(?i:và|đến|tới))\s*(?:(?i:ngày)\s+)?"
    r"(\d{1,2})\s*\3\s*(\d{1,2})"
    r"(?![\w/]|[.,\-–]\d)"
)
# "từ 2-2021 đến 5-2021", "dịp 9-2024": a month and a year with a hyphen, never a range
# (nobody writes "5 to 2021"); not after "ngày", "quý", "số"… where the first number is
# something else.
_RE_MONTH_YEAR_BARE = re.compile(
    r"(?<![\w/.,\-])(?<!(?i:ngày) )(?<!(?i:quý) )(?<!(?i:số) )(?<!(?i:kỳ) )(?<!(?i:đợt) )"
    r"(\d{1,2})\s*[-–]\s*((?:19|20)\d\d)(?![\w/\-]|[.,]\d)"
)
# "Quý 1-2025", "đợt 2-2024": a period of the year, then the year.
_RE_PERIOD_YEAR = re.compile(
    r"(?<!\w)((?i:quý|đợt|kỳ|học kỳ|khóa|khoá))\s+(\d{1,2})\s*[-–/]\s*((?:19|20)\d\d)"
    r"(?![\w/\-]|[.,]\d)"
)
# Relative day words ("hôm nay 5-6 đơn vị"): a counted noun after makes it a range.
_RELATIVE = {w.lower() for w in words_of("date_words_relative")}
# "tháng 10-2015", "tháng 5.2024".
_RE_MONTH_YEAR_DASH = re.compile(r"(?<!\w)((?i:tháng))\s+(\d{1,2})\s*[-–.]\s*(\d{4})(?![\w/]|[.,\-–]\d)")
_RE_RANGE_REPEAT = re.compile(
    r"(?<!\w)("
    + alternation(words_of("range_repeat_words"), True)
    + r")\s+(\d+)\s*[-–—]\s*(?=\d+(?![\d/]|[.,]\d))"
)
# "3-2-1930 – 3-2-2026": a span between two dates written with hyphens.
_RE_DATE_SPAN = re.compile(
    r"(?<![\w/.,\-])(\d{1,2}-\d{1,2}-\d{4})\s*[-–—]\s*(?=\d{1,2}-\d{1,2}-\d{4}(?![\w/\-]))"
)
# "14/07/2021 - 20:45": a dateline (date, then the time), not a range.
_RE_DATE_THEN_TIME = re.compile(r"(?<=/\d{4})\s*[-–—]\s*(?=\d{1,2}:\d{2}(?![\d:]))")
# "chiều nay (3-7)", "sáng nay (28.8)": the day in brackets after "… nay" is today's date.
_RE_TODAY_BRACKET = re.compile(r"(?<=nay \()(\d{1,2})[-.](\d{1,2})(?=\))")
_RE_RANGE = re.compile(r"(?:(?<=\d)|(?<=\dh)|(?<=\d%))\s*[-–—]\s*(?=\d)")
_RE_MONTH_YEAR = re.compile(r"(?<![\w/.,])(?:(?i:(tháng))\s+)?(\d{1,2})/(\d{4})(?![\w/]|[.,]\d)")
_RE_DAY_MONTH = re.compile(rf"(?<![\w/.,]){_DAYWORD}(\d{{1,2}})/(\d{{1,2}})(?![\w/]|[.,]\d)")
# "ngày 10 đến " just before a day/month: the end of a day range.
_RE_DAY_THEN_TO = re.compile(r"(?<!\w)(?i:ngày|mùng|mồng)\s+\d{1,2}\s*(?:(?i:đến|tới)|[-–])\s*$")
_RE_MONTH = re.compile(r"(?<!\w)((?i:tháng))\s*(\d{1,2})(?![\w/]|[.,]\d)")
_RE_FRACTION = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)*)\s*/\s*(\d+(?:[.,]\d+)*)(?![\d.,]\d)")
_RE_TIME_H = re.compile(r"(?<![\w.,:])(\d{1,2})\s?(?:h(?:\s?(\d{2}))?|g(\d{2}))(?:'|p)?(?!\w)")
# "7g30–17g": the end of a span of hours written "17g" is an hour, not grams.
_RE_TIME_END_G = re.compile(r"(\d{1,2}\s?[gh]\s?\d{2}\s*(?:đến|-|–|—)\s*)(\d{1,2})g(?!\w)")
_RE_TIME_COLON = re.compile(r"(?<![\w.,:])(\d{1,2}):(\d{2})(?![\w:]|[.,]\d)")
_RE_TIME_GIO = re.compile(r"(?<![\w.,:])(\d{1,2})\s+giờ\s+(\d{2})(?!\s*phút)(?![\w]|[.,]\d)")
_WEEKDAY = r"(?:T|(?i:thứ)\s*)([2-7])"
_RE_WEEKDAYS = re.compile(rf"(?<!\w){_WEEKDAY}\s*[-–—]\s*(?:{_WEEKDAY}|(CN|(?i:chủ nhật)))(?!\w)")
_RE_WEEKDAY_T = re.compile(r"(?<!\w)T([2-7])(?!\w)")


# "(VTV1 - 19h - 10/01/17)": a radio/TV citation, channel, hour and air date.
_RE_CITATION = re.compile(
    r"\(\s*([A-ZĐ][A-Za-zĐ]{1,10}\d{0,2})\s*[-–—]\s*(?:(\d{1,2}\s?[hg](?:\s?\d{2})?)\s*[-–—]\s*)?"
    r"(\d{1,2})\s*([/.])\s*(\d{1,2})\s*\4\s*(\d{2}|\d{4})\s*\)"
)
# "ngày 10/01/17": a two-digit year after a day and month.
_RE_DATE_YY = re.compile(r"(?<!\w)((?i:ngày|mùng|mồng))\s+(\d{1,2})/(\d{1,2})/(\d{2})(?![\w/]|[.,]\d)")


def _full_year(yy: str) -> str:
    """'17' -> '2017', '98' -> '1998' (news text: years up to 2050 are this century)."""
    if len(yy) == 4:
        return yy
    return f"20{yy}" if int(yy) <= 50 else f"19{yy}"


def citation(ctx: Context, text: str) -> str:
    """'(VTV1 - 19h - 10/01/17)' -> '(VTV1, 19h, ngày 10/01/2017)'; 'ngày 5/3/21' -> 2021."""
    if "/" not in text and "." not in text:
        return text

    def cite(m: re.Match) -> str:
        tag, hour, day, sep, month, year = m.groups()
        if not _valid(day, month):
            return m.group(0)
        ctx.decided("trích nguồn phát thanh, truyền hình")
        hour = f", {hour}" if hour else ""
        return f"({tag}{hour}, ngày {day}/{month}/{_full_year(year)})"

    def yy(m: re.Match) -> str:
        word, day, month, year = m.groups()
        if not _valid(day, month):
            return m.group(0)
        ctx.decided("năm viết hai chữ số sau ngày, tháng")
        return f"{word} {day}/{month}/{_full_year(year)}"

    if "(" in text:
        text = sub(ctx, "citation", _RE_CITATION, cite, text)
    return sub(ctx, "citation", _RE_DATE_YY, yy, text)


def _valid(day: str | None, month: str) -> bool:
    m = int(month)
    return 1 <= m <= 12 and (day is None or 1 <= int(day) <= 31)


def _fraction_words(ctx: Context, m: re.Match, a: str, b: str, default: str | None = None) -> str | None:
    """'5/63' after 'xếp thứ' -> '5 trên 63'; '2/3 số xã' -> '2 phần ba'; else None.

    Numbers stay as digits for the later rules (ordinal, time, number) to read.
    """
    start = max(0, m.start() - 24)
    rank = _KW_RANK.search(m.string, start, m.start())
    if rank:
        ctx.decided(f"sau '{rank.group(0).strip()}'")
        return f"{a} trên {b}"
    counted = _RE_COUNTED_AFTER.match(m.string, m.end())
    if counted and default is None:
        ctx.decided(f"trước '{counted.group(0).strip()}'")
        return f"{a} trên {b}"
    ratio = _KW_RATIO.search(m.string, start, m.start())
    if ratio:
        ctx.decided(f"sau '{ratio.group(0).strip()}'")
        return f"{a} trên {b}"
    part = _KW_PART.search(m.string, start, m.start()) or _RE_PART_AFTER.match(m.string, m.end())
    if part or default:
        if a.isdigit() and b.isdigit() and len(b) < 4 and int(a) < int(b) and int(b) in PART_DENOMINATORS:
            if part:
                ctx.decided(f"'{part.group(0).strip()}': phân số")
            return f"{a} phần {PART_DENOMINATORS[int(b)]}"
        return f"{a} trên {b}"
    return None


def range_(ctx: Context, text: str) -> str:
    """'2021 - 2030', '2021-2030', '10-15 phút' -> '… đến …' (never 'trừ').

    Dates written with hyphens ('15-7-2021', 'sáng 4-7') and day ranges ('15-20/7') are
    read first, so their hyphens are not ranges.
    """
    if not HAS_DIGIT(text) or ("-" not in text and "–" not in text and "—" not in text and "." not in text):
        return text
    if "/" in text:
        text = sub(ctx, "date", _RE_DATE_RANGE, _date_range, text)
        text = sub(ctx, "range", _RE_DATE_THEN_TIME, ", ", text)
    text = sub(ctx, "date", _RE_DATE_LIST, lambda m: _date_list(ctx, m), text)
    text = sub(ctx, "date", _RE_DATE_PAIR, lambda m: _date_pair(ctx, m), text)
    text = sub(ctx, "date", _RE_DATE_WORD_DASH, lambda m: _date_word_dash(ctx, m), text)
    text = sub(ctx, "date", _RE_TODAY_BRACKET, _today_bracket, text)
    text = sub(ctx, "date", _RE_MONTH_YEAR_DASH, _month_year, text)
    text = sub(ctx, "date", _RE_PERIOD_YEAR, _period_year, text)
    text = sub(ctx, "date", _RE_MONTH_YEAR_BARE, lambda m: _month_year_bare(ctx, m), text)
    if "-" in text:
        text = sub(ctx, "range", _RE_DATE_SPAN, r"\1 đến ", text)
        text = sub(ctx, "date", _RE_DATE_DASHED, _date_full, text)
    if "-" not in text and "–" not in text and "—" not in text:
        return text
    text = sub(ctx, "date", _RE_WEEKDAYS, _weekdays, text)
    text = sub(ctx, "range", _RE_RANGE_REPEAT, _range_repeat, text)
    return sub(ctx, "range", _RE_RANGE, " đến ", text)


def _date_word_dash(ctx: Context, m: re.Match) -> str:
    add_day, plain, day, _sep, month, year = m.groups()
    if not _valid(day, month):
        return m.group(0)
    weak = plain and " ".join(plain.lower().split()) in _WEAK
    if weak and _RE_UNIT_AFTER.match(m.string, m.end()):
        return m.group(0)  # "tăng tới 10-15%": a range, read by the range rule
    relative = add_day and " ".join(add_day.lower().split()) in _RELATIVE
    if relative and _RE_COUNTED_AFTER.match(m.string, m.end()):
        return m.group(0)  # "hôm nay 5-6 đơn vị": a range
    word = add_day or plain
    ctx.decided(f"sau '{word}'")
    out = f"{word} ngày " if add_day else f"{word} "
    out += f"{read_number(day)} tháng {month_name(int(month))}"
    if year:
        out += " năm " + read_number(year)
    return out


def _period_year(m: re.Match) -> str:
    return f"{m.group(1)} {read_number(m.group(2))} năm {read_number(m.group(3))}"


def _month_year_bare(ctx: Context, m: re.Match) -> str:
    month, year = m.groups()
    if not _valid(None, month):
        return m.group(0)
    ctx.decided("tháng và năm: không phải khoảng")
    return f"tháng {month_name(int(month))} năm {read_number(year)}"


def _date_pair(ctx: Context, m: re.Match) -> str:
    word, d1, _sep, m1, join, d2, m2 = m.groups()
    if not (_valid(d1, m1) and _valid(d2, m2)):
        return m.group(0)
    low = " ".join(word.lower().split())
    if (low in _RELATIVE or low == "từ") and (
        _RE_COUNTED_AFTER.match(m.string, m.end()) or m.string.startswith("%", m.end())
    ):
        return m.group(0)  # "từ 10-12 đến 11-12 người": ranges of a count
    ctx.decided(f"hai ngày sau '{word}'")
    first = f"{read_number(d1)} tháng {month_name(int(m1))}"
    second = f"ngày {read_number(d2)} tháng {month_name(int(m2))}"
    lead = word if low.endswith(("ngày", "mùng", "mồng")) else f"{word} ngày"
    join = "," if join == "," else join.lower()
    return f"{lead} {first}{join if join == ',' else ' ' + join} {second}"


def _date_list(ctx: Context, m: re.Match) -> str:
    add_day, plain, days, _sep, month, year = m.groups()
    words = []
    for tok in _RE_LIST_SPLIT.findall(days):
        if tok.isdigit():
            if not _valid(tok, month):
                return m.group(0)
            words.append(read_number(tok))
        elif tok in (",", ";"):
            words.append(",")
        else:
            words.append("và")
    ctx.decided(f"danh sách ngày sau '{add_day or plain}'")
    out = f"{add_day} ngày " if add_day else f"{plain} "
    out += " ".join(words).replace(" ,", ",") + f" tháng {month_name(int(month))}"
    if year:
        out += " năm " + read_number(year)
    return out


def _range_repeat(m: re.Match) -> str:
    return f"{m.group(1)} {m.group(2)} đến {m.group(1)} "


def _today_bracket(m: re.Match) -> str:
    day, month = m.groups()
    if not _valid(day, month):
        return m.group(0)
    return f"ngày {read_number(day)} tháng {month_name(int(month))}"


def _weekdays(m: re.Match) -> str:
    a, b, end = m.groups()
    last = "chủ nhật" if end else f"thứ {month_name(int(b))}"
    return f"thứ {month_name(int(a))} đến {last}"


def _date_range(m: re.Match) -> str:
    word, d1, d2, mo, year = m.groups()
    if not (_valid(d1, mo) and _valid(d2, mo)):
        return m.group(0)
    word = word or "ngày"
    out = f"{word} {read_number(d1)} đến {read_number(d2)} tháng {month_name(int(mo))}"
    if year:
        out += " năm " + read_number(year)
    return out


def _date_full(m: re.Match) -> str:
    word, day, _sep, month, year = m.groups()
    if not _valid(day, month):
        return m.group(0)
    word = word or "ngày"
    return f"{word} {read_number(day)} tháng {month_name(int(month))} năm {read_number(year)}"


def _month_year(m: re.Match) -> str:
    word, month, year = m.groups()
    if not _valid(None, month):
        return m.group(0)
    return f"{word or 'tháng'} {month_name(int(month))} năm {read_number(year)}"


def date(ctx: Context, text: str) -> str:
    """Dates: '15/7/2021', 'ngày 02/9/2021', 'tháng 4/2024', '30/4', 'tháng 01'."""
    if not HAS_DIGIT(text):
        return text
    if "/" in text:
        text = sub(ctx, "date", _RE_DATE_LIST, lambda m: _date_list(ctx, m), text)
        text = sub(ctx, "date", _RE_PERIOD_YEAR, _period_year, text)
    text = sub(ctx, "date", _RE_DATE_FULL, _date_full, text)
    if "/" in text:
        text = sub(ctx, "date", _RE_MONTH_YEAR, lambda m: _month_year_slash(ctx, m), text)
        text = sub(ctx, "date", _RE_DAY_MONTH, lambda m: _day_month(ctx, m), text)
    if "háng" in text or "HÁNG" in text:
        text = sub(ctx, "date", _RE_MONTH, _month_only, text)
    if "T" in text:
        text = sub(ctx, "date", _RE_WEEKDAY_T, lambda m: f"thứ {month_name(int(m.group(1)))}", text)
    return text


def _day_month(ctx: Context, m: re.Match) -> str:
    word, day, month = m.groups()
    if (
        not word
        and _valid(day, month)
        and _RE_DAY_THEN_TO.search(m.string, max(0, m.start() - 24), m.start())
    ):
        # "từ ngày 10 đến 17/5": the day range shares "ngày" (the range convention).
        ctx.decided("cuối khoảng ngày: không đọc lại 'ngày'")
        return f"{read_number(day)} tháng {month_name(int(month))}"
    if not word:
        fraction = _fraction_words(ctx, m, day, month)
        if fraction:
            return fraction
    if not _valid(day, month):
        return m.group(0)
    if not word:
        holiday = _NO_DAY_BEFORE.search(m.string, max(0, m.start() - 20), m.start())
        if holiday:
            ctx.decided(f"sau '{holiday.group(0).strip()}'")
            return f"{read_number(day)} tháng {month_name(int(month))}"
    return f"{word or 'ngày'} {read_number(day)} tháng {month_name(int(month))}"


def _month_year_slash(ctx: Context, m: re.Match) -> str:
    if not m.group(1) and _KW_SCALE.search(m.string, max(0, m.start() - 16), m.start()):
        ctx.decided("sau 'tỷ lệ': tỷ lệ bản đồ")
        return f"{m.group(2)} trên {m.group(3)}"
    return _month_year(m)


def _month_only(m: re.Match) -> str:
    if not _valid(None, m.group(2)):
        return m.group(0)
    return f"{m.group(1)} {month_name(int(m.group(2)))}"


def fraction(ctx: Context, text: str) -> str:
    """'5/63' (not a date, not a document) -> 'năm trên sáu mươi ba'."""
    if "/" not in text:
        return text
    return sub(
        ctx,
        "fraction",
        _RE_FRACTION,
        lambda m: _fraction_words(ctx, m, m.group(1), m.group(2), default="trên") or "",
        text,
    )


def time(ctx: Context, text: str) -> str:
    """'7h30' -> 'bảy giờ ba mươi phút'; '13h00' -> 'mười ba giờ'; '7:30', '19g30' too."""
    if not HAS_DIGIT(text):
        return text
    if "h" in text or "g" in text:
        text = sub(ctx, "time", _RE_TIME_END_G, r"\1\2h", text)
        text = sub(ctx, "time", _RE_TIME_H, _read_time, text)
    if ":" in text:
        text = sub(ctx, "time", _RE_TIME_COLON, _read_time, text)
    if "giờ" in text:
        text = sub(ctx, "time", _RE_TIME_GIO, _read_time_as_written, text)
    return text


def _read_time_as_written(m: re.Match) -> str:
    """'8 giờ 00' -> 'tám giờ'; '07 giờ 30' -> 'bảy giờ ba mươi' (no 'phút' added)."""
    hour, minute = m.group(1), m.group(2)
    if int(hour) > 24 or int(minute) > 59:
        return m.group(0)
    out = f"{read_number(hour)} giờ"
    if int(minute):
        out += f" {read_number(minute)}"
    return out


def _read_time(m: re.Match) -> str:
    hour = m.group(1)
    minute = next((g for g in m.groups()[1:] if g is not None), None)
    if int(hour) > 24 or (minute is not None and int(minute) > 59):
        return m.group(0)
    out = f"{read_number(hour)} giờ"
    if minute and int(minute):
        out += f" {read_number(minute)} phút"
    return out
