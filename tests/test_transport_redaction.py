"""The token never shows in a repr, a log line (ours or urllib3's) or an error message,
and never travels in the query string."""
from __future__ import annotations

import base64
import logging
import pickle

import pytest
import requests

from circleci_v2.shim.client import CircleCIClient
from circleci_v2.shim.errors import BadRequest, CircleCIError, NotFound, Unauthorized
from circleci_v2.shim.transport import Transport

from transport_server import Reply, ScriptedServer, free_port

TOKEN = "s3cr3t-redaction-token-0123456789"
BASIC = base64.b64encode(f"{TOKEN}:".encode()).decode()


def assert_clean(text: str) -> None:
    assert TOKEN not in text and BASIC not in text, text


@pytest.mark.parametrize("auth", ["token", "basic", "bearer"])
def test_auth_header_forms(auth):
    with ScriptedServer([Reply(200, {"ok": True})]) as srv:
        Transport(TOKEN, srv.url, auth=auth).request("GET", "/me")
    headers = srv.seen[0].headers
    expected = {"token": ("Circle-Token", TOKEN), "basic": ("Authorization", "Basic " + BASIC),
                "bearer": ("Authorization", "Bearer " + TOKEN)}[auth]
    assert headers.get(expected[0]) == expected[1]
    assert "circle-token" not in srv.seen[0].path.lower()
    assert headers.get("Accept") == "application/json"


@pytest.mark.parametrize("auth", ["token", "basic", "bearer"])
def test_reprs_hide_the_token(auth):
    client = CircleCIClient(TOKEN, "https://ci.example.com", auth=auth)
    for obj in (client, client.transport, client.transport._token, client.transport._auth):
        assert_clean(repr(obj))
        assert_clean(str(obj))
    assert_clean(repr(vars(client.transport)))


def test_token_never_in_query_string():
    with pytest.raises(ValueError, match="query string"):
        Transport(TOKEN, "http://127.0.0.1:1").request("GET", "/me", params={"circle-token": TOKEN})


@pytest.mark.parametrize("auth", ["token", "basic", "bearer"])
def test_logs_at_debug_hold_no_token(auth, caplog):
    caplog.set_level(logging.DEBUG)  # root: ours, urllib3's connection and request lines, all
    caplog.set_level(logging.DEBUG, logger="urllib3")
    script = [Reply(503, {"message": "Service unavailable."}), Reply(200, {"ok": True}),
              Reply(401, {"message": f"Invalid token provided: {TOKEN}"})]
    with ScriptedServer(script) as srv:
        t = Transport(TOKEN, srv.url, auth=auth, sleep=lambda s: None)
        t.request("GET", "/project/gh/acme/app/pipeline", params={"branch": "main"},
                  operation_id="listPipelinesForProject")
        with pytest.raises(Unauthorized):
            t.request("GET", "/me", operation_id="getCurrentUser")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "urllib3" in {r.name.split(".")[0] for r in caplog.records}, "urllib3 did log"
    assert "retry 1/4 of GET" in text and "listPipelinesForProject" in text
    assert_clean(text)


def test_error_messages_are_typed_and_redacted():
    script = [Reply(401, {"message": f"Invalid token provided: {TOKEN}"}),
              Reply(404, {"message": "Project not found"}),
              Reply(400, b"<html>Bad Request</html>", {"Content-Type": "text/html"}),
              Reply(400, f"token {TOKEN} rejected".encode(), {"Content-Type": "text/plain"})]
    with ScriptedServer(script) as srv:
        client = CircleCIClient(TOKEN, srv.url, max_retries=0)
        with pytest.raises(Unauthorized) as unauthorised:
            client.get_current_user()
        with pytest.raises(NotFound) as not_found:
            client.get_project("github/acme/app")
        with pytest.raises(BadRequest) as html:
            client.get_current_user()
        with pytest.raises(BadRequest) as plain:
            client.get_current_user()

    err = unauthorised.value
    assert err.status == 401 and err.message == "Invalid token provided: ***"
    assert err.operation_id == "getCurrentUser" and err.method == "GET"
    assert err.url == srv.url + "/api/v2/me"
    assert str(err) == f"401 Invalid token provided: *** (getCurrentUser: GET {srv.url}/api/v2/me)"

    err = not_found.value
    assert str(err).startswith("404 Project not found (getProjectBySlug: GET ")
    assert err.url.endswith("/api/v2/project/gh/acme/app")  # slug normalised
    assert isinstance(err, requests.HTTPError) and err.response.status_code == 404
    assert err.status_code == 404

    assert html.value.message == "Bad Request"  # the reason, not an HTML page
    assert plain.value.message == "token *** rejected"

    for e in (unauthorised.value, not_found.value, html.value, plain.value):
        assert_clean(str(e))
        assert_clean(repr(e))
        assert_clean(" ".join(map(str, e.args)))
        clone = pickle.loads(pickle.dumps(e))
        assert type(clone) is type(e) and str(clone) == str(e)


def test_network_error_message_is_clean_and_names_the_call():
    url = f"http://127.0.0.1:{free_port()}"
    client = CircleCIClient(TOKEN, url, max_retries=0)
    with pytest.raises(CircleCIError) as info:
        client.get_pipeline("5034460f-c7c4-4c43-9457-de07e2029e7b")
    text = str(info.value)
    assert_clean(text)
    assert "getPipelineById: GET" in text and "request failed" in text


@pytest.mark.parametrize("bad", ["", "   ", "two words", "line\nbreak"])
def test_bad_tokens_are_refused_without_echo(bad):
    with pytest.raises(ValueError) as info:
        CircleCIClient(bad)
    if bad.strip():
        assert bad not in str(info.value)


def test_token_is_stripped_of_a_trailing_newline():
    with ScriptedServer([Reply(200, {"ok": True})]) as srv:
        Transport(TOKEN + "\n", srv.url).request("GET", "/me")
    assert srv.seen[0].headers["Circle-Token"] == TOKEN


def test_base_url_with_credentials_is_refused_without_echo():
    with pytest.raises(ValueError) as info:
        CircleCIClient(TOKEN, f"https://{TOKEN}@circleci.com")
    assert_clean(str(info.value))
