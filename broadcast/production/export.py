"""Export: the rendered programme through the limiter into ffmpeg/LAME, then ID3 tags + chapters."""

from __future__ import annotations

import logging
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TPE2, TXXX, CTOCFlags
from mutagen.id3._tags import save_frame  # mutagen is pinned: the frame writer CHAP order needs

from broadcast.audiotools import ffmpeg_writer, find_ffmpeg, widen_pipe
from broadcast.errors import ProductionError
from broadcast.loudness import Measurement, Meter
from broadcast.models.programme import ManifestSegment, ProgrammePlan
from broadcast.production.dsp import StreamLimiter, from_db, lame_scale
from broadcast.production.render import BLOCK_S, RecordedMix, Renderer

if TYPE_CHECKING:
    from broadcast.config import AudioSettings, Station

log = logging.getLogger(__name__)


#: Samples a plain decode of LAME's frames starts with before the programme: the encoder delay
#: (576) plus the decoder's (529). The file's LAME header tells decoders to drop them; the copy
#: measured while encoding has no header, so the meter drops them itself.
_CODEC_DELAY = 576 + 529
_READ_BYTES = 1 << 20


@dataclass
class Encoded:
    """An encode: samples the limiter reduced, and the MP3's figures measured from the encoder's output."""

    limited: int
    measurement: Measurement


class _TeeMeter:
    """Measures the MP3 while it is encoded: a second ffmpeg decodes the encoder's own output.

    The encoder writes the MP3 both to the file and to `pipe:1` (tee muxer: the same frames);
    that pipe is the decoder's stdin, and a thread feeds the decoded samples to the BS.1770
    meter — so decoding and measuring run on the other core, during the encode, instead of
    after it. Exactly `frames` samples are measured after the codec delay: the samples a
    decoder gets from the file.
    """

    def __init__(self, rate: int, frames: int, mp3: Path) -> None:
        self.rate, self.frames, self.mp3 = rate, frames, mp3
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 - closed by result()
        cmd = [find_ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-f", "mp3", "-i", "pipe:0"]
        cmd += ["-f", "f32le", "-c:a", "pcm_f32le", "-ac", "1", "pipe:1"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err)
        widen_pipe(self.proc.stdin)
        widen_pipe(self.proc.stdout)
        self.meter = Meter(rate)
        self.seen = 0
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="mp3-meter", daemon=True)
        self._thread.start()

    @property
    def sink(self) -> IO[bytes]:
        assert self.proc.stdin is not None
        return self.proc.stdin

    def started(self) -> None:
        """The encoder holds the decoder's stdin now: close ours, so its end is the end."""
        self.sink.close()

    def _run(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            skip = 4 * _CODEC_DELAY
            while skip > 0:
                got = out.read(min(skip, _READ_BYTES))
                if not got:
                    break
                skip -= len(got)
            while self.seen < self.frames:
                buf = out.read(min(_READ_BYTES, 4 * (self.frames - self.seen)))
                if len(buf) < 4:
                    break
                block = np.frombuffer(buf[: len(buf) - len(buf) % 4], dtype="<f4")
                self.meter.feed(block)
                self.seen += len(block)
        except BaseException as exc:  # re-raised in the encoding thread by `result`
            self._failure = exc
        finally:
            while out.read(_READ_BYTES):  # the encoder must never block on a full pipe
                pass

    def close(self) -> None:
        """Wait for the decoder (it ends when the encoder does) and the meter thread."""
        if not self.sink.closed:
            self.sink.close()
        self._thread.join()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc.wait()

    def result(self) -> Measurement:
        """The figures of the MP3; ProductionError if its frames could not be decoded."""
        self.close()
        with self._err:
            self._err.seek(0)
            stderr = self._err.read().decode("utf-8", "replace")
        if self._failure is not None:
            raise self._failure
        if self.proc.returncode != 0 or (self.frames and self.seen == 0):
            log.debug("ffmpeg stderr (đo MP3):\n%s", stderr.rstrip())
            raise ProductionError(
                f"không giải mã lại được tệp MP3 vừa xuất để đo độ lớn (mã lỗi {self.proc.returncode}).",
                file=self.mp3,
                hint="Kiểm tra ffmpeg có bộ giải mã MP3 và ổ đĩa còn chỗ trống.",
            )
        return self.meter.result()


def _tee_name(path: Path) -> str:
    """`path` escaped for one slave of ffmpeg's tee muxer."""
    return "".join("\\" + c if c in "\\'|[]" else c for c in str(path))


def encode(
    renderer: Renderer | RecordedMix,
    audio: AudioSettings,
    trim_db: float,
    ceiling: float,
    mp3: Path,
    wav: Path | None,
) -> Encoded:
    """Trim, limit and pipe the programme into one ffmpeg/LAME process, measuring its output."""
    rate = audio.sample_rate
    scale = lame_scale(audio.bitrate_kbps)
    mp3_opts = "f=mp3:id3v2_version=0:write_id3v1=0"
    args = ["-v", "error", "-y", "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0"]
    args += ["-map", "0:a", "-c:a", "libmp3lame", "-b:a", f"{audio.bitrate_kbps}k", "-ar", str(rate)]
    args += ["-ac", "1", "-map_metadata", "-1", "-f", "tee"]
    args += [f"[{mp3_opts}]{_tee_name(mp3)}|[{mp3_opts}]pipe:1"]
    if wav is not None:
        args += [
            "-map",
            "0:a",
            "-filter:a",
            f"volume={scale:.6f}",
            "-c:a",
            "pcm_s16le",
            "-f",
            "wav",
            str(wav),
        ]
    limiter = StreamLimiter(rate, ceiling)
    gain = np.float32(from_db(trim_db))
    out_gain = np.float32(1.0 / scale)  # compensates LAME's input scaling
    hint = "Kiểm tra ổ đĩa còn chỗ trống và ffmpeg có bộ mã hóa libmp3lame. Chạy lại với -v để xem chi tiết."
    tee = _TeeMeter(rate, renderer.tl.total, mp3)
    try:
        with ffmpeg_writer(args, what="xuất tệp MP3", file=mp3, hint=hint, stdout=tee.sink) as pipe:
            tee.started()
            for block in renderer.blocks(int(BLOCK_S * rate)):
                block *= gain
                y = limiter.process(block)
                pipe.write((y * out_gain).astype("<f4").tobytes())
            y = limiter.process(np.zeros(0, np.float32), final=True)
            pipe.write((y * out_gain).astype("<f4").tobytes())
    finally:
        tee.close()
    return Encoded(limiter.limited, tee.result())


# --- tags -------------------------------------------------------------------------------


def tag(
    mp3: Path, plan: ProgrammePlan, station: Station, chapters: list[ManifestSegment], duration_s: float
) -> None:
    """ID3v2.3 tags (title, station, programme, month, language vie, comment) + CHAP/CTOC."""

    class _ChronoID3(ID3):
        """Writes CHAP frames in programme order (mutagen sorts frames by size; some players
        list chapters in file order instead of following CTOC)."""

        def _write(self, config):  # type: ignore[no-untyped-def]
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
    for cid, ch in zip(ids, chapters, strict=True):
        tags.add(
            CHAP(
                element_id=cid,
                start_time=int(round(ch.start_s * 1000)),
                end_time=min(end_ms, int(round(ch.end_s * 1000))),
                sub_frames=[TIT2(encoding=3, text=[ch.title])],
            )
        )
    tags.save(str(mp3), v2_version=3)
