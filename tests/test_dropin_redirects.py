"""The drop-ins' v1.1 paths and circleci_v2.shim.requests keep the token at home on redirects.

Real redirects between real servers on 127.0.0.1 (the API) and localhost (another
host to HTTP). Every credential form is checked: the Circle-Token header, Basic
auth and the circle-token query parameter.
"""
from __future__ import annotations

import base64
import warnings
from typing import Callable

import pytest

from circleci_v2.shim import circleci, circleclient, pycircleci
from circleci_v2.shim import requests as shim_requests

from transport_server import Reply, ScriptedServer, Seen

TOKEN = "dropin-redirect-secret"
USER = {"login": "x", "name": "x", "id": "u1", "avatar_url": ""}


def _leaks(seen: Seen) -> bool:
    basic = base64.b64encode(f"{TOKEN}:".encode()).decode()
    return (TOKEN in seen.path or any(TOKEN in v or basic in v for v in seen.headers.values())
            or any(h.lower() in ("circle-token", "authorization") for h in seen.headers))


def _carries_token(seen: Seen) -> bool:
    basic = base64.b64encode(f"{TOKEN}:".encode()).decode()
    return TOKEN in seen.path or any(TOKEN in v or basic in v for v in seen.headers.values())


# Each case: a legacy call against `api` (the API root, http://127.0.0.1:PORT) that stays on HTTP
# the drop-in sends itself (v1.1, or v2 forwarded as pycircleci did).
CALLS = {
    "pycircleci get_user_info": lambda api: pycircleci.Api(TOKEN, url=api + "/api").get_user_info(),
    "pycircleci get_project": lambda api: pycircleci.Api(TOKEN, url=api + "/api").get_project("gh/acme/app"),
    "circleclient user.info": lambda api: circleclient.CircleClient(TOKEN, url=api + "/api/v1").user.info(),
    "circleci get_user_info (Basic)": lambda api: circleci.Api(TOKEN, api + "/api/v1.1").get_user_info(),
    "circleci get_build_info (Basic)": lambda api: circleci.Api(TOKEN, api + "/api/v1.1").get_build_info(
        "acme", "app", 1),
    "requests Circle-Token header": lambda api: shim_requests.get(
        api + "/api/v1.1/me", headers={"Circle-Token": TOKEN}).json(),
    "requests Basic auth": lambda api: shim_requests.get(api + "/api/v1.1/me", auth=(TOKEN, "")).json(),
    "requests circle-token query": lambda api: shim_requests.get(
        api + f"/api/v1.1/me?circle-token={TOKEN}").json(),
    "requests session, params": lambda api: shim_requests.Session().get(
        api + "/api/v1.1/me", params={"circle-token": TOKEN}).json(),
}


@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("call", sorted(CALLS))
def test_no_credential_follows_a_redirect_to_another_host(call: str, status: int) -> None:
    with ScriptedServer([Reply(200, USER)]) as other:
        # the Location names the token too, as a careless server might: it must not go on either
        target = f"http://localhost:{other.port}/landing?circle-token={TOKEN}&keep=1"
        with ScriptedServer([Reply(status, {}, {"Location": target})]) as api:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assert CALLS[call](api.url) == USER
    assert _carries_token(api.seen[0]), "the API itself gets the token"
    assert len(other.seen) == 1
    assert not _leaks(other.seen[0]), other.seen[0]
    assert "keep=1" in other.seen[0].path  # only the token is taken out of the query


@pytest.mark.parametrize("call", ["pycircleci get_user_info", "circleclient user.info",
                                  "circleci get_user_info (Basic)", "requests Circle-Token header",
                                  "requests circle-token query"])
def test_a_redirect_on_the_same_origin_keeps_the_token(call: str) -> None:
    def route(seen: Seen) -> Reply:
        if seen.path.startswith("/moved"):
            return Reply(200, USER)
        return Reply(302, {}, {"Location": "/moved"})

    with ScriptedServer(route) as api:
        assert CALLS[call](api.url) == USER
    assert [s.path for s in api.seen][1] == "/moved"
    assert _carries_token(api.seen[1])


# -- download_artifact -----------------------------------------------------------------------------

DOWNLOADERS: dict = {
    "circleci": lambda api, **kw: circleci.Api(TOKEN, api + "/api/v1.1", **kw),
    "pycircleci": lambda api, **kw: pycircleci.Api(TOKEN, url=api + "/api", **kw),
}


@pytest.mark.parametrize("client", sorted(DOWNLOADERS))
def test_download_artifact_sends_the_token_to_the_api_host_only(client: str, tmp_path) -> None:
    make: Callable = DOWNLOADERS[client]
    with ScriptedServer([Reply(200, b"artifact bytes", {"Content-Type": "application/octet-stream"})]) as srv:
        api = f"http://127.0.0.1:{srv.port}"
        elsewhere = f"http://localhost:{srv.port}/0/dist/app.whl"  # same server, another host name
        make(api).download_artifact(api + "/0/dist/app.whl", str(tmp_path), "own.whl")
        make(api).download_artifact(elsewhere, str(tmp_path), "foreign.whl")
        make(api, artifact_hosts=["localhost"]).download_artifact(elsewhere, str(tmp_path), "configured.whl")
    assert (tmp_path / "foreign.whl").read_bytes() == b"artifact bytes"
    own, foreign, configured = srv.seen
    assert _carries_token(own)
    assert not _leaks(foreign), foreign.headers
    assert _carries_token(configured)


@pytest.mark.parametrize("client", sorted(DOWNLOADERS))
def test_download_artifact_redirected_to_storage_drops_the_token(client: str, tmp_path) -> None:
    # CircleCI's artifact host redirects to signed storage URLs: those must not get the token
    with ScriptedServer([Reply(200, b"stored", {"Content-Type": "application/octet-stream"})]) as storage:
        signed = f"http://localhost:{storage.port}/bucket/app.whl?signature=abc"
        with ScriptedServer([Reply(302, {}, {"Location": signed})]) as api:
            DOWNLOADERS[client](api.url).download_artifact(api.url + "/0/app.whl", str(tmp_path))
    assert (tmp_path / "app.whl").read_bytes() == b"stored"
    assert _carries_token(api.seen[0]) and not _leaks(storage.seen[0])


def test_circleci_artifact_hosts_are_trusted_by_default() -> None:
    from circleci_v2.shim.legacy_session import token_host_allowed

    api = "https://circleci.com/api/v1.1"
    assert token_host_allowed("https://output.circle-artifacts.com/output/job/x/artifacts/0/a", api)
    assert token_host_allowed("https://12-34-gh.circle-artifacts.com/0/a", api)
    assert token_host_allowed("https://circleci.com/api/v1.1/project/gh/a/b/1/artifacts", api)
    assert not token_host_allowed("https://evil-circle-artifacts.com/0/a", api)
    assert not token_host_allowed("https://circle-artifacts.com.evil.example/0/a", api)
    assert not token_host_allowed("https://s3.amazonaws.com/bucket/a", api)
