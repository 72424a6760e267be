"""Renders a timeline block by block (bounded memory whatever the programme's length)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from broadcast.production.timeline import BED_FADE_IN_S, BED_FADE_OUT_S, Timeline

if TYPE_CHECKING:
    from broadcast.config import AudioSettings

BLOCK_S = 6.0  # render block: bounds memory, large enough for numpy to be efficient


class Renderer:
    """Renders the timeline block by block; only the pieces sounding in a block are loaded."""

    def __init__(self, tl: Timeline, audio: AudioSettings, bed: np.ndarray | None) -> None:
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
        fi, fo = int(BED_FADE_IN_S * rate), int(BED_FADE_OUT_S * rate)
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
