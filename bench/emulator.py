#!/usr/bin/env python3
"""Benchmark the emulator's cost per request against a bare http.server peer.

    .venv/bin/python bench/emulator.py            # 400 requests per route and server
    .venv/bin/python bench/emulator.py --requests 100

Three servers in this process, each behind one keep-alive requests.Session:
  peer        a ThreadingHTTPServer answering a fixed JSON body (the floor:
              http.server plus requests, nothing else)
  emulator    Emulator(validate=False): routing, auth, state, recording
  validated   Emulator(): the same plus openapi-core checks of the request
              and the reply against the vendored spec
Rounds alternate peer, emulator, validated so load on the machine hits all
three alike; the script prints median microseconds per request and ratios to
the peer. No target: the figure says what validation costs a test suite.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from circleci_v2.shim.emulator import Emulator  # noqa: E402


class _Peer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    body = b""

    def setup(self) -> None:
        super().setup()
        import socket

        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


def _time(call: Callable[[], object], n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        call()
    return (time.perf_counter() - started) / n * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per route and server (default 400)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    per_round = max(1, args.requests // args.rounds)

    plain = Emulator(validate=False).start()
    checked = Emulator().start()
    routes: Dict[str, str] = {}
    bodies: Dict[str, bytes] = {}
    for emu in (plain, checked):
        emu.add_project("gh/acme/app")
        s = requests.Session()
        s.headers["Circle-Token"] = emu.token
        for _ in range(20):
            created = s.post(emu.v2_url + "/project/gh/acme/app/pipeline", json={"branch": "main"}).json()
        routes = {
            "getCurrentUser": "/me",
            "getPipelineById": f"/pipeline/{created['id']}",
            "listPipelinesForProject (20 items)": "/project/gh/acme/app/pipeline",
        }
        for name, path in routes.items():
            bodies[name] = s.get(emu.v2_url + path).content

    results: Dict[str, Dict[str, List[float]]] = {name: {"peer": [], "emulator": [], "validated": []}
                                                  for name in routes}
    for name, path in routes.items():
        _Peer.body = bodies[name]
        peer = ThreadingHTTPServer(("127.0.0.1", 0), _Peer)
        peer.daemon_threads = True
        threading.Thread(target=peer.serve_forever, daemon=True).start()
        peer_url = f"http://127.0.0.1:{peer.server_address[1]}/api/v2{path}"
        sessions = {}
        for label, base in (("emulator", plain), ("validated", checked)):
            s = requests.Session()
            s.headers["Circle-Token"] = base.token
            sessions[label] = (s, base.v2_url + path)
        ps = requests.Session()
        for _ in range(20):  # warm up every connection
            ps.get(peer_url)
            for s, url in sessions.values():
                s.get(url)
        for _ in range(args.rounds):
            results[name]["peer"].append(_time(lambda: ps.get(peer_url), per_round))
            for label, (s, url) in sessions.items():
                results[name][label].append(_time(lambda s=s, url=url: s.get(url), per_round))
        peer.shutdown()
        peer.server_close()
    plain.stop()
    checked.stop()

    print(f"{'route':38} {'peer':>9} {'emulator':>18} {'validated':>18}")
    for name, by in results.items():
        p, e, v = (statistics.median(by[k]) for k in ("peer", "emulator", "validated"))
        print(f"{name:38} {p:7.0f}us {e:7.0f}us ({e / p:4.2f}x) {v:7.0f}us ({v / p:4.2f}x)")
    print(json.dumps({n: {k: round(statistics.median(v), 1) for k, v in by.items()} for n, by in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
