"""The `edge-tts` engine: Microsoft Edge's neural Vietnamese voices (online, optional).

edge-tts's streaming call can hang forever without network, so we only ever use its
`save()` coroutine, under `asyncio.wait_for`, in a private event loop. The websocket URL
can be pointed at a local fake service (option `url:` or $BROADCAST_EDGE_URL) for tests.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from broadcast.voice import net
from broadcast.voice.base import (
    BadOutput,
    Engine,
    EngineError,
    EngineTimeout,
    ModelMissing,
    NetworkError,
    RateLimitError,
)

log = logging.getLogger("broadcast.voice.edge")

URL_ENV = "BROADCAST_EDGE_URL"
VOICES = ("vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural")
_INSTALL_HINT = "Cài gói tùy chọn: pip install 'broadcast[edge]' (edge-tts, aiohttp)."
_url_lock = threading.Lock()  # edge-tts reads its URL from a module global


def _signed(value: Any, unit: str) -> str:
    """`-10` or '-10%' -> '-10%'; edge-tts wants an explicit sign and unit."""
    text = str(value).strip()
    if text.endswith(unit):
        text = text[: -len(unit)]
    number = float(text)
    return f"{'+' if number >= 0 else '-'}{abs(number):g}{unit}"


class EdgeEngine(Engine):
    """Microsoft Edge read-aloud voices through the edge-tts package; needs the internet."""

    NAME = "edge-tts"
    EXT = ".mp3"
    ONLINE = True
    LABEL = "Microsoft Edge (edge-tts, cần mạng)"
    VOICES = VOICES
    OPTIONS = ("voice", "rate", "pitch", "volume", "url")

    def __init__(self, options: dict[str, Any] | None, timeout_s: float, state_dir: Path) -> None:
        super().__init__(options, timeout_s, state_dir)
        self.voice = str(self.options.get("voice", VOICES[0]))
        self.rate = _signed(self.options.get("rate", 0), "%")
        self.pitch = _signed(self.options.get("pitch", 0), "Hz")
        self.volume = _signed(self.options.get("volume", 0), "%")
        self.url = self.options.get("url") or os.environ.get(URL_ENV) or None

    @property
    def voice_id(self) -> str:
        return self.voice

    def cache_settings(self) -> dict[str, Any]:
        return {"voice": self.voice, "rate": self.rate, "pitch": self.pitch, "volume": self.volume}

    def _module(self) -> Any:
        try:
            import edge_tts  # noqa: PLC0415
        except ImportError:
            raise ModelMissing("chưa cài gói edge-tts.", hint=_INSTALL_HINT) from None
        return edge_tts

    def _endpoint(self) -> str:
        if self.url:
            url = str(self.url)
            return url if "?" in url else url + "?TrustedClientToken=test"
        from edge_tts.constants import WSS_URL  # noqa: PLC0415

        return WSS_URL

    def check(self) -> tuple[bool, str]:
        try:
            self._module()
        except ModelMissing as exc:
            return False, str(exc)
        # The way edge-tts (aiohttp, trust_env) connects: through the proxy when one is set.
        return net.probe(self._endpoint(), min(1.0, self.timeout_s))

    def synthesize(self, text: str, out_path: Path) -> None:
        edge_tts = self._module()
        # A budget for the whole utterance: the timeout plus time to speak long text, never
        # past the request deadline or the end of the run's network budget.
        budget = min(self.timeout_s + len(text) / 50, self.request_deadline() - time.monotonic())
        if budget <= 0:
            raise EngineTimeout("đã hết thời gian dành cho mạng của lần chạy này.")
        with _url_lock:
            with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
                future = pool.submit(asyncio.run, self._save(edge_tts, text, out_path, budget))
                try:
                    future.result()
                except asyncio.TimeoutError:
                    raise EngineTimeout(
                        f"dịch vụ Microsoft chưa trả lời xong sau {budget:.0f} giây (mạng chập chờn hoặc bị chặn)."
                    ) from None
                except EngineError:
                    raise
                except Exception as exc:  # aiohttp / edge-tts errors, not one family
                    raise self._translate(exc) from None
        if not out_path.exists() or out_path.stat().st_size == 0:
            raise BadOutput("edge-tts không trả về âm thanh.")

    async def _save(self, edge_tts: Any, text: str, out_path: Path, budget: float) -> None:
        import edge_tts.communicate as comm_mod  # noqa: PLC0415

        seconds = max(1, round(self.timeout_s))
        communicate = edge_tts.Communicate(
            text,
            self.voice,
            rate=self.rate,
            pitch=self.pitch,
            volume=self.volume,
            connect_timeout=seconds,
            receive_timeout=seconds,
            proxy=net.proxy_for(self._endpoint()),  # the proxy the probe used (HTTPS_PROXY for wss)
        )
        saved = comm_mod.WSS_URL
        comm_mod.WSS_URL = self._endpoint()
        try:
            log.debug("edge-tts %s -> %s", self.voice, comm_mod.WSS_URL.split("?")[0])
            await asyncio.wait_for(communicate.save(str(out_path)), timeout=budget)
        finally:
            comm_mod.WSS_URL = saved

    def _translate(self, exc: Exception) -> EngineError:
        name = type(exc).__name__
        text = str(exc)
        if len(text) > 160:
            text = text[:160] + "…"
        host = urlsplit(self._endpoint()).hostname
        if "DNS" in name or "resolve" in text.lower() or "Name or service" in text:
            return NetworkError(f"không phân giải được tên miền {host} (không có mạng hoặc lỗi DNS).")
        if "refused" in text.lower() or "Connect call failed" in text:
            return NetworkError(f"{host} từ chối kết nối (dịch vụ không chạy hoặc bị tường lửa chặn).")
        if "ClientConnector" in name or "ServerDisconnected" in name or isinstance(exc, OSError):
            return NetworkError(f"không kết nối được {host} (không có mạng?): {text}")
        if "Timeout" in name:
            return EngineTimeout(f"{host} không trả lời kịp (mạng chập chờn).")
        status = getattr(exc, "status", None)
        if status == 429:
            return RateLimitError("Microsoft từ chối vì gửi quá nhiều yêu cầu (HTTP 429).")
        if status is not None and ("status line" in text.lower() or "invalid" in text.lower()):
            # Not HTTP at all (a captive portal, a wrong proxy): it will not change during the run.
            return NetworkError(f"{host} trả lời không đúng giao thức (không phải dịch vụ của Microsoft?).")
        if "NoAudioReceived" in name:
            return BadOutput(f"edge-tts không nhận được âm thanh (tên giọng '{self.voice}' sai?).")
        return EngineError(f"edge-tts lỗi ({name}): {text}")
