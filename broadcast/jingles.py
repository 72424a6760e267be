"""Jingles and music bed: built-in ones synthesised in code, or the station's own files.

The built-in set shares one signature motif in D major pentatonic (A B D E F#), played by
a marimba-like voice doubled by soft bells over a warm pad: an intro (~7 s), a stinger
(~2.5 s, the motif's head), an outro (~7 s, the motif resolving to the tonic) and a soft
24 s music bed (pad chords I–vi–IV–V with a quiet marimba figure) that loops without a
seam. Everything is deterministic (fixed seed) and rendered once per sample rate into
<station>/.broadcast/jingles/. A station's own files in <station>/jingles/ named intro.*,
stinger.*, outro.*, bed.* (MP3, WAV, OGG, FLAC, M4A; any rate; mono or stereo) replace them.
"""

from __future__ import annotations

import hashlib
import logging
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from broadcast.audiotools import decode
from broadcast.errors import ProductionError
from broadcast.fsutil import atomic_path, inside

log = logging.getLogger(__name__)

JINGLE_NAMES = ("intro", "stinger", "outro", "bed")
AUDIO_SUFFIXES = (".mp3", ".wav", ".ogg", ".flac", ".m4a", ".opus")
NAMES_VI = {"intro": "Nhạc hiệu", "stinger": "Nhạc chuyển", "outro": "Nhạc kết", "bed": "Nhạc nền"}
#: Bump when the synthesis changes: cached renders and prepared copies are then rebuilt.
VERSION = 1
_SEED = 20261201
_BPM = 112.0


@dataclass
class JingleSource:
    """Where a jingle comes from; `key` identifies its content for caches."""

    name: str  #: "intro" | "stinger" | "outro" | "bed"
    path: Path  #: the station's file, or the cached built-in render
    builtin: bool
    key: str  #: content hash (station file) or version tag (built-in)


def station_file(jingles_dir: Path, name: str) -> Path | None:
    """The station's own `name.*` audio file in `jingles_dir`, if any (first by name)."""
    if not jingles_dir.is_dir():
        return None
    found = sorted(
        p
        for p in jingles_dir.iterdir()
        if p.is_file() and p.stem.lower() == name and p.suffix.lower() in AUDIO_SUFFIXES
    )
    if len(found) > 1:
        log.warning("có nhiều tệp cho %s trong %s; dùng %s", name, jingles_dir, found[0].name)
    return found[0] if found else None


def source(jingles_dir: Path, cache_dir: Path, name: str, rate: int) -> JingleSource:
    """The station's file for `name` if present, else the built-in one (rendered if needed)."""
    if name not in JINGLE_NAMES:
        raise ProductionError(
            f"không có loại nhạc '{name}'.", hint="Các loại: " + ", ".join(JINGLE_NAMES) + "."
        )
    own = station_file(jingles_dir, name)
    if own is not None:
        # A link out of the station (to /dev/zero, another user's file) never goes on air.
        inside(Path(jingles_dir).parent, own, source=own, error=ProductionError)
        digest = hashlib.sha256(own.read_bytes()).hexdigest()[:20]
        return JingleSource(name, own, False, f"station-{name}-{digest}")
    return JingleSource(name, builtin_path(cache_dir, name, rate), True, f"builtin-{name}-v{VERSION}")


def load(src: JingleSource, rate: int) -> np.ndarray:
    """Mono float32 samples of a jingle at `rate`; ProductionError naming a bad station file."""
    if src.builtin:
        return _read_wav(src.path, rate)
    return decode(src.path, rate, mono=True, what=f"tệp {NAMES_VI[src.name].lower()} của đài")


def builtin_path(cache_dir: Path, name: str, rate: int) -> Path:
    """Path of the cached built-in render of `name` at `rate`, rendering it on first use."""
    path = cache_dir / f"{name}-v{VERSION}-{rate}.wav"
    if not path.exists():
        pcm = np.clip(np.round(render(name, rate) * 32767), -32768, 32767).astype("<i2")
        with atomic_path(path) as tmp, wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm.tobytes())
        log.info("đã tạo nhạc có sẵn %s (%d Hz)", path.name, rate)
    return path


def _read_wav(path: Path, rate: int) -> np.ndarray:
    with wave.open(str(path), "rb") as w:
        if w.getframerate() != rate or w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ProductionError(
                f"tệp nhạc có sẵn không đúng định dạng: {path.name}.", file=path, hint="Xóa tệp để tạo lại."
            )
        data = w.readframes(w.getnframes())
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


# --- synthesis ------------------------------------------------------------------------

_NOTE = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _hz(note: str) -> float:
    """'F#5' -> frequency in Hz (A4 = 440)."""
    pitch = _NOTE[note[0]] + note[1:].count("#") - note[1:].count("b")
    octave = int(note.lstrip("ABCDEFG#b"))
    midi = 12 * (octave + 1) + pitch
    return 440.0 * 2 ** ((midi - 69) / 12)


def _octave_up(note: str) -> str:
    name = note.rstrip("0123456789")
    return f"{name}{int(note[len(name) :]) + 1}"


class _Score:
    """A mono buffer that instruments add notes into."""

    def __init__(self, seconds: float, rate: int) -> None:
        self.rate = rate
        self.buf = np.zeros(int(seconds * rate) + 1, dtype=np.float64)
        self.rng = np.random.default_rng(_SEED)

    def _place(self, start_s: float, sig: np.ndarray) -> None:
        a = int(start_s * self.rate)
        b = min(len(self.buf), a + len(sig))
        if b > a:
            self.buf[a:b] += sig[: b - a]

    def _partials(self, f: float, dur: float, ratios, amps, taus, attack: float) -> np.ndarray:
        t = np.arange(int(dur * self.rate)) / self.rate
        out = np.zeros_like(t)
        nyq = self.rate / 2 * 0.9
        for r, a, tau in zip(ratios, amps, taus, strict=True):
            if f * r >= nyq:
                continue
            phase = self.rng.uniform(0, 2 * np.pi)
            out += a * np.sin(2 * np.pi * f * r * t + phase) * np.exp(-t / tau)
        att = np.minimum(1.0, t / attack)
        tail = np.minimum(1.0, (dur - t) / 0.05)  # no click at the end of the buffer
        return out * att * tail

    def marimba(self, start: float, note: str, amp: float = 0.5, dur: float = 1.6) -> None:
        f = _hz(note)
        sig = self._partials(f, dur, (1.0, 3.93, 9.17), (1.0, 0.28, 0.06), (0.45, 0.11, 0.04), 0.003)
        self._place(start, amp * sig)

    def bell(self, start: float, note: str, amp: float = 0.2, dur: float = 3.0) -> None:
        f = _hz(note)
        sig = self._partials(
            f, dur, (1.0, 2.0, 2.76, 5.4), (1.0, 0.35, 0.25, 0.08), (1.4, 0.9, 0.5, 0.2), 0.002
        )
        self._place(start, amp * sig)

    def pad(
        self,
        start: float,
        notes: list[str],
        dur: float,
        amp: float = 0.08,
        attack: float = 0.8,
        release: float = 1.2,
    ) -> None:
        n = int(dur * self.rate)
        t = np.arange(n) / self.rate
        sig = np.zeros(n)
        for note in notes:
            f = _hz(note)
            for cents in (-4.0, 4.0):
                fd = f * 2 ** (cents / 1200)
                for k in range(1, 7):
                    if fd * k > self.rate * 0.4:
                        break
                    phase = self.rng.uniform(0, 2 * np.pi)
                    sig += (1.0 / k**1.6) * np.sin(2 * np.pi * fd * k * t + phase)
        env = np.ones(n)
        a, r = int(attack * self.rate), int(release * self.rate)
        env[:a] = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, a))
        env[n - r :] *= 0.5 + 0.5 * np.cos(np.linspace(0, np.pi, r))
        self._place(start, amp / len(notes) * sig * env)

    def bass(self, start: float, note: str, dur: float, amp: float = 0.18) -> None:
        n = int(dur * self.rate)
        t = np.arange(n) / self.rate
        f = _hz(note)
        sig = np.sin(2 * np.pi * f * t) + 0.25 * np.sin(4 * np.pi * f * t)
        env = np.minimum(1.0, t / 0.03) * np.exp(-t / 1.8) * np.minimum(1.0, (dur - t) / 0.4)
        self._place(start, amp * sig * env)

    def finish(self, fade_in: float, fade_out: float, peak: float = 0.7) -> np.ndarray:
        x = self.buf
        if fade_in > 0:
            k = int(fade_in * self.rate)
            x[:k] *= np.linspace(0, 1, k) ** 2
        if fade_out > 0:
            k = int(fade_out * self.rate)
            x[len(x) - k :] *= np.linspace(1, 0, k) ** 2
        m = np.abs(x).max()
        return (x * (peak / m)).astype(np.float32) if m > 0 else x.astype(np.float32)


_BEAT = 60.0 / _BPM / 2  # one eighth note
# The signature: up the pentatonic scale, a leap, and a fall back home.
_MOTIF = [("A4", 0), ("B4", 1), ("D5", 2), ("E5", 3), ("F#5", 4), ("E5", 6), ("D5", 7), ("A5", 8)]


def _intro(rate: int) -> np.ndarray:
    s = _Score(7.2, rate)
    s.pad(0.0, ["D3", "A3", "E4", "F#4"], 3.6, amp=0.10, attack=0.6)
    s.pad(3.2, ["G3", "B3", "D4", "F#4"], 2.2, amp=0.09)
    s.pad(5.0, ["D3", "A3", "D4", "F#4"], 2.2, amp=0.09, attack=0.5)
    s.bass(0.0, "D2", 3.4)
    s.bass(3.2, "G2", 1.9)
    s.bass(5.0, "D2", 2.2)
    for note, step in _MOTIF:
        s.marimba(0.3 + step * _BEAT, note, amp=0.55)
        s.bell(0.3 + step * _BEAT, _octave_up(note), amp=0.07 if step not in (4, 8) else 0.12)
    # Answer phrase: the head again, a step higher, landing on the tonic.
    for note, step in [
        ("B4", 0),
        ("D5", 1),
        ("E5", 2),
        ("F#5", 3),
        ("A5", 4),
        ("F#5", 6),
        ("E5", 7),
        ("D5", 8),
    ]:
        s.marimba(3.2 + step * _BEAT, note, amp=0.5)
    s.bell(3.2 + 8 * _BEAT, "D6", amp=0.16, dur=3.5)
    return s.finish(0.02, 1.2)


def _stinger(rate: int) -> np.ndarray:
    s = _Score(2.6, rate)
    s.pad(0.0, ["D4", "A4", "F#5"], 2.4, amp=0.07, attack=0.25, release=1.4)
    for i, note in enumerate(["A4", "D5", "E5", "A5"]):
        s.marimba(0.05 + i * _BEAT * 0.8, note, amp=0.5, dur=1.4)
    s.bell(0.05 + 3 * _BEAT * 0.8, "A5", amp=0.18, dur=2.2)
    s.bass(0.05, "D3", 2.2, amp=0.12)
    return s.finish(0.01, 0.6)


def _outro(rate: int) -> np.ndarray:
    s = _Score(7.5, rate)
    s.pad(0.0, ["G3", "B3", "D4", "E4"], 2.6, amp=0.09, attack=0.5)
    s.pad(2.2, ["A3", "C#4", "E4", "G4"], 1.8, amp=0.09)
    s.pad(3.6, ["D3", "A3", "D4", "F#4", "A4"], 3.9, amp=0.11, attack=0.3, release=2.5)
    s.bass(0.0, "G2", 2.4)
    s.bass(2.2, "A2", 1.6)
    s.bass(3.6, "D2", 3.8)
    for note, step in _MOTIF[:5]:
        s.marimba(0.2 + step * _BEAT, note, amp=0.5)
    for note, step in [("E5", 0), ("D5", 1), ("B4", 2), ("A4", 4), ("D5", 6)]:
        s.marimba(2.2 + step * _BEAT, note, amp=0.5, dur=2.5 if step == 6 else 1.6)
    s.bell(2.2 + 6 * _BEAT, "D6", amp=0.15, dur=4.0)
    s.bell(2.2 + 6 * _BEAT, "A5", amp=0.08, dur=4.0)
    return s.finish(0.02, 2.2)


def _bed(rate: int) -> np.ndarray:
    """24 s loop: chords D–Bm–G–A, rendered with tails folded onto the head (seamless)."""
    loop = 24.0
    s = _Score(loop + 4.0, rate)
    chords = [
        (["D3", "A3", "D4", "F#4"], "D2", ["F#4", "A4", "D5", "A4"]),
        (["B2", "F#3", "D4", "F#4"], "B1", ["F#4", "B4", "D5", "B4"]),
        (["G2", "D3", "B3", "D4"], "G1", ["D4", "G4", "B4", "G4"]),
        (["A2", "E3", "C#4", "E4"], "A1", ["E4", "A4", "C#5", "A4"]),
    ]
    for i, (pad, bass, figure) in enumerate(chords):
        t0 = i * 6.0
        s.pad(t0, pad, 7.5, amp=0.14, attack=1.5, release=2.0)
        s.bass(t0, bass, 5.5, amp=0.07)
        for j, note in enumerate(figure * 2):
            s.marimba(t0 + 0.4 + j * 0.7, note, amp=0.05 if j % 4 else 0.07, dur=1.2)
    n = int(loop * rate)
    x = s.buf[:n].copy()
    tail = s.buf[n:]
    x[: len(tail)] += tail
    m = np.abs(x).max()
    return (x * (0.6 / m)).astype(np.float32)


_RENDER = {"intro": _intro, "stinger": _stinger, "outro": _outro, "bed": _bed}


def render(name: str, rate: int) -> np.ndarray:
    """Synthesise a built-in jingle (deterministic) as mono float32 at `rate`."""
    return _RENDER[name](rate)
