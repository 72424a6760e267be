"""The `espeak-ng` engine: offline formant voices vi, vi-vn-x-central, vi-vn-x-south."""

from __future__ import annotations

import logging
import shutil
import subprocess
import wave
from functools import lru_cache
from pathlib import Path
from typing import Any

from broadcast.voice.base import BadOutput, BinaryMissing, Engine, EngineError, EngineTimeout

log = logging.getLogger("broadcast.voice.espeak")

DEFAULT_VOICE = "vi"
DEFAULT_SPEED = 150  # words per minute; espeak-ng's own default (175) is hard to follow
DEFAULT_PITCH = 50
_INSTALL_HINT = (
    "Cài espeak-ng: 'sudo apt-get install espeak-ng' (Windows: bộ cài từ github.com/espeak-ng/espeak-ng)."
)


@lru_cache(maxsize=8)
def _installed_voices(binary: str) -> frozenset[str]:
    """Vietnamese voice ids the installed espeak-ng knows (one quick subprocess)."""
    try:
        out = subprocess.run(
            [binary, "--voices=vi"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    voices = set()
    for line in out.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 2:
            voices.add(parts[1].lower())
    return frozenset(voices)


class EspeakEngine(Engine):
    """Runs `espeak-ng -v VOICE -s SPEED -p PITCH -w out.wav` with the text on stdin."""

    NAME = "espeak-ng"
    EXT = ".wav"
    LABEL = "giọng máy espeak-ng (không cần mạng)"
    VOICES = ("vi", "vi-vn-x-central", "vi-vn-x-south")
    OPTIONS = ("voice", "speed", "pitch", "binary")

    def __init__(self, options: dict[str, Any] | None, timeout_s: float, state_dir: Path) -> None:
        super().__init__(options, timeout_s, state_dir)
        self.voice = str(self.options.get("voice", DEFAULT_VOICE)).lower()
        self.speed = int(self.options.get("speed", DEFAULT_SPEED))
        self.pitch = int(self.options.get("pitch", DEFAULT_PITCH))
        self.binary_name = str(self.options.get("binary", "espeak-ng"))

    @property
    def voice_id(self) -> str:
        return self.voice

    def cache_settings(self) -> dict[str, Any]:
        return {"voice": self.voice, "speed": self.speed, "pitch": self.pitch}

    def _binary(self) -> str:
        found = shutil.which(self.binary_name)
        if not found:
            raise BinaryMissing(
                f"không tìm thấy chương trình '{self.binary_name}' trên máy này.", hint=_INSTALL_HINT
            )
        return found

    def check(self) -> tuple[bool, str]:
        try:
            binary = self._binary()
        except BinaryMissing as exc:
            return False, str(exc)
        voices = _installed_voices(binary)
        if self.voice not in voices:
            known = ", ".join(sorted(voices)) or "không có giọng tiếng Việt nào"
            return False, f"espeak-ng không có giọng '{self.voice}' (có: {known})"
        return True, f"đã cài ({binary})"

    def synthesize(self, text: str, out_path: Path) -> None:
        binary = self._binary()
        cmd = [
            binary,
            "-v",
            self.voice,
            "-s",
            str(self.speed),
            "-p",
            str(self.pitch),
            "-b",
            "1",
            "--stdin",
            "-w",
            str(out_path),
        ]
        log.debug("run: %s", " ".join(cmd))
        budget = max(30.0, len(text) / 10)
        try:
            proc = subprocess.run(
                cmd, input=text.encode("utf-8"), capture_output=True, timeout=budget, check=False
            )
        except subprocess.TimeoutExpired:
            raise EngineTimeout(f"espeak-ng chạy quá {budget:g} giây mà chưa xong.") from None
        except OSError as exc:
            raise BinaryMissing(f"không chạy được {binary}: {exc}", hint=_INSTALL_HINT) from None
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        if proc.returncode != 0:
            raise EngineError(
                f"espeak-ng báo lỗi (mã {proc.returncode}): {stderr or 'không rõ'}",
                hint="Kiểm tra tên giọng (vi, vi-vn-x-central, vi-vn-x-south).",
            )
        try:
            with wave.open(str(out_path), "rb") as w:
                frames = w.getnframes()
        except (OSError, EOFError, wave.Error) as exc:
            raise BadOutput(f"espeak-ng tạo tệp âm thanh hỏng: {exc}") from None
        if frames == 0:
            raise BadOutput("espeak-ng tạo tệp âm thanh rỗng (câu không có chữ đọc được?).")
