"""The `piper` engine: offline neural voices from a local `.onnx` + `.onnx.json` model.

A voice is either a file path (`model:`, relative to the station folder) or the name of a
voice installed with `broadcast voices install NAME` under <station>/.broadcast/voices/.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import tempfile
import threading
import urllib.error
import urllib.request
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broadcast.errors import ConfigError, EnvironmentProblem
from broadcast.voice.base import BadOutput, Engine, EngineError, ModelMissing

log = logging.getLogger("broadcast.voice.piper")

UPSTREAM = "https://huggingface.co/rhasspy/piper-voices/resolve/main"
DEFAULT_VOICE = "vi_VN-vais1000-medium"
_INSTALL_HINT = "Cài gói tùy chọn: pip install 'broadcast[piper]' (piper-tts, onnxruntime)."
_MIN_MODEL_BYTES = 1_000_000


@dataclass(frozen=True)
class KnownVoice:
    """A Piper voice `broadcast voices install` can fetch, with its upstream path."""

    name: str
    path: str  # folder under the rhasspy/piper-voices repository
    size_mb: int  # approximate size of the .onnx file
    licence: str  # what a station must know before airing it


KNOWN_VOICES: dict[str, KnownVoice] = {
    v.name: v
    for v in (
        KnownVoice(
            "vi_VN-vais1000-medium",
            "vi/vi_VN/vais1000/medium",
            63,
            "dữ liệu VAIS-1000, CC-BY-4.0: được dùng, ghi nguồn",
        ),
        KnownVoice(
            "vi_VN-25hours_single-low",
            "vi/vi_VN/25hours_single/low",
            63,
            "giấy phép dữ liệu chưa rõ: hỏi ý kiến trước khi phát",
        ),
        KnownVoice("vi_VN-vivos-x_low", "vi/vi_VN/vivos/x_low", 21, "dữ liệu VIVOS, chỉ dùng phi thương mại"),
    )
}

_loaded: dict[tuple[str, str], Any] = {}
_load_lock = threading.Lock()


def voices_dir(state_dir: Path) -> Path:
    """Where installed Piper voices live: <station>/.broadcast/voices/."""
    return Path(state_dir) / "voices"


def installed_voices(state_dir: Path) -> list[str]:
    """Names of Piper voices installed for this station (model and config both present)."""
    folder = voices_dir(state_dir)
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(".onnx")] for p in folder.glob("*.onnx") if Path(f"{p}.json").exists())


class PiperEngine(Engine):
    """Piper (piper-tts + onnxruntime) with a voice model on disk; no network needed."""

    NAME = "piper"
    EXT = ".wav"
    LABEL = "Piper (giọng thần kinh, không cần mạng)"
    VOICES = tuple(KNOWN_VOICES)
    OPTIONS = ("model", "config", "voice", "speaker", "length_scale", "noise_scale", "noise_w_scale")

    def __init__(self, options: dict[str, Any] | None, timeout_s: float, state_dir: Path) -> None:
        super().__init__(options, timeout_s, state_dir)
        if self.options.get("model"):
            model = Path(str(self.options["model"])).expanduser()
            self.model_path = model if model.is_absolute() else self.station_dir / model
            self.voice = self.model_path.name.removesuffix(".onnx")
        else:
            self.voice = str(self.options.get("voice", DEFAULT_VOICE))
            self.model_path = voices_dir(self.state_dir) / f"{self.voice}.onnx"
        cfg = self.options.get("config")
        if cfg:
            cfg_path = Path(str(cfg)).expanduser()
            self.config_path = cfg_path if cfg_path.is_absolute() else self.station_dir / cfg_path
        else:
            self.config_path = Path(f"{self.model_path}.json")
        self.speaker = self.options.get("speaker")
        self.length_scale = self.options.get("length_scale")
        self.noise_scale = self.options.get("noise_scale")
        self.noise_w_scale = self.options.get("noise_w_scale")

    @property
    def voice_id(self) -> str:
        return self.voice

    def cache_settings(self) -> dict[str, Any]:
        size = self.model_path.stat().st_size if self.model_path.exists() else None
        return {
            "model": self.model_path.name,
            "model_bytes": size,
            "speaker": self.speaker,
            "length_scale": self.length_scale,
            "noise_scale": self.noise_scale,
            "noise_w_scale": self.noise_w_scale,
        }

    def _missing(self) -> str | None:
        if not self.model_path.exists():
            if not self.options.get("model") and self.voice in KNOWN_VOICES:
                return f"chưa cài giọng này (chạy 'broadcast voices install {self.voice}', cần mạng)"
            return (
                f"không có tệp giọng {self.model_path} (kiểm tra 'model:' hoặc 'voice:' trong station.yaml)"
            )
        if not self.config_path.exists():
            return f"không có tệp cấu hình giọng {self.config_path} (cần cả .onnx và .onnx.json)"
        return None

    def check(self) -> tuple[bool, str]:
        try:
            import onnxruntime  # noqa: F401, PLC0415
            import piper  # noqa: F401, PLC0415
        except ImportError:
            return False, "chưa cài gói piper-tts/onnxruntime (" + _INSTALL_HINT + ")"
        missing = self._missing()
        if missing:
            return False, missing
        return True, f"có giọng {self.model_path.name}"

    def _voice(self) -> Any:
        missing = self._missing()
        if missing:
            raise ModelMissing(missing + ".")
        try:
            from piper import PiperVoice  # noqa: PLC0415
        except ImportError:
            raise ModelMissing("chưa cài gói piper-tts.", hint=_INSTALL_HINT) from None
        key = (str(self.model_path), str(self.config_path))
        with _load_lock:
            if key not in _loaded:
                log.debug("piper: load %s", self.model_path)
                try:
                    _loaded[key] = PiperVoice.load(self.model_path, config_path=self.config_path)
                except Exception as exc:  # onnxruntime raises its own types
                    raise ModelMissing(
                        f"không mở được giọng {self.model_path.name}: tệp hỏng? ({exc})"
                    ) from None
            return _loaded[key]

    def synthesize(self, text: str, out_path: Path) -> None:
        voice = self._voice()
        from piper import SynthesisConfig  # noqa: PLC0415

        syn = SynthesisConfig(
            speaker_id=self.speaker,
            length_scale=self.length_scale,
            noise_scale=self.noise_scale,
            noise_w_scale=self.noise_w_scale,
        )
        try:
            with wave.open(str(out_path), "wb") as w:
                voice.synthesize_wav(text, w, syn_config=syn)
        except wave.Error as exc:
            raise BadOutput(f"Piper không tạo được âm thanh cho câu này ({exc}).") from None
        except Exception as exc:
            raise EngineError(f"Piper lỗi khi đọc câu ({type(exc).__name__}: {exc}).") from None
        with wave.open(str(out_path), "rb") as r:
            if r.getnframes() == 0:
                raise BadOutput("Piper tạo tệp âm thanh rỗng.")


def install_voice(name: str, dest_dir: Path, base_url: str = UPSTREAM, timeout_s: float = 30.0) -> Path:
    """Download a known Piper voice (`.onnx` and `.onnx.json`) into `dest_dir`.

    Each file goes to a temp file in `dest_dir`, is checked (size against Content-Length,
    model large enough, config valid JSON with a phoneme map) and only then renamed, so an
    interrupted download never leaves a voice that looks installed. Returns the model path.
    """
    if name not in KNOWN_VOICES:
        raise ConfigError(
            f"không biết giọng Piper '{name}'.",
            hint="Các giọng cài được: " + ", ".join(KNOWN_VOICES) + ".",
        )
    voice = KNOWN_VOICES[name]
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    base = base_url.rstrip("/")
    model = dest_dir / f"{name}.onnx"
    config = dest_dir / f"{name}.onnx.json"
    # Config first (small, validates the URL), model last: the model's presence marks done.
    _download(f"{base}/{voice.path}/{name}.onnx.json", config, _check_config, timeout_s)
    _download(f"{base}/{voice.path}/{name}.onnx", model, _check_model, timeout_s)
    return model


def _check_config(path: Path) -> None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvironmentProblem(f"tệp cấu hình giọng tải về không phải JSON hợp lệ ({exc}).") from None
    if not isinstance(data, dict) or "phoneme_id_map" not in data or "audio" not in data:
        raise EnvironmentProblem(
            "tệp cấu hình giọng tải về thiếu 'phoneme_id_map'/'audio': không phải giọng Piper."
        )


def _check_model(path: Path) -> None:
    size = path.stat().st_size
    if size < _MIN_MODEL_BYTES:
        raise EnvironmentProblem(f"tệp giọng tải về quá nhỏ ({size} byte): không phải mô hình Piper.")


def _download(url: str, dest: Path, verify: Any, timeout_s: float) -> None:
    log.info("tải %s", url)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout_s) as rsp:  # noqa: S310
                    expected = rsp.headers.get("Content-Length")
                    got = 0
                    while chunk := rsp.read(1 << 20):
                        out.write(chunk)
                        got += len(chunk)
            except urllib.error.HTTPError as exc:
                raise EnvironmentProblem(
                    f"máy chủ trả lỗi HTTP {exc.code} khi tải {url}.",
                    hint="Kiểm tra tên giọng và địa chỉ --url.",
                ) from None
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                if isinstance(exc, http.client.IncompleteRead):
                    raise EnvironmentProblem(
                        f"tải {dest.name} bị đứt giữa chừng.", hint="Chạy lại lệnh."
                    ) from None
                reason = getattr(exc, "reason", exc)
                raise EnvironmentProblem(
                    f"không tải được {url}: {reason} (không có mạng?).",
                    hint="Cần mạng để cài giọng; hoặc chép tệp .onnx và .onnx.json vào " + str(dest.parent),
                ) from None
            out.flush()
            os.fsync(out.fileno())
        if expected is not None and int(expected) != got:
            raise EnvironmentProblem(
                f"tải {dest.name} bị đứt giữa chừng ({got} trên {expected} byte).", hint="Chạy lại lệnh."
            )
        verify(tmp)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
