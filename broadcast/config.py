"""Station settings: package defaults + the station's station.yaml, validated into types.

Every validation error names the file, the line and the field, in Vietnamese, with the fix.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from datetime import date, time
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from broadcast.errors import ConfigError, NextStep, ScriptError
from broadcast.fsutil import inside
from broadcast.playout.models import PlayoutSettings
from broadcast.playout.settings import parse_playout
from broadcast.report.models import ReportSettings
from broadcast.report.settings import parse_report
from broadcast.store import STATION_FILE, StationStore
from broadcast.voice.registry import ENGINES
from broadcast.yamlio import Located, deep_merge, load_yaml

LEVELS = ("xã", "phường", "đặc khu")  # local government levels after the 2025 reorganisation

# Weekday names staff may write, mapped to Python's weekday() (Monday = 0).
WEEKDAYS = {
    "T2": 0,
    "T3": 1,
    "T4": 2,
    "T5": 3,
    "T6": 4,
    "T7": 5,
    "CN": 6,
    "MON": 0,
    "TUE": 1,
    "WED": 2,
    "THU": 3,
    "FRI": 4,
    "SAT": 5,
    "SUN": 6,
}
WEEKDAY_NAMES_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")

ALLOWED_BINARIES_ENV = "BROADCAST_ENGINE_BINARIES"
"""Environment variable listing extra engine programs the machine's admin allows (full paths or
names, separated by os.pathsep). Kept out of station.yaml on purpose: nothing read from a
station file may choose which program runs."""
ENGINE_BINARIES: dict[str, tuple[str, ...]] = {
    "espeak-ng": ("espeak-ng", "espeak", "espeak-ng.exe", "espeak.exe"),
}
"""Program names an engine's `binary:` may name without further permission (found on PATH)."""
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+:-]{0,79}$")
_SIGNED = re.compile(r"^([+-]?\d+(?:\.\d+)?)\s*(%|hz|Hz)?$")
# Engine option -> (kind, low, high). Options not listed are checked by the engine itself.
ENGINE_OPTIONS: dict[str, dict[str, tuple]] = {
    "espeak-ng": {
        "voice": ("name",),
        "speed": ("int", 80, 450),
        "pitch": ("int", 0, 99),
        "binary": ("binary",),
    },
    "gtts": {
        "lang": ("name",),
        "tld": ("name",),
        "slow": ("bool",),
        "url": ("url",),
        "retries": ("int", 0, 10),
        "backoff_s": ("number", 0, 60),
        "min_interval_s": ("number", 0, 10),
    },
    "edge-tts": {
        "voice": ("name",),
        "rate": ("signed", -90, 200),
        "pitch": ("signed", -100, 100),
        "volume": ("signed", -100, 100),
        "url": ("wsurl",),
    },
    "piper": {
        "model": ("path",),
        "config": ("path",),
        "voice": ("name",),
        "speaker": ("int", 0, 10_000),
        "length_scale": ("number", 0.25, 4),
        "noise_scale": ("number", 0, 2),
        "noise_w_scale": ("number", 0, 2),
    },
    "silent": {"voice": ("name",), "syllable_s": ("number", 0.01, 5)},
}


def allowed_binaries() -> set[str]:
    """Programs allowed by the machine's admin through $BROADCAST_ENGINE_BINARIES."""
    raw = os.environ.get(ALLOWED_BINARIES_ENV, "")
    return {p.strip() for p in raw.split(os.pathsep) if p.strip()}


def engine_option_problem(
    engine: str, key: str, value: Any, station_dir: Path | None = None
) -> tuple[str, str] | None:
    """(Vietnamese problem, hint) if `value` is not acceptable for option `key` of `engine`.

    Ranges keep the voice intelligible (espeak `speed: -5` would not be); `binary:` must be a
    known program name of the engine, or allowed by the admin in $BROADCAST_ENGINE_BINARIES.
    """
    spec = ENGINE_OPTIONS.get(engine, {}).get(key)
    if spec is None:
        return None
    kind = spec[0]
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind in ("int", "number"):
        lo, hi = spec[1], spec[2]
        if not is_number or value != value:  # NaN
            return f"phải là một số (nhận được: {_show(value)}).", f"Ví dụ: {key}: {lo if lo > 0 else hi}"
        if kind == "int" and int(value) != value:
            return f"phải là số nguyên (nhận được: {value}).", f"Ví dụ: {key}: {int(lo)}"
        if not lo <= value <= hi:
            return (
                f"giá trị {value:g} nằm ngoài khoảng cho phép {lo:g}–{hi:g}.",
                f"Chọn một giá trị từ {lo:g} đến {hi:g}.",
            )
        return None
    if kind == "bool":
        return (
            None if isinstance(value, bool) else (f"phải là true hoặc false (nhận được: {_show(value)}).", "")
        )
    if kind == "signed":
        lo, hi = spec[1], spec[2]
        m = _SIGNED.match(str(value).strip()) if (is_number or isinstance(value, str)) else None
        if not m or not lo <= float(m.group(1)) <= hi:
            return (
                f"giá trị {_show(value)} không hợp lệ (một số từ {lo:g} đến {hi:g}).",
                f'Ví dụ: {key}: -10 hoặc {key}: "+5%".',
            )
        return None
    if not isinstance(value, str) or not value.strip():
        return f"phải là một chuỗi chữ (nhận được: {_show(value)}).", ""
    if kind == "name":
        if not _NAME.match(value):
            return f"tên '{value[:80]}' không hợp lệ.", "Chỉ dùng chữ không dấu, số và các dấu - _ . + :"
        return None
    if kind == "url":
        if not re.match(r"^https?://[^\s]{1,500}$", value):
            return f"địa chỉ '{value[:80]}' không hợp lệ.", "Viết dạng http://… hoặc https://…"
        return None
    if kind == "wsurl":  # edge-tts speaks WebSocket
        if not re.match(r"^(wss?|https?)://[^\s]{1,500}$", value):
            return f"địa chỉ '{value[:80]}' không hợp lệ.", "Viết dạng wss://… (hoặc ws://, https://)"
        return None
    if kind == "path":
        if station_dir is not None:
            try:
                inside(station_dir, Path(value).expanduser(), source=station_dir / STATION_FILE)
            except ConfigError:
                return (
                    f"đường dẫn '{value[:120]}' nằm ngoài thư mục của đài.",
                    "Đặt tệp giọng đọc trong thư mục của đài (ví dụ voices/…) và viết đường dẫn tương đối.",
                )
        return None
    if kind == "binary":
        known = ENGINE_BINARIES.get(engine, ())
        if value in known or value in allowed_binaries():
            return None
        return (
            f"không được chạy chương trình '{value[:120]}'.",
            f"Dùng một trong: {', '.join(known)} (tìm theo PATH); chương trình khác phải được quản trị "
            f"máy cho phép trong biến môi trường {ALLOWED_BINARIES_ENV} (xem docs/station.md).",
        )
    return None


@dataclass
class EngineSpec:
    """One engine in a voice chain: its registry name and its own settings."""

    engine: str
    options: dict[str, Any] = field(default_factory=dict)
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"engine": self.engine, **self.options}


@dataclass
class VoiceSettings:
    """Ordered fallback chains for the main voice and the second (Q&A) voice."""

    main: list[EngineSpec]
    second: list[EngineSpec]
    fallback: bool = True
    timeout_s: float = 6.0
    request_deadline_s: float = 20.0
    """Longest time one online request may take, first byte to last (a dripping server)."""
    network_budget_s: float = 600.0
    """Online time (checks and requests) one run may spend before online engines are dropped."""


@dataclass
class Pauses:
    """Silences inserted by production, whatever the engine (seconds)."""

    sentence_s: float = 0.55
    clause_s: float = 0.25
    paragraph_s: float = 0.8
    segment_s: float = 0.6


@dataclass
class BedSettings:
    """Music bed: its level between speech, how far it ducks under speech, and how fast."""

    level_db: float = -14.0
    duck_db: float = -18.0
    attack_ms: float = 120.0
    release_ms: float = 600.0


@dataclass
class AudioSettings:
    """Mastering and export targets."""

    target_lufs: float = -16.0
    true_peak_dbtp: float = -1.0
    bitrate_kbps: int = 128
    sample_rate: int = 44100
    wav: bool = False
    highpass_hz: float = 120.0
    presence_db: float = 2.0
    compression: bool = True
    crossfade_ms: float = 250.0
    pauses: Pauses = field(default_factory=Pauses)
    bed: BedSettings = field(default_factory=BedSettings)


@dataclass
class Slot:
    """A daily air slot: id, human name, start time, length and the weekdays it runs."""

    id: str
    name: str
    start: time
    length_min: float
    weekdays: list[int]

    @property
    def hhmm(self) -> str:
        return self.start.strftime("%H%M")


@dataclass
class Airing:
    """How the monthly programme airs over the month."""

    per_month: int
    slots: list[str]
    from_day: int = 1
    weekdays: list[int] = field(default_factory=lambda: list(range(7)))
    skip_holidays: bool = True
    days_off: list[date] = field(default_factory=list)
    extra_days: list[date] = field(default_factory=list)
    reminder_min: int = 15  # calendar reminder before each airing (0: none)


@dataclass
class Automation:
    """When the daemon makes next month's programme and prepares tomorrow's folder."""

    generate_day: int = 20
    generate_time: time = time(8, 0)
    prepare_time: time = time(20, 0)
    auto_approve: bool = False


@dataclass
class Station:
    """A station's validated settings, and the store of the folder they were read from.

    Settings do no I/O; every path of the station is asked of `store` (broadcast.store).
    """

    store: StationStore
    name: str
    slug: str
    locality: str
    authority: str
    example: bool
    programme_title: str
    min_minutes: float
    max_minutes: float
    contacts: dict[str, str]
    voice: VoiceSettings
    audio: AudioSettings
    slots: list[Slot]
    airing: Airing
    automation: Automation
    spell_issuer: bool = False
    province: str = ""
    source: Located | None = None
    playout: PlayoutSettings | None = None  # parsed by broadcast.playout.settings
    report: ReportSettings | None = None  # parsed by broadcast.report.settings
    level: str = "xã"  # xã / phường / đặc khu (templates agree with it)
    timezone: str = "Asia/Ho_Chi_Minh"  # every time a person reads is in this zone
    separate_approver: bool = False  # approval.separate_approver: the last editor may not approve

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def dir(self) -> Path:
        """The station folder (the store's root)."""
        return self.store.root

    def slot(self, slot_id: str) -> Slot:
        for s in self.slots:
            if s.id == slot_id:
                return s
        raise KeyError(slot_id)

    def line(self, *path: Any) -> int | None:
        """Line of a key in station.yaml (for errors raised by later stages)."""
        return self.source.line(*path) if self.source else None

    def error(self, message: str, *path: Any, hint: str | None = None) -> ConfigError:
        """A ConfigError pointing at `path` in station.yaml."""
        return ConfigError(
            message,
            file=self.store.station_file,
            line=self.line(*path),
            field=".".join(str(p) for p in path) or None,
            hint=hint,
        )


def _defaults() -> dict[str, Any]:
    text = resources.files("broadcast").joinpath("data/defaults.yaml").read_text("utf-8")
    return load_yaml("defaults.yaml", text=text).data


def _show(value: Any) -> str:
    """repr() of a value for a message, cut to a readable length."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


class _Reader:
    """Typed accessors over the merged settings that raise located ConfigErrors."""

    def __init__(self, merged: dict[str, Any], src: Located) -> None:
        self.merged = merged
        self.src = src

    def fail(self, path: tuple, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(
            message,
            file=self.src.file,
            line=self.src.line(*path),
            field=".".join(str(p) for p in path),
            hint=hint,
        )

    def get(self, *path: Any) -> Any:
        node: Any = self.merged
        for p in path:
            if isinstance(node, dict):
                node = node.get(p)
            elif isinstance(node, list) and isinstance(p, int) and p < len(node):
                node = node[p]
            else:
                return None
        return node

    def section(self, name: str) -> dict[str, Any]:
        value = self.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail((name,), "phải là một nhóm các mục (dạng 'khóa: giá trị').")
        return value

    def text(self, *path: Any, required: bool = False) -> str:
        value = self.get(*path)
        if value is None or value == "":
            if required:
                raise self.fail(path, "bắt buộc phải có.", "Điền giá trị cho mục này.")
            return ""
        if isinstance(value, (dict, list)):
            raise self.fail(path, "phải là một chuỗi chữ.")
        return str(value)

    def number(self, *path: Any, lo: float, hi: float, integer: bool = False) -> float:
        value = self.get(*path)
        if value is None:
            raise self.fail(
                path,
                "thiếu giá trị: mục này phải là một số.",
                f"Ví dụ: {path[-1]}: {hi if hi < 100 else lo:g}",
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(
                path,
                f"phải là một số (nhận được: {_show(value)}).",
                f"Ví dụ: {path[-1]}: {hi if hi < 100 else lo:g}",
            )
        if not lo <= value <= hi:
            raise self.fail(path, f"giá trị {value:g} nằm ngoài khoảng cho phép {lo:g}–{hi:g}.")
        if integer and int(value) != value:
            raise self.fail(path, f"phải là số nguyên (nhận được: {value}).")
        return int(value) if integer else float(value)

    def whole(self, *path: Any, lo: int, hi: int) -> int:
        """A whole number in [lo, hi] (errors as for number())."""
        return int(self.number(*path, lo=lo, hi=hi, integer=True))

    def flag(self, *path: Any) -> bool:
        value = self.get(*path)
        if not isinstance(value, bool):
            raise self.fail(path, f"phải là true hoặc false (nhận được: {_show(value)}).")
        return value

    def clock(self, *path: Any) -> time:
        value = self.get(*path)
        if isinstance(value, int) and not isinstance(value, bool):
            written = self.src.raw.get(tuple(path), "")
            if ":" in written:
                # YAML 1.1 reads an unquoted 6:00 as a sexagesimal integer (360).
                value = f"{value // 60:02d}:{value % 60:02d}"
            else:
                value = written or str(value)  # "6" or "600": not a time; refuse below
        m = _TIME.match(str(value or "").strip())
        if not m:
            raise self.fail(
                path,
                f"giờ không hợp lệ: {_show(value)}.",
                'Viết giờ dạng "HH:MM" trong ngoặc kép, 24 giờ, ví dụ "06:00" hoặc "17:30".',
            )
        return time(int(m.group(1)), int(m.group(2)))

    def day(self, *path: Any) -> date:
        value = self.get(*path)
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(
                path, f"ngày không hợp lệ: {_show(value)}.", 'Viết dạng "YYYY-MM-DD", ví dụ "2026-12-24".'
            ) from None

    def weekdays(self, *path: Any) -> list[int]:
        value = self.get(*path)
        if not isinstance(value, list) or not value:
            raise self.fail(path, "phải là danh sách ngày trong tuần.", "Ví dụ: [T2, T3, T4, T5, T6, T7, CN]")
        out = []
        for i, item in enumerate(value):
            key = str(item).strip().upper()
            if key not in WEEKDAYS:
                raise self.fail(
                    path + (i,),
                    f"ngày trong tuần không hợp lệ: {_show(item)}.",
                    "Dùng T2, T3, T4, T5, T6, T7 hoặc CN.",
                )
            out.append(WEEKDAYS[key])
        return sorted(set(out))

    def engines(self, *path: Any, required: bool) -> list[EngineSpec]:
        value = self.get(*path)
        if value is None:
            value = []
        if not isinstance(value, list):
            raise self.fail(path, "phải là danh sách các bộ đọc (engine).")
        if required and not value:
            raise self.fail(path, "cần ít nhất một bộ đọc.", "Ví dụ: - engine: espeak-ng")
        known = known_engines()
        specs = []
        for i, item in enumerate(value):
            if isinstance(item, str):
                item = {"engine": item}
            if not isinstance(item, dict) or "engine" not in item:
                raise self.fail(path + (i,), "mỗi mục phải có 'engine: tên'.", "Ví dụ: - engine: gtts")
            name = str(item["engine"])
            if name not in known:
                raise self.fail(
                    path + (i, "engine"),
                    f"không có bộ đọc tên '{name}'.",
                    "Các bộ đọc có sẵn: " + ", ".join(known) + ".",
                )
            options = {k: v for k, v in item.items() if k != "engine"}
            for key, value in options.items():
                problem = engine_option_problem(name, str(key), value, self.src.file.parent)
                if problem:
                    raise self.fail(path + (i, key), problem[0], problem[1] or None)
            specs.append(EngineSpec(name, options, self.src.line(*path, i)))
        return specs


_SLOT_KEYS = {"id": 0, "name": 0, "start": 0, "length_min": 0, "weekdays": 0}
# Sections whose nested mappings are checked key by key (voice chains carry engine options).
_OPEN_SECTIONS = ("voice",)


def _refuse_unknown_keys(src: Located, path: tuple, given: Any, allowed: dict) -> None:
    """A misspelled key would silently fall back to its default: name it, suggest the right one."""
    if not isinstance(given, dict) or path[0] in _OPEN_SECTIONS:
        return
    for key, value in given.items():
        if key not in allowed:
            close = difflib.get_close_matches(str(key), [str(k) for k in allowed], n=1, cutoff=0.6)
            hint = f"Có phải ý bạn là '{close[0]}'?" if close else ""
            hint += (" " if hint else "") + "Các mục hợp lệ ở đây: " + ", ".join(map(str, allowed)) + "."
            raise ConfigError(
                f"không có mục tên '{key}'.",
                file=src.file,
                line=src.line(*path, key),
                field=".".join(str(p) for p in (*path, key)),
                hint=hint,
            )
        if isinstance(allowed[key], dict) and allowed[key]:
            _refuse_unknown_keys(src, (*path, key), value, allowed[key])


_MONTH_ARG = re.compile(r"^(\d{4})-(0?[1-9]|1[0-2])$")
_MONTH_VN = re.compile(r"^(0?[1-9]|1[0-2])[/.-](\d{4})$")  # 12/2026, as staff write it


def validate_month(month: str) -> str:
    """A `--month` value as YYYY-MM ("2027-1", "12/2026" -> "2027-01", "2026-12").

    ScriptError in Vietnamese if wrong."""
    text = str(month or "").strip()
    m = _MONTH_ARG.match(text)
    year, mon = (m.group(1), m.group(2)) if m else (None, None)
    if m is None and (v := _MONTH_VN.match(text)):
        year, mon = v.group(2), v.group(1)
    if year is None or mon is None or not 2000 <= int(year) <= 2100:
        raise ScriptError(
            f"tháng không hợp lệ: '{month}'.",
            field="--month",
            hint="Viết dạng YYYY-MM (2026-12) hoặc THÁNG/NĂM (12/2026); tháng từ 1 đến 12, năm đủ 4 chữ số.",
        )
    return f"{year}-{int(mon):02d}"


def known_engines() -> tuple[str, ...]:
    """Engine names of the voice registry, in the order `broadcast voices` lists them."""
    return tuple(ENGINES)


def load_station(directory: str | Path = ".", *, text: str | None = None) -> Station:
    """Read `directory/station.yaml` over the package defaults and validate it.

    `text` validates that text as the station's station.yaml instead of the file (the console
    checks an edit this way before it replaces the file).
    """
    store = StationStore(directory)
    directory = store.root
    path = store.station_file
    if text is None and not path.exists():
        raise ConfigError(
            "không tìm thấy tệp cấu hình của đài.",
            file=path,
            hint="Chọn đúng thư mục của đài (có tệp station.yaml), hoặc tạo đài mới từ đài mẫu.",
            next_step=NextStep("init"),
        )
    src = load_yaml(path, text=text)
    if src.data is None:
        src.data = {}
    if not isinstance(src.data, dict):
        raise ConfigError("tệp phải là một nhóm các mục dạng 'khóa: giá trị'.", file=path, line=1)
    defaults = _defaults()
    for key in src.data:
        if key not in defaults:
            raise ConfigError(
                f"không có nhóm cấu hình tên '{key}'.",
                file=path,
                line=src.line(key),
                field=str(key),
                hint="Các nhóm hợp lệ: " + ", ".join(defaults) + ".",
            )
    r = _Reader(deep_merge(defaults, src.data), src)
    for name, default in defaults.items():
        if isinstance(default, dict):
            r.section(name)
            _refuse_unknown_keys(src, (name,), src.data.get(name), default)
    for i, slot in enumerate(src.data.get("slots") or []):
        if isinstance(slot, dict):
            _refuse_unknown_keys(src, ("slots", i), slot, _SLOT_KEYS)

    slug = r.text("station", "slug", required=True)
    if not _SLUG.match(slug):
        raise r.fail(
            ("station", "slug"),
            f"'{slug}' phải viết thường, không dấu, chỉ chữ, số và '-'.",
            "Ví dụ: truong-quang-trong",
        )

    min_m = r.number("programme", "min_minutes", lo=1, hi=120)
    max_m = r.number("programme", "max_minutes", lo=1, hi=120)
    if min_m > max_m:
        raise r.fail(
            ("programme", "min_minutes"),
            f"độ dài tối thiểu ({min_m:g} phút) lớn hơn tối đa ({max_m:g} phút).",
        )

    voice = VoiceSettings(
        main=r.engines("voice", "main", required=True),
        second=r.engines("voice", "second", required=False),
        fallback=r.flag("voice", "fallback"),
        timeout_s=r.number("voice", "timeout_s", lo=0.5, hi=120),
        request_deadline_s=r.number("voice", "request_deadline_s", lo=1, hi=600),
        network_budget_s=r.number("voice", "network_budget_s", lo=1, hi=86400),
    )

    a = ("audio",)
    audio = AudioSettings(
        target_lufs=r.number(*a, "target_lufs", lo=-36, hi=-8),
        true_peak_dbtp=r.number(*a, "true_peak_dbtp", lo=-9, hi=0),
        bitrate_kbps=r.whole(*a, "bitrate_kbps", lo=32, hi=320),
        sample_rate=_sample_rate(r),
        wav=r.flag(*a, "wav"),
        highpass_hz=r.number(*a, "highpass_hz", lo=0, hi=400),
        presence_db=r.number(*a, "presence_db", lo=0, hi=6),
        compression=r.flag(*a, "compression"),
        crossfade_ms=r.number(*a, "crossfade_ms", lo=0, hi=3000),
        pauses=Pauses(**{k: r.number(*a, "pauses", k, lo=0, hi=10) for k in Pauses.__dataclass_fields__}),
        bed=BedSettings(
            level_db=r.number(*a, "bed", "level_db", lo=-40, hi=0),
            duck_db=r.number(*a, "bed", "duck_db", lo=-60, hi=0),
            attack_ms=r.number(*a, "bed", "attack_ms", lo=1, hi=5000),
            release_ms=r.number(*a, "bed", "release_ms", lo=1, hi=10000),
        ),
    )

    slots = _slots(r)
    airing = _airing(r, slots)
    automation = Automation(
        generate_day=r.whole("automation", "generate_day", lo=1, hi=28),
        generate_time=r.clock("automation", "generate_time"),
        prepare_time=r.clock("automation", "prepare_time"),
        auto_approve=r.flag("automation", "auto_approve"),
    )
    contacts = {k: r.text("contacts", k) for k in r.section("contacts")}
    level = r.text("station", "level")
    if level not in LEVELS:
        raise r.fail(
            ("station", "level"),
            f"'{level}' không phải cấp chính quyền cơ sở.",
            "Ghi một trong: " + ", ".join(f'"{x}"' for x in LEVELS) + " (từ 01/7/2025 không còn cấp huyện).",
        )
    locality = r.text("station", "locality")
    if locality and not locality.lower().startswith(level + " "):
        raise r.fail(
            ("station", "locality"),
            f"'{locality}' không khớp cấp của địa phương ('level: {level}').",
            f'Viết tên địa phương bắt đầu bằng cấp, ví dụ "{level} Tân Liên"; hoặc sửa mục level. '
            "Từ 01/7/2025 không còn huyện, quận, thị xã: đài là đài của xã, phường hoặc đặc khu.",
        )
    tz_name = r.text("station", "timezone")
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail(
            ("station", "timezone"), f"không biết múi giờ '{tz_name}'.", 'Ở Việt Nam ghi "Asia/Ho_Chi_Minh".'
        ) from None
    return Station(
        level=level,
        timezone=tz_name,
        store=store,
        name=r.text("station", "name", required=True),
        slug=slug,
        locality=locality,
        authority=r.text("station", "authority"),
        example=r.flag("station", "example"),
        programme_title=r.text("programme", "title", required=True),
        min_minutes=min_m,
        max_minutes=max_m,
        contacts=contacts,
        voice=voice,
        audio=audio,
        slots=slots,
        airing=airing,
        automation=automation,
        spell_issuer=r.flag("normalize", "spell_issuer"),
        province=r.text("station", "province"),
        source=src,
        playout=_playout(r),
        report=_report(r),
        separate_approver=r.flag("approval", "separate_approver"),
    )


def _playout(r: _Reader) -> PlayoutSettings:
    return parse_playout(r)  # the playout package owns its section


def _report(r: _Reader) -> ReportSettings:
    return parse_report(r)  # the report package owns its section


def _sample_rate(r: _Reader) -> int:
    rate = r.whole("audio", "sample_rate", lo=8000, hi=96000)
    allowed = (22050, 24000, 32000, 44100, 48000)
    if rate not in allowed:
        raise r.fail(
            ("audio", "sample_rate"),
            f"tần số lấy mẫu {rate} không dùng được cho MP3.",
            "Dùng một trong: " + ", ".join(map(str, allowed)),
        )
    return int(rate)


def _slots(r: _Reader) -> list[Slot]:
    raw = r.get("slots")
    if not isinstance(raw, list) or not raw:
        raise r.fail(
            ("slots",),
            "cần ít nhất một buổi phát.",
            'Ví dụ:\n  slots:\n    - id: sang\n      start: "06:00"\n      length_min: 30',
        )
    slots: list[Slot] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            raise r.fail(("slots", i), "mỗi buổi phát phải có id, start, length_min.")
        sid = r.text("slots", i, "id", required=True)
        if not _SLUG.match(sid):
            raise r.fail(
                ("slots", i, "id"), f"mã buổi '{sid}' phải viết thường, không dấu.", "Ví dụ: sang, chieu"
            )
        if any(s.id == sid for s in slots):
            raise r.fail(("slots", i, "id"), f"mã buổi '{sid}' bị trùng.")
        slots.append(
            Slot(
                id=sid,
                name=r.text("slots", i, "name") or sid,
                start=r.clock("slots", i, "start"),
                length_min=r.number("slots", i, "length_min", lo=1, hi=600),
                weekdays=r.weekdays("slots", i, "weekdays") if "weekdays" in item else list(range(7)),
            )
        )
    return slots


def _airing(r: _Reader, slots: list[Slot]) -> Airing:
    ids = [s.id for s in slots]
    chosen = r.get("airing", "slots") or ids
    if not isinstance(chosen, list):
        raise r.fail(("airing", "slots"), "phải là danh sách mã buổi phát.", f"Ví dụ: [{', '.join(ids)}]")
    for i, sid in enumerate(chosen):
        if sid not in ids:
            raise r.fail(
                ("airing", "slots", i),
                f"không có buổi phát mã '{sid}'.",
                "Các buổi đã khai báo: " + ", ".join(ids) + ".",
            )
    for key in ("days_off", "extra_days"):
        if not isinstance(r.get("airing", key) or [], list):
            raise r.fail(("airing", key), "phải là danh sách ngày.", 'Ví dụ: ["2026-12-24"]')
    return Airing(
        per_month=r.whole("airing", "per_month", lo=1, hi=62),
        slots=[str(s) for s in chosen],
        from_day=r.whole("airing", "from_day", lo=1, hi=28),
        weekdays=r.weekdays("airing", "weekdays"),
        skip_holidays=r.flag("airing", "skip_holidays"),
        days_off=[r.day("airing", "days_off", i) for i in range(len(r.get("airing", "days_off") or []))],
        extra_days=[
            r.day("airing", "extra_days", i) for i in range(len(r.get("airing", "extra_days") or []))
        ],
        reminder_min=r.whole("airing", "reminder_min", lo=0, hi=1440),
    )
