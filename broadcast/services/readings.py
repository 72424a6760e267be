"""Use cases of the *Giọng người đọc* page: take, list, play and delete a person's reading.

A reading (a staff member reading one segment into the browser's microphone, or an uploaded
recording of an interview) is checked and normalised here — size and type, decoded by ffmpeg
in a subprocess with a time limit to a mono WAV at the production sample rate, refused when
silent, too short or too long — and stored in readings/YYYY-MM/ (broadcast/readings.py has the
format and the rules for outdated readings). Production masters it like any voice clip.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import subprocess
import tempfile
import wave
from datetime import datetime
from pathlib import Path

import numpy as np

from broadcast.audiotools import find_ffmpeg
from broadcast.config import Station, validate_month
from broadcast.errors import NextStep
from broadcast.fsutil import atomic_write_text, disk_error
from broadcast.loudness import integrated_loudness
from broadcast.readings import (
    Reading,
    ReadingError,
    SegmentReading,
    base_name,
    file_sha256,
    read_reading,
    reading_json,
    record_path,
    script_readings,
    segment_sha256,
)
from broadcast.script import Script, read_script

log = logging.getLogger(__name__)

MAX_BYTES = 50 * 1024 * 1024  #: largest file accepted (about 50 minutes of phone MP3)
MAX_SECONDS = 15 * 60  #: longer than a whole programme's segment can sensibly be
MIN_SECONDS = 2.0
DECODE_TIMEOUT_S = 120.0  #: ffmpeg gets this long to decode one file
SILENCE_LUFS = -50.0  #: quieter than this (integrated) is taken as silence or a dead microphone
#: File types a phone, a recorder or a browser writes (checked before ffmpeg sees the file).
EXTENSIONS = (
    ".wav",
    ".mp3",
    ".m4a",
    ".aac",
    ".mp4",
    ".ogg",
    ".oga",
    ".opus",
    ".webm",
    ".flac",
    ".amr",
    ".3gp",
    ".wma",
)
#: Demuxers ffmpeg may use: plain audio containers only (no playlists or concat lists that
#: would make ffmpeg open other files).
_FORMATS = "wav,mp3,ogg,matroska,mov,flac,aac,amr,asf"


def _script(station: Station, month: str) -> Script:
    return read_script(station.store.script_path(validate_month(month)))


def _segment(script: Script, position: int) -> tuple[int, str]:
    if not 1 <= position <= len(script.segments):
        raise ReadingError(
            f"kịch bản tháng {script.month} không có đoạn thứ {position} (chỉ có {len(script.segments)} đoạn).",
            file=script.path,
            hint="Chọn một đoạn có trong danh sách của trang Giọng người đọc.",
        )
    return position, segment_sha256(script.segments[position - 1])


def month_readings(station: Station, month: str) -> list[SegmentReading]:
    """The month's segments (text to read) with the status of each one's reading."""
    return script_readings(station.store, _script(station, month))


def reading_audio(station: Station, month: str, position: int) -> Path:
    """The WAV of a segment's reading (to listen to), or ReadingError if there is none."""
    month = validate_month(month)
    reading = read_reading(station.store, month, position)
    path = station.store.readings_month_dir(month) / reading.file if reading else None
    if path is None or not path.is_file():
        raise ReadingError(f"đoạn {position} của tháng {month} chưa có bản ghi giọng người đọc.")
    return path


def _decode(src: Path, dest: Path, rate: int, timeout_s: float) -> None:
    """ffmpeg: any audio file -> mono 16-bit WAV at `rate`, killed after `timeout_s`."""
    cmd = [
        find_ffmpeg(), "-hide_banner", "-nostdin", "-v", "error",
        "-protocol_whitelist", "file", "-format_whitelist", _FORMATS,
        "-i", f"file:{src.resolve()}", "-vn", "-map", "0:a:0", "-t", str(MAX_SECONDS + 1),
        "-ac", "1", "-af", f"aresample={rate}:resampler=soxr", "-c:a", "pcm_s16le", "-f", "wav", "-y", str(dest),
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        raise ReadingError(
            f"tệp '{src.name}' đọc mãi không xong (quá {timeout_s:g} giây): tệp hỏng hoặc quá phức tạp.",
            hint="Chuyển tệp sang MP3 hoặc WAV bằng máy tính/điện thoại rồi tải lên lại.",
        ) from None
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        log.debug("ffmpeg (%s): %s", src.name, "\n".join(detail))
        raise ReadingError(
            f"tệp '{src.name}' không phải tệp âm thanh đọc được (hỏng hoặc sai định dạng).",
            hint="Dùng tệp MP3, WAV, M4A, OGG hoặc WEBM có tiếng; hoặc ghi âm trực tiếp trên trang.",
        )


def _measure(path: Path, name: str) -> float:
    """Duration (s) of the normalised WAV; refuses silence, too short, too long."""
    with wave.open(str(path), "rb") as w:
        rate, frames = w.getframerate(), w.getnframes()
        x = np.frombuffer(w.readframes(frames), dtype="<i2").astype(np.float32) / 32768.0
    seconds = len(x) / rate if rate else 0.0
    if seconds > MAX_SECONDS:
        raise ReadingError(
            f"bản ghi '{name}' dài hơn {MAX_SECONDS // 60} phút; một đoạn không dài như vậy.",
            hint="Cắt lấy phần đọc của đoạn này rồi tải lên lại.",
        )
    if seconds < MIN_SECONDS:
        raise ReadingError(
            f"bản ghi '{name}' quá ngắn ({seconds:.1f} giây, cần ít nhất {MIN_SECONDS:g} giây).",
            hint="Ghi lại cả đoạn: bấm Ghi âm, đọc hết đoạn rồi bấm Dừng.",
        )
    level = integrated_loudness(x, rate)
    if not math.isfinite(level) or level < SILENCE_LUFS:
        raise ReadingError(
            f"bản ghi '{name}' gần như im lặng (không nghe thấy tiếng đọc).",
            hint="Kiểm tra micro (đã cắm, đã cho phép trình duyệt dùng, không bị tắt tiếng) rồi ghi lại.",
        )
    return seconds


def add_reading(
    station: Station,
    month: str,
    position: int,
    src: Path,
    *,
    by: str,
    source: str = "upload",
    original_name: str = "",
    expected_sha256: str | None = None,
    now: datetime | None = None,
    timeout_s: float = DECODE_TIMEOUT_S,
) -> Reading:
    """Check and store `src` as the reading of segment `position` (1-based) of `month`.

    `expected_sha256` is the segment hash the person saw when recording: if the segment's
    text changed since, nothing is stored (a reading is never applied to other words).
    Replaces the segment's previous reading; the record is written last, so a failure at any
    point keeps the previous reading as it was.
    """
    store = station.store
    script = _script(station, month)
    month = script.month
    position, sha = _segment(script, position)
    name = original_name or src.name
    if expected_sha256 is not None and expected_sha256 != sha:
        raise ReadingError(
            f"lời của đoạn {position} vừa được sửa sau khi bạn mở trang; bản ghi chưa được lưu.",
            file=script.path,
            hint="Tải lại trang, đọc lại theo lời mới rồi lưu.",
        )
    if not src.is_file():
        raise ReadingError(
            f"không tìm thấy tệp '{name}'.", file=src, hint="Kiểm tra đường dẫn tới tệp ghi âm."
        )
    suffix = Path(name).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ReadingError(
            f"tệp '{name}' không phải loại tệp âm thanh nhận được ({suffix or 'không có đuôi'}).",
            hint="Nhận các loại: " + ", ".join(e.lstrip(".") for e in EXTENSIONS) + ".",
        )
    size = src.stat().st_size
    if size > MAX_BYTES:
        raise ReadingError(
            f"tệp '{name}' quá lớn ({size / 1048576:.0f} MB, tối đa {MAX_BYTES // 1048576} MB).",
            hint="Chuyển sang MP3 (nhỏ hơn nhiều) hoặc cắt bớt rồi tải lên lại.",
        )
    if size == 0:
        raise ReadingError(f"tệp '{name}' rỗng (0 byte).", hint="Ghi âm lại hoặc chọn tệp khác.")
    folder = store.readings_month_dir(month)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{base_name(position)}.", suffix=".wav", dir=folder)
        os.close(fd)
    except OSError as exc:
        raise disk_error(exc, folder) from exc
    tmp = Path(tmp_name)
    try:
        _decode(src, tmp, station.audio.sample_rate, timeout_s)
        seconds = _measure(tmp, name)
        audio_sha = file_sha256(tmp)
        wav = folder / f"{base_name(position)}-{audio_sha[:12]}.wav"
        os.replace(tmp, wav)
    except OSError as exc:
        raise disk_error(exc, folder) from exc
    finally:
        tmp.unlink(missing_ok=True)
    old = read_reading(store, month, position)
    when = now or datetime.now(station.tz)
    reading = Reading(
        month=month,
        position=position,
        segment_title=script.segments[position - 1].title,
        segment_sha256=sha,
        file=wav.name,
        audio_sha256=audio_sha,
        duration_s=round(seconds, 3),
        recorded_at=when.isoformat(timespec="seconds"),
        recorded_by=by,
        source=source,
        original_name=Path(name).name[:200],
    )
    atomic_write_text(record_path(store, month, position), reading_json(reading))
    if old is not None and old.file != wav.name:
        with contextlib.suppress(OSError):
            (folder / old.file).unlink()
    log.info("đã lưu giọng người đọc: tháng %s đoạn %d, %.1f giây (%s)", month, position, seconds, by)
    return reading


def delete_reading(station: Station, month: str, position: int) -> Reading:
    """Remove a segment's reading (the segment is read by the synthetic voice again)."""
    month = validate_month(month)
    store = station.store
    reading = read_reading(store, month, position)
    if reading is None:
        raise ReadingError(
            f"đoạn {position} của tháng {month} không có bản ghi giọng người đọc để xóa.",
            next_step=NextStep("produce", month=month),
        )
    try:
        record_path(store, month, position).unlink()
        (store.readings_month_dir(month) / reading.file).unlink(missing_ok=True)
    except OSError as exc:
        raise disk_error(exc, record_path(store, month, position)) from exc
    return reading


__all__ = [
    "DECODE_TIMEOUT_S",
    "EXTENSIONS",
    "MAX_BYTES",
    "MAX_SECONDS",
    "ReadingError",
    "add_reading",
    "delete_reading",
    "month_readings",
    "reading_audio",
]
