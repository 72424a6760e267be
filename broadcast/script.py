"""The script stage: read, render, protect and approve the month's script `scripts/YYYY-MM.md`.

The file format is fixed in docs/script-format.md: YAML front matter, `## heading` segments,
spoken paragraphs, cues in double brackets (Vietnamese names, English aliases) and
`<!-- -->` comments. Rendering uses Jinja2's sandbox over the built-in templates, which a
station overrides by putting a template of the same name in `<station>/templates/`.
Staff edits are detected by hashing the body, so the tool never overwrites them silently.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment

from broadcast.config import Station, validate_month
from broadcast.errors import BroadcastError, NextStep, ScriptError
from broadcast.fsutil import atomic_write_text
from broadcast.templating import (
    MAX_OUTPUT_CHARS,
    ConfinedLoader,
    LimitedSandbox,
    TemplateLimitError,
    limited_filter,
    thousands,
)
from broadcast.textutil import fold
from broadcast.topics import load_facts, topic_for_month
from broadcast.yamlio import load_yaml, read_text_file

log = logging.getLogger(__name__)

STATUSES = ("draft", "approved")
TEMPLATE_MAIN = "programme.md.j2"
# The topic library is written for the national CCHC programme 2021–2030 (NQ 76/NQ-CP of 15/7/2021).
PROGRAMME_FIRST, PROGRAMME_LAST = "2021-08", "2030-12"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CUE_LINE = re.compile(r"^\[\[(.*)\]\]$")
_NUMBER = r"([+\-−]?\d+(?:[.,]\d+)?)"
_PAUSE = re.compile(rf"^(?:nghi|pause)\s*{_NUMBER}\s*(?:giay|s|sec|seconds?)?$")
_GAIN = re.compile(rf"^(?:am luong|gain)\s*{_NUMBER}\s*(?:db)?$")
_LIST_MARK = re.compile(r"^(?:[-*+•]\s+|\d{1,2}[.)]\s+)")

# Cue names (diacritics folded, lower case) -> (cue, arg). docs/script-format.md.
_SIMPLE_CUES: dict[str, tuple[str, Any]] = {
    "nhac hieu": ("intro", None),
    "intro": ("intro", None),
    "nhac chuyen": ("stinger", None),
    "stinger": ("stinger", None),
    "nhac ket": ("outro", None),
    "outro": ("outro", None),
    "nhac nen bat": ("bed_on", None),
    "bed on": ("bed_on", None),
    "nhac nen tat": ("bed_off", None),
    "bed off": ("bed_off", None),
    "giong chinh": ("voice", "main"),
    "voice main": ("voice", "main"),
    "giong phu": ("voice", "second"),
    "voice second": ("voice", "second"),
}
VALID_CUES_VI = (
    "[[nhạc hiệu]], [[nhạc chuyển]], [[nhạc kết]], [[nghỉ 2]], [[nhạc nền bật]], "
    "[[nhạc nền tắt]], [[giọng chính]], [[giọng phụ]], [[âm lượng +2]]"
)
VALID_CUES_EN = (
    "[[intro]], [[stinger]], [[outro]], [[pause 2]], [[bed on]], [[bed off]], "
    "[[voice main]], [[voice second]], [[gain +2]]"
)
_CUE_HINT = f"Các tín hiệu hợp lệ: {VALID_CUES_VI} (hoặc tên tiếng Anh: {VALID_CUES_EN})."

MONTH_NAMES_VI = [
    "một",
    "hai",
    "ba",
    "tư",
    "năm",
    "sáu",
    "bảy",
    "tám",
    "chín",
    "mười",
    "mười một",
    "mười hai",
]


# --------------------------------------------------------------------------- data


@dataclass
class Item:
    """One thing in a segment: a spoken paragraph or a cue."""

    kind: str
    """"speech" or "cue"."""
    line: int
    """1-based line in the script file (first line of a paragraph)."""
    text: str = ""
    """speech: the written text of one paragraph (may contain several sentences)."""
    cue: str | None = None
    """cue: intro | stinger | outro | pause | bed_on | bed_off | voice | gain."""
    arg: float | str | None = None
    """pause seconds, gain dB, or voice role "main" | "second"."""
    voice: str = "main"
    """speech: the voice role in force ("main" | "second")."""


@dataclass
class Segment:
    """A `## heading` and what follows it; the heading is a chapter title, never read."""

    title: str
    line: int
    items: list[Item] = field(default_factory=list)


@dataclass
class Script:
    """A parsed script file."""

    path: Path
    month: str
    topic: str
    title: str
    status: str
    meta: dict
    """The whole front matter."""
    segments: list[Segment]
    body_sha256: str
    """sha256 of the body (everything after the front matter), see body_hash()."""
    meta_lines: dict[str, int] = field(default_factory=dict)
    """File line of each front-matter key, for errors that point at it."""

    @property
    def approved(self) -> bool:
        """Approved, and not edited since: an edit after approval makes it a draft again."""
        return self.status == "approved" and self.meta.get("approved_sha256") == self.body_sha256

    @property
    def edited(self) -> bool:
        """True if staff changed the body since the tool rendered it."""
        rendered = self.meta.get("rendered_sha256")
        return bool(rendered) and rendered != self.body_sha256

    @property
    def effective_status(self) -> str:
        """ "approved" only when the approval still matches the body, else "draft"."""
        return "approved" if self.approved else "draft"

    def speech_items(self) -> list[tuple[Segment, Item]]:
        """Every spoken paragraph with its segment, in order."""
        return [(s, i) for s in self.segments for i in s.items if i.kind == "speech"]


# --------------------------------------------------------------------------- parsing


def body_hash(body: str) -> str:
    """Hash of a script body, blind to line endings, trailing spaces and edge blank lines."""
    lines = [ln.rstrip() for ln in body.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return hashlib.sha256("\n".join(lines).strip("\n").encode("utf-8")).hexdigest()


MAX_SCRIPT_BYTES = 1_000_000
"""Largest script file read (a 15-minute script is about 15 kB)."""
MAX_LINE_CHARS = 10_000
"""Longest line (a whole paragraph typed on one line is a few thousand characters)."""
MAX_TOKEN_CHARS = 200
"""Longest run of characters without a space (the longest real web address is ~80)."""
MAX_DIGITS = 20
"""Longest run of digits (an identity card number has 12, a bank account up to 19)."""
_LONG_TOKEN = re.compile(rf"\S{{{MAX_TOKEN_CHARS + 1},}}")
_LONG_DIGITS = re.compile(rf"\d{{{MAX_DIGITS + 1},}}")


def check_limits(text: str, path: Path, first_line: int = 1) -> None:
    """Refuse lines, words and numbers too long to be read aloud (ScriptError naming the line).

    They are always a paste accident, and the later stages (spoken form, voice) must not
    spend minutes on them.
    """
    for offset, line in enumerate(text.split("\n")):
        lineno = first_line + offset
        if len(line) > MAX_LINE_CHARS:
            raise ScriptError(
                f"dòng quá dài ({thousands(len(line))} ký tự, tối đa {thousands(MAX_LINE_CHARS)}).",
                file=path,
                line=lineno,
                hint="Chia đoạn văn thành nhiều đoạn ngắn hơn (xuống dòng), hoặc xóa phần dán nhầm.",
            )
        m = _LONG_TOKEN.search(line)
        if m:
            shown = m.group(0)[:40] + "…"
            raise ScriptError(
                f"có một chữ dài {thousands(len(m.group(0)))} ký tự liền nhau, không đọc được: '{shown}'.",
                file=path,
                line=lineno,
                hint=f"Mỗi chữ (kể cả địa chỉ web) tối đa {MAX_TOKEN_CHARS} ký tự; thêm dấu cách "
                "hoặc xóa phần dán nhầm.",
            )
        m = _LONG_DIGITS.search(line)
        if m:
            raise ScriptError(
                f"có một số dài {len(m.group(0))} chữ số, không đọc được thành lời.",
                file=path,
                line=lineno,
                hint=f"Số tối đa {MAX_DIGITS} chữ số; kiểm tra lại con số hoặc tách bằng dấu cách.",
            )


def split_front_matter(text: str, path: Path) -> tuple[str, str, int]:
    """Split a script into (front matter text, body, first body line number)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ScriptError(
            "kịch bản phải mở đầu bằng phần thông tin (front matter) giữa hai dòng '---'.",
            file=path,
            line=1,
            hint="Dòng đầu tiên của tệp là '---', tiếp theo là month:, topic:, title:, "
            "status:, rồi một dòng '---'.",
        )
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    raise ScriptError(
        "phần thông tin (front matter) mở ở dòng 1 nhưng chưa có dòng '---' để đóng.",
        file=path,
        line=1,
        hint="Thêm một dòng chỉ có '---' sau dòng status: …",
    )


def _parse_front_matter(fm_text: str, path: Path) -> dict:
    try:
        # The package's one safe YAML reader: limits on aliases, depth, numbers, bad characters.
        meta = load_yaml(path, text=fm_text, error=ScriptError, line_offset=1).data if fm_text.strip() else {}
    except ScriptError as exc:
        raise ScriptError(
            f"phần thông tin đầu kịch bản: {exc.message}",
            file=path,
            line=exc.line or 1,
            hint=(exc.hint or "") + " Mỗi dòng dạng 'khóa: giá trị'; chữ có dấu hai chấm thì đặt "
            "trong ngoặc kép.",
        ) from None
    if not isinstance(meta, dict):
        raise ScriptError("phần thông tin đầu kịch bản phải gồm các dòng 'khóa: giá trị'.", file=path, line=2)
    return meta


def _fm_lines(fm_text: str) -> dict[str, int]:
    """File line of each top-level front-matter key (the opening '---' is line 1)."""
    lines: dict[str, int] = {}
    for i, ln in enumerate(fm_text.split("\n")):
        if ln and not ln[0].isspace() and ":" in ln:
            lines.setdefault(ln.split(":", 1)[0].strip(), i + 2)
    return lines


def parse_cue(inner: str, path: Path, line: int) -> tuple[str, Any]:
    """Turn the text inside `[[…]]` into (cue, arg), or raise a ScriptError naming the line."""
    name = fold(inner)
    if name in _SIMPLE_CUES:
        return _SIMPLE_CUES[name]
    m = _PAUSE.match(name)
    if m:
        seconds = float(m.group(1).replace(",", ".").replace("−", "-"))
        if not 0.1 <= seconds <= 30:
            raise ScriptError(
                f"khoảng nghỉ [[{inner}]] phải từ 0,1 đến 30 giây.",
                file=path,
                line=line,
                hint="Ví dụ: [[nghỉ 2]] hoặc [[nghỉ 1,5]].",
            )
        return "pause", seconds
    m = _GAIN.match(name)
    if m:
        db = float(m.group(1).replace(",", ".").replace("−", "-"))
        if not -12 <= db <= 12:
            raise ScriptError(
                f"mức chỉnh âm lượng [[{inner}]] phải từ −12 đến +12 dB.",
                file=path,
                line=line,
                hint="Ví dụ: [[âm lượng +2]] hoặc [[âm lượng -3]].",
            )
        return "gain", db
    raise ScriptError(f"không hiểu tín hiệu [[{inner}]].", file=path, line=line, hint=_CUE_HINT)


def _strip_inline(text: str) -> str:
    """Drop Markdown emphasis and list markers that must not be read aloud."""
    text = _LIST_MARK.sub("", text)
    return text.replace("**", "").replace("__", "").strip()


_SINGLE_BRACKET = re.compile(r"^\[([^\[\]]+)\]$")


def _is_cue(inner: str, path: Path, line: int) -> bool:
    """True if `inner` names a cue (so `[inner]` was meant as `[[inner]]`)."""
    try:
        parse_cue(inner, path, line)
    except ScriptError:
        return False
    return True


def parse_body(body: str, path: Path, first_line: int) -> list[Segment]:
    """Parse the body into segments (see docs/script-format.md)."""
    segments: list[Segment] = []
    paragraph: list[str] = []
    para_line = 0
    voice = "main"
    comment_open: int | None = None
    errors: list[ScriptError] = []

    def flush() -> None:
        nonlocal paragraph
        if paragraph:
            segments[-1].items.append(
                Item(kind="speech", line=para_line, text=" ".join(paragraph), voice=voice)
            )
            paragraph = []

    for offset, raw in enumerate(body.split("\n")):
        lineno = first_line + offset
        try:
            line = raw
            # Comments, possibly spanning lines or sitting inside a line.
            if comment_open is not None:
                end = line.find("-->")
                if end < 0:
                    continue
                line = line[end + 3 :]
                comment_open = None
            while "<!--" in line:
                start = line.find("<!--")
                end = line.find("-->", start + 4)
                if end < 0:
                    comment_open = lineno
                    line = line[:start]
                    break
                line = line[:start] + " " + line[end + 3 :]
            stripped = line.strip()
            if not stripped:
                if raw.strip() and not stripped and comment_open is None and "<!--" in raw:
                    continue  # a line that held only a comment does not end a paragraph
                flush()
                continue
            if stripped.startswith("##") and not stripped.startswith("###"):
                flush()
                title = stripped[2:].strip()
                if not title:
                    raise ScriptError(
                        "tiêu đề đoạn '##' đang để trống.",
                        file=path,
                        line=lineno,
                        hint="Viết tên đoạn sau '## ', ví dụ: ## Hỏi đáp",
                    )
                segments.append(Segment(title=title, line=lineno))
                voice = "main"
                continue
            if stripped.startswith("#"):
                flush()  # a title for the reader, never read
                continue
            if not segments:
                segments.append(Segment(title="", line=lineno))  # said once; later lines attach here
                raise ScriptError(
                    "có nội dung trước tiêu đề đoạn đầu tiên, không biết thuộc đoạn nào.",
                    file=path,
                    line=lineno,
                    hint="Thêm một dòng tiêu đề dạng '## Mở đầu' phía trên, hoặc xóa dòng này.",
                )
            m = _CUE_LINE.match(stripped)
            if m:
                flush()
                cue, arg = parse_cue(m.group(1).strip(), path, lineno)
                if cue == "voice":
                    voice = str(arg)
                segments[-1].items.append(Item(kind="cue", line=lineno, cue=cue, arg=arg))
                continue
            if "[[" in stripped or "]]" in stripped:
                raise ScriptError(
                    "tín hiệu [[…]] phải nằm riêng trên một dòng.",
                    file=path,
                    line=lineno,
                    hint="Tách tín hiệu xuống một dòng riêng. " + _CUE_HINT,
                )
            single = _SINGLE_BRACKET.match(stripped)
            if single and _is_cue(single.group(1).strip(), path, lineno):
                raise ScriptError(
                    f"'{stripped}' chỉ có một cặp ngoặc vuông nên sẽ bị ĐỌC THÀNH LỜI.",
                    file=path,
                    line=lineno,
                    hint=f"Viết tín hiệu với hai cặp ngoặc vuông: [[{single.group(1).strip()}]].",
                )
            if _LIST_MARK.match(stripped):
                flush()  # each list item is its own paragraph
            text = _strip_inline(stripped)
            if not text:
                continue
            if not paragraph:
                para_line = lineno
            paragraph.append(" ".join(text.split()))
        except ScriptError as exc:  # keep going: report every wrong line at once
            errors.append(exc)
    if comment_open is not None:
        errors.append(
            ScriptError(
                "chú thích mở bằng '<!--' chưa được đóng bằng '-->'.",
                file=path,
                line=comment_open,
                hint="Thêm '-->' ở cuối chú thích; nếu không, phần sau sẽ không được đọc.",
            )
        )
    if len(errors) == 1:
        raise errors[0]
    if errors:
        listing = "\n".join(
            f"  - dòng {e.line}: {e.message}" + (f"\n      Cách sửa: {e.hint}" if e.hint else "")
            for e in errors
        )
        raise ScriptError(
            f"kịch bản có {len(errors)} chỗ cần sửa (sửa hết rồi chạy lại):\n{listing}",
            file=path,
            line=errors[0].line,
        )
    if segments:
        flush()
    return segments


def parse_script(text: str, path: Path) -> Script:
    """Parse script text (front matter + body); `path` is used in messages only."""
    path = Path(path)
    fm_text, body, first = split_front_matter(text, path)
    check_limits(fm_text, path, 2)
    check_limits(body, path, first)
    meta = _parse_front_matter(fm_text, path)
    meta_lines = _fm_lines(fm_text)
    month = meta.get("month")
    month = str(month) if month is not None else ""
    if not _MONTH.match(month):
        raise ScriptError(
            f"tháng '{month}' không hợp lệ.",
            file=path,
            line=meta_lines.get("month", 1),
            field="month",
            hint='Viết dạng month: "2026-12".',
        )
    status = str(meta.get("status") or "draft").strip().lower()
    if status not in STATUSES:
        raise ScriptError(
            f"trạng thái '{status}' không hợp lệ.",
            file=path,
            line=meta_lines.get("status", 1),
            field="status",
            hint="Chỉ dùng 'draft' (bản nháp) hoặc 'approved' (đã duyệt; nên dùng lệnh broadcast approve).",
        )
    segments = parse_body(body, path, first)
    if not segments:
        raise ScriptError(
            "kịch bản không có đoạn nào (dòng bắt đầu bằng '## ').",
            file=path,
            line=first,
            hint="Mỗi phần của chương trình bắt đầu bằng một dòng '## Tên phần'.",
        )
    return Script(
        path=path,
        month=month,
        topic=str(meta.get("topic") or ""),
        title=str(meta.get("title") or ""),
        status=status,
        meta=meta,
        segments=segments,
        body_sha256=body_hash(body),
        meta_lines=meta_lines,
    )


def read_script(path: Path) -> Script:
    """Read and parse a script file; errors name the file and line (ScriptError)."""
    path = Path(path)
    if not path.exists():
        raise ScriptError(
            "chưa có kịch bản của tháng này.",
            file=path,
            hint="Soạn kịch bản của tháng trước khi làm bước này.",
            next_step=NextStep("script", month=path.stem),
        )
    # Regular files only (a FIFO would hang), bounded size, UTF-8 with the line of a bad byte.
    text = read_text_file(path, error=ScriptError, max_bytes=MAX_SCRIPT_BYTES, what="tệp kịch bản")
    script = parse_script(text, path)
    if _MONTH.match(path.stem) and script.month != path.stem:
        # Usually last month's script copied and not updated: it would air the wrong month.
        raise ScriptError(
            f"tệp {path.name} ghi 'month: {script.month}' — không khớp với tên tệp.",
            file=path,
            line=script.meta_lines.get("month"),
            field="month",
            hint=f"Sửa thành month: {path.stem} (hoặc đổi tên tệp cho đúng tháng).",
        )
    return script


# --------------------------------------------------------------------------- front matter


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    return (
        yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
        .strip()
        .removesuffix("...")
        .strip()
    )


def set_front_matter(fm_text: str, updates: dict[str, Any]) -> str:
    """Replace top-level `key: value` lines (keeping comments and order); append new keys."""
    lines = fm_text.split("\n") if fm_text else []
    done: set[str] = set()
    for i, ln in enumerate(lines):
        if not ln or ln[0] in " \t#-":
            continue
        key = ln.split(":", 1)[0].strip()
        if key in updates and key not in done:
            comment = ""
            m = re.search(r"\s+#\s.*$", ln.split(":", 1)[1]) if ":" in ln else None
            if m and key in ("status", "voice"):
                comment = "  " + m.group(0).strip()
            lines[i] = f"{key}: {_yaml_scalar(updates[key])}{comment}"
            done.add(key)
    for key, value in updates.items():
        if key not in done:
            lines.append(f"{key}: {_yaml_scalar(value)}")
    return "\n".join(lines)


def _compose(fm_text: str, body: str) -> str:
    return f"---\n{fm_text.rstrip()}\n---\n{body}"


# --------------------------------------------------------------------------- rendering


def _package_templates() -> Path:
    return Path(str(resources.files("broadcast").joinpath("data/templates")))


def station_templates_dir(station: Station) -> Path:
    """Where a station keeps its own templates (they override built-ins by name)."""
    return station.store.templates_dir


def make_environment(station: Station) -> LimitedSandbox:
    """The sandboxed Jinja2 environment: station templates first, then the built-in ones.

    Templates are read only from inside the station folder and the package (symlinks
    resolved), and rendering is limited in time, loop iterations and size (LimitedSandbox).
    """
    package = _package_templates()
    env = LimitedSandbox(
        loader=ConfinedLoader([(station_templates_dir(station), station.store.root), (package, package)]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    for name, func in list(env.filters.items()):
        env.filters[name] = limited_filter(env, func)
    env.filters["num"] = format_number
    env.filters["pct"] = format_percent
    env.filters["lcfirst"] = lower_first
    env.filters["join_vi"] = join_vi
    return env


def lower_first(text: Any) -> str:
    """Lower-case the first letter to continue a sentence ("Chuẩn bị" -> "chuẩn bị").

    Words written in capitals or mixed case (UBND, VNeID, Cổng Dịch vụ công) stay as they are.
    """
    text = str(text)
    word = text.split(" ", 1)[0]
    if word[:1].isupper() and word[1:] == word[1:].lower():
        follower = text.split(" ", 2)[1] if " " in text else ""
        if follower[:1].isupper():
            return text  # a proper name such as "Bộ phận Một cửa" or "Cổng Dịch vụ công"
        return text[0].lower() + text[1:]
    return text


def join_vi(items: Any) -> str:
    """["a", "b", "c"] -> "a, b và c"."""
    items = [str(i) for i in items if str(i).strip()]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " và " + items[-1]


def format_number(value: Any) -> str:
    """1245 -> '1.245', 12.5 -> '12,5' (Vietnamese separators)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        whole, frac = f"{value:.2f}".rstrip("0").split(".")
        return f"{int(whole):,}".replace(",", ".") + "," + frac
    return f"{int(value):,}".replace(",", ".")


def format_percent(value: Any) -> str:
    """98.5 -> '98,5%'."""
    return format_number(value) + "%"


class _Picker:
    """Chooses among wording variants by month, so months do not repeat the same sentences."""

    def __init__(self, month: str) -> None:
        self.month = month

    def __call__(self, options: Any, key: str = "") -> Any:
        options = list(options)
        if not options:
            return ""
        idx = zlib.crc32(f"{self.month}|{key}|{len(options)}".encode()) % len(options)
        return options[idx]


def _template_location(exc: BaseException, env: SandboxedEnvironment) -> tuple[str | None, int | None]:
    """The template file and line where a rendering error happened (from the traceback)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return exc.filename or exc.name, exc.lineno
    found: tuple[str | None, int | None] = (None, None)
    tb = exc.__traceback__
    while tb is not None:
        fname = tb.tb_frame.f_code.co_filename
        if fname.endswith(".j2"):
            found = (fname, tb.tb_lineno)
        tb = tb.tb_next
    return found


def render_body(station: Station, month: str, context: dict[str, Any]) -> str:
    """Render the programme body from the templates; template errors name file and line."""
    env = make_environment(station)
    env.globals["pick"] = _Picker(month)
    try:
        template = env.get_template(TEMPLATE_MAIN)
        env.start_clock()
        chunks: list[str] = []
        size = 0
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateLimitError(
                    f"mẫu tạo ra kịch bản quá dài (hơn {thousands(MAX_OUTPUT_CHARS)} ký tự)."
                )
            chunks.append(chunk)
        text = "".join(chunks)
    except jinja2.TemplateNotFound as exc:
        raise ScriptError(
            f"không tìm thấy mẫu '{exc.name}'.",
            file=station_templates_dir(station),
            hint=f"Mẫu riêng của đài đặt trong {station_templates_dir(station)}; tên phải trùng "
            "với mẫu có sẵn (ví dụ programme.md.j2, greeting.md.j2).",
        ) from None
    except BroadcastError:
        raise
    except Exception as exc:  # noqa: BLE001 - any template failure becomes a located error
        file, line = _template_location(exc, env)
        kind = "sai cú pháp" if isinstance(exc, jinja2.TemplateSyntaxError) else "lỗi khi điền"
        if isinstance(exc, TemplateLimitError):
            kind = "vượt giới hạn"
            file = file or str(_package_templates() / TEMPLATE_MAIN)
        elif isinstance(exc, (RecursionError, MemoryError)):
            kind, exc = (
                "vượt giới hạn",
                TemplateLimitError("mẫu gọi lồng nhau quá sâu hoặc dùng quá nhiều bộ nhớ."),
            )
        detail = getattr(exc, "message", None) or str(exc)
        raise ScriptError(
            f"mẫu kịch bản {kind}: {detail}",
            file=file,
            line=line,
            hint="Sửa mẫu ở dòng này (tên biến, dấu {% %} / {{ }}); mẫu riêng của đài nằm "
            f"trong {station_templates_dir(station)}.",
        ) from None
    return tidy(text)


def tidy(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, one final newline."""
    lines = [ln.rstrip() for ln in text.replace("\r\n", "\n").split("\n")]
    out: list[str] = []
    for ln in lines:
        if not ln and (not out or not out[-1]):
            continue
        out.append(ln)
    return "\n".join(out).strip("\n") + "\n"


def build_context(station: Station, month: str) -> dict[str, Any]:
    """Everything the templates see: station, month names, topic, facts."""

    if not PROGRAMME_FIRST <= month <= PROGRAMME_LAST:
        raise ScriptError(
            f"tháng {month} nằm ngoài giai đoạn của Chương trình tổng thể cải cách hành chính nhà nước "
            "2021–2030 (Nghị quyết số 76/NQ-CP ngày 15/7/2021), mà các chủ đề và văn bản trích dẫn "
            "được viết cho giai đoạn đó.",
            field="--month",
            hint=f"Kiểm tra lại tháng (gõ nhầm năm?); công cụ soạn kịch bản từ {PROGRAMME_FIRST} đến {PROGRAMME_LAST}.",
        )
    year, mon = int(month[:4]), int(month[5:])
    prev_year, prev_mon = (year - 1, 12) if mon == 1 else (year, mon - 1)
    next_year, next_mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    topic = topic_for_month(station, month)
    facts = load_facts(station, month)
    voice = getattr(station, "voice", None)
    return {
        "station": {
            "name": station.name,
            "locality": station.locality,
            "level": getattr(station, "level", "xã"),
            "authority": station.authority,
            "programme_title": station.programme_title,
            "contacts": {k: v for k, v in (station.contacts or {}).items()},
            "example": bool(getattr(station, "example", False)),
        },
        "two_voices": bool(voice and getattr(voice, "second", None)),
        "month": month,
        "year": year,
        "month_number": mon,
        "month_name": f"tháng {MONTH_NAMES_VI[mon - 1]}",
        "month_year": f"tháng {MONTH_NAMES_VI[mon - 1]} năm {year}",
        "prev_month_name": f"tháng {MONTH_NAMES_VI[prev_mon - 1]}",
        "prev_month_year": f"tháng {MONTH_NAMES_VI[prev_mon - 1]} năm {prev_year}",
        "topic": topic.for_template(station),
        "facts": facts.for_template(prev_month=f"tháng {MONTH_NAMES_VI[prev_mon - 1]} năm {prev_year}"),
        "next_month_name": f"tháng {MONTH_NAMES_VI[next_mon - 1]}",
        "next_topic": _next_topic(station, f"{next_year:04d}-{next_mon:02d}"),
    }


def _next_topic(station: Station, month: str) -> dict[str, Any] | None:
    """Next month's topic for the closing teaser, or None if it cannot be known."""

    try:
        return topic_for_month(station, month).for_template(station)
    except BroadcastError:
        return None


def render_text(station: Station, month: str, *, now: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """Render the month's whole script text (front matter + body) without writing it."""

    month = validate_month(month)
    context = build_context(station, month)
    body = render_body(station, month, context)
    parse_body(body, Path(f"<kịch bản {month} vừa soạn>"), 1)  # templates must yield a valid script
    topic = context["topic"]
    facts = context["facts"]
    meta: dict[str, Any] = {
        "month": month,
        "topic": topic["id"],
        "title": topic["title"],
        "status": "draft",
        "voice": None,
    }
    if facts["present"]:
        meta["facts"] = facts["file"]
        meta["example_facts"] = bool(facts["example"])
    meta["rendered_at"] = (now or datetime.now()).replace(microsecond=0).isoformat()
    meta["rendered_sha256"] = body_hash(body)
    meta["approved_by"] = None
    meta["approved_at"] = None
    meta["approved_sha256"] = None
    lines = [
        "# Kịch bản do 'broadcast script' soạn. Sửa thoải mái phần dưới dòng '---' thứ hai;",
        f"# công cụ sẽ không ghi đè bản đã sửa. Duyệt: broadcast approve --month {month} --by TÊN",
    ]
    for key, value in meta.items():
        comment = ""
        if key == "status":
            comment = "            # draft | approved"
        elif key == "voice":
            comment = "               # để trống: dùng giọng đọc của đài"
        elif key == "example_facts" and value:
            comment = "     # SỐ LIỆU VÍ DỤ: thay bằng số liệu thật trước khi phát"
        lines.append(f"{key}: {_yaml_scalar(value)}{comment}")
    return _compose("\n".join(lines), "\n" + body), meta


def _backup_path(path: Path, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.stem}.{stamp}.bak.md")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}.{stamp}-{n}.bak.md")
    return candidate


def render_script(station: Station, month: str, *, force: bool = False, now: datetime | None = None) -> Path:
    """Render scripts/YYYY-MM.md atomically; never overwrite staff edits without `force`.

    Refuses (ScriptError) when the existing script was edited by staff, approved, or cannot be
    read; with `force` the old file is first kept as scripts/YYYY-MM.YYYYMMDD-HHMMSS.bak.md.
    An existing script whose body would not change is left untouched.
    """
    now = now or datetime.now()
    text, meta = render_text(station, month, now=now)
    path = Path(station.store.script_path(meta["month"]))
    if path.exists():
        reason = None
        try:
            old = read_script(path)
        except ScriptError as exc:
            old = None
            reason = f"kịch bản hiện có không đọc được ({exc.message})"
        if old is not None:
            if old.body_sha256 == meta["rendered_sha256"] and not force:
                log.info("script %s unchanged; kept as is", path)
                return path
            if old.edited or not old.meta.get("rendered_sha256"):
                reason = "kịch bản đã được cán bộ sửa sau khi soạn"
            elif old.approved:
                reason = f"kịch bản đã được duyệt (bởi {old.meta.get('approved_by')})"
        if reason and not force:
            raise ScriptError(
                f"không ghi đè: {reason}.",
                file=path,
                hint="Giữ bản đang có và sửa tiếp trong tệp này; hoặc soạn lại từ đầu (ghi đè; bản cũ "
                f"được lưu thành {_backup_path(path, now).name}).",
                next_step=NextStep("script-force", month=meta["month"]),
            )
        if force or reason:
            backup = _backup_path(path, now)
            shutil.copy2(path, backup)
            log.info("kept a backup of %s as %s", path, backup)
    atomic_write_text(path, text)
    return path


def approve(
    station: Station, month: str, by: str, now: datetime | None = None, *, confirm_example: bool = False
) -> Script:
    """Record who approved the month's script, when, and the body hash it approved.

    A month whose facts file says `example: true` is refused unless `confirm_example`;
    the confirmation is then recorded in the front matter (`example_figures_confirmed`).
    """

    month = validate_month(month)
    by = (by or "").strip()
    if not by:
        raise ScriptError("cần ghi tên người duyệt.", field="--by", hint='Ví dụ: --by "Nguyễn Văn A"')
    path = Path(station.store.script_path(month))
    script = read_script(path)  # validates the whole script first
    text = path.read_text(encoding="utf-8")
    fm_text, body, _ = split_front_matter(text, path)
    # In the station's time zone, with its offset: people read this time (naive `now` = station time).
    tz = getattr(station, "tz", None)
    when = now or datetime.now(tz)
    when = when.replace(tzinfo=tz) if when.tzinfo is None else when.astimezone(tz)
    stamp = when.replace(microsecond=0).isoformat()
    facts = load_facts(station, month)
    updates: dict[str, Any] = {
        "status": "approved",
        "approved_by": by,
        "approved_at": stamp,
        "approved_sha256": script.body_sha256,
    }
    if facts.example:
        if not confirm_example:
            raise ScriptError(
                f"không duyệt: kịch bản dùng SỐ LIỆU VÍ DỤ (tệp facts/{month}.yaml ghi 'example: true'), "
                "không phải số liệu thật của địa phương.",
                file=facts.path,
                hint=f"Điền số liệu thật vào facts/{month}.yaml, đổi thành 'example: false', soạn lại "
                "kịch bản (ghi đè) rồi duyệt. Nếu chỉ chạy thử và chấp nhận phát số liệu ví dụ: xác nhận "
                "rõ khi duyệt (được ghi lại cùng lời duyệt; dòng lệnh: --confirm-example-figures).",
                next_step=NextStep("script-force", month=month),
            )
        updates["example_figures_confirmed"] = True
    elif "example_figures_confirmed" in fm_text:
        updates["example_figures_confirmed"] = False
    fm_text = set_front_matter(fm_text, updates)
    atomic_write_text(path, _compose(fm_text, body))
    return read_script(path)


def demote_if_edited(path: Path) -> bool:
    """Rewrite `status: approved` to `status: draft` when the body changed since approval.

    The stored status is kept true on disk: `make` and `produce` call this before
    they use the script, so an approved script edited afterwards reads `status: draft` (the
    previous approval's name, time and hash are cleared; the approved text and its approval
    record stay with the approved programme in audio_out/YYYY-MM/). Returns True if it wrote.
    """
    path = Path(path)
    script = read_script(path)
    if script.status != "approved" or script.approved:
        return False
    text = path.read_text(encoding="utf-8")
    fm_text, body, _ = split_front_matter(text, path)
    fm_text = set_front_matter(
        fm_text, {"status": "draft", "approved_by": None, "approved_at": None, "approved_sha256": None}
    )
    atomic_write_text(path, _compose(fm_text, body))
    log.info("%s: sửa sau khi duyệt, đổi trạng thái về draft", path)
    return True
