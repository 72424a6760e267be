"""ffmpeg/ffplay: the backend for machines without libmpv.

"auto" plays with ffplay (SDL picks the default output), "alsa:NAME" / "pulse:NAME" send the
audio through ffmpeg's output devices in real time (-re), "null" decodes in real time to
nothing, and "file:FOLDER" writes what would air to WAV files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

from broadcast.errors import EnvironmentProblem
from broadcast.playout.backends.base import Backend, Device, PlayResult, wav_seconds


def find_ffmpeg() -> str:
    from broadcast.audiotools import find_ffmpeg as find  # noqa: PLC0415 - numpy; only when used

    return find()


_SINKS = ("alsa", "pulse")
_SINK_LINE = re.compile(r"^\s+\*?\s*(\S+)\s+\[(.*)\]")


class FfmpegBackend(Backend):
    NAME = "ffmpeg"
    LABEL = "ffmpeg / ffplay"

    def __init__(self, device: str, station_dir: Path) -> None:
        super().__init__(device, station_dir)
        self.ffmpeg = find_ffmpeg()  # EnvironmentProblem (exit 2) with the install hint
        self.ffplay: str | None = None
        if self.device == "auto":
            self.ffplay = os.environ.get("BROADCAST_FFPLAY") or shutil.which("ffplay")
            if not self.ffplay:
                raise EnvironmentProblem(
                    "không tìm thấy chương trình 'ffplay' để phát ra loa.",
                    field="playout.device",
                    hint="Cài bản ffmpeg đầy đủ (có ffplay), hoặc chọn thiết bị 'alsa:TÊN' "
                    "(xem 'broadcast play --devices').",
                )
        elif self.device != "null" and self.capture_dir is None:
            kind, _, name = self.device.partition(":")
            if kind not in _SINKS or not name:
                raise EnvironmentProblem(
                    f"thiết bị '{self.device}' không dùng được với bộ phát ffmpeg.",
                    field="playout.device",
                    hint="Dùng auto, null, alsa:TÊN hoặc pulse:TÊN (xem 'broadcast play --devices').",
                )

    @classmethod
    def devices(cls) -> list[Device]:
        found = [Device("auto", "thiết bị mặc định (ffplay)"), Device("null", "không phát ra loa (chạy thử)")]
        try:
            ffmpeg = find_ffmpeg()
        except EnvironmentProblem:
            return found
        for kind in _SINKS:
            try:
                out = subprocess.run(
                    [ffmpeg, "-hide_banner", "-sinks", kind], capture_output=True, text=True, timeout=10
                ).stdout
            except (OSError, subprocess.SubprocessError):
                continue
            for line in out.splitlines():
                m = _SINK_LINE.match(line)
                if m and m.group(1) != "null":
                    found.append(Device(f"{kind}:{m.group(1)}", m.group(2)))
        return found

    def _command(self, path: Path, capture: Path | None) -> tuple[list[str], dict | None]:
        if capture is not None:
            return [
                self.ffmpeg,
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-i",
                str(path),
                "-f",
                "wav",
                str(capture),
            ], None
        if self.device == "auto":
            assert self.ffplay is not None  # found when the backend was made for device "auto"
            return [self.ffplay, "-nodisp", "-autoexit", "-loglevel", "error", str(path)], None
        if self.device == "null":
            return [self.ffmpeg, "-nostdin", "-v", "error", "-re", "-i", str(path), "-f", "null", "-"], None
        kind, _, name = self.device.partition(":")
        return [self.ffmpeg, "-nostdin", "-v", "error", "-re", "-i", str(path), "-f", kind, name], None

    def play(
        self, path: Path, *, name: str, stop: threading.Event | None = None, timeout_s: float | None = None
    ) -> PlayResult:
        capture = self.capture_path(name)
        cmd, env = self._command(path, capture)
        t0 = time.monotonic()
        try:
            proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
            )
        except OSError as exc:
            return PlayResult(False, 0.0, f"không chạy được {Path(cmd[0]).name} ({exc}).")
        stopped = timed_out = False
        while True:
            try:
                proc.wait(0.2)
                break
            except subprocess.TimeoutExpired:
                if stop is not None and stop.is_set():
                    stopped = True
                elif timeout_s is not None and time.monotonic() - t0 > timeout_s:
                    timed_out = True
                else:
                    continue
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                break
        elapsed = time.monotonic() - t0
        err = (
            (proc.stderr.read() or b"").decode("utf-8", "replace").strip().splitlines() if proc.stderr else []
        )
        seconds = wav_seconds(capture) if capture is not None and capture.exists() else elapsed
        if stopped:
            return PlayResult(False, seconds, "dừng theo yêu cầu.", stopped=True)
        if timed_out:
            return PlayResult(False, seconds, "bộ phát bị treo (quá thời lượng mà chưa kết thúc).")
        if proc.returncode != 0:
            return PlayResult(
                False, seconds, f"lỗi khi phát: {err[-1] if err else 'mã lỗi ' + str(proc.returncode)}."
            )
        return PlayResult(True, seconds)
