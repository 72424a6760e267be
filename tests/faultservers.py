"""Misbehaving network services on 127.0.0.1 for the online engines (gTTS over HTTP, edge-tts
over a websocket, whose handshake is HTTP too), and a tiny CONNECT proxy.

    with FaultServer("drip") as srv:
        engine url: srv.url (gTTS) or srv.ws_url (edge-tts)

Faults (FAULTS):
- "silent":  accepts the connection, reads the request, never answers;
- "reset":   reads the request, then resets the connection (RST);
- "429":     answers HTTP 429 with `Retry-After: 3600`;
- "garbage": answers bytes that are not HTTP, then closes;
- "drip":    answers a valid-looking HTTP 200 one byte every `drip_s` seconds (so a read
             timeout that restarts with each byte never fires), for at most `drip_max_s`.

Every connection is served in its own thread; leaving the `with` block stops them all.
Used by tests/test_network_faults.py and benchmarks/bench_network_faults.py.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time

FAULTS = ("silent", "reset", "429", "garbage", "drip")


def _read_head(conn: socket.socket, stop: threading.Event) -> bytes:
    """Read until the end of the HTTP request head (or the client goes, or we stop)."""
    conn.settimeout(0.2)
    data = b""
    while b"\r\n\r\n" not in data and not stop.is_set() and len(data) < 65536:
        try:
            chunk = conn.recv(4096)
        except TimeoutError:
            continue
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    return data


class _Server:
    """A listening socket on 127.0.0.1 and one thread per accepted connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.connections = 0
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            self._conns.append(conn)
            t = threading.Thread(target=self._serve_safely, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve_safely(self, conn: socket.socket) -> None:
        try:
            self.serve(conn)
        except OSError:
            pass

    def serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def __enter__(self):  # noqa: ANN204
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self._acceptor.join(2)
        for t in self._threads:
            t.join(2)
        for conn in self._conns:
            try:
                conn.close()
            except OSError:
                pass
        self.sock.close()


class FaultServer(_Server):
    """An HTTP-speaking endpoint that fails in one way (see the module docstring)."""

    def __init__(self, fault: str, *, drip_s: float = 0.25, drip_max_s: float = 60.0) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {FAULTS}")
        super().__init__()
        self.fault = fault
        self.drip_s = drip_s
        self.drip_max_s = drip_max_s
        self.requests = 0
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/edge/v1?TrustedClientToken=test"

    def serve(self, conn: socket.socket) -> None:
        head = _read_head(conn, self.stop)
        if not head:
            return  # a probe (connect, then close)
        self.requests += 1
        if self.fault == "silent":
            self.stop.wait()
        elif self.fault == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
        elif self.fault == "429":
            conn.sendall(
                b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 3600\r\n"
                b"Content-Length: 0\r\nConnection: close\r\n\r\n"
            )
        elif self.fault == "garbage":
            conn.sendall(random.Random(self.requests).randbytes(2048))
        elif self.fault == "drip":
            answer = (
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                + b")]}'\n"
                + b"x" * 99995
            )
            end = time.monotonic() + self.drip_max_s
            for i in range(len(answer)):
                if self.stop.wait(self.drip_s) or time.monotonic() > end:
                    break
                conn.sendall(answer[i : i + 1])
        try:
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class ConnectProxy(_Server):
    """An HTTP proxy that counts CONNECT requests, answers 200 and then closes the tunnel."""

    def __init__(self) -> None:
        super().__init__()
        self.connects: list[str] = []
        self.url = f"http://127.0.0.1:{self.port}"

    def serve(self, conn: socket.socket) -> None:
        head = _read_head(conn, self.stop)
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        if line.startswith("CONNECT "):
            self.connects.append(line.split()[1])
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        elif line:
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        try:
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
