"""Speech clips and jingles into prepared pieces, once: decode, filter, trim, compress, normalise."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soxr
from pydub import AudioSegment

from broadcast import jingles as jingles_mod
from broadcast.audiotools import setup_pydub
from broadcast.errors import NextStep, ProductionError
from broadcast.loudness import integrated_loudness
from broadcast.production.dsp import MP3_MARGIN_DB, compress, from_db, normalise, peaking_sos, trim_silence
from broadcast.production.prepared import PREP_VERSION, Prepared, read_prepared, write_prepared

if TYPE_CHECKING:
    from broadcast.config import Station
    from broadcast.voice import Clip

log = logging.getLogger(__name__)

_CLIP_HEADROOM_DB = 1.0  # prepared clips are limited this far under the master ceiling,
# so the final trim (usually +0.2…+0.6 dB: jingles sit under the target) rarely needs the limiter
_JINGLE_LU = -1.0  # jingles sit this far under the speech target


class Preparer:
    """Turns speech clips and jingles into prepared pieces, once (content-addressed cache)."""

    def __init__(self, station: Station) -> None:
        a = station.audio
        self.audio = a
        self.rate = a.sample_rate
        self.dir = station.store.cache_dir("prepared")
        self.clip_ceiling = from_db(a.true_peak_dbtp - MP3_MARGIN_DB) * from_db(-_CLIP_HEADROOM_DB)
        self.settings = {
            "v": PREP_VERSION,
            "rate": self.rate,
            "target": a.target_lufs,
            "ceiling": round(a.true_peak_dbtp - MP3_MARGIN_DB - _CLIP_HEADROOM_DB, 3),
            "hp": a.highpass_hz,
            "presence": a.presence_db,
            "comp": a.compression,
        }

    def _path(self, kind: str, source_key: str) -> Path:
        key = hashlib.sha256(
            json.dumps([kind, source_key, self.settings], sort_keys=True).encode()
        ).hexdigest()
        return self.dir / key[:2] / f"{key[2:34]}.pcm"

    def _filters(self, x: np.ndarray, *, presence: bool) -> np.ndarray:
        # scipy.signal takes over a second to import: only clips entering the cache need it.
        from scipy import signal  # noqa: PLC0415

        a, rate = self.audio, self.rate
        sos = []
        if a.highpass_hz > 0:
            sos.append(signal.butter(4, a.highpass_hz, "highpass", fs=rate, output="sos"))
        if presence and a.presence_db > 0:
            sos.append(peaking_sos(rate, 2500.0, a.presence_db, 0.8))
        if sos:
            x = signal.sosfilt(np.vstack(sos), x).astype(np.float32)
        return x

    # speech ------------------------------------------------------------------------------
    def speech(self, clips: list[Clip]) -> list[Prepared]:
        """Prepared copies of `clips` (same order), processing the missing ones in parallel."""
        keys = [self._path("speech", _file_digest(Path(c.path))) for c in clips]
        out: list[Prepared | None] = [read_prepared(p, self.rate) for p in keys]
        first: dict[Path, int] = {}
        todo = [first.setdefault(keys[i], i) for i, p in enumerate(out) if p is None and keys[i] not in first]
        if todo:
            setup_pydub()
            log.info("chuẩn bị %d đoạn giọng đọc mới (xử lý một lần, lưu lại)", len(todo))
            workers = max(1, min(4, os.cpu_count() or 1, len(todo)))
            with ThreadPoolExecutor(workers) as pool:
                done = pool.map(lambda i: self._make_speech(Path(clips[i].path), keys[i]), todo)
                for i, prepared in zip(todo, done, strict=True):
                    out[i] = prepared
            for i, p in enumerate(out):
                if p is None:
                    out[i] = out[first[keys[i]]]
        return out  # type: ignore[return-value]

    def _make_speech(self, path: Path, dest: Path) -> Prepared:
        x = _decode_clip(path, self.rate)
        x = self._filters(x, presence=True)
        x = trim_silence(x, self.rate)
        level = integrated_loudness(x, self.rate)
        if self.audio.compression and math.isfinite(level):
            x = compress(x, self.rate, level)
        x = normalise(x, self.rate, self.audio.target_lufs, self.clip_ceiling, path.name)
        return write_prepared(dest, x, self.rate)

    # jingles -----------------------------------------------------------------------------
    def jingle(self, src: jingles_mod.JingleSource, *, bed: bool = False) -> Prepared:
        """Prepared copy of a jingle (music: high-pass only, no compression)."""
        dest = self._path("bed" if bed else "jingle", src.key)
        found = read_prepared(dest, self.rate)
        if found:
            return found
        x = jingles_mod.load(src, self.rate)
        x = self._filters(x, presence=False)
        target = self.audio.target_lufs + (0.0 if bed else _JINGLE_LU)
        x = normalise(x, self.rate, target, self.clip_ceiling, src.path.name)
        return write_prepared(dest, x, self.rate)


def _file_digest(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise ProductionError(
            f"không đọc được đoạn giọng đọc: {exc.strerror or exc}.",
            file=path,
            hint="Bộ nhớ đệm giọng đọc bị thiếu tệp; dựng lại chương trình để đọc lại đoạn đó.",
            next_step=NextStep("produce"),
        ) from None


_PYDUB_FORMATS = {".wav": "wav", ".mp3": "mp3", ".ogg": "ogg", ".flac": "flac", ".m4a": "mp4", ".opus": "ogg"}


def _decode_clip(path: Path, rate: int) -> np.ndarray:
    """Decode a cached TTS clip with pydub (explicit format) and resample it with soxr."""

    fmt = _PYDUB_FORMATS.get(path.suffix.lower(), path.suffix.lower().lstrip(".") or "wav")
    try:
        seg = AudioSegment.from_file(str(path), format=fmt)
    except Exception as exc:  # pydub raises CouldntDecodeError, IndexError, OSError…
        log.debug("pydub không đọc được %s: %s", path, exc)
        raise ProductionError(
            f"không đọc được đoạn giọng đọc '{path.name}': "
            f"tệp hỏng hoặc sai định dạng ({type(exc).__name__}).",
            file=path,
            hint="Xóa tệp này khỏi bộ nhớ đệm giọng đọc rồi chạy lại để đọc lại đoạn đó. "
            "Chạy lại với -v để xem thông báo của ffmpeg.",
        ) from None
    width = seg.sample_width
    dtype = {1: np.int8, 2: np.int16, 4: np.int32}.get(width)
    if dtype is None:
        seg = seg.set_sample_width(2)
        width, dtype = 2, np.int16
    x = np.frombuffer(seg.raw_data, dtype=dtype).astype(np.float32)
    x /= float(1 << (8 * width - 1))
    if seg.channels > 1:
        x = x.reshape(-1, seg.channels).mean(axis=1)
    if seg.frame_rate != rate and len(x):
        x = soxr.resample(x, seg.frame_rate, rate, quality="HQ").astype(np.float32)
    return x
