"""The month's figures as a form edits them: load facts/YYYY-MM.yaml, save it back.

The file stays the source of truth and stays hand-editable: a save goes through ruamel.yaml's
round-trip mode, so the comments, the key order and the quoting of everything the editor did
not change are kept; it is validated by the same rules as every other reader
(`topics.read_facts`) before it touches the disk, written atomically, and refused if the file
changed since the editor loaded it (the content hash, as for scripts).

Example figures: a file saying `example: true` holds figures that are not real (the example
station, or figures carried over from the previous month as placeholders). Approval refuses
such a month unless the approver confirms (script.approve); an editor who confirms the figures
are real clears the flag, which is the only thing approval looks at.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from broadcast.config import Station, validate_month
from broadcast.errors import BroadcastError, ConfigError
from broadcast.fsutil import atomic_write_text
from broadcast.script import MONTH_NAMES_VI
from broadcast.services.content import ConflictError, text_sha256
from broadcast.topics import FACT_FIELDS, Facts, read_facts
from broadcast.yamlio import load_yaml, read_text_file

Number = int | float

ORDER = ["example", "period", "source", *FACT_FIELDS, "news"]
"""The keys of a facts file in the order a new file (and a newly added key) gets them."""

_HEADER = (
    "Số liệu cải cách hành chính của chương trình tháng {month} (điền trên bàn biên tập hoặc sửa tay).\n"
    "Chỉ điền số liệu đã có; mục nào chưa có thì để trống, câu đó sẽ không được đọc.\n"
    "Giải thích các mục: facts/README.md.\n"
)

_SAVE_LOCK = threading.Lock()
"""Hash check and write happen together (two saves in the same process cannot interleave)."""


@dataclass(frozen=True)
class FactsEdit:
    """What an editor fills in: texts, figures (None = not given) and news items."""

    period: str = ""
    source: str = ""
    figures: dict[str, Number | None] = field(default_factory=dict)
    news: list[str] = field(default_factory=list)
    example: bool = False

    @classmethod
    def from_facts(cls, facts: Facts) -> FactsEdit:
        return cls(
            period=facts.period,
            source=facts.source,
            figures={k: facts.figures.get(k) for k in FACT_FIELDS},
            news=list(facts.news),
            example=facts.example,
        )


@dataclass(frozen=True)
class FactsFile:
    """The month's facts file as an editor loads it (the hash a save must quote back)."""

    month: str
    path: Path
    exists: bool
    text: str = ""
    sha256: str = ""
    """Empty when there is no file yet."""
    raw: dict[str, object] = field(default_factory=dict)
    """The values as written (possibly invalid after a hand edit), for the form to show."""
    facts: Facts | None = None
    """The validated figures; None when the file is missing or has an error."""
    error: BroadcastError | None = None


@dataclass(frozen=True)
class StartingPoint:
    """Where a month with no facts file can start from."""

    key: str
    label: str
    edit: FactsEdit


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.width = 4096  # never fold a long news item over two lines
    y.preserve_quotes = True
    y.indent(mapping=2, sequence=4, offset=2)  # "  - tin" as in the README's example
    return y


def load_facts_file(station: Station, month: str) -> FactsFile:
    """Read the month's facts (nothing cached: a hand edit is seen at the next load)."""
    month = validate_month(month)
    path = station.store.facts_path(month)
    if not path.exists():
        return FactsFile(month, path, exists=False)
    text = read_text_file(path, what="tệp số liệu")
    sha = text_sha256(text)
    raw: dict[str, object] = {}
    try:
        data = load_yaml(path, text=text).data
        if isinstance(data, dict):
            raw = {str(k): v for k, v in data.items()}
        facts = read_facts(path, text=text)
    except BroadcastError as exc:
        return FactsFile(month, path, True, text, sha, raw, None, exc)
    return FactsFile(month, path, True, text, sha, raw, facts)


def previous_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if mon == 1 else f"{year:04d}-{mon - 1:02d}"


def default_period(month: str) -> str:
    """What the script reads when `period` is empty: the previous month, spelled out."""
    prev = previous_month(validate_month(month))
    return f"tháng {MONTH_NAMES_VI[int(prev[5:]) - 1]} năm {prev[:4]}"


def starting_points(station: Station, month: str) -> list[StartingPoint]:
    """For a month without a facts file: the previous month's figures (as placeholders), or blank.

    Figures carried over are last month's, not this month's: they are marked as example
    figures (`example: true`) until the editor replaces them or confirms them, so approval
    refuses them like any example figure. Period and news are left empty (they are per month).
    """
    month = validate_month(month)
    points: list[StartingPoint] = []
    prev = previous_month(month)
    try:
        loaded = load_facts_file(station, prev)
    except BroadcastError:
        loaded = None
    if loaded is not None and loaded.facts is not None:
        base = FactsEdit.from_facts(loaded.facts)
        points.append(
            StartingPoint(
                "truoc",
                f"Chép số liệu tháng {prev} làm số tạm (đánh dấu là số liệu ví dụ)",
                FactsEdit(source=base.source, figures=base.figures, example=True),
            )
        )
    points.append(StartingPoint("trong", "Bắt đầu từ mẫu trống (chỉ điền số đã có)", FactsEdit()))
    return points


def _same(old: object, new: object) -> bool:
    """Whether a value in the file already says `new` (then it is left exactly as written)."""
    if new is None or new == "":
        return old is None or old == ""
    if isinstance(new, bool) or isinstance(old, bool):
        return old is new
    if isinstance(new, (int, float)):
        return isinstance(old, (int, float)) and float(old) == float(new)
    if isinstance(new, list):
        return isinstance(old, list) and [str(x) for x in old] == new
    return isinstance(old, str) and old == new


def _scalar(value: object) -> object:
    if isinstance(value, str) and value:
        return DoubleQuotedScalarString(value)
    if value == "":
        return None
    if isinstance(value, list):
        seq = CommentedSeq(DoubleQuotedScalarString(v) for v in value)
        return seq
    return value


def _wanted(edit: FactsEdit) -> dict[str, object]:
    values: dict[str, object] = {"example": edit.example, "period": edit.period, "source": edit.source}
    values.update({k: edit.figures.get(k) for k in FACT_FIELDS})
    values["news"] = list(edit.news)
    return values


def facts_text(month: str, current_text: str | None, edit: FactsEdit, path: Path) -> str:
    """The file's new text: `current_text` with the changed values replaced, all else kept."""
    y = _yaml()
    if current_text:
        try:
            doc = y.load(current_text)
        except YAMLError:
            doc = None
        if not isinstance(doc, CommentedMap):
            raise ConfigError(
                "tệp số liệu hiện có không đọc được thành các dòng 'mục: giá trị'; chưa lưu.",
                file=path,
                hint="Sửa tệp bằng tay cho đúng cách viết (xem facts/README.md) rồi mở lại trang.",
            )
    else:
        doc = CommentedMap()
        doc.yaml_set_start_comment(_HEADER.format(month=month))
    for key, new in _wanted(edit).items():
        if key in doc:
            if not _same(doc[key], new):
                if key == "news" and isinstance(doc[key], CommentedSeq) and isinstance(new, list):
                    seq = doc[key]  # keep the list object (and its comments), change its items
                    del seq[:]
                    seq.extend(DoubleQuotedScalarString(v) for v in new)
                else:
                    doc[key] = _scalar(new)
            continue
        if new is None or new == "" or new == [] or (key == "example" and new is False):
            continue  # not in the file and nothing to say: no empty line is added
        before = [k for k in ORDER[: ORDER.index(key)] if k in doc]
        pos = list(doc).index(before[-1]) + 1 if before else 0
        doc.insert(pos, key, _scalar(new))
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue()


def save_facts(station: Station, month: str, edit: FactsEdit, *, base_sha256: str) -> FactsFile:
    """Write the month's facts: validated first, atomic, and never over a version not seen.

    `base_sha256` is the hash of the file the editor loaded ("" when there was none). If the
    file changed meanwhile (another person, a hand edit) ConflictError carries the current
    text; a value the rules refuse raises ConfigError naming the field. Nothing is written then.
    """
    month = validate_month(month)
    path = station.store.facts_path(month)
    with _SAVE_LOCK:
        current = read_text_file(path, what="tệp số liệu") if path.exists() else None
        current_sha = text_sha256(current) if current is not None else ""
        if current_sha != base_sha256:
            raise ConflictError(
                "số liệu đã được người khác (hoặc bằng tay) sửa trong lúc bạn sửa; chưa lưu bản của bạn.",
                file=station.store.rel(path),
                hint="Xem các mục khác nhau bên dưới; giữ số đúng rồi bấm Lưu lần nữa.",
                current_text=current or "",
                current_sha256=current_sha,
            )
        text = facts_text(month, current, edit, path)
        read_facts(path, text=text)  # the same rules as every reader: refuse before writing
        atomic_write_text(path, text)
    return load_facts_file(station, month)


__all__ = [
    "ORDER",
    "FactsEdit",
    "FactsFile",
    "StartingPoint",
    "default_period",
    "facts_text",
    "load_facts_file",
    "previous_month",
    "save_facts",
    "starting_points",
]
