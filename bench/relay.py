"""A TCP relay on 127.0.0.1 that adds a network's round trips, for benchmarks against the local emulator.

Loopback has no latency, so it hides what a keep-alive connection saves and
what a request made side by side saves. Through the relay:
- a new connection waits `handshake_rtts` round trips before its first byte
  goes on (TCP's handshake and TLS 1.3's: 2 for https://circleci.com);
- every chunk from the client is passed on one round trip after it arrived,
  so each HTTP request/reply exchange costs one round trip.
Replies go back at once (their half of the round trip is in the request's).
"""
from __future__ import annotations

import queue
import socket
import threading
import time
from typing import Optional, Tuple


class DelayRelay:
    """Relays 127.0.0.1:<port> to `upstream` with `rtt` seconds per exchange."""

    def __init__(self, upstream: Tuple[str, int], rtt: float, handshake_rtts: int = 2) -> None:
        self.upstream = upstream
        self.rtt = rtt
        self.handshake_rtts = handshake_rtts
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "DelayRelay":
        self._thread = threading.Thread(target=self._accept, name="delay-relay", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:  # closed by stop()
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        time.sleep(self.rtt * self.handshake_rtts)
        server = socket.create_connection(self.upstream)
        for sock in (client, server):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        replies = threading.Thread(target=_pump, args=(server, client), daemon=True)
        replies.start()
        _delay_line(client, server, self.rtt)
        replies.join()
        client.close()
        server.close()


def _delay_line(source: socket.socket, target: socket.socket, delay: float) -> None:
    """Copy source to target, each chunk `delay` seconds after it arrived (chunks in flight together
    arrive together, as on a network, instead of queueing one delay behind another)."""
    line: "queue.Queue[Tuple[float, bytes]]" = queue.Queue()

    def deliver() -> None:
        while True:
            due, chunk = line.get()
            if not chunk:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                target.sendall(chunk)
            except OSError:
                break
        _shut(source, target)

    sender = threading.Thread(target=deliver, daemon=True)
    sender.start()
    try:
        while True:
            chunk = source.recv(65536)
            line.put((time.monotonic() + delay, chunk))
            if not chunk:
                break
    except OSError:
        line.put((0.0, b""))
    sender.join()


def _pump(source: socket.socket, target: socket.socket) -> None:
    """Copy source to target at once; at the end, shut both down."""
    try:
        while True:
            chunk = source.recv(65536)
            if not chunk:
                break
            target.sendall(chunk)
    except OSError:
        pass
    _shut(source, target)


def _shut(*socks: socket.socket) -> None:
    for sock in socks:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
