"""The TTS cache: one clip per utterance under <station>/.broadcast/tts/, never half-written.

Layout: tts/<engine>/<settings digest>/<key>.<wav|mp3> plus <key>.json (the sidecar: text,
syllables, measured duration, size, sha256 of the audio). A clip whose bytes no longer match
its sha256 (garbled in place, same size) is discarded with a warning and voiced again. The key is the sha256 of the engine name, its voice,
its `cache_settings()` and the exact spoken text, so an edit to one sentence misses exactly
one clip. A clip exists only once its sidecar exists; the audio is renamed into place and
the sidecar written under a per-folder file lock (milliseconds), so concurrent runs never
pair one run's sidecar with another's audio, and a killed run leaves at most a stray temp
file (removed by a later run) — never a clip that looks complete.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from filelock import FileLock, Timeout

from broadcast.errors import EnvironmentProblem
from broadcast.fsutil import atomic_write_text
from broadcast.spoken import syllable_count
from broadcast.voice.base import BadOutput, Engine

log = logging.getLogger("broadcast.voice.cache")

CALIBRATION_MIN_CLIPS = 20  # clips needed before measured durations replace the table
CALIBRATION_MIN_SECONDS = 60.0  # and at least this much speech
_STALE_TEMP_S = 3600.0  # temp files older than this come from killed runs
_KEY_LOCK_WAIT_S = 900.0  # longest wait for another run synthesising the same clip


@dataclass
class CacheEntry:
    """A complete clip in the cache."""

    key: str
    path: Path
    duration_s: float
    engine: str
    voice: str
    made: bool = True  #: synthesised by this call (False: found, or made meanwhile by another run)


def settings_digest(engine: Engine) -> str:
    """sha256 over engine name, voice and everything that changes the sound."""
    blob = json.dumps(
        {"engine": engine.NAME, "voice": engine.voice_id, "settings": engine.cache_settings()},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def measure_duration(path: Path) -> float:
    """Duration of an audio file measured on the file (WAV header, or a full decode)."""
    path = Path(path)
    if path.suffix.lower() == ".wav":
        try:
            with wave.open(str(path), "rb") as w:
                rate = w.getframerate()
                return w.getnframes() / rate if rate else 0.0
        except (wave.Error, EOFError) as exc:
            raise BadOutput(f"tệp âm thanh hỏng: {exc}") from None
    from broadcast.audiotools import FfmpegError, find_ffmpeg, run_ffmpeg  # noqa: PLC0415 - numpy

    try:
        find_ffmpeg()
    except EnvironmentProblem:
        return _container_length(path)
    # Decoding counts every frame: exact even for concatenated MP3 pieces.
    args = ["-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "16000", "-"]
    try:
        proc = run_ffmpeg(args, what="đọc độ dài tệp âm thanh", file=path)
    except FfmpegError as exc:
        raise BadOutput("tệp âm thanh hỏng: " + exc.stderr.strip()[-300:]) from None
    return len(proc.stdout) / 2 / 16000


def _container_length(path: Path) -> float:
    """Duration from the file's own header (no ffmpeg on this machine)."""
    from mutagen import File as MutagenFile  # noqa: PLC0415

    info = MutagenFile(str(path))
    if info is None or not getattr(info, "info", None):
        raise BadOutput(f"không đọc được độ dài tệp âm thanh {path.name}.")
    return float(info.info.length)


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


class ClipCache:
    """One station's TTS cache: one folder (the store's tts cache), one clip per utterance."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._cleaned: set[Path] = set()

    def folder(self, engine: Engine) -> Path:
        """tts/<engine>/<first 16 hex of the settings digest>/."""
        return self.root / engine.NAME / settings_digest(engine)[:16]

    @staticmethod
    def key(engine: Engine, text: str) -> str:
        """Cache key of `text` spoken by `engine` with its current settings."""
        return hashlib.sha256(f"{settings_digest(engine)}\n{text}".encode()).hexdigest()

    def lookup(self, engine: Engine, text: str) -> CacheEntry | None:
        """The complete cached clip for `text` by `engine`, or None."""
        key = self.key(engine, text)
        return self._read(self.folder(engine), key, engine.EXT)

    def _read(self, folder: Path, key: str, ext: str, *, verify: bool = True) -> CacheEntry | None:
        """The entry if complete and intact. A clip whose bytes do not match the sidecar's
        sha256 (garbled in place) is discarded with a warning, so it is voiced again."""
        sidecar = folder / f"{key}.json"
        audio = folder / f"{key}{ext}"
        try:
            meta = json.loads(sidecar.read_text("utf-8"))
            if audio.stat().st_size != meta["bytes"]:
                return None
            entry = CacheEntry(key, audio, float(meta["duration_s"]), meta["engine"], meta["voice"])
            if not verify:
                return entry
            digest = _sha256(audio)
            recorded = meta.get("sha256")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        if recorded == digest:
            return entry
        with FileLock(str(folder / ".lock"), timeout=120):
            try:  # under the lock: another run may have just re-made it
                meta = json.loads(sidecar.read_text("utf-8"))
                digest = _sha256(audio)
            except (OSError, ValueError):
                return None
            if not isinstance(meta, dict) or meta.get("sha256") == digest:
                return entry if isinstance(meta, dict) else None
            if meta.get("sha256") is None:
                # Made before clips carried a checksum: trusted once, the checksum recorded.
                meta["sha256"] = digest
                atomic_write_text(sidecar, json.dumps(meta, ensure_ascii=False, default=str))
                return entry
            log.warning(
                "Đoạn giọng đọc trong bộ nhớ đệm bị hỏng (%s: sai mã kiểm tra), bỏ đi và đọc lại.", audio
            )
            for path in (sidecar, audio):
                path.unlink(missing_ok=True)
        return None

    def store(self, engine: Engine, text: str, write: Callable[[Path], None]) -> CacheEntry:
        """Run `write(temp_path)` (the engine's synthesis), measure it and commit the clip.

        Runs sharing the cache (a network's workers) take a per-key lock first: a second run
        asking for the same clip waits for the first and reuses its clip (`made` False)
        instead of synthesising it again. If another run committed the same clip meanwhile
        anyway (the key lock timed out), theirs is kept and ours dropped.
        """
        folder = self.folder(engine)
        folder.mkdir(parents=True, exist_ok=True)
        self._clean_stale(folder)
        key = self.key(engine, text)
        # 256 lock files at most (first two hex digits of the key), held while synthesising.
        key_lock = FileLock(str(folder / f".lock-{key[:2]}"), timeout=_KEY_LOCK_WAIT_S)
        try:
            key_lock.acquire()
        except Timeout:
            log.warning("Chờ quá lâu một tiến trình khác đang đọc cùng câu; tự đọc câu này.")
        try:
            existing = self._read(folder, key, engine.EXT)
            if existing is not None:
                return replace(existing, made=False)
            return self._synthesize(folder, key, engine, text, write)
        finally:
            if key_lock.is_locked:
                key_lock.release()

    def _synthesize(
        self, folder: Path, key: str, engine: Engine, text: str, write: Callable[[Path], None]
    ) -> CacheEntry:
        with self._temp(folder, key, engine.EXT) as tmp:
            write(tmp)
            if not tmp.exists() or tmp.stat().st_size == 0:
                raise BadOutput(f"{engine.NAME} không ghi ra âm thanh.")
            duration = measure_duration(tmp)
            if duration <= 0:
                raise BadOutput(f"{engine.NAME} tạo tệp âm thanh rỗng.")
            size = tmp.stat().st_size
            digest = _sha256(tmp)
            with FileLock(str(folder / ".lock"), timeout=120):
                existing = self._read(folder, key, engine.EXT, verify=False)
                if existing is not None:
                    return replace(existing, made=False)
                audio = folder / f"{key}{engine.EXT}"
                os.replace(tmp, audio)
                meta = {
                    "engine": engine.NAME,
                    "voice": engine.voice_id,
                    "settings": engine.cache_settings(),
                    "text": text,
                    "syllables": syllable_count(text),
                    "duration_s": round(duration, 4),
                    "bytes": size,
                    "sha256": digest,
                    "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                }
                atomic_write_text(folder / f"{key}.json", json.dumps(meta, ensure_ascii=False, default=str))
        return CacheEntry(key, audio, duration, engine.NAME, engine.voice_id)

    @contextmanager
    def _temp(self, folder: Path, key: str, ext: str) -> Iterator[Path]:
        fd, name = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=f".part{ext}", dir=folder)
        os.close(fd)
        tmp = Path(name)
        try:
            yield tmp
        finally:
            tmp.unlink(missing_ok=True)

    def _clean_stale(self, folder: Path) -> None:
        """Remove temp files left by killed runs (old enough not to belong to a live run)."""
        if folder in self._cleaned:
            return
        self._cleaned.add(folder)
        now = time.time()
        for tmp in folder.glob(".*.part*"):
            try:
                if now - tmp.stat().st_mtime > _STALE_TEMP_S:
                    tmp.unlink()
            except OSError:
                pass

    def measured_rate(self, engine: Engine) -> tuple[float, int, float] | None:
        """(syllables per second, clips, seconds) measured on cached clips, if enough."""
        folder = self.folder(engine)
        syllables = 0
        seconds = 0.0
        clips = 0
        for sidecar in folder.glob("*.json"):
            try:
                meta = json.loads(sidecar.read_text("utf-8"))
                syl, dur = int(meta["syllables"]), float(meta["duration_s"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if syl > 0 and dur > 0:
                syllables += syl
                seconds += dur
                clips += 1
        if clips < CALIBRATION_MIN_CLIPS or seconds < CALIBRATION_MIN_SECONDS:
            return None
        return syllables / seconds, clips, seconds
