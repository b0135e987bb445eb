"""The emulator under hostile requests and load, over raw sockets and http.client on 127.0.0.1.

Each case is a defect found by sending it: a dropped connection, a MemoryError, a 500 that blamed the
emulator, a body taken as no body, a build created from a body that was not JSON, a pipelined request lost
after a chunked body, the stdlib's 501 for HEAD/OPTIONS/TRACE, resets under 200 simultaneous clients, a
thread held forever by an idle connection, and recordings that kept every body whole.
"""
from __future__ import annotations

import http.client
import json
import socket
import sys
import threading
import time

import pytest

from circleci_v2.shim.emulator import Emulator
from circleci_v2.shim.emulator.recording import RECORDED_BODY_MAX
from circleci_v2.shim.emulator.server import MAX_BODY
from emulator_support import SLUG


@pytest.fixture
def emu():
    with Emulator() as e:
        e.add_project(SLUG)
        yield e


def _conn(emu):
    return http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)


def _request(emu, method, path, body=None, headers=None):
    conn = _conn(emu)
    try:
        hdrs = {"Circle-Token": emu.token, "Content-Type": "application/json"}
        hdrs.update(headers or {})
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


TRIGGER = f"/api/v2/project/{SLUG}/pipeline"
V1_TRIGGER = "/api/v1.1/project/github/acme/app/tree/main"


def _raw(emu, data, timeout=10.0):
    """Send raw bytes, read until the server closes (or the timeout): the whole answer."""
    with socket.create_connection(("127.0.0.1", emu.port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except socket.timeout:
            pass
        return b"".join(chunks)


def test_deeply_nested_json_is_a_400_not_a_dropped_connection(emu):
    status, _, body = _request(emu, "POST", TRIGGER, body=b"[" * 100_000)
    assert status == 400
    assert "JSON" in json.loads(body)["message"]
    status, _, _ = _request(emu, "POST", V1_TRIGGER, body=b"{\"a\":" * 100_000, headers={"Accept": "application/json"})
    assert status == 400
    assert emu.state.pipelines == {}


def test_a_huge_content_length_is_413_before_reading(emu):
    head = (f"POST {TRIGGER} HTTP/1.1\r\nHost: x\r\nCircle-Token: {emu.token}\r\n"
            "Content-Type: application/json\r\nContent-Length: 10000000000000\r\n\r\n").encode()
    answer = _raw(emu, head + b"{}")  # the body is never sent: the answer must not wait for it
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert str(MAX_BODY).encode() in answer
    assert b"Connection: close" in answer
    assert 1024 * 1024 <= MAX_BODY <= 16 * 1024 * 1024  # "a few MB", documented in docs/emulator.md
    (call,) = emu.calls
    assert call.status == 413 and emu.state.pipelines == {}


def test_a_body_just_over_the_cap_is_413_and_one_under_it_is_read(emu):
    status, _, _ = _request(emu, "POST", TRIGGER, body=b" " * (MAX_BODY + 1))
    assert status == 413
    body = json.dumps({"branch": "main", "parameters": {}}).encode()
    status, _, _ = _request(emu, "POST", TRIGGER, body=body + b" " * (MAX_BODY - len(body)))
    assert status == 201


def test_invalid_utf8_in_a_v2_body_is_a_400_not_the_emulators_fault(emu):
    status, _, body = _request(emu, "POST", TRIGGER, body=b'{"branch": "\xff\xfe"}')
    assert status == 400, body
    assert "UTF-8" in json.loads(body)["message"]
    assert not emu.invalid_responses  # nothing blamed on the emulator
    assert emu.state.pipelines == {}


def test_a_json_null_body_on_the_v2_trigger_is_a_400(emu):
    status, _, body = _request(emu, "POST", TRIGGER, body=b"null")
    assert status == 400, body
    assert emu.state.pipelines == {}
    (call,) = emu.invalid_calls
    assert call.operation_id == "triggerPipeline"
    # no body at all is still fine: the spec's body is optional
    status, _, _ = _request(emu, "POST", TRIGGER, body=b"")
    assert status == 201


def test_malformed_json_on_a_v11_trigger_is_a_400_and_no_build(emu):
    status, _, body = _request(emu, "POST", V1_TRIGGER, body=b"{not json", headers={"Accept": "application/json"})
    assert status == 400, body
    assert "JSON" in json.loads(body)["message"]
    assert emu.state.pipelines == {}
    status, _, _ = _request(emu, "POST", V1_TRIGGER, body=b'{"build_parameters": {}}',
                            headers={"Accept": "application/json"})
    assert status == 200
    assert len(emu.state.pipelines) == 1


def _chunked(payload: bytes, size: int = 5) -> bytes:
    out = b""
    for i in range(0, len(payload), size):
        piece = payload[i:i + size]
        out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def test_a_chunked_body_is_read_and_the_next_pipelined_request_is_answered(emu):
    body = json.dumps({"branch": "chunked-branch"}).encode()
    first = (f"POST {TRIGGER} HTTP/1.1\r\nHost: x\r\nCircle-Token: {emu.token}\r\n"
             "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").encode() + _chunked(body)
    second = (f"GET /api/v2/me HTTP/1.1\r\nHost: x\r\nCircle-Token: {emu.token}\r\n"
              "Connection: close\r\n\r\n").encode()
    answer = _raw(emu, first + second)
    assert answer.startswith(b"HTTP/1.1 201 "), answer[:300]
    assert answer.count(b"HTTP/1.1 ") == 2, answer
    assert b"HTTP/1.1 200 " in answer and b'"login"' in answer
    (pipeline,) = emu.state.pipelines.values()
    assert pipeline.branch == "chunked-branch"
    assert emu.calls[0].json == {"branch": "chunked-branch"}


def test_a_chunked_body_over_the_cap_is_413(emu):
    head = (f"POST {TRIGGER} HTTP/1.1\r\nHost: x\r\nCircle-Token: {emu.token}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()
    answer = _raw(emu, head + f"{MAX_BODY + 1:x}\r\n".encode() + b"x" * 1000)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]


@pytest.mark.parametrize("method", ["HEAD", "OPTIONS", "TRACE"])
def test_head_options_trace_are_405_with_allow(emu, method):
    status, headers, _ = _request(emu, method, "/api/v2/me")
    assert status == 405
    assert headers["Allow"] == "GET"
    status, headers, _ = _request(emu, method, TRIGGER)
    assert status == 405
    assert set(headers["Allow"].split(", ")) == {"GET", "POST"}
    status, headers, _ = _request(emu, method, V1_TRIGGER, headers={"Accept": "application/json"})
    assert status == 405 and set(headers["Allow"].split(", ")) == {"GET", "POST"}  # trigger, and a branch's builds


def test_a_wrong_method_names_the_allowed_ones(emu):
    status, headers, _ = _request(emu, "PUT", "/api/v2/me")
    assert status == 405 and headers["Allow"] == "GET"


def test_a_hostile_request_leaves_the_connection_usable_for_the_next(emu):
    conn = _conn(emu)
    try:
        conn.request("POST", TRIGGER, body=b"null", headers={"Circle-Token": emu.token})
        r = conn.getresponse()
        r.read()
        assert r.status == 400
        conn.request("GET", "/api/v2/me", headers={"Circle-Token": emu.token})
        r = conn.getresponse()
        assert r.status == 200 and b"login" in r.read()
    finally:
        conn.close()


# ---- load ---------------------------------------------------------------------------------------------

def test_two_hundred_simultaneous_clients_see_no_reset(emu):
    clients = 200
    start = threading.Barrier(clients, timeout=60)
    failures = []
    statuses = []
    lock = threading.Lock()

    def client():
        try:
            start.wait()
            conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=30)
            conn.request("GET", "/api/v2/me", headers={"Circle-Token": emu.token})
            r = conn.getresponse()
            r.read()
            conn.close()
            with lock:
                statuses.append(r.status)
        except Exception as exc:  # noqa: BLE001 - every failure counts
            with lock:
                failures.append(repr(exc))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not failures, f"{len(failures)} of {clients} failed, e.g. {failures[:3]}"
    assert statuses == [200] * clients


def test_the_listen_backlog_holds_two_hundred_connections(emu):
    # connect 200 sockets without the server accepting in between: each must reach the accept queue
    assert emu._server.request_queue_size >= 200


def test_an_idle_connection_is_closed_after_the_timeout():
    with Emulator(idle_timeout=0.3) as emu:
        with socket.create_connection(("127.0.0.1", emu.port), timeout=20) as s:
            began = time.monotonic()
            assert s.recv(1) == b""  # the server hung up on the silent client
            assert time.monotonic() - began < 20
        # a half-sent request is dropped the same way
        with socket.create_connection(("127.0.0.1", emu.port), timeout=20) as s:
            s.sendall(b"POST /api/v2/me HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
            answer = b""
            while True:  # a socket.timeout here (20 s) means the server kept the connection
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
            assert b" 200 " not in answer


def test_the_idle_timeout_is_documented_default():
    assert Emulator().idle_timeout == 30.0


def test_a_recording_keeps_a_bounded_body(emu):
    big = json.dumps({"branch": "main", "parameters": {}}).encode() + b" " * (MAX_BODY - 100)
    for _ in range(3):
        status, _, _ = _request(emu, "POST", TRIGGER, body=big)
        assert status == 201
    for call in emu.calls:
        assert len(call.body) <= RECORDED_BODY_MAX
        assert call.body_size == len(big)
        assert call.body_truncated
    small = _request(emu, "POST", TRIGGER, body=b'{"branch": "x"}')
    assert small[0] == 201
    last = emu.calls[-1]
    assert last.body == b'{"branch": "x"}' and not last.body_truncated and last.json == {"branch": "x"}


# ---- the edn extra ------------------------------------------------------------------------------------

def test_without_edn_format_an_edn_request_says_what_is_missing(emu, monkeypatch, capfd):
    monkeypatch.setitem(sys.modules, "edn_format", None)  # as if the package were not installed
    status, _, body = _request(emu, "GET", "/api/v1.1/me", headers={"Content-Type": ""})
    assert status == 500
    message = json.loads(body)["message"]
    assert "edn-format" in message and "circleci-v2[emulator]" in message and "Accept: application/json" in message
    assert "edn-format" in capfd.readouterr().err  # logged, without any debug switch
    status, _, _ = _request(emu, "GET", "/api/v1.1/me", headers={"Accept": "application/json"})
    assert status == 200


def test_the_emulator_extra_brings_edn_format():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    text = (root / "pyproject.toml").read_text()
    extra = re.search(r"^emulator = \[(.*?)\]", text, re.M | re.S).group(1)
    assert "edn-format" in extra and "openapi-core" in extra
    readme = (root / "README.md").read_text()
    section = readme.split("## Emulator", 1)[1].split("\n## ", 1)[0]
    assert "circleci-v2[emulator]" in section
