"""The BS.1770-4 meter: agrees with pyloudnorm and ffmpeg, chunking does not change it."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from broadcast.errors import ProductionError
from broadcast.loudness import BACKENDS, Meter, integrated_loudness, measure_file, true_peak


def programme_like(rate: int, seconds: float = 12.0) -> np.ndarray:
    """Tones and noise at different levels with a near-silent stretch (exercises both gates)."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * rate)) / rate
    x = 0.25 * np.sin(2 * np.pi * 440 * t) * (1 + 0.6 * np.sin(2 * np.pi * 0.5 * t))
    x += 0.05 * rng.standard_normal(len(t))
    x[int(3 * rate) : int(5 * rate)] *= 0.003  # a pause: gated out
    x[int(8 * rate) : int(9 * rate)] *= 0.2  # a quiet passage
    return x


@pytest.mark.parametrize("rate", [44100, 48000])
def test_integrated_loudness_matches_pyloudnorm(rate: int) -> None:
    x = programme_like(rate)
    ref = pyloudnorm.Meter(rate).integrated_loudness(x)
    assert integrated_loudness(x.astype(np.float32), rate) == pytest.approx(ref, abs=0.1)


def test_chunked_feeding_gives_the_same_result() -> None:
    rate = 44100
    x = programme_like(rate).astype(np.float32)
    whole = Meter(rate)
    whole.feed(x)
    chunked = Meter(rate)
    for i in range(0, len(x), 12345):  # chunk size unrelated to the 100 ms hop
        chunked.feed(x[i : i + 12345])
    a, b = whole.result(), chunked.result()
    assert b.lufs == pytest.approx(a.lufs, abs=1e-3)
    assert b.true_peak_dbtp == pytest.approx(a.true_peak_dbtp, abs=1e-3)
    assert b.duration_s == pytest.approx(len(x) / rate)


def test_true_peak_sees_between_the_samples() -> None:
    # A quarter-rate sine sampled 45° off its crests: samples at 0.707, true peak 1.0.
    n = np.arange(4410)
    x = (0.5 * np.sin(2 * np.pi * n / 4 + np.pi / 4)).astype(np.float32)
    assert 20 * np.log10(np.abs(x).max()) == pytest.approx(-9.03, abs=0.01)
    assert 20 * np.log10(true_peak(x)) == pytest.approx(-6.02, abs=0.2)


def test_silence_measures_minus_infinity() -> None:
    m = Meter(44100)
    m.feed(np.zeros(44100 * 2, dtype=np.float32))
    r = m.result()
    assert r.lufs == float("-inf") and r.true_peak_dbtp == float("-inf")


def test_file_backends_agree(tmp_path: Path) -> None:
    rate = 48000
    x = programme_like(rate)
    stereo = np.stack([x, 0.5 * x], axis=1)
    path = tmp_path / "s.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.round(stereo * 32767).astype("<i2").tobytes())
    ours = measure_file(path)
    ffmpeg = measure_file(path, "ffmpeg")
    ref = pyloudnorm.Meter(rate).integrated_loudness(stereo)
    assert ours.lufs == pytest.approx(ffmpeg.lufs, abs=0.1)
    assert ours.lufs == pytest.approx(ref, abs=0.1)
    assert ours.true_peak_dbtp == pytest.approx(ffmpeg.true_peak_dbtp, abs=0.15)
    assert ours.duration_s == pytest.approx(12.0, abs=0.01)


def test_unknown_backend_lists_the_valid_ones() -> None:
    with pytest.raises(ProductionError) as err:
        measure_file("x.wav", "nope")
    assert all(name in str(err.value) for name in BACKENDS)
