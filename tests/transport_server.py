"""A scripted raw HTTP server on 127.0.0.1 for the transport tests.

The emulator answers like CircleCI; these tests need misbehaviour below the
API level (a redirect to another host, a connection closed after the request
was read, a reply slower than the read timeout), so they script each reply.
Each reply is a Reply; the server records every request it received.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Union


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"message": "ok"})
    headers: Dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection after reading the request, without replying
    delay: float = 0.0  # seconds before replying


@dataclass
class Seen:
    method: str
    path: str
    headers: Dict[str, str]
    body: bytes


class ScriptedServer:
    """Serves `script` replies in order (the last one repeats), or `route(seen) -> Reply`."""

    def __init__(self, script: Union[List[Reply], Callable[[Seen], Reply], None] = None,
                 port: int = 0) -> None:
        self.script = script if script is not None else [Reply()]
        self.seen: List[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes: without this, Nagle and the
                # client's delayed ACK add 40 ms to every reply.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, dict(self.headers.items()), body)
                reply = server._next(seen)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.drop:
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    return
                data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # A short poll interval: shutdown() waits for the serving loop to notice.
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    def _next(self, seen: Seen) -> Reply:
        with self._lock:
            self.seen.append(seen)
            if callable(self.script):
                return self.script(seen)
            index = min(len(self.seen) - 1, len(self.script) - 1)
            return self.script[index]

    def __enter__(self) -> "ScriptedServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    """A port nothing listens on (bound and released: a connect to it is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
