"""Production: assemble clips and jingles into the programme, master it, export MP3 + manifest.

The design follows the measurements in the project notes: every speech clip (and every
jingle) is decoded, resampled (polyphase), high-passed, lifted, compressed, brought to the
target loudness and true-peak limited ONCE, when it enters the prepared-clip cache
(<station>/.broadcast/prepared/). A programme is then a plan in samples: positions of the
prepared pieces, pauses, crossfades and a ducking envelope for the music bed computed from
that plan. It is rendered block by block twice — once to measure the mix (BS.1770-4, chunk
by chunk), once through a small trim and a true-peak lookahead limiter straight into one
ffmpeg/LAME process — so memory stays bounded whatever the length, and the time is close
to LAME's own. The delivered MP3 is measured again and its figures go to manifest.json.
See docs/production.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import struct
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
from scipy import signal
from scipy.ndimage import maximum_filter1d, minimum_filter1d

from broadcast import jingles as jingles_mod
from broadcast.audiotools import ffmpeg_writer, find_ffmpeg, setup_pydub
from broadcast.errors import ProductionError
from broadcast.fsutil import atomic_dir, atomic_path, atomic_write_text, killpoint, read_state_json
from broadcast.loudness import Meter, integrated_loudness, measure_file as _measure, sample_true_peaks

if TYPE_CHECKING:
    from broadcast.config import AudioSettings, Station
    from broadcast.voice import Clip, VoiceResult

__all__ = [
    "Event",
    "ProgrammePlan",
    "Manifest",
    "ManifestSegment",
    "produce",
    "read_manifest",
    "measure_file",
    "MANIFEST_NAME",
    "settings_fingerprint",
    "read_settings_fingerprint",
    "draft_dir",
    "file_problem",
]

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
#: Next to the manifest: the fingerprint of the settings the programme was made with.
SETTINGS_NAME = ".settings.sha256"
#: Bump when the per-clip processing changes: prepared copies are then rebuilt.
_PREP_VERSION = 1
_PREP_MAGIC = b"BCP2"  # v2: the header carries the sha256 of the samples (BCP1 files are re-made)
_BLOCK_S = 6.0  # render block: bounds memory, large enough for numpy to be efficient
_MP3_MARGIN_DB = 1.0  # master ceiling under the true-peak limit (MP3 decoding overshoots)
_CLIP_HEADROOM_DB = 1.0  # prepared clips are limited this far under the master ceiling,
# so the final trim (usually +0.2…+0.6 dB: jingles sit under the target) rarely needs the limiter
_JINGLE_LU = -1.0  # jingles sit this far under the speech target
_MAX_GAIN_DB = 40.0  # never lift a clip more than this (noise, near-silence)
_RETRY_LU = 0.3  # re-encode once when the delivered file is further than this from target
_TOLERANCE_LU = 0.5  # the promise: within ±0.5 LU of the target
_BED_FADE_IN_S = 1.0
_BED_FADE_OUT_S = 1.5
_LIMIT_LOOKAHEAD_MS = 5.0
_LIMIT_HOLD_MS = 40.0
_EDGE_KEEP_S = 0.04  # silence kept at each end of a clip when trimming
_SILENCE = 10 ** (-90 / 20)


# --- the stage's dataclasses (interfaces fixed in docs) ---------------------------------


@dataclass
class Event:
    """One step of the programme, in order (made from the script by the lead's glue)."""

    kind: str  #: "speech" | "pause" | "jingle" | "bed"
    segment: int  #: index into ProgrammePlan.segments
    clip: Clip | None = None  #: speech: the voiced clip
    pause_after: str = "none"  #: speech: "sentence" | "clause" | "paragraph" | "none"
    seconds: float = 0.0  #: pause: silence in seconds
    jingle: str | None = None  #: jingle: "intro" | "stinger" | "outro"
    bed: bool | None = None  #: bed: on (True) / off (False)
    gain_db: float = 0.0  #: speech: per-segment trim in force


@dataclass
class ProgrammePlan:
    """Everything production needs: titles, events and the voice stage's result."""

    month: str  #: "YYYY-MM"
    title: str  #: the month's programme title (ID3 title, manifest title)
    segments: list[str]  #: segment titles (chapters)
    events: list[Event]
    script_sha256: str
    voice: VoiceResult  #: engines/degraded/clip counts for the manifest


@dataclass
class ManifestSegment:
    """A timed part of the file: a script segment (kind speech) or a jingle (kind jingle)."""

    title: str
    kind: str  #: "speech" (a whole script segment, = one chapter) | "jingle"
    start_s: float
    end_s: float
    engine: str | None = None  #: speech: engines used, most clips first ("gtts, espeak-ng"); jingle: "builtin" | "station"
    voice: str | None = None  #: speech: voices used, most clips first ("vi, vi-vn-x-central"); jingle: file name

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ManifestSegment:
        return cls(**{k: d.get(k) for k in cls.__dataclass_fields__})


@dataclass
class Manifest:
    """audio_out/YYYY-MM/manifest.json (DESIGN §5); figures measured on the exported file."""

    month: str
    title: str
    file: str  #: name of the MP3 next to the manifest
    duration_s: float
    loudness_lufs: float
    true_peak_dbtp: float
    sample_rate: int
    channels: int
    bitrate_kbps: int
    script_sha256: str
    degraded: bool  #: any clip came from a fallback engine
    engines: dict[str, int]  #: engine name -> clip count
    clips_synthesized: int
    clips_cached: int
    segments: list[ManifestSegment] = field(default_factory=list)
    file_size: int | None = None  #: bytes of the MP3 as delivered (tags included)
    file_sha256: str | None = None  #: sha256 of the MP3 as delivered; readiness checks verify it

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["segments"] = [s.to_dict() for s in self.segments]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Manifest:
        kw = {k: d.get(k) for k in cls.__dataclass_fields__}
        kw["segments"] = [ManifestSegment.from_dict(s) for s in d.get("segments") or []]
        kw["engines"] = dict(kw.get("engines") or {})
        return cls(**kw)


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
        if not all(isinstance(getattr(m, k), str) and getattr(m, k) for k in ("month", "file", "script_sha256")):
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
        return None   # made before size and hash were recorded: nothing to compare with
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
    from mutagen import MutagenError  # noqa: PLC0415
    from mutagen.mp3 import MP3  # noqa: PLC0415

    try:
        return float(MP3(path).info.length)
    except (MutagenError, OSError):
        return None


#: In audio_out/YYYY-MM/ next to the approved programme: who approved which text, and the text.
APPROVAL_NAME = "approval.json"
APPROVED_SCRIPT_NAME = "kich-ban-da-duyet.md"


def approval_files(script: Any) -> dict[str, str]:
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
        return {"approved_sha256": ""}   # present but unusable: never counts as approved


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
        "prep": _PREP_VERSION,
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
    return hashlib.sha256(json.dumps(blob, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def read_settings_fingerprint(month_dir: Path) -> str | None:
    """The settings fingerprint a produced month was made with, or None if unknown."""
    try:
        return (Path(month_dir) / SETTINGS_NAME).read_text("ascii").strip() or None
    except (OSError, ValueError):
        return None


def measure_file(path: Path) -> tuple[float, float, float]:
    """(duration_s, integrated LUFS, true peak dBTP) measured on the file itself."""
    return _measure(path).as_tuple()


# --- small DSP helpers ------------------------------------------------------------------


def _db(x: float) -> float:
    return 10 ** (x / 20)


def _lame_scale(bitrate_kbps: int) -> float:
    """The input scale LAME's ABR/CBR presets apply (measured: 0.95 at ≤160k, -0.26 dB at 192k)."""
    if bitrate_kbps <= 160:
        return 0.95
    if bitrate_kbps < 256:
        return 10 ** (-0.26 / 20)
    return 1.0


def _peaking_sos(rate: int, f0: float, gain_db: float, q: float) -> np.ndarray:
    """RBJ peaking EQ biquad as one SOS row."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * f0 / rate
    alpha = math.sin(w0) / (2 * q)
    b = [1 + alpha * a, -2 * math.cos(w0), 1 - alpha * a]
    den = [1 + alpha / a, -2 * math.cos(w0), 1 - alpha / a]
    return np.array([[b[0] / den[0], b[1] / den[0], b[2] / den[0], 1.0, den[1] / den[0], den[2] / den[0]]])


def _one_pole(x: np.ndarray, tau_s: float, rate: int) -> np.ndarray:
    alpha = math.exp(-1.0 / (tau_s * rate))
    return signal.lfilter([1 - alpha], [1, -alpha], x)


def _soft_knee(over: np.ndarray, ratio: float, knee: float) -> np.ndarray:
    """Gain reduction (dB, ≥ 0) of a soft-knee compressor for `over` dB above threshold."""
    s = 1 - 1 / ratio
    return np.where(over <= -knee / 2, 0.0, np.where(over >= knee / 2, over * s, s * (over + knee / 2) ** 2 / (2 * knee)))


def _compress(x: np.ndarray, rate: int, level_lufs: float) -> np.ndarray:
    """Gentle two-stage compression referenced to the clip's own loudness (vectorised).

    1. Levelling: RMS detector (30 ms, lfilter), soft 2:1 above loudness +3 dB — quiet words
       come up relative to loud ones, which helps outdoors.
    2. Peaks: 10 ms peak detector, soft 3:1 above loudness +10 dB. TTS speech is pulse-like
       (peak-to-loudness ~18 dB, which an RMS detector does not see); this takes about 3 dB
       off the peaks so the limiter after it works lightly.
    Each gain curve is smoothed twice (fast and slow) and the deeper one used: quick attack,
    slow release, no pumping.
    """
    x64 = x.astype(np.float64)
    level = 10 * np.log10(_one_pole(x64**2, 0.030, rate) + 1e-12)
    gr = _soft_knee(level - (level_lufs + 3.0), 2.0, 6.0)
    gain_db = -np.maximum(_one_pole(gr, 0.010, rate), _one_pole(gr, 0.150, rate))
    y = x64 * 10 ** (gain_db / 20)
    env = maximum_filter1d(np.abs(y), max(1, int(rate * 0.010)))
    gr = _soft_knee(20 * np.log10(env + 1e-9) - (level_lufs + 10.0), 3.0, 6.0)
    gain_db = -np.maximum(_one_pole(gr, 0.002, rate), _one_pole(gr, 0.060, rate))
    return (y * 10 ** (gain_db / 20)).astype(np.float32)


def _limit_gain(xe: np.ndarray, ceiling: float, look: int, hold: int) -> np.ndarray | None:
    """Gain curve keeping the oversampled peak of `xe` under `ceiling`, or None if not needed.

    g = ceiling/peak where the 4x-oversampled peak is over; a = min of g over [j-hold,
    j+look]; the result is the mean of a over [n-look, n], which is ≤ g[n] everywhere (every
    window averaged contains n), so the curve reaches the needed gain before a peak and
    glides back after it without steps.
    """
    idx, peaks = sample_true_peaks(xe, ceiling)
    over = peaks > ceiling
    if not over.any():
        return None
    g = np.ones(len(xe), dtype=np.float32)
    g[idx[over]] = ceiling / peaks[over]
    size = hold + look + 1
    a = minimum_filter1d(g, size, mode="nearest", origin=size // 2 - look)
    cs = np.concatenate([np.zeros(look + 1, dtype=np.float64), np.cumsum(a, dtype=np.float64)])
    # c[n] = mean(a[n-look .. n]), with a[<0] taken as 1 through the padded cumsum.
    n = np.arange(len(a))
    c = (cs[n + look + 1] - cs[n] + np.maximum(0, look - n)) / (look + 1)
    return np.minimum(c, 1.0).astype(np.float32)


def _limit_array(x: np.ndarray, rate: int, ceiling: float) -> np.ndarray:
    """True-peak limit a whole (short) signal."""
    look = int(rate * _LIMIT_LOOKAHEAD_MS / 1000)
    hold = int(rate * _LIMIT_HOLD_MS / 1000)
    pad = look + hold + 16
    xe = np.concatenate([np.zeros(pad, np.float32), x.astype(np.float32), np.zeros(pad, np.float32)])
    g = _limit_gain(xe, ceiling, look, hold)
    if g is None:
        return x.astype(np.float32)
    return (xe * g)[pad : pad + len(x)]


class _StreamLimiter:
    """The same limiter over a stream of blocks: output lags input by the lookahead."""

    def __init__(self, rate: int, ceiling: float) -> None:
        self.ceiling = ceiling
        self.look = int(rate * _LIMIT_LOOKAHEAD_MS / 1000)
        self.hold = int(rate * _LIMIT_HOLD_MS / 1000)
        self.ctx = 16
        self.hist = self.hold + 2 * self.look + self.ctx
        self.future = self.look + self.ctx
        self.buf = np.zeros(self.hist, dtype=np.float32)
        self.start = self.hist  # index in buf of the first sample not yet output
        self.limited = 0  # samples whose gain was below 1 (for the log)

    def process(self, block: np.ndarray, final: bool = False) -> np.ndarray:
        if final:
            block = np.concatenate([block, np.zeros(self.future, np.float32)])
        self.buf = np.concatenate([self.buf, block.astype(np.float32)])
        end = len(self.buf) - self.future
        if end <= self.start:
            return np.zeros(0, np.float32)
        g = _limit_gain(self.buf, self.ceiling, self.look, self.hold)
        out = self.buf[self.start : end]
        if g is not None:
            gs = g[self.start : end]
            self.limited += int((gs < 0.999).sum())
            out = out * gs
        else:
            out = out.copy()
        keep_from = end - self.hist
        self.buf = self.buf[keep_from:]
        self.start = end - keep_from
        return out


def _trim_silence(x: np.ndarray, rate: int) -> np.ndarray:
    """Cut leading/trailing silence (below peak −45 dB) keeping 40 ms, with 5 ms fades."""
    frame = max(1, int(rate * 0.01))
    n = len(x) // frame
    if n < 3:
        return x
    rms = np.sqrt((x[: n * frame].astype(np.float64) ** 2).reshape(n, frame).mean(axis=1))
    peak = rms.max()
    if peak <= _SILENCE:
        return x
    loud = np.flatnonzero(rms > peak * 10 ** (-45 / 20))
    keep = int(rate * _EDGE_KEEP_S)
    a = max(0, loud[0] * frame - keep)
    b = min(len(x), (loud[-1] + 1) * frame + keep)
    y = x[a:b].copy()
    f = min(int(rate * 0.005), len(y) // 2)
    if f > 0:
        ramp = np.linspace(0, 1, f, dtype=np.float32)
        y[:f] *= ramp
        y[len(y) - f :] *= ramp[::-1]
    return y


def _normalise(x: np.ndarray, rate: int, target: float, ceiling: float, what: str) -> np.ndarray:
    """Gain to `target` LUFS, limit to `ceiling`, re-measure, correct (secant steps, ±0.05 LU).

    The limiter takes loudness away as the gain rises, so each correction divides the error
    by the measured slope (loudness gained per dB of gain).
    """
    level = integrated_loudness(x, rate)
    if not math.isfinite(level):
        return x.astype(np.float32)  # silence stays silence (e.g. the `silent` engine)
    gain = min(target - level, _MAX_GAIN_DB)
    tried: list[tuple[float, float]] = []
    y = x
    for _ in range(8):
        y = _limit_array(x * _db(gain), rate, ceiling)
        got = integrated_loudness(y, rate)
        err = target - got
        if abs(err) < 0.05 or gain >= _MAX_GAIN_DB:
            break
        slope = 1.0
        if tried and gain != tried[-1][0]:
            slope = min(1.0, max(0.15, (got - tried[-1][1]) / (gain - tried[-1][0])))
        tried.append((gain, got))
        gain = min(gain + err / slope, _MAX_GAIN_DB)
    else:
        log.debug("%s: độ lớn còn lệch %.2f LU sau 8 lần chỉnh", what, err)
    return y.astype(np.float32)


# --- the prepared-clip cache ------------------------------------------------------------


@dataclass
class _Prepared:
    """A processed piece in the cache: path and number of samples at the station rate.

    File: magic, rate, frames, scale (float32), sha256 of the samples, then int16 samples.
    """

    path: Path
    frames: int

    def load(self) -> np.ndarray:
        with open(self.path, "rb") as fh:
            head = fh.read(_PREP_HEAD)
            scale = struct.unpack("<f", head[12:16])[0]
            data = np.fromfile(fh, dtype="<i2")
        return data.astype(np.float32) * np.float32(scale)


_PREP_HEAD = 16 + 32


def _write_prepared(path: Path, x: np.ndarray, rate: int) -> _Prepared:
    if len(x) and not np.isfinite(x).all():
        raise ProductionError(
            "xử lý âm thanh cho ra giá trị không hợp lệ (NaN/vô cực); không lưu đoạn này.",
            file=path,
            hint="Xóa thư mục .broadcast/prepared và .broadcast/tts rồi chạy lại; nếu vẫn lỗi, "
            "kiểm tra tệp nhạc hiệu của đài.",
        )
    peak = float(np.abs(x).max()) if len(x) else 0.0
    scale = peak / 32767 if peak > 0 else 1.0 / 32767
    pcm = np.round(x / scale).astype("<i2").tobytes()
    head = _PREP_MAGIC + struct.pack("<IIf", rate, len(pcm) // 2, scale) + hashlib.sha256(pcm).digest()
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(head)
            fh.write(pcm)
    return _Prepared(path, len(pcm) // 2)


def _read_prepared(path: Path, rate: int) -> _Prepared | None:
    """The prepared piece at `path` if it is complete and intact; None to (re)make it.

    A piece whose samples do not match their checksum, or whose scale is not a finite
    positive number (NaN would reach LAME), is corrupt: it is removed with a warning.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(_PREP_HEAD)
            if len(head) != _PREP_HEAD or head[:4] != _PREP_MAGIC:
                return None  # absent, or an older format: made again
            r, frames, scale = struct.unpack("<IIf", head[4:16])
            if r != rate:
                return None
            data = fh.read()
    except OSError:
        return None
    if len(data) == 2 * frames and math.isfinite(scale) and scale > 0 and hashlib.sha256(data).digest() == head[16:]:
        return _Prepared(path, frames)
    log.warning("Đoạn âm thanh đã chuẩn bị bị hỏng (%s: sai mã kiểm tra), bỏ đi và làm lại.", path)
    try:
        path.unlink()
    except OSError:
        pass
    return None


class _Preparer:
    """Turns speech clips and jingles into prepared pieces, once (content-addressed cache)."""

    def __init__(self, station: Station) -> None:
        a = station.audio
        self.audio = a
        self.rate = a.sample_rate
        self.dir = station.store.cache_dir("prepared")
        self.clip_ceiling = _db(a.true_peak_dbtp - _MP3_MARGIN_DB) * _db(-_CLIP_HEADROOM_DB)
        self.settings = {
            "v": _PREP_VERSION,
            "rate": self.rate,
            "target": a.target_lufs,
            "ceiling": round(a.true_peak_dbtp - _MP3_MARGIN_DB - _CLIP_HEADROOM_DB, 3),
            "hp": a.highpass_hz,
            "presence": a.presence_db,
            "comp": a.compression,
        }

    def _path(self, kind: str, source_key: str) -> Path:
        key = hashlib.sha256(json.dumps([kind, source_key, self.settings], sort_keys=True).encode()).hexdigest()
        return self.dir / key[:2] / f"{key[2:34]}.pcm"

    def _filters(self, x: np.ndarray, *, presence: bool) -> np.ndarray:
        a, rate = self.audio, self.rate
        sos = []
        if a.highpass_hz > 0:
            sos.append(signal.butter(4, a.highpass_hz, "highpass", fs=rate, output="sos"))
        if presence and a.presence_db > 0:
            sos.append(_peaking_sos(rate, 2500.0, a.presence_db, 0.8))
        if sos:
            x = signal.sosfilt(np.vstack(sos), x).astype(np.float32)
        return x

    # speech ------------------------------------------------------------------------------
    def speech(self, clips: list[Clip]) -> list[_Prepared]:
        """Prepared copies of `clips` (same order), processing the missing ones in parallel."""
        keys = [self._path("speech", _file_digest(Path(c.path))) for c in clips]
        out: list[_Prepared | None] = [_read_prepared(p, self.rate) for p in keys]
        first: dict[Path, int] = {}
        todo = [first.setdefault(keys[i], i) for i, p in enumerate(out) if p is None and keys[i] not in first]
        if todo:
            setup_pydub()
            log.info("chuẩn bị %d đoạn giọng đọc mới (xử lý một lần, lưu lại)", len(todo))
            workers = max(1, min(4, os.cpu_count() or 1, len(todo)))
            with ThreadPoolExecutor(workers) as pool:
                done = pool.map(lambda i: self._make_speech(Path(clips[i].path), keys[i]), todo)
                for i, prepared in zip(todo, done):
                    out[i] = prepared
            for i, p in enumerate(out):
                if p is None:
                    out[i] = out[first[keys[i]]]
        return out  # type: ignore[return-value]

    def _make_speech(self, path: Path, dest: Path) -> _Prepared:
        x = _decode_clip(path, self.rate)
        x = self._filters(x, presence=True)
        x = _trim_silence(x, self.rate)
        level = integrated_loudness(x, self.rate)
        if self.audio.compression and math.isfinite(level):
            x = _compress(x, self.rate, level)
        x = _normalise(x, self.rate, self.audio.target_lufs, self.clip_ceiling, path.name)
        return _write_prepared(dest, x, self.rate)

    # jingles -----------------------------------------------------------------------------
    def jingle(self, src: jingles_mod.JingleSource, *, bed: bool = False) -> _Prepared:
        """Prepared copy of a jingle (music: high-pass only, no compression)."""
        dest = self._path("bed" if bed else "jingle", src.key)
        found = _read_prepared(dest, self.rate)
        if found:
            return found
        x = jingles_mod.load(src, self.rate)
        x = self._filters(x, presence=False)
        target = self.audio.target_lufs + (0.0 if bed else _JINGLE_LU)
        x = _normalise(x, self.rate, target, self.clip_ceiling, src.path.name)
        return _write_prepared(dest, x, self.rate)


def _file_digest(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError as exc:
        raise ProductionError(
            f"không đọc được đoạn giọng đọc: {exc.strerror or exc}.",
            file=path,
            hint="Bộ nhớ đệm giọng đọc bị thiếu tệp; chạy lại 'broadcast produce' để đọc lại.",
        ) from None


_PYDUB_FORMATS = {".wav": "wav", ".mp3": "mp3", ".ogg": "ogg", ".flac": "flac", ".m4a": "mp4", ".opus": "ogg"}


def _decode_clip(path: Path, rate: int) -> np.ndarray:
    """Decode a cached TTS clip with pydub (explicit format) and resample it with soxr."""
    import soxr  # noqa: PLC0415
    from pydub import AudioSegment  # noqa: PLC0415

    fmt = _PYDUB_FORMATS.get(path.suffix.lower(), path.suffix.lower().lstrip(".") or "wav")
    try:
        seg = AudioSegment.from_file(str(path), format=fmt)
    except Exception as exc:  # pydub raises CouldntDecodeError, IndexError, OSError…
        log.debug("pydub không đọc được %s: %s", path, exc)
        raise ProductionError(
            f"không đọc được đoạn giọng đọc '{path.name}': tệp hỏng hoặc sai định dạng ({type(exc).__name__}).",
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


# --- the plan in samples ----------------------------------------------------------------


@dataclass
class _Item:
    start: int
    piece: _Prepared
    gain: float = 1.0
    fade_out: int = 0  # samples faded out at the end (jingle crossfading into speech)

    @property
    def frames(self) -> int:
        return self.piece.frames

    @property
    def end(self) -> int:
        return self.start + self.frames


@dataclass
class _Timeline:
    rate: int
    total: int
    items: list[_Item]
    beds: list[tuple[int, int]]  # (start, end) in samples; fade-out runs past `end`
    duck_t: np.ndarray  # breakpoints (samples) of the duck amount 0..1
    duck_v: np.ndarray
    seg_starts: list[int]
    jingle_spans: list[tuple[str, int, int, jingles_mod.JingleSource]]


def _plan(
    plan: ProgrammePlan,
    audio: AudioSettings,
    speech: dict[int, _Prepared],
    jingle: dict[str, _Prepared],
    sources: dict[str, jingles_mod.JingleSource],
    bed_frames: int,
) -> _Timeline:
    """Walk the events and place every piece on a sample timeline."""
    rate = audio.sample_rate
    p = audio.pauses
    pauses = {"sentence": p.sentence_s, "clause": p.clause_s, "paragraph": p.paragraph_s, "none": 0.0}
    xfade = int(audio.crossfade_ms / 1000 * rate)
    seg_gap = int(p.segment_s * rate)
    items: list[_Item] = []
    beds: list[tuple[int, int]] = []
    spans: list[tuple[str, int, int, jingles_mod.JingleSource]] = []
    seg_starts: list[int | None] = [None] * len(plan.segments)
    cursor = pending = 0
    bed_open: int | None = None
    prev_jingle: _Item | None = None
    segment: int | None = None

    def close_bed(at: int) -> None:
        nonlocal bed_open
        if bed_open is not None and at > bed_open:
            beds.append((bed_open, at))
        bed_open = None

    for i, ev in enumerate(plan.events):
        if ev.segment != segment:
            if items or cursor:
                pending = max(pending, seg_gap)
            close_bed(cursor + pending)
            segment = ev.segment
            if 0 <= segment < len(seg_starts) and seg_starts[segment] is None:
                seg_starts[segment] = cursor + pending
            prev_jingle = None if pending else prev_jingle
        if ev.kind == "speech":
            piece = speech[i]
            start = cursor + pending
            if prev_jingle is not None and pending == 0 and xfade > 0:
                overlap = min(xfade, prev_jingle.frames // 2)
                start = prev_jingle.end - overlap
                prev_jingle.fade_out = overlap
            items.append(_Item(start, piece, _db(ev.gain_db)))
            cursor = max(cursor, start + piece.frames)
            pending = int(pauses.get(ev.pause_after, 0.0) * rate)
            prev_jingle = None
        elif ev.kind == "pause":
            cursor += pending + int(max(0.0, ev.seconds) * rate)
            pending = 0
            prev_jingle = None
        elif ev.kind == "jingle":
            name = ev.jingle or "stinger"
            piece = jingle[name]
            start = cursor + pending
            item = _Item(start, piece)
            items.append(item)
            spans.append((name, start, item.end, sources[name]))
            cursor, pending, prev_jingle = item.end, 0, item
        elif ev.kind == "bed":
            if ev.bed and bed_frames:
                if bed_open is None:
                    bed_open = cursor + pending
            else:
                close_bed(cursor + pending)
        else:
            raise ProductionError(f"loại sự kiện không biết: '{ev.kind}' (sự kiện thứ {i + 1}).")
    close_bed(cursor)
    end = cursor
    total = max([end] + [b + int(_BED_FADE_OUT_S * rate) for _, b in beds])

    # Ducking: under every speech/jingle item, bridging gaps too short to rise and fall.
    attack = int(audio.bed.attack_ms / 1000 * rate)
    release = int(audio.bed.release_ms / 1000 * rate)
    bridge = attack + release + int(0.25 * rate)
    spans_sorted = sorted((it.start, it.end) for it in items)
    merged: list[list[int]] = []
    for s, e in spans_sorted:
        if merged and s - merged[-1][1] <= bridge:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    t, v = [0], [0.0]
    for s, e in merged:
        for pos, val in ((s - attack, 0.0), (s, 1.0), (e, 1.0), (e + release, 0.0)):
            t.append(max(t[-1] + 1, pos))
            v.append(val)
    starts = [s if s is not None else (seg_starts[k - 1] if k else 0) for k, s in enumerate(seg_starts)]
    for k in range(1, len(starts)):
        starts[k] = max(starts[k], starts[k - 1])  # type: ignore[type-var]
    return _Timeline(
        rate=rate,
        total=total,
        items=sorted(items, key=lambda it: it.start),
        beds=beds,
        duck_t=np.array(t, dtype=np.float64),
        duck_v=np.array(v, dtype=np.float64),
        seg_starts=[int(s or 0) for s in starts],
        jingle_spans=spans,
    )


class _Renderer:
    """Renders the timeline block by block; only the pieces sounding in a block are loaded."""

    def __init__(self, tl: _Timeline, audio: AudioSettings, bed: np.ndarray | None) -> None:
        self.tl = tl
        self.bed = bed
        self.level_db = audio.bed.level_db
        self.duck_db = audio.bed.duck_db
        self._loaded: dict[int, np.ndarray] = {}

    def _data(self, k: int) -> np.ndarray:
        x = self._loaded.get(k)
        if x is None:
            it = self.tl.items[k]
            x = it.piece.load()
            if it.gain != 1.0:
                x *= np.float32(it.gain)
            if it.fade_out:
                x[len(x) - it.fade_out :] *= np.cos(np.linspace(0, np.pi / 2, it.fade_out)).astype(np.float32)
            self._loaded[k] = x
        return x

    def blocks(self, block: int) -> Iterator[np.ndarray]:
        tl = self.tl
        rate = tl.rate
        fi, fo = int(_BED_FADE_IN_S * rate), int(_BED_FADE_OUT_S * rate)
        first = 0
        for a in range(0, tl.total, block):
            b = min(tl.total, a + block)
            out = np.zeros(b - a, dtype=np.float32)
            while first < len(tl.items) and tl.items[first].end <= a:
                self._loaded.pop(first, None)
                first += 1
            for k in range(first, len(tl.items)):
                it = tl.items[k]
                if it.start >= b:
                    break
                if it.end <= a:
                    self._loaded.pop(k, None)
                    continue
                x = self._data(k)
                s, e = max(a, it.start), min(b, it.end)
                out[s - a : e - a] += x[s - it.start : e - it.start]
            if self.bed is not None:
                for bs, be in tl.beds:
                    s, e = max(a, bs), min(b, be + fo)
                    if s >= e:
                        continue
                    pos = np.arange(s, e)
                    env = np.interp(pos, [bs, bs + fi, be, be + fo], [0.0, 1.0, 1.0, 0.0])
                    duck = np.interp(pos, tl.duck_t, tl.duck_v)
                    gain = env * 10 ** ((self.level_db + self.duck_db * duck) / 20)
                    out[s - a : e - a] += self.bed[(pos - bs) % len(self.bed)] * gain.astype(np.float32)
            yield out


# --- encoding ---------------------------------------------------------------------------


def _encode(
    renderer: _Renderer,
    audio: AudioSettings,
    trim_db: float,
    ceiling: float,
    mp3: Path,
    wav: Path | None,
) -> int:
    """Trim, limit and pipe the programme into one ffmpeg/LAME process; returns limited samples."""
    rate = audio.sample_rate
    scale = _lame_scale(audio.bitrate_kbps)
    args = ["-v", "error", "-y", "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0"]
    args += ["-map", "0:a", "-c:a", "libmp3lame", "-b:a", f"{audio.bitrate_kbps}k", "-ar", str(rate), "-ac", "1"]
    args += ["-map_metadata", "-1", "-id3v2_version", "0", "-write_id3v1", "0", "-f", "mp3", str(mp3)]
    if wav is not None:
        args += ["-map", "0:a", "-filter:a", f"volume={scale:.6f}", "-c:a", "pcm_s16le", "-f", "wav", str(wav)]
    limiter = _StreamLimiter(rate, ceiling)
    gain = np.float32(_db(trim_db))
    out_gain = np.float32(1.0 / scale)  # compensates LAME's input scaling
    hint = "Kiểm tra ổ đĩa còn chỗ trống và ffmpeg có bộ mã hóa libmp3lame. Chạy lại với -v để xem chi tiết."
    with ffmpeg_writer(args, what="xuất tệp MP3", file=mp3, hint=hint) as pipe:
        for block in renderer.blocks(int(_BLOCK_S * rate)):
            block *= gain
            y = limiter.process(block)
            pipe.write((y * out_gain).astype("<f4").tobytes())
        y = limiter.process(np.zeros(0, np.float32), final=True)
        pipe.write((y * out_gain).astype("<f4").tobytes())
    return limiter.limited


# --- tags -------------------------------------------------------------------------------


def _tag(mp3: Path, plan: ProgrammePlan, station: Station, chapters: list[ManifestSegment], duration_s: float) -> None:
    """ID3v2.3 tags (title, station, programme, month, language vie, comment) + CHAP/CTOC."""
    from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TPE2, TXXX, CTOCFlags  # noqa: PLC0415

    class _ChronoID3(ID3):
        """Writes CHAP frames in programme order (mutagen sorts frames by size; some players
        list chapters in file order instead of following CTOC)."""

        def _write(self, config):  # type: ignore[no-untyped-def]
            try:
                from mutagen.id3._tags import save_frame  # noqa: PLC0415
            except ImportError:  # pragma: no cover - other mutagen versions
                return super()._write(config)
            frames = list(self.values())
            rest = [f for f in frames if f.FrameID != "CHAP"]
            chaps = sorted((f for f in frames if f.FrameID == "CHAP"), key=lambda f: f.start_time)
            return bytearray().join(save_frame(f, config=config) for f in rest + chaps)

    mm, yyyy = plan.month[5:7], plan.month[:4]
    tags = _ChronoID3()
    tags.add(TIT2(encoding=3, text=[plan.title]))
    tags.add(TPE1(encoding=3, text=[station.name]))
    tags.add(TPE2(encoding=3, text=[station.name]))
    tags.add(TALB(encoding=3, text=[station.programme_title]))
    tags.add(TDRC(encoding=3, text=[plan.month]))
    tags.add(TXXX(encoding=3, desc="MONTH", text=[plan.month]))
    tags.add(TLAN(encoding=3, text=["vie"]))
    tags.add(TCON(encoding=3, text=["Speech"]))
    comment = f"{station.programme_title} tháng {mm}/{yyyy} — {station.name}"
    tags.add(COMM(encoding=3, lang="vie", desc="", text=[comment]))
    ids = [f"chp{i}" for i in range(len(chapters))]
    tags.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=3, text=["Mục lục"])],
        )
    )
    end_ms = int(round(duration_s * 1000))
    for cid, ch in zip(ids, chapters):
        tags.add(
            CHAP(
                element_id=cid,
                start_time=int(round(ch.start_s * 1000)),
                end_time=min(end_ms, int(round(ch.end_s * 1000))),
                sub_frames=[TIT2(encoding=3, text=[ch.title])],
            )
        )
    tags.save(str(mp3), v2_version=3)


# --- the stage --------------------------------------------------------------------------


def _all_used(values: list[str]) -> str | None:
    """Every distinct value, most used first: "vi, vi-vn-x-central" for a Q&A segment."""
    return ", ".join(v for v, _ in Counter(values).most_common()) if values else None


def _duration_error(seconds: float, station: Station, month: str, planned: bool) -> ProductionError:
    what = "dự kiến" if planned else "đo trên tệp"
    return ProductionError(
        f"chương trình tháng {month} dài {seconds / 60:.2f} phút ({what}), ngoài khoảng cho phép "
        f"{station.min_minutes:g}–{station.max_minutes:g} phút. Bản chương trình cũ (nếu có) được giữ nguyên.",
        file=station.store.script_path(month),
        hint="Thêm hoặc bớt nội dung trong kịch bản, hoặc sửa programme.min_minutes / max_minutes trong station.yaml.",
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
        raise ProductionError(f"chương trình tháng {plan.month} không có nội dung nào để dựng.", file=station.store.script_path(plan.month))

    prep = _Preparer(station)
    speech_idx = [i for i, ev in enumerate(plan.events) if ev.kind == "speech"]
    for i in speech_idx:
        if plan.events[i].clip is None:
            raise ProductionError(f"sự kiện đọc thứ {i + 1} không có đoạn giọng đọc.")
    clips = [plan.events[i].clip for i in speech_idx]
    speech = dict(zip(speech_idx, prep.speech(clips)))  # type: ignore[arg-type]

    names = sorted({ev.jingle or "stinger" for ev in plan.events if ev.kind == "jingle"})
    want_bed = any(ev.kind == "bed" and ev.bed for ev in plan.events)
    sources = {
        n: jingles_mod.source(station.store.jingles_dir, station.store.cache_dir("jingles"), n, rate) for n in names + (["bed"] if want_bed else [])
    }
    jingle = {n: prep.jingle(sources[n]) for n in names}
    bed = prep.jingle(sources["bed"], bed=True).load() if want_bed else None

    tl = _plan(plan, audio, speech, jingle, sources, len(bed) if bed is not None else 0)
    planned_s = tl.total / rate
    if not station.min_minutes * 60 <= planned_s <= station.max_minutes * 60:
        raise _duration_error(planned_s, station, plan.month, planned=True)

    # Pass 1: measure the mix as planned.
    meter = Meter(rate, true_peak=False)
    for block in _Renderer(tl, audio, bed).blocks(int(_BLOCK_S * rate)):
        meter.feed(block)
    mix_lufs = meter.result().lufs
    trim_db = audio.target_lufs - mix_lufs if math.isfinite(mix_lufs) else 0.0
    trim_db = max(-_MAX_GAIN_DB, min(_MAX_GAIN_DB, trim_db))
    ceiling_db = audio.true_peak_dbtp - _MP3_MARGIN_DB
    log.info("hỗn hợp %.2f LUFS, chỉnh %+.2f dB", mix_lufs, trim_db)

    mp3_name = f"{station.slug}-{plan.month}.mp3"
    with atomic_dir(out_dir) as tmp:
        mp3 = tmp / mp3_name
        wav = tmp / f"{station.slug}-{plan.month}.wav" if audio.wav else None
        for attempt in range(2):
            limited = _encode(_Renderer(tl, audio, bed), audio, trim_db, _db(ceiling_db), mp3, wav)
            duration, lufs, tp = measure_file(mp3)
            log.info(
                "lần %d: %.2f LUFS, đỉnh %.2f dBTP, %.1f s (giới hạn %d mẫu)", attempt + 1, lufs, tp, duration, limited
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
        killpoint("produce-encoded")
        if not station.min_minutes * 60 <= duration <= station.max_minutes * 60:
            raise _duration_error(duration, station, plan.month, planned=False)
        if abs(off) > _TOLERANCE_LU or over > 0:
            raise ProductionError(
                f"không đạt độ lớn chuẩn sau khi chỉnh: {lufs:.2f} LUFS (chuẩn {audio.target_lufs:g} ± {_TOLERANCE_LU}), "
                f"đỉnh {tp:.2f} dBTP (tối đa {audio.true_peak_dbtp:g}).",
                file=station.store.station_file,
                hint="Kiểm tra nhạc hiệu/nhạc nền của đài (quá to hoặc bị méo) rồi chạy lại với -v để xem chi tiết.",
            )
        if silent:
            log.warning("chương trình tháng %s hoàn toàn im lặng (không đo được độ lớn)", plan.month)

        segments = _segments(plan, tl, duration)
        chapters = [s for s in segments if s.kind == "speech"]
        _tag(mp3, plan, station, chapters, duration)
        voice = plan.voice
        manifest = Manifest(
            month=plan.month,
            title=plan.title,
            file=mp3_name,
            duration_s=round(duration, 3),
            loudness_lufs=round(lufs, 2) if not silent else -70.0,
            true_peak_dbtp=round(tp, 2) if math.isfinite(tp) else -90.0,
            sample_rate=rate,
            channels=1,
            bitrate_kbps=audio.bitrate_kbps,
            script_sha256=plan.script_sha256,
            degraded=bool(getattr(voice, "degraded", False)),
            engines=dict(getattr(voice, "engines", {}) or {}),
            clips_synthesized=int(getattr(voice, "synthesized", 0) or 0),
            clips_cached=int(getattr(voice, "cached", 0) or 0),
            segments=segments,
        )
        manifest.file_size = mp3.stat().st_size
        manifest.file_sha256 = file_sha256(mp3)
        atomic_write_text(tmp / SETTINGS_NAME, settings_fingerprint(station) + "\n")
        for name, text in (extra or {}).items():
            atomic_write_text(tmp / name, text)
        atomic_write_text(tmp / MANIFEST_NAME, json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2) + "\n")
    log.info("đã xuất %s: %.1f s, %.2f LUFS, %.2f dBTP", out_dir / mp3_name, duration, lufs, tp)
    return manifest


def _segments(plan: ProgrammePlan, tl: _Timeline, duration: float) -> list[ManifestSegment]:
    """One `speech` entry per script segment (contiguous, = chapters) plus `jingle` entries."""
    rate = tl.rate
    per_seg: dict[int, list[Clip]] = {}
    for ev in plan.events:
        if ev.kind == "speech" and ev.clip is not None:
            per_seg.setdefault(ev.segment, []).append(ev.clip)
    out: list[ManifestSegment] = []
    starts = tl.seg_starts
    for k, title in enumerate(plan.segments):
        start = starts[k] / rate
        end = starts[k + 1] / rate if k + 1 < len(starts) else duration
        clips = per_seg.get(k, [])
        out.append(
            ManifestSegment(
                title=title,
                kind="speech",
                start_s=round(start, 3),
                end_s=round(max(start, min(end, duration)), 3),
                engine=_all_used([str(c.engine) for c in clips]),
                voice=_all_used([str(c.voice) for c in clips]),
            )
        )
    for name, s, e, src in tl.jingle_spans:
        out.append(
            ManifestSegment(
                title=jingles_mod.NAMES_VI.get(name, name),
                kind="jingle",
                start_s=round(s / rate, 3),
                end_s=round(min(e / rate, duration), 3),
                engine="builtin" if src.builtin else "station",
                voice=src.path.name,
            )
        )
    out.sort(key=lambda s: (s.start_s, s.kind != "speech"))
    return out


