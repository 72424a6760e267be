"""The prepared-clip cache format (<station>/.broadcast/prepared/): processed pieces as int16."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from broadcast.errors import ProductionError
from broadcast.fsutil import atomic_path

log = logging.getLogger(__name__)

#: Bump when the per-clip processing changes: prepared copies are then rebuilt.
PREP_VERSION = 1
PREP_MAGIC = b"BCP2"  # v2: the header carries the sha256 of the samples (BCP1 files are re-made)


@dataclass
class Prepared:
    """A processed piece in the cache: path and number of samples at the station rate.

    File: magic, rate, frames, scale (float32), sha256 of the samples, then int16 samples.
    """

    path: Path
    frames: int

    def load(self) -> np.ndarray:
        with open(self.path, "rb") as fh:
            head = fh.read(PREP_HEAD)
            scale = struct.unpack("<f", head[12:16])[0]
            data = np.fromfile(fh, dtype="<i2")
        return data.astype(np.float32) * np.float32(scale)


PREP_HEAD = 16 + 32


def write_prepared(path: Path, x: np.ndarray, rate: int) -> Prepared:
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
    head = PREP_MAGIC + struct.pack("<IIf", rate, len(pcm) // 2, scale) + hashlib.sha256(pcm).digest()
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(head)
        fh.write(pcm)
    return Prepared(path, len(pcm) // 2)


def read_prepared(path: Path, rate: int) -> Prepared | None:
    """The prepared piece at `path` if it is complete and intact; None to (re)make it.

    A piece whose samples do not match their checksum, or whose scale is not a finite
    positive number (NaN would reach LAME), is corrupt: it is removed with a warning.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(PREP_HEAD)
            if len(head) != PREP_HEAD or head[:4] != PREP_MAGIC:
                return None  # absent, or an older format: made again
            r, frames, scale = struct.unpack("<IIf", head[4:16])
            if r != rate:
                return None
            data = fh.read()
    except OSError:
        return None
    if (
        len(data) == 2 * frames
        and math.isfinite(scale)
        and scale > 0
        and hashlib.sha256(data).digest() == head[16:]
    ):
        return Prepared(path, frames)
    log.warning("Đoạn âm thanh đã chuẩn bị bị hỏng (%s: sai mã kiểm tra), bỏ đi và làm lại.", path)
    with contextlib.suppress(OSError):
        path.unlink()
    return None
