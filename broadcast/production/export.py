"""Export: the rendered programme through the limiter into ffmpeg/LAME, then ID3 tags + chapters."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TPE2, TXXX, CTOCFlags
from mutagen.id3._tags import save_frame  # mutagen is pinned: the frame writer CHAP order needs

from broadcast.audiotools import ffmpeg_writer
from broadcast.models.programme import ManifestSegment, ProgrammePlan
from broadcast.production.dsp import StreamLimiter, from_db, lame_scale
from broadcast.production.render import BLOCK_S, Renderer

if TYPE_CHECKING:
    from broadcast.config import AudioSettings, Station


def encode(
    renderer: Renderer,
    audio: AudioSettings,
    trim_db: float,
    ceiling: float,
    mp3: Path,
    wav: Path | None,
) -> int:
    """Trim, limit and pipe the programme into one ffmpeg/LAME process; returns limited samples."""
    rate = audio.sample_rate
    scale = lame_scale(audio.bitrate_kbps)
    args = ["-v", "error", "-y", "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0"]
    args += [
        "-map",
        "0:a",
        "-c:a",
        "libmp3lame",
        "-b:a",
        f"{audio.bitrate_kbps}k",
        "-ar",
        str(rate),
        "-ac",
        "1",
    ]
    args += ["-map_metadata", "-1", "-id3v2_version", "0", "-write_id3v1", "0", "-f", "mp3", str(mp3)]
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
    with ffmpeg_writer(args, what="xuất tệp MP3", file=mp3, hint=hint) as pipe:
        for block in renderer.blocks(int(BLOCK_S * rate)):
            block *= gain
            y = limiter.process(block)
            pipe.write((y * out_gain).astype("<f4").tobytes())
        y = limiter.process(np.zeros(0, np.float32), final=True)
        pipe.write((y * out_gain).astype("<f4").tobytes())
    return limiter.limited


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
