"""Network plumbing for the online engines: proxy-aware probes and HTTP with a hard deadline.

- `proxy_for(url)` is the proxy the engines' HTTP clients will use for `url` (from
  HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, honouring NO_PROXY), found the way `requests`
  finds it, so the availability probe connects the way the engine will.
- `probe(url, timeout_s)` checks that the service can be reached: a TCP connect to the host,
  or, with a proxy, to the proxy plus a `CONNECT host:port` for TLS targets.
- `post(session, url, ...)` is `session.post` with an overall deadline. requests' timeouts
  apply to each socket read, so a server that drips one byte at a time never trips them. A
  one-shot timer shuts the request's sockets down when the deadline passes; the blocked read
  then fails at once and `DeadlineExceeded` is raised. The timer thread ends with the request,
  so nothing is left running.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from broadcast.voice.base import tcp_probe

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_HTTP_SCHEME = {"ws": "http", "wss": "https"}


class DeadlineExceeded(Exception):
    """The request did not finish before its deadline (it was cut off)."""


def host_port(url: str) -> tuple[str, int]:
    """Host and port of `url` (default port from its scheme)."""
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or _DEFAULT_PORTS.get(parts.scheme, 80)


def proxy_for(url: str) -> str | None:
    """The proxy URL the HTTP client will use for `url`, or None for a direct connection.

    A websocket URL uses WSS_PROXY/WS_PROXY if set, else the proxy of its HTTP scheme
    (HTTPS_PROXY for wss://): the edge-tts engine passes that proxy explicitly, since
    aiohttp alone would ignore HTTPS_PROXY for a wss:// address.
    """
    from requests.utils import get_environ_proxies, select_proxy  # noqa: PLC0415

    parts = urlsplit(url)
    candidates = [url]
    if parts.scheme in _HTTP_SCHEME:
        candidates.append(parts._replace(scheme=_HTTP_SCHEME[parts.scheme]).geturl())
    for candidate in candidates:
        proxies = get_environ_proxies(candidate)
        chosen = select_proxy(candidate, proxies) if proxies else None
        if chosen:
            return chosen
    return None


def probe(url: str, timeout_s: float) -> tuple[bool, str]:
    """Can `url`'s service be reached the way the engine connects (directly or via proxy)?"""
    host, port = host_port(url)
    proxy = proxy_for(url)
    if not proxy:
        return tcp_probe(host, port, timeout_s)
    phost, pport = host_port(proxy if "://" in proxy else "http://" + proxy)
    scheme = _HTTP_SCHEME.get(urlsplit(url).scheme, urlsplit(url).scheme)
    if scheme != "https" or urlsplit(proxy).scheme.startswith("socks"):
        ok, why = tcp_probe(phost, pport, timeout_s)
        return ok, f"proxy {phost}:{pport}: {why}"
    return _connect_probe(phost, pport, host, port, timeout_s)


def _connect_probe(phost: str, pport: int, host: str, port: int, timeout_s: float) -> tuple[bool, str]:
    """Ask the proxy to open a tunnel to host:port (what the engine's TLS connection does)."""
    start = time.monotonic()
    end = start + timeout_s
    try:
        with socket.create_connection((phost, pport), timeout=timeout_s) as sock:
            sock.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode("ascii"))
            reply = b""
            while b"\r\n" not in reply and len(reply) < 4096:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                sock.settimeout(left)
                chunk = sock.recv(1024)
                if not chunk:
                    break
                reply += chunk
    except TimeoutError:
        return False, f"proxy {phost}:{pport} không trả lời sau {timeout_s:g} giây"
    except OSError as exc:
        return False, f"không kết nối được proxy {phost}:{pport}: {exc.strerror or exc}"
    status = reply.split(b"\r\n", 1)[0].decode("latin-1", "replace").strip()
    fields = status.split()
    code = fields[1] if len(fields) > 1 else ""
    if code == "200":
        return (
            True,
            f"kết nối được {host}:{port} qua proxy {phost}:{pport} ({(time.monotonic() - start) * 1000:.0f} ms)",
        )
    if code == "407":
        return False, f"proxy {phost}:{pport} đòi đăng nhập (HTTP 407): ghi tài khoản vào HTTPS_PROXY"
    return False, f"proxy {phost}:{pport} không mở được đường tới {host}:{port} ({status or 'không trả lời'})"


# --- HTTP with an overall deadline ----------------------------------------------------------

_local = threading.local()


class _Watch:
    """The connections one request uses; `fire()` shuts their sockets down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conns: dict[int, Any] = {}
        self.fired = False

    def add(self, conn: Any) -> None:
        with self._lock:
            self._conns[id(conn)] = conn
            fired = self.fired
        if fired:
            _shut(conn)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            conns = list(self._conns.values())
        for conn in conns:
            _shut(conn)


def _shut(conn: Any) -> None:
    sock = getattr(conn, "sock", None)
    if sock is None:
        return  # still connecting: bounded by the connect timeout, shut when it sends
    try:
        # The plain socket's shutdown, also for a TLS socket (its own would drop the TLS
        # state under the reading thread's feet); the blocked read returns at once.
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass


def _register(conn: Any) -> None:
    watch = getattr(_local, "watch", None)
    if watch is not None:
        watch.add(conn)


def _watched(base: type) -> type:
    class Watched(base):  # type: ignore[misc, valid-type]
        def connect(self) -> None:
            _register(self)
            super().connect()
            _register(self)  # if the deadline passed while connecting, shut it now

        def request(self, *args: Any, **kwargs: Any) -> Any:
            _register(self)
            return super().request(*args, **kwargs)

    Watched.__name__ = f"Watched{base.__name__}"
    return Watched


_adapter_cls: type | None = None


def _adapter() -> Any:
    """A requests HTTPAdapter whose connections (direct or through a proxy) can be watched."""
    global _adapter_cls
    if _adapter_cls is None:
        from requests.adapters import HTTPAdapter  # noqa: PLC0415
        from urllib3.connection import HTTPConnection, HTTPSConnection  # noqa: PLC0415
        from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool  # noqa: PLC0415

        class Pool(HTTPConnectionPool):
            ConnectionCls = _watched(HTTPConnection)

        class SPool(HTTPSConnectionPool):
            ConnectionCls = _watched(HTTPSConnection)

        def patch(manager: Any) -> Any:
            if hasattr(manager, "pool_classes_by_scheme"):
                manager.pool_classes_by_scheme = {"http": Pool, "https": SPool}
            return manager

        class Adapter(HTTPAdapter):
            def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
                super().init_poolmanager(*args, **kwargs)
                patch(self.poolmanager)

            def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
                manager = super().proxy_manager_for(proxy, **kwargs)
                return manager if proxy.lower().startswith("socks") else patch(manager)

        _adapter_cls = Adapter
    return _adapter_cls()


def session() -> Any:
    """A requests Session whose requests `post()` can cut off at a deadline."""
    import requests  # noqa: PLC0415

    s = requests.Session()
    adapter = _adapter()
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s


def post(sess: Any, url: str, *, data: Any, timeout_s: float, deadline: float) -> tuple[Any, bytes]:
    """POST and read the whole answer before `deadline` (time.monotonic()); (response, body).

    Raises DeadlineExceeded when the deadline passes first, else what requests raises.
    """
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded
    watch = _Watch()
    timer = threading.Timer(left, watch.fire)
    timer.daemon = True
    per_read = max(0.05, min(timeout_s, left))
    _local.watch = watch
    timer.start()
    try:
        rsp = sess.post(url, data=data, timeout=(per_read, per_read), stream=True)
        try:
            body = rsp.content
        finally:
            rsp.close()
    except Exception:
        if watch.fired:
            raise DeadlineExceeded from None
        raise
    finally:
        _local.watch = None
        timer.cancel()
        timer.join()
    if watch.fired:
        # Cut off mid-answer: http.client may take the cut for the end of the headers or body
        # and return a short answer without error. Nothing read after the cut is trusted.
        raise DeadlineExceeded
    return rsp, body
