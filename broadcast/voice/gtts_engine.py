"""The `gtts` engine: Google Translate's voice (online), split, throttled and time-bounded.

We build each request with gTTS itself (`gTTS.get_bodies()`, so a protocol change is fixed by
upgrading gTTS) but send it ourselves: to a URL that tests can point at a local fake server,
always with a timeout, throttled, cut off at an overall deadline (a server dripping bytes cannot hold a run),
with a bounded retry on HTTP 5xx (never on 429: that switches the engine off), and the text split
at clause boundaries into pieces of at most 100 characters (gTTS's own splitter cuts
mid-phrase, e.g. "…của Ủy" | "ban nhân dân…").
"""

from __future__ import annotations

import base64
import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from broadcast.fsutil import atomic_write_bytes
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

log = logging.getLogger("broadcast.voice.gtts")

MAX_CHARS = 100  # what the Google TTS endpoint accepts per request
URL_ENV = "BROADCAST_GTTS_URL"
_RPC_PATH = "_/TranslateWebserverUi/data/batchexecute"
_AUDIO = re.compile(r'jQ1olc","\[\\"(.*)\\"]')
_MAX_RETRY_AFTER_S = 10.0

# Pieces end after these marks (kept with the left piece).
_CLAUSE_END = re.compile(r"(?<=[.!?…;:,])\s+|\s+(?=[–—-]\s)")
# Words a long clause may be broken *before* (they open a new phrase).
_BREAK_BEFORE = frozenset(
    [
        "và",
        "hoặc",
        "nhưng",
        "mà",
        "để",
        "nhằm",
        "khi",
        "nếu",
        "thì",
        "là",
        "của",
        "cho",
        "với",
        "tại",
        "trong",
        "theo",
        "từ",
        "đến",
        "về",
        "bằng",
        "do",
        "vì",
        "nên",
        "được",
        "bị",
        "đã",
        "đang",
        "sẽ",
        "cũng",
        "như",
        "qua",
        "trên",
        "dưới",
        "sau",
        "trước",
    ]
)
# Words a piece must not end with (they bind to what follows).
_NO_BREAK_AFTER = frozenset(
    [
        "các",
        "những",
        "mọi",
        "mỗi",
        "từng",
        "một",
        "hai",
        "ba",
        "số",
        "ngày",
        "tháng",
        "năm",
        "của",
        "và",
        "hoặc",
        "để",
        "cho",
        "với",
        "tại",
        "trong",
        "theo",
        "từ",
        "đến",
        "về",
        "bằng",
        "ông",
        "bà",
        "anh",
        "chị",
        "ủy",
        "ban",
        "hội",
        "đồng",
        "nhân",
    ]
)

_throttle_lock = threading.Lock()
_last_request = [0.0]


def split_text(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Split `text` into pieces of at most `limit` characters at clause boundaries.

    Sentences and clauses (after . ! ? ; : , or around a dash) are packed greedily into
    pieces; a clause longer than `limit` is cut between words, near its middle, preferring a
    cut before a word that opens a phrase ("và", "của", "tại"…) and never after one that
    binds to the next word ("các", "ngày", "Ủy"…).
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return [text] if text else []
    clauses: list[str] = []
    for clause in _CLAUSE_END.split(text):
        clause = clause.strip()
        if clause:
            clauses.extend(_split_long(clause, limit))
    pieces: list[str] = []
    for clause in clauses:
        if pieces and len(pieces[-1]) + 1 + len(clause) <= limit:
            pieces[-1] += " " + clause
        else:
            pieces.append(clause)
    return pieces


def _split_long(clause: str, limit: int) -> list[str]:
    if len(clause) <= limit:
        return [clause]
    words = clause.split(" ")
    if len(words) == 1:  # one giant token: nothing better than a hard cut
        return [clause[i : i + limit] for i in range(0, len(clause), limit)]
    best, best_score = 1, float("inf")
    total = len(clause)
    pos = 0
    for i in range(1, len(words)):
        pos += len(words[i - 1]) + 1
        score = abs((pos - 1) - (total - pos))
        if words[i].lower() in _BREAK_BEFORE:
            score -= 25
        if words[i - 1].lower().strip(",.") in _NO_BREAK_AFTER:
            score += 60
        if words[i][:1].isupper() and words[i - 1][:1].isupper():
            score += 60  # inside a proper name ("Ủy ban Nhân dân", "Đức Phổ")
        if score < best_score:
            best, best_score = i, score
    left = " ".join(words[:best])
    right = " ".join(words[best:])
    return _split_long(left, limit) + _split_long(right, limit)


def _throttle(min_interval_s: float) -> None:
    with _throttle_lock:
        wait = _last_request[0] + min_interval_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        _last_request[0] = time.monotonic()


class GttsEngine(Engine):
    """Google Translate TTS through gTTS's request format; needs the internet."""

    NAME = "gtts"
    EXT = ".mp3"
    ONLINE = True
    LABEL = "Google (gTTS, cần mạng)"
    VOICES = ("vi",)
    OPTIONS = ("lang", "tld", "slow", "url", "retries", "backoff_s", "min_interval_s")

    def __init__(self, options: dict[str, Any] | None, timeout_s: float, state_dir: Path) -> None:
        super().__init__(options, timeout_s, state_dir)
        self.lang = str(self.options.get("lang", "vi"))
        self.tld = str(self.options.get("tld", "com"))
        self.slow = bool(self.options.get("slow", False))
        self.retries = max(0, int(self.options.get("retries", 2)))
        self.backoff_s = float(self.options.get("backoff_s", 1.0))
        self.min_interval_s = float(self.options.get("min_interval_s", 0.3))
        base = self.options.get("url") or os.environ.get(URL_ENV) or f"https://translate.google.{self.tld}"
        base = str(base).rstrip("/")
        self.url = base if "batchexecute" in base else f"{base}/{_RPC_PATH}"
        self._session: Any = None

    @property
    def voice_id(self) -> str:
        return self.lang

    def cache_settings(self) -> dict[str, Any]:
        return {"lang": self.lang, "tld": self.tld, "slow": self.slow}

    def _host_port(self) -> tuple[str, int]:
        return net.host_port(self.url)

    def check(self) -> tuple[bool, str]:
        try:
            import gtts  # noqa: F401, PLC0415
            import requests  # noqa: F401, PLC0415
        except ImportError:
            return False, "chưa cài gói gTTS (pip install gTTS)"
        # The way requests will connect: through HTTPS_PROXY/HTTP_PROXY unless NO_PROXY says not.
        return net.probe(self.url, min(1.0, self.timeout_s))

    def _bodies(self, piece: str) -> list[str]:
        try:
            from gtts import gTTS  # noqa: PLC0415
        except ImportError:
            raise ModelMissing("chưa cài gói gTTS.", hint="pip install gTTS") from None
        tts = gTTS(
            piece, lang=self.lang, tld=self.tld, slow=self.slow, lang_check=False, pre_processor_funcs=[]
        )
        return tts.get_bodies()

    def synthesize(self, text: str, out_path: Path) -> None:
        if self._session is None:
            self._session = net.session()
            from gtts import gTTS  # noqa: PLC0415

            self._session.headers.update(gTTS.GOOGLE_TTS_HEADERS)
        audio = bytearray()
        pieces = split_text(text)
        if not pieces:
            raise BadOutput("câu không có chữ nào để đọc.")
        for piece in pieces:
            for body in self._bodies(piece):
                audio += self._request(body, piece)
        if not audio:
            raise BadOutput("Google trả lời nhưng không có âm thanh.")
        atomic_write_bytes(out_path, bytes(audio))

    def _request(self, body: str, piece: str) -> bytes:
        import requests  # noqa: PLC0415

        host, _ = self._host_port()
        attempt = 0
        while True:
            _throttle(self.min_interval_s)
            log.debug("POST %s (%d ký tự): %s", self.url, len(piece), piece)
            start = time.monotonic()
            deadline = self.request_deadline()
            try:
                rsp, content = net.post(
                    self._session, self.url, data=body, timeout_s=self.timeout_s, deadline=deadline
                )
            except net.DeadlineExceeded:
                raise EngineTimeout(
                    f"{host} trả lời quá chậm: chưa xong sau {deadline - start:.0f} giây "
                    "(mạng chập chờn, hoặc đã hết thời gian dành cho mạng của lần chạy này)."
                ) from None
            except requests.exceptions.ConnectTimeout:
                raise NetworkError(
                    f"không kết nối được {host} sau {self.timeout_s:g} giây (mất mạng hoặc mạng quá chậm)."
                ) from None
            except requests.exceptions.ReadTimeout:
                raise EngineTimeout(
                    f"{host} nhận kết nối nhưng không trả lời sau {self.timeout_s:g} giây "
                    "(mạng chập chờn hoặc bị chặn)."
                ) from None
            except requests.exceptions.ProxyError as exc:
                raise NetworkError(f"proxy không cho kết nối tới {host}: {exc}") from None
            except requests.exceptions.ConnectionError as exc:
                detail = str(exc)
                if "resolve" in detail.lower() or "NameResolution" in detail:
                    cause = f"không phân giải được tên miền {host} (không có mạng hoặc lỗi DNS)"
                elif "refused" in detail.lower():
                    cause = f"{host} từ chối kết nối (dịch vụ không chạy hoặc bị tường lửa chặn)"
                elif "reset" in detail.lower() or "aborted" in detail.lower():
                    cause = f"{host} cắt ngang kết nối (mạng chập chờn hoặc bị chặn)"
                else:
                    cause = f"không kết nối được {host} (không có mạng?)"
                raise NetworkError(cause + ".") from None
            except requests.exceptions.RequestException as exc:
                raise NetworkError(f"lỗi mạng khi gọi {host}: {exc}") from None
            status = rsp.status_code
            if status == 200:
                return self._audio_from(content.decode("utf-8", "replace"))
            if status == 429:
                # Not retried: a service that says "too many" will say it for the rest of the
                # run (Retry-After is often an hour); the chain switches to the next engine now.
                retry_after = rsp.headers.get("Retry-After", "")
                wait = f", máy chủ đề nghị đợi {retry_after} giây" if retry_after.strip() else ""
                raise RateLimitError(
                    f"Google từ chối vì gửi quá nhiều yêu cầu (HTTP 429{wait}).",
                    hint="Đợi vài giờ rồi chạy lại; các câu đã đọc được vẫn nằm trong bộ nhớ đệm.",
                )
            if status >= 500 and attempt < self.retries:
                delay = self.backoff_s * (2**attempt)
                retry_after = rsp.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    delay = max(delay, float(retry_after))
                delay = min(delay, _MAX_RETRY_AFTER_S)
                if self.run_deadline is not None and time.monotonic() + delay >= self.run_deadline:
                    raise EngineTimeout("đã hết thời gian dành cho mạng của lần chạy này.")
                log.info("gtts: HTTP %d, thử lại sau %.1f giây", status, delay)
                time.sleep(delay)
                attempt += 1
                continue
            if status >= 500:
                raise EngineError(f"máy chủ Google đang lỗi (HTTP {status}); thử lại sau.")
            if status == 403:
                raise EngineError(
                    "Google từ chối yêu cầu (HTTP 403): giao thức có thể đã thay đổi.",
                    hint="Cập nhật gói gTTS (pip install -U gTTS).",
                )
            if status == 404:
                raise EngineError(f"địa chỉ {self.url} không tồn tại (HTTP 404): kiểm tra 'tld' hoặc 'url'.")
            raise EngineError(f"Google trả lời lỗi HTTP {status}.")

    def _audio_from(self, payload: str) -> bytes:
        out = bytearray()
        for line in payload.splitlines():
            if "jQ1olc" in line:
                m = _AUDIO.search(line)
                if not m:
                    raise BadOutput(
                        f"Google trả lời nhưng không có âm thanh (ngôn ngữ '{self.lang}' không hỗ trợ?)."
                    )
                try:
                    out += base64.b64decode(m.group(1).encode("ascii"))
                except ValueError:
                    raise BadOutput("Google trả về âm thanh hỏng (không giải mã được).") from None
        if not out:
            raise BadOutput("Google trả lời nhưng không có âm thanh.")
        return bytes(out)
