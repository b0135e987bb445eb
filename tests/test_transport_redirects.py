"""The token is sent to the configured origin only, never on after a redirect to another host.

Real redirects between real servers: 127.0.0.1 and localhost are different
hosts to HTTP, as are two ports of the same address.
"""
from __future__ import annotations

import base64

import pytest
import requests

from circleci_v2.shim.client import CircleCIClient
from circleci_v2.shim.errors import CircleCIError
from circleci_v2.shim.transport import Transport

from transport_server import Reply, ScriptedServer

TOKEN = "redirect-secret-token"
CREDENTIAL_HEADERS = ("Circle-Token", "Authorization")


def _has_token(headers: dict) -> bool:
    basic = base64.b64encode(f"{TOKEN}:".encode()).decode()
    return any(TOKEN in v or basic in v for v in headers.values())


def test_plain_requests_leaks_circle_token_across_hosts():
    """Why the transport follows redirects itself: requests keeps custom headers on a foreign hop."""
    with ScriptedServer([Reply(200, {"where": "other"})]) as other:
        target = f"http://localhost:{other.port}/landing"
        with ScriptedServer([Reply(302, {}, {"Location": target})]) as origin:
            requests.get(origin.url + "/api/v2/me", headers={"Circle-Token": TOKEN}, timeout=5)
    assert other.seen and other.seen[0].headers.get("Circle-Token") == TOKEN


@pytest.mark.parametrize("auth", ["token", "basic", "bearer"])
@pytest.mark.parametrize("other_host", ["localhost", "127.0.0.1"])
def test_no_token_after_redirect_to_another_host(auth, other_host):
    with ScriptedServer([Reply(200, {"id": "u1", "login": "x", "name": "x", "avatar_url": ""})]) as other:
        target = f"http://{other_host}:{other.port}/api/v2/me"
        with ScriptedServer([Reply(302, {}, {"Location": target})]) as origin:
            client = CircleCIClient(TOKEN, origin.url, auth=auth)
            user = client.get_current_user()
    assert user["id"] == "u1"
    assert _has_token(origin.seen[0].headers), "the origin itself gets the token"
    assert len(other.seen) == 1
    hop = other.seen[0].headers
    assert not any(h in hop for h in CREDENTIAL_HEADERS), hop
    assert not _has_token(hop)


def test_redirect_to_other_host_name_on_same_port_strips_token():
    # One server, reached first as 127.0.0.1 and then, after the redirect, as localhost.
    def route(seen):
        if seen.headers.get("Host", "").startswith("127.0.0.1"):
            port = seen.headers["Host"].split(":")[1]
            return Reply(307, {}, {"Location": f"http://localhost:{port}/api/v2/me"})
        return Reply(200, {"ok": True})

    with ScriptedServer(route) as srv:
        Transport(TOKEN, srv.url).request("GET", "/me")
    assert _has_token(srv.seen[0].headers)
    assert not _has_token(srv.seen[1].headers)


def test_same_origin_redirect_keeps_token_and_session_headers_do_not_leak():
    session = requests.Session()
    session.headers["Circle-Token"] = TOKEN  # set by the user on their own session
    with ScriptedServer([Reply(200, {"ok": True})]) as other:
        def route(seen):
            if seen.path.startswith("/api/v2/old"):
                return Reply(301, {}, {"Location": "/api/v2/new"})
            return Reply(302, {}, {"Location": f"http://localhost:{other.port}/elsewhere"})

        with ScriptedServer(route) as origin:
            Transport(TOKEN, origin.url, session=session).request("GET", "/old")
    assert [s.path for s in origin.seen] == ["/api/v2/old", "/api/v2/new"]
    assert all(_has_token(s.headers) for s in origin.seen)
    assert not _has_token(other.seen[0].headers)


def test_redirect_method_rules():
    def route(seen):
        if seen.path.endswith("/a"):
            return Reply(307, {}, {"Location": "/api/v2/b"})
        if seen.path.endswith("/c"):
            return Reply(303, {}, {"Location": "/api/v2/d"})
        return Reply(200, {"ok": True})

    with ScriptedServer(route) as srv:
        t = Transport(TOKEN, srv.url)
        t.request("POST", "/a", json={"branch": "main"})
        t.request("POST", "/c", json={"branch": "main"})
    methods = [(s.method, s.path, s.body) for s in srv.seen]
    assert methods[1] == ("POST", "/api/v2/b", b'{"branch": "main"}')  # 307 keeps method and body
    assert methods[3][:2] == ("GET", "/api/v2/d") and methods[3][2] == b""  # 303 becomes GET


def test_redirect_loop_is_an_error():
    with ScriptedServer([Reply(302, {}, {"Location": "/api/v2/me"})]) as srv:
        with pytest.raises(CircleCIError, match="redirects") as info:
            Transport(TOKEN, srv.url, max_redirects=3).request("GET", "/me")
    assert len(srv.seen) == 4
    assert TOKEN not in str(info.value)


def test_downgrade_to_http_is_a_foreign_origin():
    from circleci_v2.shim.transport import _origin, _trusted
    origin = _origin("https://circleci.com/api/v2")
    assert _trusted("https://circleci.com/api/v2/me", origin)
    assert _trusted("https://CircleCI.com:443/x", origin)
    assert not _trusted("http://circleci.com/api/v2/me", origin)
    assert not _trusted("https://circleci.com.evil.example/api/v2/me", origin)
    assert not _trusted("https://circleci.com:8443/api/v2/me", origin)
    assert _trusted("https://ci.example.com/x", _origin("http://ci.example.com/api/v2"))
