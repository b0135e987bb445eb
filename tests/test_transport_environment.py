"""Proxy and CA-bundle variables: read once per host, with the result requests itself would give."""
from __future__ import annotations

import pytest
import requests

from circleci_v2.shim.client import CircleCIClient
from circleci_v2.shim.transport import EnvOncePerHostSession

from transport_server import Reply, ScriptedServer

VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
             "http_proxy", "https_proxy", "all_proxy", "no_proxy")
USER = {"id": "u1", "login": "x", "name": "x", "avatar_url": ""}


@pytest.fixture
def env(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


ENVIRONMENTS = [
    {},
    {"HTTPS_PROXY": "http://proxy.example:3128"},
    {"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "circleci.com"},
    {"http_proxy": "http://p:1", "https_proxy": "http://p:2", "no_proxy": "ci.example.com:8443"},
    {"ALL_PROXY": "socks5://p:1080"},
    {"REQUESTS_CA_BUNDLE": "/etc/ssl/bundle.pem"},
    {"CURL_CA_BUNDLE": "/etc/ssl/curl.pem"},
]
CALLS = [
    ("https://circleci.com/api/v2/me", {}, True),
    ("http://circleci.com/api/v2/me", {}, None),
    ("https://ci.example.com:8443/api/v2/me", {}, True),
    ("https://circleci.com/api/v2/me", {"https": "http://explicit:1"}, False),
    ("https://circleci.com/api/v2/me", {"no_proxy": "circleci.com"}, "/own.pem"),
]


@pytest.mark.parametrize("variables", ENVIRONMENTS)
def test_same_settings_as_requests(env, variables):
    for name, value in variables.items():
        env.setenv(name, value)
    ours, theirs = EnvOncePerHostSession(), requests.Session()
    for url, proxies, verify in CALLS * 2:  # the second round comes from what was read once
        assert ours.merge_environment_settings(url, dict(proxies), None, verify, None) == \
            theirs.merge_environment_settings(url, dict(proxies), None, verify, None), (url, proxies, verify)


def test_requests_go_through_the_proxy_from_the_environment(env):
    with ScriptedServer([Reply(200, USER)]) as proxy:
        env.setenv("HTTP_PROXY", proxy.url)
        user = CircleCIClient("proxy-token", "http://circleci.invalid").get_current_user()
    assert user["id"] == "u1"
    assert [s.path for s in proxy.seen] == ["http://circleci.invalid/api/v2/me"]
    assert proxy.seen[0].headers["Circle-Token"] == "proxy-token"


def test_no_proxy_reaches_the_host_directly(env):
    with ScriptedServer([Reply(200, USER)]) as direct:
        env.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # discard port: nothing listens there
        env.setenv("NO_PROXY", "127.0.0.1")
        assert CircleCIClient("t", direct.url).get_current_user()["id"] == "u1"
    assert [s.path for s in direct.seen] == ["/api/v2/me"]


def test_the_environment_is_read_once_per_host(env):
    with ScriptedServer([Reply(200, USER)]) as direct:
        client = CircleCIClient("t", direct.url)
        client.get_current_user()
        env.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # too late for this host: documented
        client.get_current_user()
    assert len(direct.seen) == 2
    with pytest.raises(requests.exceptions.ProxyError):
        requests.Session().get(direct.url + "/api/v2/me", timeout=2)  # requests reads it every time
