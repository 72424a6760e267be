"""Issue 17, the cost of one programme: the scipy-free K-weighting, the limiter's window
minimum, the mix rendered once — and the figures still measured on the exported MP3."""

from __future__ import annotations

import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from scipy import signal
from scipy.ndimage import minimum_filter1d
from test_production import make_station, simple_plan, speechlike

from broadcast.loudness import KWeighting, Meter, k_weighting_sos, measure_file
from broadcast.production import export, render
from broadcast.production import produce as produce_mod
from broadcast.production.dsp import window_min
from broadcast.production.produce import produce

REPO = Path(__file__).resolve().parents[1]


def _wav(path: Path, x: np.ndarray, rate: int) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.clip(np.round(x * 32767), -32768, 32767).astype("<i2").tobytes())
    return path


@pytest.mark.parametrize("rate", [22050, 44100, 48000])
def test_k_weighting_equals_scipy_sosfilt_whatever_the_chunks(rate: int) -> None:
    rng = np.random.default_rng(rate)
    x = (0.3 * rng.standard_normal(rate * 7)).astype(np.float32)
    x[rate : 2 * rate] += 0.5 * np.sin(2 * np.pi * 40 * np.arange(rate) / rate).astype(np.float32)
    sos = k_weighting_sos(rate)
    ref = signal.sosfilt(sos, x.astype(np.float64))
    kw = KWeighting(sos)
    out, i = [], 0
    for size in [1, 63, 64, 65, 1000, 12345, 262144] * 4:  # sizes unrelated to the 64-sample step
        out.append(kw.filter(x[i : i + size]))
        i += size
    out.append(kw.filter(x[i:], final=True))
    y = np.concatenate(out)
    assert len(y) == len(x)
    assert np.abs(y - ref).max() < 3e-5  # float32 rounding: below -90 dBFS
    assert 10 * np.log10((y.astype(np.float64) ** 2).sum() / (ref**2).sum()) == pytest.approx(0, abs=1e-4)


@pytest.mark.parametrize("rate", [22050, 44100])
def test_meter_agrees_with_ffmpeg_ebur128_on_generated_speech(tmp_path: Path, rate: int) -> None:
    x = np.concatenate(
        [speechlike(6.0, rate, 0.3, seed=1), np.zeros(rate), speechlike(5.0, rate, 0.05, seed=2)]
    )
    path = _wav(tmp_path / "s.wav", x, rate)
    ours, ffmpeg = measure_file(path), measure_file(path, "ffmpeg")
    assert ours.lufs == pytest.approx(ffmpeg.lufs, abs=0.1)
    assert ours.true_peak_dbtp == pytest.approx(ffmpeg.true_peak_dbtp, abs=0.2)


@pytest.mark.parametrize("before,after", [(0, 0), (3, 1), (1764, 220), (882, 110), (6, 0)])
def test_window_min_is_scipy_minimum_filter1d(before: int, after: int) -> None:
    rng = np.random.default_rng(before + after)
    for n in (1, 7, 2000, 9001):
        x = rng.random(n).astype(np.float32)
        size = before + after + 1  # odd sizes: the limiter's (hold + lookahead + 1 at common rates)
        ref = minimum_filter1d(x, size, mode="nearest", origin=size // 2 - after)
        assert np.array_equal(window_min(x, before, after), ref)


def test_producing_from_cached_clips_does_not_import_scipy() -> None:
    code = (
        "import sys; import broadcast.pipeline, broadcast.production.produce, broadcast.loudness;"
        "print(sorted(m for m in sys.modules if m in ('scipy.signal', 'scipy.ndimage')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"


def test_the_recorded_figures_are_those_of_the_exported_file(tmp_path: Path, monkeypatch) -> None:
    """LAME's input scaling left uncompensated and no correcting second pass: the mix sent to
    the encoder measures -16 LUFS, the 64 kb/s MP3 about 0.9 dB less — and the manifest says what the
    MP3 measures, not what the mix measured."""
    monkeypatch.setattr(export, "lame_scale", lambda kbps: 1.0)  # LAME really scales by 0.95
    monkeypatch.setattr(produce_mod, "_RETRY_LU", 2.0)
    monkeypatch.setattr(produce_mod, "_TOLERANCE_LU", 2.0)
    st = make_station(tmp_path, bitrate_kbps=64)
    m = produce(simple_plan(tmp_path, 0.3), st)
    mp3 = st.store.programme_dir("2026-12") / m.file
    ours, ffmpeg = measure_file(mp3), measure_file(mp3, "ffmpeg")
    assert m.loudness_lufs < -16.3  # the mix was brought to -16.0; the file is quieter
    assert m.loudness_lufs == pytest.approx(ours.lufs, abs=0.01)
    assert m.loudness_lufs == pytest.approx(ffmpeg.lufs, abs=0.1)
    assert m.true_peak_dbtp == pytest.approx(ours.true_peak_dbtp, abs=0.01)
    assert m.duration_s == pytest.approx(ours.duration_s, abs=0.01)


def test_the_programme_is_the_same_when_the_mix_cannot_be_kept_on_disk(tmp_path: Path, monkeypatch) -> None:
    """The mix rendered once and read back gives the programme a second render would."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = produce(simple_plan(tmp_path, 0.3), make_station(tmp_path / "a"))

    real = render.tempfile.TemporaryFile

    def no_temp_file(*args: object, **kwargs: object) -> object:
        if kwargs.get("prefix") == ".mix-":
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(render.tempfile, "TemporaryFile", no_temp_file)
    second = produce(simple_plan(tmp_path, 0.3), make_station(tmp_path / "b"))
    assert second.duration_s == pytest.approx(first.duration_s, abs=0.001)
    assert second.loudness_lufs == pytest.approx(first.loudness_lufs, abs=0.02)
    assert second.true_peak_dbtp == pytest.approx(first.true_peak_dbtp, abs=0.05)


def test_meter_result_counts_the_samples_held_back_by_the_filter() -> None:
    rate = 44100
    m = Meter(rate)
    m.feed(np.full(100, 0.5, np.float32))  # fewer than one 64-sample step is held back
    m.feed(np.full(rate, 0.5, np.float32))
    r = m.result()
    assert r.duration_s == pytest.approx((rate + 100) / rate)


def test_encoder_pipes_get_a_wide_buffer():
    import fcntl
    import os

    from broadcast.audiotools import widen_pipe

    r, w = os.pipe()
    with os.fdopen(r, "rb") as reader, os.fdopen(w, "wb") as writer:
        before = fcntl.fcntl(writer.fileno(), fcntl.F_GETPIPE_SZ)
        widen_pipe(writer)
        after = fcntl.fcntl(writer.fileno(), fcntl.F_GETPIPE_SZ)
        assert before == 65536 and after == 1 << 20
        widen_pipe(reader)  # either end: the same pipe
        widen_pipe(None)  # nothing to widen: no error
