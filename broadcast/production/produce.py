"""The production stage: assemble, master and export the month's programme (docs/production.md).

Every speech clip (and every jingle) is decoded, resampled, high-passed, lifted, compressed,
brought to the target loudness and true-peak limited ONCE, when it enters the prepared-clip
cache (`clips`, `prepared`). A programme is then a plan in samples (`timeline`), rendered
block by block twice (`render`) — once to measure the mix, once through a small trim and a
true-peak lookahead limiter straight into one ffmpeg/LAME process (`export`) — so memory stays
bounded whatever the length, and the time is close to LAME's own. The delivered MP3 is
measured and its figures go to manifest.json (`manifest`).
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from broadcast import jingles as jingles_mod
from broadcast.audiotools import find_ffmpeg
from broadcast.errors import ProductionError
from broadcast.fsutil import atomic_dir, atomic_write_text, killpoint
from broadcast.loudness import Measurement, Meter
from broadcast.models.programme import Manifest, ManifestSegment, ProgrammePlan
from broadcast.production.clips import Preparer
from broadcast.production.dsp import MAX_GAIN_DB, MP3_MARGIN_DB, from_db
from broadcast.production.export import encode, tag
from broadcast.production.manifest import MANIFEST_NAME, SETTINGS_NAME, file_sha256, settings_fingerprint
from broadcast.production.render import BLOCK_S, RecordedMix
from broadcast.production.timeline import Timeline, manifest_segments, plan_timeline

if TYPE_CHECKING:
    from broadcast.config import AudioSettings, Station
    from broadcast.voice import Clip

log = logging.getLogger(__name__)

_RETRY_LU = 0.3  # re-encode once when the delivered file is further than this from target
_TOLERANCE_LU = 0.5  # the promise: within ±0.5 LU of the target


def _duration_error(seconds: float, station: Station, month: str, planned: bool) -> ProductionError:
    what = "dự kiến" if planned else "đo trên tệp"
    return ProductionError(
        f"chương trình tháng {month} dài {seconds / 60:.2f} phút ({what}), ngoài khoảng cho phép "
        f"{station.min_minutes:g}–{station.max_minutes:g} phút. "
        "Bản chương trình cũ (nếu có) được giữ nguyên.",
        file=station.store.script_path(month),
        hint="Thêm hoặc bớt nội dung trong kịch bản, "
        "hoặc sửa programme.min_minutes / max_minutes trong station.yaml.",
    )


def produce(
    plan: ProgrammePlan, station: Station, out_dir: Path | None = None, *, extra: dict[str, str] | None = None
) -> Manifest:
    """Assemble, master and export the month's programme; returns the manifest written.

    Writes <slug>-YYYY-MM.mp3 (+ .wav if station.audio.wav) and manifest.json (last) into
    `out_dir` (default audio_out/YYYY-MM/), replacing the folder atomically: if anything
    fails — including a measured duration outside station.min_minutes..max_minutes — the
    previous good folder stays untouched and ProductionError says why, in Vietnamese.
    `extra` (file name -> text) goes into the same folder in the same swap (the approval
    record of an approved programme).
    """
    audio = station.audio
    rate = audio.sample_rate
    out_dir = Path(out_dir) if out_dir is not None else station.store.programme_dir(plan.month)
    find_ffmpeg()
    if not plan.events:
        raise ProductionError(
            f"chương trình tháng {plan.month} không có nội dung nào để dựng.",
            file=station.store.script_path(plan.month),
        )

    tl, bed = _timeline(plan, station)
    planned_s = tl.total / rate
    if not station.min_minutes * 60 <= planned_s <= station.max_minutes * 60:
        raise _duration_error(planned_s, station, plan.month, planned=True)
    ceiling_db = audio.true_peak_dbtp - MP3_MARGIN_DB

    mp3_name = f"{station.slug}-{plan.month}.mp3"
    with atomic_dir(out_dir) as tmp, RecordedMix(tl, audio, bed, tmp) as mix:
        trim_db = _mix_trim(mix, audio)
        mp3 = tmp / mp3_name
        wav = tmp / f"{station.slug}-{plan.month}.wav" if audio.wav else None
        for attempt in range(2):
            encoded = encode(mix, audio, trim_db, from_db(ceiling_db), mp3, wav)
            limited = encoded.limited
            duration, lufs, tp = encoded.measurement.as_tuple()
            log.info(
                "lần %d: %.2f LUFS, đỉnh %.2f dBTP, %.1f s (giới hạn %d mẫu)",
                attempt + 1,
                lufs,
                tp,
                duration,
                limited,
            )
            silent = not math.isfinite(lufs)
            off = 0.0 if silent else audio.target_lufs - lufs
            over = tp - audio.true_peak_dbtp if math.isfinite(tp) else 0.0
            if abs(off) <= _RETRY_LU and over <= 0:
                break
            if attempt == 0:
                trim_db += off
                if over > 0:
                    ceiling_db -= over + 0.3
        mix.close()  # before the folder swap (Windows cannot rename a folder with an open file)
        killpoint("produce-encoded")
        if not station.min_minutes * 60 <= duration <= station.max_minutes * 60:
            raise _duration_error(duration, station, plan.month, planned=False)
        if abs(off) > _TOLERANCE_LU or over > 0:
            raise ProductionError(
                f"không đạt độ lớn chuẩn sau khi chỉnh: {lufs:.2f} LUFS "
                f"(chuẩn {audio.target_lufs:g} ± {_TOLERANCE_LU}), "
                f"đỉnh {tp:.2f} dBTP (tối đa {audio.true_peak_dbtp:g}).",
                file=station.store.station_file,
                hint="Kiểm tra nhạc hiệu/nhạc nền của đài (quá to hoặc bị méo) "
                "rồi chạy lại với -v để xem chi tiết.",
            )
        if silent:
            log.warning("chương trình tháng %s hoàn toàn im lặng (không đo được độ lớn)", plan.month)

        segments = manifest_segments(plan, tl, duration)
        chapters = [s for s in segments if s.kind == "speech"]
        tag(mp3, plan, station, chapters, duration)
        manifest = _manifest(plan, audio, mp3_name, encoded.measurement, segments)
        manifest.file_size = mp3.stat().st_size
        manifest.file_sha256 = file_sha256(mp3)
        atomic_write_text(tmp / SETTINGS_NAME, settings_fingerprint(station) + "\n")
        for name, text in (extra or {}).items():
            atomic_write_text(tmp / name, text)
        atomic_write_text(
            tmp / MANIFEST_NAME, json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2) + "\n"
        )
    log.info("đã xuất %s: %.1f s, %.2f LUFS, %.2f dBTP", out_dir / mp3_name, duration, lufs, tp)
    return manifest


def _timeline(plan: ProgrammePlan, station: Station) -> tuple[Timeline, np.ndarray | None]:
    """Prepared pieces for every event (made once, then cached) placed on the sample timeline."""
    rate = station.audio.sample_rate
    prep = Preparer(station)
    speech_idx = [i for i, ev in enumerate(plan.events) if ev.kind == "speech"]
    clips: list[Clip] = []
    for i in speech_idx:
        clip = plan.events[i].clip
        if clip is None:
            raise ProductionError(f"sự kiện đọc thứ {i + 1} không có đoạn giọng đọc.")
        clips.append(clip)
    speech = dict(zip(speech_idx, prep.speech(clips), strict=True))

    names = sorted({ev.jingle or "stinger" for ev in plan.events if ev.kind == "jingle"})
    want_bed = any(ev.kind == "bed" and ev.bed for ev in plan.events)
    sources = {
        n: jingles_mod.source(station.store.jingles_dir, station.store.cache_dir("jingles"), n, rate)
        for n in names + (["bed"] if want_bed else [])
    }
    jingle = {n: prep.jingle(sources[n]) for n in names}
    bed = prep.jingle(sources["bed"], bed=True).load() if want_bed else None
    tl = plan_timeline(plan, station.audio, speech, jingle, sources, len(bed) if bed is not None else 0)
    return tl, bed


def _mix_trim(mix: RecordedMix, audio: AudioSettings) -> float:
    """Pass 1: measure the mix as planned (and record it); the gain (dB) that brings it to the target."""
    meter = Meter(mix.tl.rate, true_peak=False)
    for block in mix.record(int(BLOCK_S * mix.tl.rate)):
        meter.feed(block)
    mix_lufs = meter.result().lufs
    trim_db = audio.target_lufs - mix_lufs if math.isfinite(mix_lufs) else 0.0
    trim_db = max(-MAX_GAIN_DB, min(MAX_GAIN_DB, trim_db))
    log.info("hỗn hợp %.2f LUFS, chỉnh %+.2f dB", mix_lufs, trim_db)
    return trim_db


def _manifest(
    plan: ProgrammePlan, audio: AudioSettings, mp3_name: str, m: Measurement, segments: list[ManifestSegment]
) -> Manifest:
    """The manifest of the exported file, with the figures measured on it."""
    voice = plan.voice
    return Manifest(
        month=plan.month,
        title=plan.title,
        file=mp3_name,
        duration_s=round(m.duration_s, 3),
        loudness_lufs=round(m.lufs, 2) if math.isfinite(m.lufs) else -70.0,
        true_peak_dbtp=round(m.true_peak_dbtp, 2) if math.isfinite(m.true_peak_dbtp) else -90.0,
        sample_rate=audio.sample_rate,
        channels=1,
        bitrate_kbps=audio.bitrate_kbps,
        script_sha256=plan.script_sha256,
        degraded=bool(getattr(voice, "degraded", False)),
        engines=dict(getattr(voice, "engines", {}) or {}),
        clips_synthesized=int(getattr(voice, "synthesized", 0) or 0),
        clips_cached=int(getattr(voice, "cached", 0) or 0),
        segments=segments,
        readings=dict(plan.readings) or None,
    )
