"""The station store: the one object that knows where every file of a station folder lives.

A station is a folder (the repository root is the bundled example). Nothing else in the
package builds a station path: services, stages and front ends ask the store. The layout::

    station.yaml                 settings (identity, programme, voice, audio, slots, airing…)
    lexicon.yaml                 the station's additions to the pronunciation lexicon
    templates/  topics/          the station's own script templates and topics (optional)
    jingles/                     the station's own jingles (optional; built-in ones are generated)
    facts/YYYY-MM.yaml           the month's local figures, filled in by staff
    scripts/YYYY-MM.md           the month's script (staff edit it)
    schedules/plan-YYYY.yaml     the topic of each month of a year
    schedules/YYYY-MM.yaml|.ics  the month's airings
    audio_out/YYYY-MM/           the month's programme (MP3 + manifest.json)
    audio_out/days/YYYY-MM-DD/   what the operator plays that day
    archive/YYYY/YYYY-MM/        an aired month's programme and records (broadcast archive)
    .broadcast/                  caches and state, never committed

`StationStore.open(dir)` also loads the validated settings; `StationStore.create(dir)` makes a
new station from the example that ships inside the package (so `init` works from a wheel).
"""

from __future__ import annotations

import json
import re
from datetime import date
from importlib import resources
from pathlib import Path

from broadcast.errors import ConfigError
from broadcast.fsutil import atomic_write_text, inside, read_state_json

STATION_FILE = "station.yaml"
_MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")
_DAY_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EXAMPLE_FLAG = re.compile(r"^(\s*example:\s*)true\b.*$", re.MULTILINE)


class StationStore:
    """Every path of one station folder, and the reads and writes that go with them."""

    def __init__(self, root: str | Path, *, shared_cache: str | Path | None = None) -> None:
        self.root = Path(root).resolve()
        # A network of stations (broadcast.network) voices every member into one tts cache.
        self.shared_cache = Path(shared_cache).resolve() if shared_cache is not None else None

    def __repr__(self) -> str:
        return f"StationStore({str(self.root)!r})"

    # ------------------------------------------------------------------ settings and inputs
    @property
    def station_file(self) -> Path:
        return self.root / STATION_FILE

    @property
    def lexicon_path(self) -> Path:
        return self.root / "lexicon.yaml"

    def station_lexicon(self) -> Path | None:
        """The station's own lexicon file if it has one."""
        return self.lexicon_path if self.lexicon_path.is_file() else None

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def topics_dir(self) -> Path:
        return self.root / "topics"

    @property
    def jingles_dir(self) -> Path:
        return self.root / "jingles"

    @property
    def facts_dir(self) -> Path:
        return self.root / "facts"

    def facts_path(self, month: str) -> Path:
        return self.facts_dir / f"{month}.yaml"

    # ------------------------------------------------------------------ scripts and plans
    @property
    def scripts_dir(self) -> Path:
        return self.root / "scripts"

    def script_path(self, month: str) -> Path:
        return self.scripts_dir / f"{month}.md"

    @property
    def schedules_dir(self) -> Path:
        return self.root / "schedules"

    def plan_path(self, year: int) -> Path:
        return self.schedules_dir / f"plan-{year}.yaml"

    def schedule_path(self, month: str) -> Path:
        return self.schedules_dir / f"{month}.yaml"

    def ics_path(self, month: str) -> Path:
        return self.schedules_dir / f"{month}.ics"

    # ------------------------------------------------------------------ audio
    @property
    def audio_dir(self) -> Path:
        return self.root / "audio_out"

    def programme_dir(self, month: str) -> Path:
        return self.audio_dir / month

    def manifest_path(self, month: str) -> Path:
        return self.programme_dir(month) / "manifest.json"

    @property
    def drafts_dir(self) -> Path:
        """Listening copies of scripts not (yet) approved; never aired."""
        return self.audio_dir / "drafts"

    def draft_dir(self, month: str) -> Path:
        return self.drafts_dir / month

    @property
    def days_dir(self) -> Path:
        return self.audio_dir / "days"

    def day_dir(self, day: date) -> Path:
        return self.days_dir / day.isoformat()

    def programme_months(self) -> list[str]:
        """Months that have a programme folder, oldest first."""
        if not self.audio_dir.is_dir():
            return []
        return sorted(p.name for p in self.audio_dir.iterdir() if _MONTH_DIR.match(p.name) and p.is_dir())

    def day_dirs(self) -> list[Path]:
        """Day folders that exist, oldest first (leftovers of interrupted runs excluded)."""
        if not self.days_dir.is_dir():
            return []
        return sorted(p for p in self.days_dir.iterdir() if _DAY_DIR.match(p.name))

    # ------------------------------------------------------------------ human readings
    @property
    def readings_dir(self) -> Path:
        """readings/: recordings of staff reading a segment (content: kept and backed up,
        never removed by cleanup or retention)."""
        return self.root / "readings"

    def readings_month_dir(self, month: str) -> Path:
        """readings/YYYY-MM/: the month's readings, `doan-NN.wav` + `doan-NN.json` each."""
        return self.readings_dir / month

    # ------------------------------------------------------------------ archive
    @property
    def archive_dir(self) -> Path:
        """archive/: aired months kept for reports (never removed by retention)."""
        return self.root / "archive"

    def archive_month_dir(self, month: str) -> Path:
        """archive/YYYY/YYYY-MM/: one aired month's programme and records."""
        return self.archive_dir / month[:4] / month

    def archived_months(self) -> list[str]:
        """Months that have an archive folder, oldest first."""
        if not self.archive_dir.is_dir():
            return []
        return sorted(
            p.name
            for year in self.archive_dir.iterdir()
            if year.is_dir()
            for p in year.iterdir()
            if _MONTH_DIR.match(p.name) and p.is_dir()
        )

    # ------------------------------------------------------------------ caches and state
    @property
    def state_dir(self) -> Path:
        return self.root / ".broadcast"

    def state_file(self, name: str) -> Path:
        """A file of the state folder: automation state and history, locks, the as-run log."""
        return self.state_dir / name

    @property
    def web_db_path(self) -> Path:
        """The web console's SQLite database (users, sessions, audit log)."""
        return self.state_dir / "web.sqlite3"

    @property
    def web_secret_key_path(self) -> Path:
        """The web console's per-station secret key (mode 0600, made at first start)."""
        return self.state_dir / "web-secret-key"

    @property
    def editors_path(self) -> Path:
        """Who last saved each month's script through the console, keyed by the body hash."""
        return self.state_dir / "script-editors.json"

    def script_editor(self, month: str, body_sha256: str) -> str | None:
        """Who saved this body of the month's script last, or None if unknown (a hand edit)."""
        data = read_state_json(self.editors_path)
        entry = data.get(month) if isinstance(data, dict) else None
        if isinstance(entry, dict) and entry.get("body_sha256") == body_sha256:
            by = entry.get("by")
            return by if isinstance(by, str) and by.strip() else None
        return None

    def record_script_editor(self, month: str, body_sha256: str, by: str) -> None:
        """Remember that `by` saved the month's script with this body (kept if the body is the same)."""
        data = read_state_json(self.editors_path)
        records = data if isinstance(data, dict) else {}
        entry = records.get(month)
        if isinstance(entry, dict) and entry.get("body_sha256") == body_sha256 and entry.get("by"):
            return  # the body did not change: its last editor stays who wrote it
        records[month] = {"body_sha256": body_sha256, "by": by}
        self.state_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(
            self.editors_path, json.dumps(records, ensure_ascii=False, indent=1, sort_keys=True)
        )

    @property
    def playout_commands_dir(self) -> Path:
        """Commands from the console to the player (broadcast.playout.control), one JSON file each."""
        return self.state_dir / "playout-control" / "commands"

    @property
    def playout_results_dir(self) -> Path:
        """The player's answers to those commands (done / refused, with the reason)."""
        return self.state_dir / "playout-control" / "results"

    def cache_dir(self, name: str) -> Path:
        """A cache folder under the state folder: tts, prepared, jingles, notice, voices.

        A network member's `tts` cache is the network's shared one (`shared_cache`).
        """
        if name == "tts" and self.shared_cache is not None:
            return self.shared_cache
        return self.state_dir / name

    # ------------------------------------------------------------------ paths read from files
    def rel(self, path: str | Path) -> str:
        """`path` as a person reads it: relative to the station folder where it is inside."""
        p = Path(path)
        try:
            return p.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(p)

    def inside(self, relpath: str | Path, *, source: str | Path | None = None) -> Path:
        """The station path named by `relpath` (read from a data or state file), links resolved.

        Absolute paths, `..` and symbolic links that lead out of the station folder are
        refused with an error naming `source`, the file the path was read from.
        """
        return inside(self.root, relpath, source=source if source is not None else self.root)

    # ------------------------------------------------------------------ many stations
    @staticmethod
    def is_station(directory: str | Path) -> bool:
        return (Path(directory) / STATION_FILE).is_file()

    @classmethod
    def find(cls, parent: str | Path) -> list[StationStore]:
        """The station folders directly inside `parent`, by name."""
        parent = Path(parent)
        if not parent.is_dir():
            return []
        return [cls(p) for p in sorted(parent.iterdir()) if p.is_dir() and cls.is_station(p)]

    @classmethod
    def create(cls, directory: str | Path) -> StationStore:
        """A new station folder made from the example station that ships with the package."""
        store = cls(directory)
        if store.station_file.exists():
            raise ConfigError(
                "thư mục này đã có station.yaml; không ghi đè.",
                file=store.station_file,
                hint="Chọn thư mục khác hoặc sửa trực tiếp tệp đang có.",
            )
        example = resources.files("broadcast").joinpath("data/example")
        for folder in ("scripts", "schedules", "audio_out", "facts", "jingles"):
            (store.root / folder).mkdir(parents=True, exist_ok=True)
        for rel in ("facts/README.md", "station.yaml"):
            src = example.joinpath(rel)
            if not src.is_file():
                raise ConfigError("không tìm thấy đài mẫu đi kèm chương trình.", file=str(src))
            text = src.read_text(encoding="utf-8")
            if rel == "station.yaml":  # a new station is a real one: its figures are not examples
                text = _EXAMPLE_FLAG.sub(
                    r"\g<1>false                               # đài thật", text, count=1
                )
            atomic_write_text(store.root / rel, text)
        return store
