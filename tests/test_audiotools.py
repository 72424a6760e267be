"""ffmpeg plumbing: a full disk while encoding is an environment problem (exit 2) naming the file."""

from __future__ import annotations

import shutil
import stat
import sys
from pathlib import Path

import pytest

from broadcast import audiotools
from broadcast.errors import EnvironmentProblem

REAL_FFMPEG = shutil.which("ffmpeg")


def fake_ffmpeg(tmp_path: Path, message: str = "No space left on device") -> Path:
    """A stand-in ffmpeg: runs the real one, except MP3 encodes, which fail like a full disk."""
    script = tmp_path / "ffmpeg"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "if 'libmp3lame' in sys.argv:\n"
        "    sys.stdin.buffer.read()\n"
        "    out = sys.argv[-1]\n"
        f"    sys.stderr.write(f'[out#0/mp3 @ 0x1] Error writing trailer of {{out}}: {message}\\n')\n"
        "    sys.exit(1)\n"
        f"os.execv({REAL_FFMPEG!r}, [{REAL_FFMPEG!r}] + sys.argv[1:])\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.fixture
def full_disk_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BROADCAST_FFMPEG", str(fake_ffmpeg(tmp_path)))
    audiotools._which.cache_clear()  # the tool lookup is cached per process
    yield tmp_path
    monkeypatch.undo()
    audiotools._which.cache_clear()


def test_disk_full_while_writing_through_ffmpeg_is_exit_2_naming_the_file(full_disk_ffmpeg: Path) -> None:
    out = full_disk_ffmpeg / "dai-2027-01.mp3"
    args = ["-f", "f32le", "-ar", "8000", "-ac", "1", "-i", "pipe:0", "-c:a", "libmp3lame", str(out)]
    with pytest.raises(EnvironmentProblem) as err:
        with audiotools.ffmpeg_writer(args, what="xuất tệp MP3", file=out) as pipe:
            pipe.write(b"\0" * 32000)
    assert err.value.exit_code == 2
    text = str(err.value)
    assert "dai-2027-01.mp3" in text and "ổ đĩa đầy" in text and "Giải phóng" in text


def test_produce_on_a_full_disk_is_exit_2_and_keeps_the_previous_programme(full_disk_ffmpeg: Path) -> None:
    from test_production import make_station, simple_plan

    from broadcast.production.produce import produce

    st = make_station(full_disk_ffmpeg)
    plan = simple_plan(full_disk_ffmpeg, 0.3)
    with pytest.raises(EnvironmentProblem) as err:
        produce(plan, st)
    assert err.value.exit_code == 2
    assert f"{st.slug}-2026-12.mp3" in str(err.value)
    assert not st.store.programme_dir("2026-12").exists()


def test_other_ffmpeg_failures_stay_ffmpeg_errors(tmp_path: Path) -> None:
    with pytest.raises(audiotools.FfmpegError):
        audiotools.run_ffmpeg(
            ["-i", str(tmp_path / "none.wav"), "-f", "null", "-"], what="đọc", file=tmp_path
        )


def test_oserror_disk_full_is_recognised() -> None:
    import errno

    assert audiotools.is_disk_full(OSError(errno.ENOSPC, "No space left on device"))
    assert not audiotools.is_disk_full(OSError(errno.EACCES, "Permission denied"))
