"""Use case of administrators: edit the station's settings (station.yaml) from a form.

The file stays the source of truth and stays the staff's file: it is loaded with ruamel.yaml's
round-trip mode, only the values that changed are replaced (comments, key order and quoting of
everything else are kept byte for byte), and the resulting text is validated by the real
`load_station` BEFORE it replaces the file, atomically. A validation error carries the dotted
field (`slots.1.start`, `voice.main.0.speed`) so a front end can show it beside its input.
A save quotes the hash of the text the form was made from: if the file changed meanwhile (a hand
edit, another administrator), nothing is written (`SettingsConflict`).

Nothing entered here can choose a program to run or point outside the station folder: engine
options are checked by `config.engine_option_problem` exactly as when station.yaml is read
(`binary:` only names the engine's own program, piper paths stay inside the station).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass, field

from filelock import FileLock, Timeout
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

from broadcast.config import (
    ENGINE_OPTIONS,
    WEEKDAY_NAMES_VI,
    EngineSpec,
    Station,
    known_engines,
    load_station,
)
from broadcast.errors import ConfigError, EnvironmentProblem
from broadcast.fsutil import atomic_write_text
from broadcast.store import StationStore
from broadcast.yamlio import read_text_file

WEEKDAY_CODES = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
"""How staff write weekdays in station.yaml (Monday first), and how a save writes them."""
WEEKDAY_LABELS = dict(zip(WEEKDAY_CODES, WEEKDAY_NAMES_VI, strict=True))

OptionValue = str | int | float | bool


@dataclass
class SlotRow:
    """One air slot as the form shows it; `origin` is its position in the file when loaded."""

    id: str
    name: str
    start: str  # "HH:MM"
    length_min: float
    weekdays: list[str]  # WEEKDAY_CODES
    airs: bool = True  # the monthly programme airs in this slot (airing.slots)
    origin: int | None = None


@dataclass
class EngineRow:
    """One engine of a voice chain: its registry name and options; `origin` as for SlotRow."""

    engine: str
    options: dict[str, OptionValue] = field(default_factory=dict)
    origin: int | None = None


@dataclass
class StationSettings:
    """The settings the *Cài đặt đài* page edits (everything else in station.yaml is left alone)."""

    name: str
    hotline: str
    address: str
    email: str
    slots: list[SlotRow]
    per_month: int
    from_day: int
    airing_weekdays: list[str]
    skip_holidays: bool
    days_off: list[str]
    extra_days: list[str]
    reminder_min: int
    fallback: bool
    timeout_s: float
    main: list[EngineRow]
    second: list[EngineRow]
    separate_approver: bool


@dataclass(frozen=True)
class SettingsFile:
    """station.yaml as the form is made from it: its text, the hash a save quotes, the values."""

    text: str
    sha256: str
    settings: StationSettings


@dataclass(frozen=True)
class SettingsSaved:
    before: str  # sha256 of the file before
    after: str  # sha256 after
    changed: list[str]  # dotted keys that changed ("station.name", "slots", "voice.main")
    file: SettingsFile


class SettingsConflict(ConfigError):
    """station.yaml changed since the form was loaded; nothing was written."""

    def __init__(self, message: str, *, current_sha256: str, **kw) -> None:
        super().__init__(message, **kw)
        self.current_sha256 = current_sha256


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _codes(days: list[int]) -> list[str]:
    return [WEEKDAY_CODES[d] for d in sorted(set(days))]


def _rows(chain: list[EngineSpec]) -> list[EngineRow]:
    return [EngineRow(s.engine, dict(s.options), i) for i, s in enumerate(chain)]


def settings_of(station: Station) -> StationSettings:
    """The editable values of a validated station (defaults filled in)."""
    airs = set(station.airing.slots)
    return StationSettings(
        name=station.name,
        hotline=station.contacts.get("hotline", ""),
        address=station.contacts.get("address", ""),
        email=station.contacts.get("email", ""),
        slots=[
            SlotRow(
                s.id,
                s.name,
                s.start.strftime("%H:%M"),
                _number(s.length_min),
                _codes(s.weekdays),
                s.id in airs,
                i,
            )
            for i, s in enumerate(station.slots)
        ],
        per_month=station.airing.per_month,
        from_day=station.airing.from_day,
        airing_weekdays=_codes(station.airing.weekdays),
        skip_holidays=station.airing.skip_holidays,
        days_off=[d.isoformat() for d in station.airing.days_off],
        extra_days=[d.isoformat() for d in station.airing.extra_days],
        reminder_min=station.airing.reminder_min,
        fallback=station.voice.fallback,
        timeout_s=_number(station.voice.timeout_s),
        main=_rows(station.voice.main),
        second=_rows(station.voice.second),
        separate_approver=station.separate_approver,
    )


def read_settings(store: StationStore) -> SettingsFile:
    """station.yaml now: validated (an invalid file raises its ConfigError), with its hash."""
    text = read_text_file(store.station_file, error=ConfigError)
    return SettingsFile(text, _sha(text), settings_of(load_station(store.root, text=text)))


# ----------------------------------------------------------------------------- engine options

_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def format_options(options: dict[str, OptionValue]) -> str:
    """`lang: vi; speed: 150` — an engine's options as one line of the form."""
    return "; ".join(f"{k}: {_plain(v)}" for k, v in options.items())


def _plain(value: OptionValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_options(engine: str, text: str, *, field: str) -> dict[str, OptionValue]:
    """The options line of an engine row (`khóa: giá trị; …`), typed as the engine expects.

    Only the options the engine documents (config.ENGINE_OPTIONS) are accepted; values are
    range-checked later by the station validation, like any station.yaml.
    """
    allowed = ENGINE_OPTIONS.get(engine, {})
    out: dict[str, OptionValue] = {}
    for part in re.split(r"[;\n]", text or ""):
        part = part.strip()
        if not part:
            continue
        key, sep, raw = part.partition(":")
        key, raw = key.strip(), raw.strip()
        if not sep or not key or not raw:
            raise ConfigError(
                f"không hiểu tùy chọn '{part[:60]}'.",
                field=field,
                hint="Viết dạng 'khóa: giá trị', các tùy chọn cách nhau bằng dấu chấm phẩy, ví dụ 'voice: vi; speed: 150'.",
            )
        if key not in allowed:
            names = ", ".join(allowed) or "không có"
            raise ConfigError(
                f"bộ đọc {engine} không có tùy chọn '{key[:40]}'.",
                field=field,
                hint=f"Các tùy chọn: {names}.",
            )
        if key in out:
            raise ConfigError(f"tùy chọn '{key}' được viết hai lần.", field=field)
        kind = allowed[key][0]
        value: OptionValue = raw
        if kind == "bool" and raw.lower() in ("true", "false", "có", "không"):
            value = raw.lower() in ("true", "có")
        elif kind in ("int", "number"):
            try:
                number = float(raw.replace(",", "."))
                value = int(number) if number.is_integer() else number
            except ValueError:
                value = raw  # refused with the station's own message below
        out[key] = value
    return out


def parse_days(text: str) -> list[str]:
    """Dates written one after another (`24/12/2026, 2027-01-02`) as YYYY-MM-DD strings."""
    out = []
    for part in re.split(r"[,;\s]+", text or ""):
        if not part:
            continue
        m = _DMY.match(part)
        out.append(f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}" if m else part)
    return out


# ----------------------------------------------------------------------------- saving

_PLAIN_OK = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")
# Words YAML 1.1 (PyYAML, which reads the file back) takes for booleans or null.
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _scalar(new: OptionValue, old: object = None) -> object:
    """`new` as written into the document: plain where the old value was plain and it stays a
    plain word to every YAML reader, otherwise in double quotes (times, names, "no")."""
    if not isinstance(new, str):
        return new
    plain_before = old is None or (isinstance(old, str) and not isinstance(old, ScalarString))
    if plain_before and _PLAIN_OK.match(new) and new.lower() not in _YAML11_WORDS:
        return new
    return DoubleQuotedScalarString(new)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


class _Editor:
    """Applies changed values to the round-trip document and remembers which keys changed."""

    def __init__(self, doc: CommentedMap) -> None:
        self.doc = doc
        self.changed: list[str] = []

    def section(self, name: str) -> CommentedMap:
        node = self.doc.get(name)
        if not isinstance(node, CommentedMap):
            node = CommentedMap()
            self.doc[name] = node
        return node

    def set(self, key: str, old: object, new: object) -> None:
        """Set `section.key` if the value changed (old is the effective value, defaults included)."""
        if old == new:
            return
        name, _, leaf = key.partition(".")
        node = self.section(name)
        node[leaf] = _value(new, node.get(leaf))
        self.changed.append(key)


def _value(new: object, old_node: object = None) -> object:
    if isinstance(new, list):
        if isinstance(old_node, CommentedSeq):  # keep the list's style ([a, b]) and its comment
            if not old_node or old_node.fa.flow_style():
                old_node.fa.set_flow_style()
            old_node.clear()
            old_node.extend(_scalar(v, "plain") for v in new)
            return old_node
        seq = CommentedSeq(_scalar(v, "plain") for v in new)
        seq.fa.set_flow_style()
        return seq
    if isinstance(new, float):
        return _number(new)
    return _scalar(new, old_node)  # type: ignore[arg-type]


def _update(node: CommentedMap, wanted: dict[str, object], old: dict[str, object]) -> None:
    """Make mapping `node` hold `wanted` (keys in `old` but not wanted are removed)."""
    for key in list(node):
        if key not in wanted and key in old:
            del node[key]
    for key, value in wanted.items():
        if key not in node or old.get(key) != value:
            node[key] = _value(value, node.get(key))


def _slot_dict(row: SlotRow) -> dict[str, object]:
    return {
        "id": row.id,
        "name": row.name,
        "start": row.start,
        "length_min": _number(row.length_min),
        "weekdays": list(row.weekdays),
    }


def _engine_dict(row: EngineRow) -> dict[str, object]:
    return {"engine": row.engine, **row.options}


def _apply_rows(
    parent: CommentedMap, key: str, rows: list, old_rows: list, as_dict, fixed: tuple[str, ...] = ()
) -> bool:
    """Rebuild list `parent[key]` from form rows, reusing the file's mapping of each kept row."""
    if [as_dict(r) for r in rows] == [as_dict(r) for r in old_rows]:
        return False
    seq = parent.get(key)
    seq = seq if isinstance(seq, CommentedSeq) else CommentedSeq()
    items: list[object] = []
    used: set[int] = set()
    for row in rows:
        origin = row.origin
        reuse = (
            origin is not None
            and 0 <= origin < len(old_rows)
            and origin < len(seq)
            and origin not in used
            and isinstance(seq[origin], CommentedMap)
        )
        wanted = as_dict(row)
        if not reuse:
            node = CommentedMap()
            _update(node, wanted, {})
        else:
            used.add(origin)
            node = seq[origin]
            old = as_dict(old_rows[origin])
            if "weekdays" in old and "weekdays" not in node and wanted["weekdays"] == list(WEEKDAY_CODES):
                wanted.pop("weekdays")  # the slot runs every day by default: do not write it
                old.pop("weekdays")
            if "name" in old and "name" not in node and wanted["name"] == wanted.get("id"):
                wanted.pop("name")
                old.pop("name")
            _update(node, wanted, old)
        items.append(node)
    if len(items) != len(seq) or any(a is not b for a, b in zip(items, seq, strict=False)):
        if seq and items and seq[-1] is not items[-1]:
            _move_tail(seq[-1], items[-1])
        seq.clear()  # rows removed, added or reordered: the kept rows keep their comments
        seq.extend(items)
        if not items:
            seq.fa.set_flow_style()  # an empty block list would be written as a stray "[]" line
    parent[key] = seq
    return True


def _move_tail(old_last: object, new_last: object) -> None:
    """Blank lines after a list belong to its last row in ruamel: keep them after the list."""
    if not (
        isinstance(old_last, CommentedMap) and isinstance(new_last, CommentedMap) and old_last and new_last
    ):
        return
    old_key, new_key = list(old_last)[-1], list(new_last)[-1]
    entry = old_last.ca.items.get(old_key)
    token = entry[2] if entry and len(entry) > 2 else None
    if token is None or token.value.strip() or new_last.ca.items.get(new_key):
        return
    entry[2] = None
    new_last.ca.items[new_key] = [None, None, token, None]


def _check_lists(new: StationSettings) -> None:
    for i, row in enumerate(new.slots):
        if not row.weekdays:
            raise ConfigError(
                "chọn ít nhất một ngày trong tuần cho buổi phát này.", field=f"slots.{i}.weekdays"
            )
    if new.slots and not any(r.airs for r in new.slots):
        raise ConfigError(
            "chọn ít nhất một buổi để phát chương trình.",
            field="airing.slots",
            hint="Đánh dấu cột 'Phát chương trình'.",
        )
    if not new.airing_weekdays:
        raise ConfigError("chọn ít nhất một ngày trong tuần để phát.", field="airing.weekdays")
    for chain in ("main", "second"):
        for i, row in enumerate(getattr(new, chain)):
            if row.engine not in known_engines():
                raise ConfigError(
                    f"không có bộ đọc tên '{row.engine[:40]}'.", field=f"voice.{chain}.{i}.engine"
                )


def render_settings(text: str, old: StationSettings, new: StationSettings) -> tuple[str, list[str]]:
    """station.yaml's `text` with the values of `new` that differ from `old`; (text, changed keys)."""
    y = _yaml()
    try:
        doc = y.load(text)
    except YAMLError:
        raise ConfigError("không đọc được station.yaml để sửa.", line=1) from None
    if not isinstance(doc, CommentedMap):
        raise ConfigError("station.yaml phải là một nhóm các mục dạng 'khóa: giá trị'.", line=1)
    _check_lists(new)
    ed = _Editor(doc)
    ed.set("station.name", old.name, new.name)
    ed.set("contacts.hotline", old.hotline, new.hotline)
    ed.set("contacts.address", old.address, new.address)
    ed.set("contacts.email", old.email, new.email)
    if _apply_rows(doc, "slots", new.slots, old.slots, _slot_dict):
        ed.changed.append("slots")
    ed.set("airing.slots", [r.id for r in old.slots if r.airs], [r.id for r in new.slots if r.airs])
    ed.set("airing.per_month", old.per_month, new.per_month)
    ed.set("airing.from_day", old.from_day, new.from_day)
    ed.set("airing.weekdays", old.airing_weekdays, new.airing_weekdays)
    ed.set("airing.skip_holidays", old.skip_holidays, new.skip_holidays)
    ed.set("airing.days_off", old.days_off, new.days_off)
    ed.set("airing.extra_days", old.extra_days, new.extra_days)
    ed.set("airing.reminder_min", old.reminder_min, new.reminder_min)
    ed.set("voice.fallback", old.fallback, new.fallback)
    ed.set("voice.timeout_s", _number(old.timeout_s), _number(new.timeout_s))
    for chain in ("main", "second"):
        if _apply_rows(ed.section("voice"), chain, getattr(new, chain), getattr(old, chain), _engine_dict):
            ed.changed.append(f"voice.{chain}")
    ed.set("approval.separate_approver", old.separate_approver, new.separate_approver)
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue(), ed.changed


def save_settings(store: StationStore, new: StationSettings, *, base_sha256: str) -> SettingsSaved:
    """Write the form's values into station.yaml: validated first, atomic, never over a change.

    Raises SettingsConflict if the file is not the one the form was made from, and the
    station's own ConfigError (with `field`) if the result would not be a valid station.yaml;
    in both cases the file is left as it was.
    """
    store.state_dir.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(store.state_file("station-yaml.lock")), timeout=10):
            current = read_settings(store)
            if current.sha256 != base_sha256:
                raise SettingsConflict(
                    "station.yaml đã được sửa (bằng tay hoặc bởi người khác) sau khi bạn mở trang; "
                    "chưa lưu thay đổi của bạn.",
                    file=store.station_file,
                    hint="Tải lại trang để xem cài đặt mới nhất, rồi sửa lại phần của bạn.",
                    current_sha256=current.sha256,
                )
            text, changed = render_settings(current.text, current.settings, new)
            if not changed:
                return SettingsSaved(current.sha256, current.sha256, [], current)
            station = load_station(store.root, text=text)  # the real validation, before any write
            atomic_write_text(store.station_file, text)
    except Timeout:
        raise EnvironmentProblem(
            "một người khác đang lưu cài đặt của đài.",
            file=store.station_file,
            hint="Chờ vài giây rồi lưu lại.",
        ) from None
    saved = SettingsFile(text, _sha(text), settings_of(station))
    return SettingsSaved(current.sha256, saved.sha256, changed, saved)


__all__ = [
    "WEEKDAY_CODES",
    "WEEKDAY_LABELS",
    "EngineRow",
    "SettingsConflict",
    "SettingsFile",
    "SettingsSaved",
    "SlotRow",
    "StationSettings",
    "format_options",
    "parse_days",
    "parse_options",
    "read_settings",
    "render_settings",
    "save_settings",
    "settings_of",
]
