"""The token never shows in an error message: constructors' ValueError, and a v1.1 call's URL."""
from __future__ import annotations

import pytest

from circleci_v2.shim import circleci, circleclient, pycircleci
from circleci_v2.shim import requests as shim_requests
from circleci_v2.shim.client import CircleCIClient

from transport_server import Reply, ScriptedServer

SECRET = "query-secret-4c1e"

CONSTRUCTORS = {
    "CircleCIClient": lambda url: CircleCIClient("T", url),
    "circleci.Api": lambda url: circleci.Api("T", url),
    "circleci.Experimental": lambda url: circleci.Experimental("T", url),
    "pycircleci.Api": lambda url: pycircleci.Api("T", url=url),
    "circleclient.CircleClient": lambda url: circleclient.CircleClient("T", url=url),
}
URLS = [
    f"https://circleci.com/api/v1.1?circle-token={SECRET}",
    f"https://circleci.com/api?Circle-Token={SECRET}&x=1",
    f"ftp://circleci.com/api?circle-token={SECRET}",
    f"https://circleci.com/api#{SECRET}",
    f"https://{SECRET}@circleci.com/api",
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
def test_constructor_error_redacts_the_token(name, url):
    with pytest.raises(ValueError) as info:
        CONSTRUCTORS[name](url)
    text = str(info.value)
    assert SECRET not in text and SECRET not in repr(info.value)
    assert "circleci.com" in text  # still says which URL is wrong


def test_v11_call_moves_the_query_token_into_the_header():
    with ScriptedServer([Reply(404, {"message": "Project not found"})]) as srv:
        r = shim_requests.get(f"{srv.url}/api/v1.1/project/github/acme/app/1?circle-token={SECRET}&x=1")
        with pytest.raises(shim_requests.HTTPError) as info:
            r.raise_for_status()
        via_params = shim_requests.get(f"{srv.url}/api/v1.1/me", params={"circle-token": SECRET})
    first, second = srv.seen
    assert first.headers.get("Circle-Token") == SECRET and SECRET not in first.path
    assert first.path.endswith("/project/github/acme/app/1?x=1")
    assert second.headers.get("Circle-Token") == SECRET and SECRET not in second.path
    assert SECRET not in r.url and SECRET not in via_params.url
    assert SECRET not in str(info.value)


def test_a_header_token_wins_over_the_query_one():
    with ScriptedServer([Reply(200, {})]) as srv:
        shim_requests.get(f"{srv.url}/api/v1.1/me?circle-token=other", headers={"Circle-Token": SECRET})
    assert srv.seen[0].headers["Circle-Token"] == SECRET and "other" not in srv.seen[0].path
