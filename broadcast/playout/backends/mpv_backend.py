"""libmpv through python-mpv (PyPI `mpv`, Debian `libmpv2`): the default playout backend."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from broadcast.errors import EnvironmentProblem
from broadcast.playout.backends.base import Backend, Device, PlayResult, wav_seconds

_INSTALL = (
    "Cài thư viện libmpv: Debian/Ubuntu chạy 'sudo tools/setup-system.sh' "
    "(hoặc 'sudo apt install libmpv2'); Windows: chép libmpv-2.dll (gói mpv-dev) vào thư mục "
    "có ffmpeg.exe (nằm trong PATH). Hoặc đặt 'playout: backend: ffmpeg' trong station.yaml."
)
_REASON_VI = {
    "audio output initialization failed": "không mở được thiết bị âm thanh",
    "unrecognized file format": "tệp không phải âm thanh đọc được",
    "loading failed": "không mở được tệp",
    "no audio or video data played": "tệp không có âm thanh phát được",
}


def _load_mpv():
    try:
        import mpv  # noqa: PLC0415 - loads libmpv; only when the backend is used
    except (ImportError, OSError) as exc:
        raise EnvironmentProblem(
            f"không dùng được bộ phát mpv: thiếu thư viện libmpv ({exc}).",
            field="playout.backend",
            hint=_INSTALL,
        ) from None
    return mpv


def _options(ao: str, device: str | None, capture: Path | None, speed: float | None = None) -> dict:
    opts = dict(
        vid="no",
        video=False,
        idle=True,
        ytdl=False,
        config=False,
        terminal=False,
        input_default_bindings=False,
        audio_display="no",
        ao=ao,
    )
    if device:
        opts["audio_device"] = device
    if capture is not None:
        opts["ao_pcm_file"] = str(capture)
        if speed:
            opts["af"] = f"lavfi=[arealtime=speed={speed:g}]"  # ffmpeg's pacing filter
    return opts


class MpvBackend(Backend):
    NAME = "mpv"
    LABEL = "libmpv (python-mpv)"

    def __init__(self, device: str, station_dir: Path) -> None:
        super().__init__(device, station_dir)
        self.mpv = _load_mpv()
        if self.device not in ("auto", "null") and self.capture_dir is None:
            names = [d.name for d in self.devices()]
            if self.device not in names:
                raise EnvironmentProblem(
                    f"không có thiết bị âm thanh '{self.device}' trên máy này.",
                    field="playout.device",
                    hint="Xem danh sách bằng 'broadcast play --devices' rồi sửa playout.device "
                    "trong station.yaml (hoặc dùng 'auto'). Kiểm tra dây cắm, card âm thanh USB.",
                )

    @classmethod
    def devices(cls) -> list[Device]:
        mpv = _load_mpv()
        player = mpv.MPV(**_options("null", None, None))
        try:
            found = [Device(d["name"], d.get("description", "")) for d in player.audio_device_list or []]
        finally:
            player.terminate()
        return found

    def _ao(self) -> tuple[str, str | None]:
        if self.capture_dir is not None:
            return "pcm", None
        if self.device == "null":
            return "null", None
        if self.device == "auto":
            return "", None  # mpv's own choice (PulseAudio/PipeWire, ALSA, WASAPI...)
        return "", self.device  # "alsa/hw:1,0", "wasapi/{id}": the device name selects the ao

    def play(
        self, path: Path, *, name: str, stop: threading.Event | None = None, timeout_s: float | None = None
    ) -> PlayResult:
        ao, dev = self._ao()
        capture = self.capture_path(name)
        opts = _options(ao, dev, capture, self.capture_speed)
        if not ao:
            del opts["ao"]
        try:
            player = self.mpv.MPV(**opts)
        except Exception as exc:  # noqa: BLE001 - mpv raises its own error types for bad options
            return PlayResult(False, 0.0, f"không khởi động được mpv ({exc}).")
        done = threading.Event()
        end: dict = {}
        began: list[float] = []

        @player.event_callback("playback-restart")
        def _began(event) -> None:
            if not began:
                began.append(time.monotonic())

        @player.event_callback("end-file")
        def _ended(event) -> None:
            end.update(event.as_dict())
            done.set()

        t0 = time.monotonic()
        try:
            player.play(str(path))
            while not done.wait(0.2):
                if stop is not None and stop.is_set():
                    player.command("stop")
                    done.wait(5)
                    break
                if timeout_s is not None and time.monotonic() - t0 > timeout_s:
                    player.command("stop")
                    done.wait(5)
                    end = {"reason": b"error", "file_error": b"timeout"}
                    break
        finally:
            elapsed = time.monotonic() - t0
            player.terminate()
        latency = began[0] - t0 if began else None
        if capture is not None and capture.exists():
            seconds = wav_seconds(capture)
        else:  # from the first audio; nothing aired if playback never began
            seconds = max(0.0, elapsed - latency) if latency is not None else 0.0
        reason = (
            (end.get("reason") or b"").decode()
            if isinstance(end.get("reason"), bytes)
            else str(end.get("reason", ""))
        )
        if reason == "eof":
            return PlayResult(True, seconds, start_latency_s=latency)
        if reason in ("stop", "quit") or (stop is not None and stop.is_set()):
            return PlayResult(False, seconds, "dừng theo yêu cầu.", stopped=True)
        err = end.get("file_error") or b""
        err = err.decode() if isinstance(err, bytes) else str(err)
        if err == "timeout":
            return PlayResult(False, seconds, "bộ phát bị treo (quá thời lượng mà chưa kết thúc).")
        return PlayResult(
            False, seconds, f"lỗi khi phát: {_REASON_VI.get(err, err or reason or 'không rõ')}."
        )
