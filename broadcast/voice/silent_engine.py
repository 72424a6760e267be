"""The `silent` engine: silence of a predictable length, for tests and dry runs."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

from broadcast.spoken import syllable_count
from broadcast.voice.base import Engine

SAMPLE_RATE = 22050
SECONDS_PER_SYLLABLE = 0.2
PADDING_S = 0.1


def silent_duration(text: str, syllable_s: float = SECONDS_PER_SYLLABLE) -> float:
    """Length of the silence made for `text`: 0.2 s (or `syllable_s`) per syllable + 0.1 s."""
    return syllable_count(text) * syllable_s + PADDING_S


class SilentEngine(Engine):
    """Writes 16-bit mono 22,050 Hz silence: 0.2 s per syllable plus 0.1 s.

    Option `syllable_s` changes the 0.2 s (e.g. to make a test programme last longer).
    """

    NAME = "silent"
    EXT = ".wav"
    LABEL = "im lặng (để thử)"
    VOICES = ("silence",)
    OPTIONS = ("voice", "syllable_s")

    def __init__(self, options: dict[str, Any] | None, timeout_s: float, state_dir: Path) -> None:
        super().__init__(options, timeout_s, state_dir)
        self.syllable_s = float(self.options.get("syllable_s", SECONDS_PER_SYLLABLE))

    @property
    def voice_id(self) -> str:
        return "silence"

    def cache_settings(self) -> dict[str, Any]:
        return {"sample_rate": SAMPLE_RATE, "per_syllable": self.syllable_s, "padding": PADDING_S}

    def check(self) -> tuple[bool, str]:
        return True, "luôn dùng được (chỉ tạo khoảng lặng)"

    def synthesize(self, text: str, out_path: Path) -> None:
        frames = round(silent_duration(text, self.syllable_s) * SAMPLE_RATE)
        with wave.open(str(out_path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(SAMPLE_RATE)
            w.writeframes(b"\x00\x00" * frames)
