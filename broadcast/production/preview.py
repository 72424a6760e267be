"""A listening preview of part of a programme (one script segment), mastered like production.

The plan (spoken form + voice, from the same clip cache) is built by the caller; here it goes
through the same prepared-clip cache, timeline, loudness trim and true-peak limiter as the
month's programme (`produce`), into a small MP3 under the station's cache folder
(`previews/`), named by a content hash: the same segment with the same settings is rendered
once. Nothing here checks the programme's length or writes a manifest: a preview is not a
programme.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from broadcast.audiotools import find_ffmpeg
from broadcast.errors import ProductionError
from broadcast.fsutil import atomic_path
from broadcast.models.programme import ProgrammePlan
from broadcast.production.dsp import MP3_MARGIN_DB, from_db
from broadcast.production.export import encode
from broadcast.production.manifest import settings_fingerprint

# The same timeline and mix trim as the programme (private helpers of the production stage).
from broadcast.production.produce import _mix_trim, _timeline
from broadcast.production.render import RecordedMix

if TYPE_CHECKING:
    from broadcast.config import Station

log = logging.getLogger(__name__)

PREVIEW_VERSION = 1
"""Bump when the preview rendering changes: cached previews are then made again."""
CACHE_NAME = "previews"
KEEP_FILES = 300
"""Previews kept in the cache folder (oldest removed first); one is ~100 kB a minute."""
FALLBACK_SUFFIX = "-du-phong"
"""Suffix of a preview voiced by a fallback engine: served, never reused as a cache hit."""


def preview_key(station: Station, content: object) -> str:
    """Content hash of a preview: what is read (`content`, JSON-able) and every audio setting."""
    blob = {"v": PREVIEW_VERSION, "settings": settings_fingerprint(station), "content": content}
    return hashlib.sha256(json.dumps(blob, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def preview_folder(station: Station) -> Path:
    return station.store.cache_dir(CACHE_NAME)


def preview_path(station: Station, key: str, *, fallback: bool = False) -> Path:
    return preview_folder(station) / f"{key[:32]}{FALLBACK_SUFFIX if fallback else ''}.mp3"


def cached_preview(station: Station, key: str) -> Path | None:
    """The preview made earlier with the preferred voice for this key, if any."""
    path = preview_path(station, key)
    return path if path.is_file() and path.stat().st_size > 0 else None


def render_preview(plan: ProgrammePlan, station: Station, key: str) -> Path:
    """Master `plan` like the programme and write it as the preview of `key`; returns its path.

    A plan voiced by a fallback engine (network down) is written under a separate name that
    is never taken as a cache hit, so the next preview tries the preferred voice again.
    """
    find_ffmpeg()
    if not any(ev.kind == "speech" for ev in plan.events):
        raise ProductionError("đoạn này không có câu nào để đọc nên không có gì để nghe thử.")
    audio = station.audio
    tl, bed = _timeline(plan, station)
    ceiling = from_db(audio.true_peak_dbtp - MP3_MARGIN_DB)
    degraded = bool(getattr(plan.voice, "degraded", False))
    dest = preview_path(station, key, fallback=degraded)
    with atomic_path(dest) as tmp, RecordedMix(tl, audio, bed, tmp.parent) as mix:
        trim_db = _mix_trim(mix, audio)  # pass 1 measures and records the mix, as in `produce`
        encode(mix, audio, trim_db, ceiling, tmp, None)
    _prune(dest.parent)
    log.info("nghe thử: %s (%.1f s)", dest.name, tl.total / tl.rate)
    return dest


def _prune(folder: Path) -> None:
    """Keep the newest KEEP_FILES previews."""
    try:
        files = sorted(folder.glob("*.mp3"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in files[KEEP_FILES:]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # a cache that cannot be tidied is not an error
        log.debug("không dọn được thư mục nghe thử %s: %s", folder, exc)
