"""Local stand-ins for the online TTS services (gTTS over HTTP, edge-tts over websocket).

Each fake runs on 127.0.0.1 in a thread: a Google-like batchexecute endpoint that answers
with a real MP3 (made by ffmpeg), HTTP 429 or 5xx; a port that refuses connections; a
socket that accepts and never answers; and an aiohttp websocket speaking edge-tts's
protocol. The tests at the bottom check the fakes themselves.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

STATION_VOICE_TIMEOUT = 1.0


def make_mp3(path: Path, seconds: float = 0.5) -> bytes:
    """A real mono 24 kHz MP3 tone, like Google's answers."""
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-ac",
            "1",
            "-ar",
            "24000",
            "-b:a",
            "32k",
            str(path),
        ],
        check=True,
    )
    return path.read_bytes()


def google_payload(mp3: bytes) -> str:
    """The batchexecute answer gTTS parses: the audio base64-encoded in a JSON-ish line."""
    b64 = base64.b64encode(mp3).decode("ascii")
    return ")]}'\n\n123\n" + f'[["wrb.fr","jQ1olc","[\\"{b64}\\"]",null,null,null,"generic"]]\n'


def spoken_text(body: str) -> str:
    """The text gTTS packed into one request body (f.req=…)."""
    raw = urllib.parse.parse_qs(body)["f.req"][0]
    rpc = json.loads(raw)
    return json.loads(rpc[0][0][1])[0]


class FakeGoogle:
    """A fake batchexecute endpoint. `script` is a list of statuses served in order, then `then`."""

    def __init__(
        self, mp3: bytes, script: list[int] | None = None, then: int = 200, delay_s: float = 0.0
    ) -> None:
        self.mp3 = mp3
        self.delay_s = delay_s  # wait this long before each answer (a slow service)
        self.script = list(script or [])
        self.then = then
        self.texts: list[str] = []
        self.statuses: list[int] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8")
                status = fake.script.pop(0) if fake.script else fake.then
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                fake.statuses.append(status)
                if status == 200:
                    fake.texts.append(spoken_text(body))
                    data = google_payload(fake.mp3).encode("utf-8")
                else:
                    data = b"error"
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeGoogle:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def refused_url(scheme: str = "http") -> str:
    """A local URL whose port refuses connections (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"{scheme}://127.0.0.1:{port}"


class Hanging:
    """A socket that completes TCP handshakes (listen backlog) and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.accepted: list[socket.socket] = []
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
                self.accepted.append(conn)  # keep it open, read nothing, say nothing
            except OSError:
                continue

    def __enter__(self) -> Hanging:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self.thread.join(2)
        for conn in self.accepted:
            conn.close()
        self.sock.close()


class FakeEdge:
    """An aiohttp websocket that speaks enough of edge-tts's protocol to return `mp3`."""

    def __init__(self, mp3: bytes) -> None:
        self.mp3 = mp3
        self.ssml: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.url = ""

    def _run(self) -> None:
        from aiohttp import WSMsgType, web  # noqa: PLC0415

        async def handler(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            received = 0
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                received += 1
                if "Path:ssml" in msg.data:
                    self.ssml.append(msg.data)
                if received < 2:
                    continue
                await ws.send_str(
                    "X-RequestId:x\r\nContent-Type:application/json\r\nPath:turn.start\r\n\r\n{}"
                )
                header = b"X-RequestId:x\r\nContent-Type:audio/mpeg\r\nPath:audio\r\n"
                await ws.send_bytes(len(header).to_bytes(2, "big") + header + self.mp3)
                await ws.send_str("X-RequestId:x\r\nContent-Type:application/json\r\nPath:turn.end\r\n\r\n{}")
                break
            await ws.close()
            return ws

        async def start() -> None:
            app = web.Application()
            app.router.add_get("/edge/v1", handler)
            self.runner = web.AppRunner(app)
            await self.runner.setup()
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001
            self.url = f"ws://127.0.0.1:{port}/edge/v1?TrustedClientToken=test"
            self.ready.set()

        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(start())
        self.loop.run_forever()

    def __enter__(self) -> FakeEdge:
        self.thread.start()
        self.ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        fut = asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop)
        fut.result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture(scope="session")
def mp3_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_mp3(tmp_path_factory.mktemp("mp3") / "tone.mp3")


def test_fake_google_answers_like_google(mp3_bytes: bytes) -> None:
    import requests
    from gtts import gTTS

    body = gTTS("xin chào", lang="vi", lang_check=False).get_bodies()[0]
    with FakeGoogle(mp3_bytes) as fake:
        rsp = requests.post(fake.url + "/x", data=body, timeout=5)
    assert rsp.status_code == 200
    assert fake.texts == ["xin chào"]
    assert base64.b64encode(mp3_bytes).decode() in rsp.text


def test_hanging_socket_accepts_but_never_answers() -> None:
    with Hanging() as hang:
        s = socket.create_connection(("127.0.0.1", hang.port), timeout=1)
        s.settimeout(0.3)
        s.sendall(b"GET / HTTP/1.1\r\n\r\n")
        with pytest.raises(socket.timeout):
            s.recv(10)
        s.close()
