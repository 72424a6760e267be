"""Use cases of content staff and approvers: scripts, facts, spoken form, approval.

Every front end (CLI, web console) calls these; none of them reads or writes a station file
itself. Files stay the source of truth: a save is atomic and refuses to overwrite a version the
editor did not see (two people saving the same script).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from broadcast.check import CheckReport, check_script, normalizer_for
from broadcast.config import Station, validate_month
from broadcast.errors import NextStep, ScriptError
from broadcast.fsutil import atomic_write_text
from broadcast.script import Script, approve, demote_if_edited, parse_script, read_script, render_script
from broadcast.spoken import Change
from broadcast.topics import Facts, load_facts


class ConflictError(ScriptError):
    """The file changed since the editor loaded it; nothing was written."""

    def __init__(self, message: str, *, current_text: str, current_sha256: str, **kw) -> None:
        super().__init__(message, **kw)
        self.current_text = current_text
        self.current_sha256 = current_sha256


@dataclass(frozen=True)
class ScriptText:
    """A script file as an editor loads it: the text and the hash a save must quote back."""

    month: str
    text: str
    sha256: str
    script: Script


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load_script_text(station: Station, month: str) -> ScriptText:
    """The month's script as stored (parsed too, so errors show with file and line)."""
    month = validate_month(month)
    path = station.store.script_path(month)
    script = read_script(path)
    text = path.read_text(encoding="utf-8")
    return ScriptText(month, text, text_sha256(text), script)


def save_script_text(
    station: Station, month: str, text: str, *, base_sha256: str | None, by: str | None = None
) -> ScriptText:
    """Save an edited script: validated first, atomic, and never over a version not seen.

    `base_sha256` is the hash of the text the editor started from (None for a new file). If
    the file changed meanwhile (another person, a hand edit), ConflictError carries the
    current text so the editor can be shown the difference; nothing is written. An approved
    script whose body changes becomes a draft on disk at once (its front matter says so).
    """
    month = validate_month(month)
    path = station.store.script_path(month)
    current = path.read_text(encoding="utf-8") if path.exists() else None
    current_sha = text_sha256(current) if current is not None else None
    if current_sha != base_sha256:
        raise ConflictError(
            "kịch bản đã được người khác (hoặc bằng tay) sửa trong lúc bạn sửa; chưa lưu bản của bạn.",
            file=path,
            hint="Xem phần khác nhau, chép lại phần bạn sửa vào bản mới nhất rồi lưu lại.",
            current_text=current or "",
            current_sha256=current_sha or "",
        )
    text = text.replace("\r\n", "\n")
    script = parse_script(text, path)  # refuse a broken script before it touches the file
    if script.month != month:
        raise ScriptError(f"phần thông tin ghi tháng {script.month}, không phải {month}.", file=path, line=2)
    atomic_write_text(path, text)
    demote_if_edited(path)
    if by and by.strip():
        station.store.record_script_editor(month, script.body_sha256, by.strip())
    return load_script_text(station, month)


def render_month_script(
    station: Station, month: str, *, force: bool = False, now: datetime | None = None
) -> Script:
    """Write the month's script from the templates (never over staff edits unless `force`)."""
    return read_script(render_script(station, month, force=force, now=now))


def approve_month(
    station: Station, month: str, by: str, *, now: datetime | None = None, confirm_example: bool = False
) -> Script:
    """Record the approval (who, when, the text's hash); see script.approve.

    With `approval.separate_approver` on, the person who saved the current text last (through
    the console) may not approve it; a text whose last editor is unknown (a hand edit) may be.
    """
    if station.separate_approver:
        month = validate_month(month)
        path = station.store.script_path(month)
        editor = station.store.script_editor(month, read_script(path).body_sha256)
        if editor and _same_person(editor, by):
            raise ScriptError(
                f"không duyệt: {editor} là người sửa kịch bản sau cùng, mà đài yêu cầu người duyệt "
                "phải khác người sửa.",
                file=path,
                hint="Nhờ một lãnh đạo khác duyệt. Muốn bỏ yêu cầu này, quản trị tắt mục "
                "'người duyệt phải khác người sửa sau cùng' trong cài đặt của đài.",
            )
    return approve(station, month, by, now, confirm_example=confirm_example)


def last_editor(station: Station, month: str) -> str | None:
    """Who saved the month's current script text last through the console (None: unknown)."""
    month = validate_month(month)
    path = station.store.script_path(month)
    return station.store.script_editor(month, read_script(path).body_sha256) if path.exists() else None


def _same_person(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join((b or "").split()).casefold()


def check_month(station: Station, month: str) -> CheckReport:
    """Estimated minutes per engine of the voice chain, unreadable and guessed tokens."""
    return check_script(station, validate_month(month))


def spoken_form(station: Station, text: str) -> tuple[str, list[Change]]:
    """How the voice will read `text` ("đọc là"), with the rules that changed it."""
    normalizer = normalizer_for(station)
    return normalizer.normalize(text), normalizer.explain(text)


def month_facts(station: Station, month: str) -> Facts:
    """The month's figures (facts/YYYY-MM.yaml); none given = no figures, never made up."""
    return load_facts(station, validate_month(month))


def approval_next_step(month: str) -> NextStep:
    return NextStep("approve", month=month)


__all__ = [
    "ConflictError",
    "ScriptText",
    "approve_month",
    "check_month",
    "last_editor",
    "load_script_text",
    "month_facts",
    "normalizer_for",
    "render_month_script",
    "save_script_text",
    "spoken_form",
    "text_sha256",
]
