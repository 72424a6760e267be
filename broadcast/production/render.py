"""Renders a timeline block by block (bounded memory whatever the programme's length)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from broadcast.errors import ProductionError
from broadcast.production.timeline import BED_FADE_IN_S, BED_FADE_OUT_S, Timeline

if TYPE_CHECKING:
    from broadcast.config import AudioSettings

log = logging.getLogger(__name__)

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


class RecordedMix:
    """Renders the mix once: pass 1 keeps its blocks in an unnamed temporary file, the export
    reads them back (a read costs a small fraction of a render: no clip loading, no mixing).

    The file sits in `folder` (next to the outputs, on the same disk) and disappears when
    closed, or with the process. If it cannot be written (a full disk), the mix is simply
    rendered again for the export.
    """

    def __init__(self, tl: Timeline, audio: AudioSettings, bed: np.ndarray | None, folder: Path) -> None:
        self.tl = tl
        self._make = lambda: Renderer(tl, audio, bed)
        self._file: IO[bytes] | None = None
        self._complete = False
        try:
            self._file = tempfile.TemporaryFile(dir=folder, prefix=".mix-", suffix=".f32")  # noqa: SIM115
        except OSError as exc:
            log.info("không tạo được tệp tạm cho bản hỗn hợp (%s): sẽ dựng lại khi xuất", exc)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> RecordedMix:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, block: int) -> Iterator[np.ndarray]:
        """Pass 1: the rendered blocks, written to the file as they go."""
        for out in self._make().blocks(block):
            if self._file is not None:
                try:
                    out.tofile(self._file)
                except OSError as exc:
                    log.info("không ghi được bản hỗn hợp tạm (%s): sẽ dựng lại khi xuất", exc)
                    self.close()
            yield out
        if self._file is not None:
            self._file.flush()
            self._complete = True

    def blocks(self, block: int) -> Iterator[np.ndarray]:
        """The mix again, block by block: read back if recorded whole, else rendered anew."""
        f = self._file
        if f is None or not self._complete:
            yield from self._make().blocks(block)
            return
        f.seek(0)
        for a in range(0, self.tl.total, block):
            n = min(block, self.tl.total - a)
            out = np.fromfile(f, dtype=np.float32, count=n)
            if len(out) != n:
                raise ProductionError(
                    f"bản hỗn hợp tạm bị cụt ({a + len(out)}/{self.tl.total} mẫu).",
                    hint="Kiểm tra ổ đĩa rồi chạy lại.",
                )
            yield out
