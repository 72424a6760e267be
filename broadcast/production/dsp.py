"""Signal processing for production: filters, compressor, true-peak limiter, trim, normalise."""

from __future__ import annotations

import logging
import math

import numpy as np

from broadcast.loudness import integrated_loudness, sample_true_peaks

log = logging.getLogger(__name__)

MP3_MARGIN_DB = 1.0  # master ceiling under the true-peak limit (MP3 decoding overshoots)
MAX_GAIN_DB = 40.0  # never lift a clip more than this (noise, near-silence)
_LIMIT_LOOKAHEAD_MS = 5.0
_LIMIT_HOLD_MS = 40.0
_EDGE_KEEP_S = 0.04  # silence kept at each end of a clip when trimming
_SILENCE = 10 ** (-90 / 20)


def from_db(x: float) -> float:
    return 10 ** (x / 20)


def lame_scale(bitrate_kbps: int) -> float:
    """The input scale LAME's ABR/CBR presets apply (measured: 0.95 at ≤160k, -0.26 dB at 192k)."""
    if bitrate_kbps <= 160:
        return 0.95
    if bitrate_kbps < 256:
        return 10 ** (-0.26 / 20)
    return 1.0


def peaking_sos(rate: int, f0: float, gain_db: float, q: float) -> np.ndarray:
    """RBJ peaking EQ biquad as one SOS row."""
    a = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * f0 / rate
    alpha = math.sin(w0) / (2 * q)
    b = [1 + alpha * a, -2 * math.cos(w0), 1 - alpha * a]
    den = [1 + alpha / a, -2 * math.cos(w0), 1 - alpha / a]
    return np.array([[b[0] / den[0], b[1] / den[0], b[2] / den[0], 1.0, den[1] / den[0], den[2] / den[0]]])


def one_pole(x: np.ndarray, tau_s: float, rate: int) -> np.ndarray:
    # scipy.signal takes over a second to import: only clips entering the cache need it.
    from scipy import signal  # noqa: PLC0415

    alpha = math.exp(-1.0 / (tau_s * rate))
    return signal.lfilter([1 - alpha], [1, -alpha], x)


def _soft_knee(over: np.ndarray, ratio: float, knee: float) -> np.ndarray:
    """Gain reduction (dB, ≥ 0) of a soft-knee compressor for `over` dB above threshold."""
    s = 1 - 1 / ratio
    return np.where(
        over <= -knee / 2, 0.0, np.where(over >= knee / 2, over * s, s * (over + knee / 2) ** 2 / (2 * knee))
    )


def compress(x: np.ndarray, rate: int, level_lufs: float) -> np.ndarray:
    """Gentle two-stage compression referenced to the clip's own loudness (vectorised).

    1. Levelling: RMS detector (30 ms, lfilter), soft 2:1 above loudness +3 dB — quiet words
       come up relative to loud ones, which helps outdoors.
    2. Peaks: 10 ms peak detector, soft 3:1 above loudness +10 dB. TTS speech is pulse-like
       (peak-to-loudness ~18 dB, which an RMS detector does not see); this takes about 3 dB
       off the peaks so the limiter after it works lightly.
    Each gain curve is smoothed twice (fast and slow) and the deeper one used: quick attack,
    slow release, no pumping.
    """
    # scipy takes about a second to import: only clips entering the cache are compressed.
    from scipy.ndimage import maximum_filter1d  # noqa: PLC0415

    x64 = x.astype(np.float64)
    level = 10 * np.log10(one_pole(x64**2, 0.030, rate) + 1e-12)
    gr = _soft_knee(level - (level_lufs + 3.0), 2.0, 6.0)
    gain_db = -np.maximum(one_pole(gr, 0.010, rate), one_pole(gr, 0.150, rate))
    y = x64 * 10 ** (gain_db / 20)
    env = maximum_filter1d(np.abs(y), max(1, int(rate * 0.010)))
    gr = _soft_knee(20 * np.log10(env + 1e-9) - (level_lufs + 10.0), 3.0, 6.0)
    gain_db = -np.maximum(one_pole(gr, 0.002, rate), one_pole(gr, 0.060, rate))
    return (y * 10 ** (gain_db / 20)).astype(np.float32)


def window_min(x: np.ndarray, before: int, after: int) -> np.ndarray:
    """out[j] = min(x[j-before .. j+after]), indices clamped to the ends (van Herk/Gil-Werman).

    Blocks of the window's size: the window of j is the suffix of j's block and the prefix of
    the next one, so two cumulative minima give every window in O(n) (no scipy.ndimage import
    on the export path).
    """
    n, size = len(x), before + after + 1
    if n == 0:
        return x.copy()
    tail = after + (-(n + size - 1)) % size
    pad = np.concatenate([np.full(before, x[0], x.dtype), x, np.full(tail, x[-1], x.dtype)]).reshape(-1, size)
    pre = np.minimum.accumulate(pad, axis=1).reshape(-1)
    suf = np.minimum.accumulate(pad[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    return np.minimum(suf[:n], pre[size - 1 : size - 1 + n])


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
    a = window_min(g, hold, look)
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


class StreamLimiter:
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


def trim_silence(x: np.ndarray, rate: int) -> np.ndarray:
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


def normalise(x: np.ndarray, rate: int, target: float, ceiling: float, what: str) -> np.ndarray:
    """Gain to `target` LUFS, limit to `ceiling`, re-measure, correct (secant steps, ±0.05 LU).

    The limiter takes loudness away as the gain rises, so each correction divides the error
    by the measured slope (loudness gained per dB of gain).
    """
    level = integrated_loudness(x, rate)
    if not math.isfinite(level):
        return x.astype(np.float32)  # silence stays silence (e.g. the `silent` engine)
    gain = min(target - level, MAX_GAIN_DB)
    tried: list[tuple[float, float]] = []
    y = x
    for _ in range(8):
        y = _limit_array(x * from_db(gain), rate, ceiling)
        got = integrated_loudness(y, rate)
        err = target - got
        if abs(err) < 0.05 or gain >= MAX_GAIN_DB:
            break
        slope = 1.0
        if tried and gain != tried[-1][0]:
            slope = min(1.0, max(0.15, (got - tried[-1][1]) / (gain - tried[-1][0])))
        tried.append((gain, got))
        gain = min(gain + err / slope, MAX_GAIN_DB)
    else:
        log.debug("%s: độ lớn còn lệch %.2f LU sau 8 lần chỉnh", what, err)
    return y.astype(np.float32)
