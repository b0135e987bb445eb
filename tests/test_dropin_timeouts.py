"""The drop-ins' v1.1 calls and circleci_v2.shim.requests never wait forever on a silent server.

A server that accepts the connection and never answers (a real socket on 127.0.0.1).
"""
from __future__ import annotations

import socket
import threading
import time
from typing import Any, Callable, Dict, Iterator, List

import pytest
import requests
from requests.adapters import HTTPAdapter

from circleci_v2.shim import circleci, circleclient, pycircleci
from circleci_v2.shim import requests as shim_requests
from circleci_v2.shim.transport import DEFAULT_TIMEOUT

from transport_server import Reply, ScriptedServer

TOKEN = "timeout-token"


@pytest.fixture
def silent() -> Iterator[str]:
    """http://127.0.0.1:PORT of a server that accepts connections, reads, and never replies."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: List[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


SHORT = (1.0, 0.3)

# The v1.1 calls of each drop-in, built with a short request_timeout.
DROPINS: Dict[str, Callable[[str, Any], Any]] = {
    "circleci get_user_info": lambda url, t: circleci.Api(TOKEN, url + "/api/v1.1", request_timeout=t).get_user_info(),
    "circleci download_artifact": lambda url, t: circleci.Api(TOKEN, url + "/api/v1.1", request_timeout=t)
    .download_artifact(url + "/0/a.txt", "/nonexistent-dir"),
    "pycircleci get_user_info": lambda url, t: pycircleci.Api(
        TOKEN, url=url + "/api", request_timeout=t).get_user_info(),
    "pycircleci get_project (v2 forwarded)": lambda url, t: pycircleci.Api(
        TOKEN, url=url + "/api", request_timeout=t).get_project("gh/acme/app"),
    "circleclient user.info": lambda url, t: circleclient.CircleClient(
        TOKEN, url=url + "/api/v1", request_timeout=t).user.info(),
}


@pytest.mark.parametrize("call", sorted(DROPINS))
def test_dropin_v11_call_times_out(call: str, silent: str) -> None:
    start = time.monotonic()
    with pytest.raises(requests.Timeout):
        DROPINS[call](silent, SHORT)
    assert time.monotonic() - start < 5


class Recording(HTTPAdapter):
    """A real HTTPAdapter that notes the timeout each request was sent with."""

    def __init__(self) -> None:
        super().__init__()
        self.timeouts: List[Any] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.timeouts.append(kwargs.get("timeout"))
        return super().send(request, **kwargs)


def test_dropins_default_to_the_clients_timeout() -> None:
    user = {"login": "x", "name": "x", "id": "u1", "avatar_url": ""}
    with ScriptedServer([Reply(200, user)]) as srv:
        clients = [circleci.Api(TOKEN, srv.url + "/api/v1.1"), pycircleci.Api(TOKEN, url=srv.url + "/api"),
                   circleclient.CircleClient(TOKEN, url=srv.url + "/api/v1")]
        adapters = []
        for client in clients:
            adapters.append(Recording())
            client._session.mount("http://", adapters[-1])
        clients[0].get_user_info()
        clients[1].get_user_info()
        clients[2].user.info()
    assert DEFAULT_TIMEOUT == (3.05, 30.0)
    assert [a.timeouts for a in adapters] == [[DEFAULT_TIMEOUT]] * 3


def test_shim_requests_times_out_by_default_and_keeps_an_explicit_timeout(silent: str) -> None:
    with ScriptedServer([Reply(200, {"ok": True}, delay=0.6)]) as slow:
        shim_requests.set_default_timeout(SHORT)
        try:
            start = time.monotonic()
            with pytest.raises(requests.Timeout):
                shim_requests.get(silent + "/api/v1.1/me", headers={"Circle-Token": TOKEN})
            with pytest.raises(requests.Timeout):
                shim_requests.Session().get(silent + "/anything")
            assert time.monotonic() - start < 5
            # the caller's own timeout wins, whichever way it is passed
            assert shim_requests.get(slow.url + "/api/v1.1/me", timeout=5).json() == {"ok": True}
            assert shim_requests.request("GET", slow.url + "/x", timeout=None).json() == {"ok": True}
            with shim_requests.Session() as s:
                assert s.get(slow.url + "/x", timeout=(1, 5)).json() == {"ok": True}
                # positional, as requests.Session.request allows
                assert s.request("GET", slow.url + "/x", None, None, None, None, None, None, 5).ok
        finally:
            shim_requests.set_default_timeout(DEFAULT_TIMEOUT)


def test_shim_requests_default_is_the_clients_timeout() -> None:
    with ScriptedServer([Reply(200)]) as srv:
        s = shim_requests.Session()
        adapter = Recording()
        s.mount("http://", adapter)
        s.get(srv.url + "/x")
        s.get(srv.url + "/x", timeout=7)
    assert adapter.timeouts == [DEFAULT_TIMEOUT, 7]
