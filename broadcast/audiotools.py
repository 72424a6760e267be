"""ffmpeg plumbing: find the tools, run them with logged stderr, decode any file to numpy."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import IO

import numpy as np

from broadcast.errors import EnvironmentProblem, ProductionError

try:  # POSIX only; on Windows pipes keep their default size
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("broadcast.ffmpeg")

_INSTALL_HINT = (
    "Cài ffmpeg rồi chạy lại: 'make setup' (tự cài), hoặc 'sudo apt-get install ffmpeg' "
    "trên Debian/Ubuntu; trên Windows tải ffmpeg tại https://ffmpeg.org/download.html, "
    "giải nén và thêm thư mục bin vào biến PATH."
)
_RERUN_HINT = "Chạy lại với -v để xem toàn bộ thông báo của ffmpeg."

#: Seconds of audio per block when decoding through a pipe.
_READ_BLOCK_S = 5.0


@cache
def _which(tool: str) -> str:
    var = f"BROADCAST_{tool.upper()}"
    env = os.environ.get(var)
    if env:
        # Set on purpose: a wrong path is an error, not a silent switch to another ffmpeg.
        if Path(env).is_file() and os.access(env, os.X_OK):
            return env
        raise EnvironmentProblem(
            f"biến môi trường {var} chỉ tới '{env}' nhưng không có chương trình chạy được ở đó.",
            hint=f"Sửa {var} thành đường dẫn đúng tới {tool} (ví dụ /usr/bin/{tool}), hoặc bỏ biến "
            f"này để dùng {tool} trong PATH.",
        )
    found = shutil.which(tool)
    if not found:
        raise EnvironmentProblem(
            f"không tìm thấy chương trình '{tool}' trên máy này (cần để xử lý âm thanh).",
            hint=_INSTALL_HINT,
        )
    return found


def find_ffmpeg() -> str:
    """Path of ffmpeg ($BROADCAST_FFMPEG or PATH); EnvironmentProblem (exit 2) if missing."""
    return _which("ffmpeg")


def find_ffprobe() -> str:
    """Path of ffprobe ($BROADCAST_FFPROBE or PATH); EnvironmentProblem (exit 2) if missing."""
    return _which("ffprobe")


def setup_pydub() -> None:
    """Point pydub at the ffmpeg found here, once and explicitly (PATH differs under schedulers)."""
    from pydub import AudioSegment  # noqa: PLC0415 - pydub is only needed by production

    ffmpeg = find_ffmpeg()
    if AudioSegment.converter != ffmpeg:
        AudioSegment.converter = ffmpeg
        AudioSegment.ffmpeg = ffmpeg  # older pydub attribute, harmless
        try:
            AudioSegment.ffprobe = find_ffprobe()
        except EnvironmentProblem:
            pass


class FfmpegError(ProductionError):
    """An ffmpeg call failed; `stderr` holds what ffmpeg said."""

    def __init__(self, message: str, *, stderr: str = "", **kw) -> None:
        super().__init__(message, **kw)
        self.stderr = stderr


def _tail(text: str, lines: int = 6) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_ffmpeg(
    args: Sequence[str],
    *,
    what: str,
    file: str | Path | None = None,
    input: bytes | None = None,
) -> subprocess.CompletedProcess:
    """Run `ffmpeg args…`; stderr is logged at DEBUG and carried in the error on failure.

    `what` is a short Vietnamese description of the job for the error message.
    """
    cmd = [find_ffmpeg(), "-hide_banner", "-nostdin", *args]
    log.debug("chạy: %s", " ".join(cmd))
    try:
        proc = subprocess.run(cmd, input=input, capture_output=True)
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full(file, exc.strerror or "") from None
        raise
    _check(proc.returncode, proc.stderr.decode("utf-8", "replace"), what=what, file=file, hint=_RERUN_HINT)
    return proc


_PIPE_BYTES = 1 << 20


def widen_pipe(stream: IO[bytes] | None) -> None:
    """Give a pipe 1 MiB of buffer instead of 64 KiB (Linux), so a process at each end can
    run on its own core without waiting for the other at every few milliseconds of audio."""
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if stream is None or setsize is None:
        return
    try:
        fcntl.fcntl(stream.fileno(), setsize, _PIPE_BYTES)
    except OSError:  # above /proc/sys/fs/pipe-max-size: the default size still works
        pass


@contextmanager
def ffmpeg_writer(
    args: Sequence[str],
    *,
    what: str,
    file: str | Path | None = None,
    hint: str = _RERUN_HINT,
    stdout: IO[bytes] | None = None,
) -> Iterator[IO[bytes]]:
    """Run `ffmpeg args…` reading from stdin (`pipe:0`); yields the pipe to write into.

    `stdout` (e.g. the stdin of another process) receives what ffmpeg writes to `pipe:1`.

    Leaving the block closes the pipe and waits for ffmpeg. Its stderr goes to a temporary
    file (so it cannot fill a pipe), is logged at DEBUG and carried in FfmpegError if ffmpeg
    fails; a pipe broken because ffmpeg stopped early is reported as that failure.
    """
    cmd = [find_ffmpeg(), "-hide_banner", "-nostdin", *args]
    log.debug("chạy: %s", " ".join(cmd))
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=stdout, stderr=err)
        assert proc.stdin is not None
        widen_pipe(proc.stdin)
        full: OSError | None = None
        try:
            yield proc.stdin
        except BrokenPipeError:
            pass  # ffmpeg exited early: its return code and stderr say why
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            full = exc
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass
            code = proc.wait()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if full is not None:
        raise disk_full(file, full.strerror or "")
    _check(code, stderr, what=what, file=file, hint=hint)


#: What ffmpeg (strerror) says when the disk is full or the user's quota is used up.
_DISK_FULL = ("No space left on device", "Disk quota exceeded")
_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


def disk_full(file: str | Path | None, detail: str = "") -> EnvironmentProblem:
    """The environment error (exit 2) for a full disk or quota while writing `file`."""
    name = Path(file).name if file is not None else "tệp đầu ra"
    return EnvironmentProblem(
        f"ổ đĩa đầy (hoặc hết hạn mức), không ghi được {name}" + (f" ({detail})" if detail else "") + ".",
        file=file,
        hint="Giải phóng dung lượng trên ổ đĩa chứa thư mục này rồi chạy lại; "
        "bản chương trình cũ (nếu có) được giữ nguyên.",
    )


def is_disk_full(exc: BaseException) -> bool:
    """True for an OSError meaning 'no space left' or 'quota exceeded'."""
    return isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS


def _check(code: int, stderr: str, *, what: str, file: str | Path | None, hint: str) -> None:
    """Log ffmpeg's stderr at DEBUG; FfmpegError naming the job if it exited with an error.

    A full disk is not ffmpeg's fault nor the user's input: EnvironmentProblem (exit 2).
    """
    if stderr.strip():
        log.debug("ffmpeg stderr:\n%s", stderr.rstrip())
    if code != 0:
        full = next((text for text in _DISK_FULL if text in stderr), None)
        if full is not None:
            raise disk_full(file, f"ffmpeg: {full}")
        raise FfmpegError(
            f"ffmpeg không {what} được (mã lỗi {code}): {_tail(stderr, 2) or 'không rõ lý do'}",
            file=file,
            stderr=stderr,
            hint=hint,
        )


def _read_wav_header(fh: IO[bytes]) -> tuple[int, int]:
    """Parse the WAV header ffmpeg writes to a pipe; return (rate, channels)."""
    head = fh.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise ValueError("no RIFF header")
    rate = channels = 0
    while True:
        hdr = fh.read(8)
        if len(hdr) < 8:
            raise ValueError("no data chunk")
        cid, size = hdr[:4], struct.unpack("<I", hdr[4:])[0]
        if cid == b"data":
            return rate, channels
        body = fh.read(size + (size & 1))
        if cid == b"fmt ":
            channels, rate = struct.unpack("<HI", body[2:8])


def stream_decode(
    path: str | Path,
    *,
    rate: int | None = None,
    mono: bool = False,
    block_s: float = _READ_BLOCK_S,
    what: str = "tệp âm thanh",
) -> Iterator[tuple[int, int, np.ndarray]]:
    """Decode `path` through an ffmpeg pipe, yielding (rate, channels, float32 block) tuples.

    Blocks are (frames, channels) arrays of about `block_s` seconds, so memory stays bounded
    whatever the file's length. `rate` resamples with soxr inside ffmpeg; `mono` downmixes.
    Raises ProductionError naming the file (ffmpeg's stderr logged at DEBUG) if it cannot be
    decoded or holds no audio.
    """
    path = Path(path)
    if not path.is_file():
        raise ProductionError(f"không tìm thấy tệp âm thanh: {path.name}.", file=path)
    args = [find_ffmpeg(), "-hide_banner", "-nostdin", "-v", "error", "-i", str(path), "-vn"]
    if mono:
        args += ["-ac", "1"]
    if rate:
        args += ["-af", f"aresample={rate}:resampler=soxr:precision=24"]
    args += ["-c:a", "pcm_f32le", "-f", "wav", "pipe:1"]
    log.debug("chạy: %s", " ".join(args))
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    frames = 0
    try:
        try:
            sr, ch = _read_wav_header(proc.stdout)  # type: ignore[arg-type]
        except ValueError:
            sr = ch = 0
        if sr and ch:
            nbytes = int(block_s * sr) * ch * 4
            while True:
                buf = proc.stdout.read(nbytes)  # type: ignore[union-attr]
                if not buf:
                    break
                usable = len(buf) - len(buf) % (4 * ch)
                block = np.frombuffer(buf[:usable], dtype="<f4").reshape(-1, ch)
                frames += len(block)
                yield sr, ch, block
    finally:
        if proc.stdout:
            proc.stdout.close()
        stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        code = proc.wait()
    if stderr.strip():
        log.debug("ffmpeg stderr (%s):\n%s", path.name, stderr.rstrip())
    if code != 0 or frames == 0:
        reason = _tail(stderr, 2) or "tệp không có âm thanh"
        raise FfmpegError(
            f"không đọc được {what} '{path.name}': tệp bị hỏng hoặc không phải tệp âm thanh ({reason}).",
            file=path,
            stderr=stderr,
            hint="Thay bằng tệp MP3/WAV/OGG còn tốt, hoặc xóa tệp này. "
            "Chạy lại với -v để xem toàn bộ thông báo của ffmpeg.",
        )


def decode(path: str | Path, rate: int, *, mono: bool = True, what: str = "tệp âm thanh") -> np.ndarray:
    """Decode any audio file to float32 at `rate` Hz: shape (n,) if mono else (n, channels)."""
    blocks = [b for _, _, b in stream_decode(path, rate=rate, mono=mono, block_s=30.0, what=what)]
    out = np.concatenate(blocks) if len(blocks) > 1 else blocks[0].copy()
    return out[:, 0].copy() if mono else out


def probe_duration(path: str | Path) -> float:
    """Duration in seconds reported by ffprobe (container metadata, not decoded)."""
    proc = subprocess.run(
        [find_ffprobe(), "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
    )
    try:
        return float(proc.stdout.strip())
    except ValueError:
        raise FfmpegError(
            f"ffprobe không đọc được độ dài tệp '{Path(path).name}'.", file=path, stderr=proc.stderr
        ) from None
