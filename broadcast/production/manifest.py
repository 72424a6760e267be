"""The files of a produced month: manifest, approval record, settings fingerprint, file checks.

Light on purpose (no audio libraries): readiness checks, the schedule and the pipeline read
these without loading the DSP.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mutagen import MutagenError
from mutagen.mp3 import MP3

from broadcast import jingles as jingles_mod
from broadcast.fsutil import read_state_json
from broadcast.models.programme import Manifest
from broadcast.production.prepared import PREP_VERSION

if TYPE_CHECKING:
    from broadcast.config import Station
    from broadcast.script import Script

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
#: Next to the manifest: the fingerprint of the settings the programme was made with.
SETTINGS_NAME = ".settings.sha256"


def read_manifest(month_dir: Path) -> Manifest | None:
    """The manifest of a produced month, or None if there is none (or it is unreadable)."""
    path = Path(month_dir) / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        data = read_state_json(path, warn=False)  # garbage, bad UTF-8, deep nesting: None
        if data is None:
            raise ValueError("không đọc được (không phải JSON, không phải UTF-8 hoặc lồng quá sâu)")
        if not isinstance(data, dict):
            raise ValueError("không phải một bảng khóa–giá trị")
        m = Manifest.from_dict(data)
        # The fields every reader computes with must be there and be numbers/strings.
        for name in ("duration_s", "loudness_lufs", "true_peak_dbtp"):
            setattr(m, name, float(getattr(m, name)))
        for name in ("sample_rate", "channels", "bitrate_kbps"):
            setattr(m, name, int(getattr(m, name)))
        if not all(
            isinstance(getattr(m, k), str) and getattr(m, k) for k in ("month", "file", "script_sha256")
        ):
            raise ValueError("thiếu month/file/script_sha256")
        if m.file_size is not None:
            m.file_size = int(m.file_size)
        if m.file_sha256 is not None and not isinstance(m.file_sha256, str):
            raise ValueError("file_sha256 không phải chuỗi")
        return m
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        log.warning("manifest.json hỏng, coi như chưa có chương trình: %s (%s)", path, exc)
        return None


def draft_dir(station: Station, month: str) -> Path:
    """audio_out/drafts/YYYY-MM/: the listening copy of a script not (yet) approved.

    audio_out/YYYY-MM/ holds only the approved programme; a draft never replaces it.
    """
    return station.store.draft_dir(month)


def file_sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def file_problem(month_dir: Path, manifest: Manifest) -> str | None:
    """Why the manifest's MP3 is not the file production delivered (Vietnamese), or None.

    Size and sha256 are compared with the manifest; when they differ the file is decoded
    (mutagen) so the message says how long it really is. A manifest from before these
    fields were recorded is only checked for the file's presence.
    """
    path = Path(month_dir) / manifest.file
    try:
        size = path.stat().st_size
    except OSError:
        return f"thiếu tệp âm thanh {path.name}."
    if manifest.file_size is None or not manifest.file_sha256:
        return None  # made before size and hash were recorded: nothing to compare with
    try:
        if size == manifest.file_size and file_sha256(path) == manifest.file_sha256:
            return None
    except OSError as exc:
        return f"tệp âm thanh {path.name} không đọc được ({exc.strerror or exc})."
    length = _decoded_length(path)
    if length is None:
        return f"tệp âm thanh {path.name} hỏng (không giải mã được, {size} byte)."
    return (
        f"tệp âm thanh {path.name} bị hỏng hoặc bị thay: giải mã được {length:.1f} giây "
        f"({size} byte), bản đã dựng dài {manifest.duration_s:.1f} giây ({manifest.file_size} byte)."
    )


def _decoded_length(path: Path) -> float | None:
    try:
        info = MP3(path).info
    except (MutagenError, OSError):
        return None
    return float(info.length) if info is not None else None


#: In audio_out/YYYY-MM/ next to the approved programme: who approved which text, and the text.
APPROVAL_NAME = "approval.json"
APPROVED_SCRIPT_NAME = "kich-ban-da-duyet.md"


def approval_files(script: Script) -> dict[str, str]:
    """The approval record and the approved text of an approved script, as file contents."""
    record = {
        "month": script.month,
        "approved_by": script.meta.get("approved_by"),
        "approved_at": str(script.meta.get("approved_at") or ""),
        "approved_sha256": script.body_sha256,
        "script": APPROVED_SCRIPT_NAME,
    }
    return {
        APPROVED_SCRIPT_NAME: Path(script.path).read_text(encoding="utf-8"),
        APPROVAL_NAME: json.dumps(record, ensure_ascii=False, indent=2) + "\n",
    }


def read_approval(month_dir: Path) -> dict[str, Any] | None:
    """The approval record kept with a programme, or None (none, or unreadable: logged)."""
    path = Path(month_dir) / APPROVAL_NAME
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("approved_sha256"), str):
            raise ValueError("thiếu approved_sha256")
        return data
    except (OSError, ValueError) as exc:
        log.warning("approval.json hỏng: %s (%s)", path, exc)
        return {"approved_sha256": ""}  # present but unusable: never counts as approved


def settings_fingerprint(station: Station) -> str:
    """sha256 of every station setting that changes the produced audio (not the script).

    Audio settings (target, peak, pauses, bed, filters…), the voice chains, the lexicon and
    the station's own jingles, and the station's names (ID3 tags, file name). The pipeline
    re-produces a month whose programme was made with another fingerprint.
    """

    def _file_sha256(path: Path) -> str | None:
        try:
            with open(path, "rb") as fh:
                return hashlib.file_digest(fh, "sha256").hexdigest()
        except OSError:
            return None

    def chain(specs: list[Any]) -> list[Any]:
        return [[s.engine, sorted((str(k), str(v)) for k, v in (s.options or {}).items())] for s in specs]

    jingles = {}
    for name in jingles_mod.JINGLE_NAMES:
        own = jingles_mod.station_file(station.store.jingles_dir, name)
        if own is not None:
            jingles[name] = [own.name, _file_sha256(own)]
    lexicon = station.store.station_lexicon()
    blob = {
        "prep": PREP_VERSION,
        "audio": asdict(station.audio),
        "voice": {
            "main": chain(station.voice.main),
            "second": chain(station.voice.second),
            "fallback": station.voice.fallback,
        },
        "lexicon": _file_sha256(lexicon) if lexicon is not None else None,
        "spell_issuer": station.spell_issuer,
        "jingles": jingles,
        "names": [station.name, station.slug, station.programme_title],
    }
    return hashlib.sha256(
        json.dumps(blob, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def read_settings_fingerprint(month_dir: Path) -> str | None:
    """The settings fingerprint a produced month was made with, or None if unknown."""
    try:
        return (Path(month_dir) / SETTINGS_NAME).read_text("ascii").strip() or None
    except (OSError, ValueError):
        return None
