"""Editing a script segment by segment: split, rebuild, save one segment, check it, hear it.

A segment is a `## heading` and the lines up to the next one (docs/script-format.md). The
file is split into the lines before the first heading (front matter, titles) and one text
range per segment; each segment into its heading, runs of plain lines (speech, comments,
blank lines — edited as text) and cue lines (edited as controls). Rebuilding from unchanged
parts gives back the file byte for byte: a cue whose kind and value did not change keeps
its original spelling (`[[pause 1.5]]` stays so), a changed one is written in Vietnamese
(`[[nghỉ 2]]`).

Saving one segment replaces only that segment's lines. It quotes the whole file's hash it
was loaded from, and the segment's own text hash: if the file changed meanwhile but this
segment did not (somebody edited ANOTHER segment, or the front matter, or approved), the
edit is applied to the current file (merged); if this segment changed too, nothing is
written and ConflictError carries both versions of the segment.

Segments are addressed by their 1-based position and carry `speech_sha256` (the hash of
their spoken text), so a stale reference is detected, never applied to another segment.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from broadcast.check import estimate, normalizer_for
from broadcast.config import Station, validate_month
from broadcast.errors import ScriptError
from broadcast.pipeline import build_plan, station_for_script
from broadcast.production import preview as preview_mod
from broadcast.readings import usable_readings
from broadcast.script import Item, Script, Segment, parse_body, parse_cue, parse_script
from broadcast.services.content import (
    ConflictError,
    ScriptText,
    load_script_text,
    save_script_text,
    text_sha256,
)
from broadcast.spoken.context import Guess

# --------------------------------------------------------------------------- cues as controls

CUE_KINDS: dict[str, str] = {
    "intro": "Nhạc hiệu mở đầu",
    "stinger": "Nhạc chuyển đoạn",
    "outro": "Nhạc kết",
    "pause": "Nghỉ … giây",
    "bed_on": "Bật nhạc nền",
    "bed_off": "Tắt nhạc nền",
    "voice_main": "Giọng chính",
    "voice_second": "Giọng thứ hai",
    "gain": "Chỉnh âm lượng … dB",
}
"""Control kind -> Vietnamese label (the select of a cue control)."""
REMOVE = ""
"""The control kind that drops the cue."""
PAUSE_RANGE = (0.1, 30.0)
GAIN_RANGE = (-12.0, 12.0)
_CANONICAL = {
    "intro": "nhạc hiệu",
    "stinger": "nhạc chuyển",
    "outro": "nhạc kết",
    "bed_on": "nhạc nền bật",
    "bed_off": "nhạc nền tắt",
    "voice_main": "giọng chính",
    "voice_second": "giọng phụ",
}


def control_kind(cue: str, arg: Any) -> str:
    """(cue, arg) of the parser -> control kind ("voice" splits into main/second)."""
    return f"voice_{arg}" if cue == "voice" else cue


def _number(value: float) -> str:
    """2.0 -> '2', 1.5 -> '1,5' (Vietnamese decimal comma, as the script format shows)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def cue_label(kind: str, value: float | None = None) -> str:
    """How a cue reads on the page: "Nghỉ 1,5 giây", "Giọng thứ hai"."""
    if kind == "pause":
        return f"Nghỉ {_number(value or 0)} giây"
    if kind == "gain":
        return f"Chỉnh âm lượng {'+' if (value or 0) > 0 else ''}{_number(value or 0)} dB"
    return CUE_KINDS.get(kind, kind)


def cue_line(kind: str, value: float | None = None) -> str:
    """The script line of a cue control, in Vietnamese (`[[nghỉ 1,5]]`, `[[âm lượng +2]]`)."""
    if kind == "pause":
        return f"[[nghỉ {_number(value or 0)}]]"
    if kind == "gain":
        return f"[[âm lượng {'+' if (value or 0) > 0 else ''}{_number(value or 0)}]]"
    return f"[[{_CANONICAL[kind]}]]"


def cue_problem(kind: str, value: float | None) -> str | None:
    """Why a cue control's value cannot be saved (Vietnamese), or None."""
    if kind == "pause":
        lo, hi = PAUSE_RANGE
        if value is None or not lo <= value <= hi:
            return "Thời gian nghỉ phải từ 0,1 đến 30 giây (ví dụ 1,5)."
    if kind == "gain":
        lo, hi = GAIN_RANGE
        if value is None or not lo <= value <= hi:
            return "Mức chỉnh âm lượng phải từ −12 đến +12 dB (ví dụ +2 hoặc -3)."
    return None


# --------------------------------------------------------------------------- split / rebuild


@dataclass
class Block:
    """A part of a segment below its heading: plain lines (kind "text") or one cue line."""

    kind: str
    """"text" or "cue"."""
    lines: list[str] = field(default_factory=list)
    """text: the lines as in the file (without line ends); cue: the one original line."""
    cue: str = ""
    """cue: control kind (intro, pause, voice_second…)."""
    value: float | None = None
    """cue: seconds of a pause, dB of a gain."""

    @property
    def text(self) -> str:
        """A text block as an editor shows it: every line ended by a newline ('' = no line)."""
        return "".join(line + "\n" for line in self.lines)

    @property
    def raw(self) -> str:
        return self.lines[0] if self.lines else ""

    @property
    def label(self) -> str:
        return cue_label(self.cue, self.value)


def text_lines(text: str) -> list[str]:
    """Inverse of Block.text: an editor's text back into lines (browsers send CRLF)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text:
        return []
    return (text[:-1] if text.endswith("\n") else text).split("\n")


@dataclass
class SegmentText:
    """One segment of a script file as an editor sees it."""

    index: int
    """1-based position in the script."""
    title: str
    heading: str
    """The heading line as written (`## Mở đầu`)."""
    blocks: list[Block]
    start: int
    """0-based index of the heading in the file's lines; the segment ends before `end`."""
    end: int
    text: str
    """The segment's lines as in the file (joined with the file's line end)."""
    sha256: str
    """Hash of `text`: what a save quotes to prove the segment is still the one edited."""
    speech_sha256: str
    segment: Segment

    @property
    def line(self) -> int:
        """1-based file line of the heading."""
        return self.start + 1

    @property
    def has_speech(self) -> bool:
        return any(item.kind == "speech" for item in self.segment.items)


@dataclass
class SplitScript:
    """A script file cut into its head (before the first heading) and its segments."""

    newline: str
    lines: list[str]
    segments: list[SegmentText]

    def rebuild(self, replaced: dict[int, list[str]] | None = None) -> str:
        """The file again, with the lines of segments (1-based index -> lines) replaced."""
        replaced = replaced or {}
        out: list[str] = self.lines[: self.segments[0].start] if self.segments else list(self.lines)
        for seg in self.segments:
            out.extend(replaced.get(seg.index, self.lines[seg.start : seg.end]))
        return self.newline.join(out)


def speech_sha256(segment: Segment) -> str:
    """Hash of a segment's spoken text (its paragraphs as read, in order)."""
    spoken = "\n\n".join(f"{i.voice}:{i.text}" for i in segment.items if i.kind == "speech")
    return hashlib.sha256(spoken.encode("utf-8")).hexdigest()


class SegmentEditingUnavailable(ScriptError):
    """The file cannot be cut into segments safely (mixed line ends); the whole-text editor works."""


def split_script(text: str, script: Script) -> SplitScript:
    """Cut `text` (the file `script` was parsed from) into segments and blocks; see module doc."""
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.split(newline)
    if any("\r" in line for line in lines):
        raise SegmentEditingUnavailable(
            "tệp kịch bản lẫn nhiều kiểu xuống dòng nên không sửa từng đoạn được.",
            file=script.path,
            hint="Dùng 'Sửa cả bài' và lưu một lần: tệp sẽ được ghi lại với một kiểu xuống dòng.",
        )
    out: list[SegmentText] = []
    for k, seg in enumerate(script.segments):
        start = seg.line - 1
        end = script.segments[k + 1].line - 1 if k + 1 < len(script.segments) else len(lines)
        cue_lines = {item.line - 1: item for item in seg.items if item.kind == "cue"}
        blocks: list[Block] = []
        for n in range(start + 1, end):
            item = cue_lines.get(n)
            if item is not None and lines[n].strip().startswith("[["):
                blocks.append(Block("cue", [lines[n]], control_kind(str(item.cue), item.arg), _value(item)))
            elif blocks and blocks[-1].kind == "text":
                blocks[-1].lines.append(lines[n])
            else:
                blocks.append(Block("text", [lines[n]]))
        if not any(b.kind == "text" for b in blocks):
            blocks.append(Block("text", []))  # somewhere to write the first sentence
        seg_text = newline.join(lines[start:end])
        out.append(
            SegmentText(
                index=k + 1,
                title=seg.title,
                heading=lines[start],
                blocks=blocks,
                start=start,
                end=end,
                text=seg_text,
                sha256=text_sha256(seg_text),
                speech_sha256=speech_sha256(seg),
                segment=seg,
            )
        )
    return SplitScript(newline, lines, out)


def _value(item: Item) -> float | None:
    return float(item.arg) if item.cue in ("pause", "gain") and item.arg is not None else None


@dataclass
class EditedCue:
    """A cue control as submitted: its kind (REMOVE drops it), value, and original line."""

    kind: str
    value: float | None = None
    original: str = ""


def rebuild_segment(heading: str, title: str, parts: list[str | EditedCue]) -> list[str]:
    """The segment's lines from an editor's heading, title, text blocks and cue controls.

    Unchanged parts come back exactly as they were (heading, cue spelling, text lines).
    Raises ScriptError for a title or cue value that cannot be written.
    """
    title = " ".join(title.split())
    if not title or title.startswith("#"):
        raise ScriptError("tên đoạn không được để trống hoặc bắt đầu bằng '#'.", field="title")
    lines = [heading if _heading_title(heading) == title else f"## {title}"]
    for part in parts:
        if isinstance(part, str):
            lines.extend(text_lines(part))
            continue
        if part.kind == REMOVE:
            continue
        problem = cue_problem(part.kind, part.value)
        if problem:
            raise ScriptError(problem)
        lines.append(part.original if _same_cue(part) else cue_line(part.kind, part.value))
    return lines


def _heading_title(heading: str) -> str | None:
    """The title a heading line shows (as the parser reads it: comments out), spaces folded."""
    try:
        parsed = parse_body(heading, Path("-"), 1)
    except ScriptError:
        return None
    return " ".join(parsed[0].title.split()) if len(parsed) == 1 else None


def _same_cue(part: EditedCue) -> bool:
    raw = part.original.strip()
    if not (raw.startswith("[[") and raw.endswith("]]")):
        return False
    try:
        cue, arg = parse_cue(raw[2:-2].strip(), Path("-"), 0)
    except ScriptError:
        return False
    if control_kind(cue, arg) != part.kind:
        return False
    if cue in ("pause", "gain"):
        return part.value is not None and abs(float(arg) - part.value) < 1e-9
    return True


# --------------------------------------------------------------------------- use cases


@dataclass(frozen=True)
class SegmentedScript:
    """The month's script as the segment editor loads it."""

    loaded: ScriptText
    split: SplitScript

    @property
    def segments(self) -> list[SegmentText]:
        return self.split.segments


def load_segments(station: Station, month: str) -> SegmentedScript:
    loaded = load_script_text(station, month)
    return SegmentedScript(loaded, split_script(loaded.text, loaded.script))


def segment_at(segmented: SegmentedScript, index: int, *, sha256: str | None = None) -> SegmentText:
    """Segment `index` (1-based); ScriptError if there is none, or if it is not the one quoted."""
    path = segmented.loaded.script.path
    if not 1 <= index <= len(segmented.segments):
        raise ScriptError(f"kịch bản không có đoạn thứ {index}.", file=path)
    seg = segmented.segments[index - 1]
    if sha256 is not None and sha256 not in (seg.sha256, seg.speech_sha256):
        raise ScriptError(
            f"đoạn thứ {index} đã thay đổi từ lúc bạn mở trang.",
            file=path,
            line=seg.line,
            hint="Tải lại trang để thấy bản mới nhất.",
        )
    return seg


@dataclass(frozen=True)
class SegmentSaved:
    loaded: ScriptText
    merged: bool
    """True if the file had changed elsewhere meanwhile and the edit was applied to it."""
    changed: bool


def save_segment(
    station: Station,
    month: str,
    index: int,
    lines: list[str],
    *,
    base_sha256: str,
    segment_sha256: str,
) -> SegmentSaved:
    """Replace segment `index`'s lines with `lines`; conflict-safe (see the module doc).

    ConflictError when the segment itself changed since `segment_sha256` (its current text
    is `current_text`); ScriptError when the result is not a valid script (nothing written).
    """
    current = load_segments(station, validate_month(month))
    merged = current.loaded.sha256 != base_sha256
    if not 1 <= index <= len(current.segments) or current.segments[index - 1].sha256 != segment_sha256:
        now = current.segments[index - 1].text if 1 <= index <= len(current.segments) else ""
        raise ConflictError(
            f"đoạn thứ {index} đã được người khác (hoặc bằng tay) sửa trong lúc bạn sửa; chưa lưu bản của bạn.",
            file=current.loaded.script.path,
            hint="Xem phần khác nhau, chép lại phần bạn sửa vào bản mới nhất của đoạn rồi lưu lại.",
            current_text=now,
            current_sha256=current.loaded.sha256,
        )
    seg = current.segments[index - 1]
    old_lines = current.split.lines[seg.start : seg.end]
    if (
        index == len(current.segments)
        and old_lines
        and old_lines[-1] == ""
        and (not lines or lines[-1] != "")
    ):
        lines = [*lines, ""]  # the file keeps its final line end
    if lines == old_lines:
        return SegmentSaved(current.loaded, merged, False)
    text = current.split.rebuild({index: lines})
    saved = save_script_text(station, month, text, base_sha256=current.loaded.sha256)
    return SegmentSaved(saved, merged, True)


@dataclass
class SegmentCheck:
    """The live check of one segment (as being edited)."""

    title: str
    seconds: float
    """Estimated length with the voice in use (pauses and jingles included)."""
    by_engine: list[tuple[str, float]]
    """(engine, seconds) for each engine of the main voice chain."""
    guesses: list[Guess]
    """Unknown abbreviations and unclear slashes, with how the voice reads them for now."""
    unreadable: list[str]
    """Tokens the voice cannot read at all."""

    @property
    def minutes(self) -> float:
        return self.seconds / 60

    @property
    def engine_minutes(self) -> list[tuple[str, float, float]]:
        """(engine, minutes, seconds) for each engine of the main voice chain."""
        return [(label, secs / 60, secs) for label, secs in self.by_engine]


def check_segment(station: Station, month: str, index: int, lines: list[str]) -> SegmentCheck:
    """Estimate and problems of segment `index` if it read `lines` (not saved)."""
    current = load_segments(station, validate_month(month))
    seg = segment_at(current, index)
    text = current.split.rebuild({index: lines})
    script = parse_script(text, current.loaded.script.path)
    mine = [s for s in script.segments if seg.line <= s.line < seg.line + len(lines)] or script.segments[:1]
    one = replace(script, segments=mine)
    report = estimate(one, station)
    normalizer = normalizer_for(station)
    guesses: dict[str, Guess] = {}
    unreadable: list[str] = []
    for _s, item in one.speech_items():
        for g in normalizer.guesses(item.text):
            guesses.setdefault(g.token, g)
        unreadable += [t for t in normalizer.unreadable(item.text) if t not in guesses]
    return SegmentCheck(
        title=" / ".join(s.title for s in mine),
        seconds=report.total_s,
        by_engine=report.by_engine,
        guesses=list(guesses.values()),
        unreadable=list(dict.fromkeys(unreadable)),
    )


@dataclass(frozen=True)
class SegmentPreview:
    path: Path
    cached: bool
    engines: dict[str, int]
    degraded: bool


def preview_segment(station: Station, month: str, index: int, sha256: str) -> SegmentPreview:
    """The saved segment `index` voiced and mastered like the programme (cached by content).

    `sha256` is the segment's hash as the page showed it: a segment changed since is refused.
    The voice chain has its own deadlines, so a network that is down falls back, never hangs.
    """
    current = load_segments(station, validate_month(month))
    seg = segment_at(current, index, sha256=sha256)
    if not seg.has_speech:
        raise ScriptError(
            f"đoạn thứ {index} ({seg.title}) không có câu nào để đọc nên không có gì để nghe thử.",
            file=current.loaded.script.path,
            line=seg.line,
        )
    script = replace(current.loaded.script, segments=[seg.segment])
    voiced = station_for_script(station, script)
    # A person's current reading of this segment is what the programme will air: preview it too.
    reading = usable_readings(station.store, current.loaded.script).get(index - 1)
    content: list[Any] = [[i.kind, i.text, i.cue, i.arg, i.voice] for i in seg.segment.items]
    if reading is not None:
        content.append(["reading", reading.audio_sha256])
    key = preview_mod.preview_key(voiced, content)
    hit = preview_mod.cached_preview(voiced, key)
    if hit is not None:
        return SegmentPreview(hit, True, {}, False)
    plan = build_plan(station, script, readings={0: reading} if reading is not None else {})
    path = preview_mod.render_preview(plan, voiced, key)
    voice = plan.voice
    return SegmentPreview(path, False, dict(voice.engines), bool(voice.degraded))


def preview_file(station: Station, name: str) -> Path:
    """A preview made earlier, by its file name (content-addressed); ScriptError if absent."""
    folder = preview_mod.preview_folder(station)
    path = folder / name
    if path.parent != folder or not path.is_file():
        raise ScriptError("bản nghe thử này không còn; bấm nghe thử lại.")
    return path


__all__ = [
    "CUE_KINDS",
    "REMOVE",
    "Block",
    "EditedCue",
    "SegmentCheck",
    "SegmentEditingUnavailable",
    "SegmentPreview",
    "SegmentSaved",
    "SegmentText",
    "SegmentedScript",
    "SplitScript",
    "check_segment",
    "cue_label",
    "cue_line",
    "cue_problem",
    "load_segments",
    "preview_file",
    "preview_segment",
    "rebuild_segment",
    "save_segment",
    "segment_at",
    "speech_sha256",
    "split_script",
    "text_lines",
]
