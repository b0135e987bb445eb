"""Retries, backoff bounds and timeouts of the transport, over real HTTP on 127.0.0.1.

The sleep function is injected: the tests record the delays instead of waiting.
"""
from __future__ import annotations

import email.utils
import time

import pytest
import requests

from circleci_v2.shim.errors import (CircleCIError, NetworkError, RateLimited, RequestTimeout,
                                     ServerError)
from circleci_v2.shim.transport import (DEFAULT_TIMEOUT, RetryPolicy, Transport,
                                        never_reached_server, parse_retry_after)

from transport_server import Reply, ScriptedServer, free_port

TOKEN = "retry-secret-token"


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make(url: str, sleeps: Sleeps, *, rng=lambda: 0.5, **policy) -> Transport:
    return Transport(TOKEN, url, sleep=sleeps, rng=rng, retry=RetryPolicy(**policy),
                     timeout=(1.0, 2.0))


def test_get_retried_on_503_then_succeeds():
    script = [Reply(503, {"message": "Service unavailable."}),
              Reply(502, {"message": "Bad gateway"}),
              Reply(200, {"login": "me"})]
    sleeps = Sleeps()
    with ScriptedServer(script) as srv:
        resp = make(srv.url, sleeps).request("GET", "/me")
    assert resp.json() == {"login": "me"}
    assert len(srv.seen) == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("rng_value", [0.0, 0.999999])
def test_backoff_is_capped_exponential_with_bounded_jitter(rng_value):
    # base 1 s, cap 3 s: ceilings 1, 2, 3, 3, 3; each wait lies in [ceiling/2, ceiling].
    sleeps = Sleeps()
    with ScriptedServer([Reply(504, {"message": "Gateway timeout"})]) as srv:
        t = make(srv.url, sleeps, rng=lambda: rng_value, max_retries=5, backoff_base=1.0,
                 backoff_cap=3.0)
        with pytest.raises(ServerError) as info:
            t.request("GET", "/me", operation_id="getCurrentUser")
    assert len(srv.seen) == 6  # the first try and 5 retries
    ceilings = [1, 2, 3, 3, 3]
    for slept, ceiling in zip(sleeps, ceilings):
        assert ceiling / 2 <= slept <= ceiling
    expected = [c / 2 + rng_value * c / 2 for c in ceilings]
    assert sleeps == pytest.approx(expected)
    assert info.value.status == 504
    assert info.value.message == "Gateway timeout"
    assert "after" not in str(info.value)  # an HTTP status is not described as a network failure


def test_jitter_spreads_delays():
    values = iter([0.1, 0.9])
    sleeps = Sleeps()
    with ScriptedServer([Reply(503), Reply(503), Reply(200)]) as srv:
        make(srv.url, sleeps, rng=lambda: next(values), backoff_base=1.0).request("GET", "/me")
    assert sleeps == pytest.approx([0.55, 1.9])


def test_retry_after_seconds_is_honoured():
    sleeps = Sleeps()
    script = [Reply(429, {"message": "Rate limit exceeded."}, {"Retry-After": "7"}), Reply(200)]
    with ScriptedServer(script) as srv:
        make(srv.url, sleeps).request("GET", "/me")
    assert sleeps == [7.0]


def test_retry_after_http_date_is_honoured():
    sleeps = Sleeps()
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    script = [Reply(503, {"message": "Service unavailable."}, {"Retry-After": when}), Reply(200)]
    with ScriptedServer(script) as srv:
        make(srv.url, sleeps).request("GET", "/me")
    assert len(sleeps) == 1 and 28.0 <= sleeps[0] <= 30.0


def test_retry_after_longer_than_the_cap_raises_rate_limited_at_once():
    sleeps = Sleeps()
    script = [Reply(429, {"message": "Rate limit exceeded."}, {"Retry-After": "3600"})]
    with ScriptedServer(script) as srv:
        with pytest.raises(RateLimited) as info:
            make(srv.url, sleeps, max_retry_after=60).request("GET", "/me", operation_id="getCurrentUser")
    assert len(srv.seen) == 1 and sleeps == []
    err = info.value
    assert err.status == 429 and err.retry_after == 3600
    assert err.message == "Rate limit exceeded."
    assert isinstance(err, requests.HTTPError) and err.response.status_code == 429


def test_rate_limited_after_retries_run_out():
    sleeps = Sleeps()
    with ScriptedServer([Reply(429, {"message": "Rate limit exceeded."}, {"Retry-After": "1"})]) as srv:
        with pytest.raises(RateLimited) as info:
            make(srv.url, sleeps, max_retries=2).request("GET", "/me")
    assert len(srv.seen) == 3 and sleeps == [1.0, 1.0]
    assert info.value.retry_after == 1.0


@pytest.mark.parametrize("status", [500, 400, 404])
def test_other_statuses_are_not_retried(status):
    sleeps = Sleeps()
    with ScriptedServer([Reply(status, {"message": "nope"})]) as srv:
        with pytest.raises(CircleCIError) as info:
            make(srv.url, sleeps).request("GET", "/me")
    assert len(srv.seen) == 1 and sleeps == []
    assert info.value.status == status


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_post_is_never_retried_after_a_reply(status):
    sleeps = Sleeps()
    with ScriptedServer([Reply(status, {"message": "busy"}, {"Retry-After": "1"})]) as srv:
        with pytest.raises(CircleCIError) as info:
            make(srv.url, sleeps).request("POST", "/project/gh/a/b/pipeline", json={"branch": "main"},
                                          operation_id="triggerPipeline")
    assert len(srv.seen) == 1, "a trigger must never be sent twice"
    assert sleeps == []
    assert info.value.status == status


def test_post_is_not_retried_when_the_connection_drops_after_sending():
    sleeps = Sleeps()
    with ScriptedServer([Reply(drop=True), Reply(201, {"id": "x"})]) as srv:
        with pytest.raises(NetworkError) as info:
            make(srv.url, sleeps).request("POST", "/project/gh/a/b/pipeline", json={},
                                          operation_id="triggerPipeline")
    assert len(srv.seen) == 1, "the server may have run the trigger: it must not run twice"
    assert sleeps == []
    assert isinstance(info.value, requests.ConnectionError)
    assert info.value.status is None and info.value.operation_id == "triggerPipeline"


def test_get_is_retried_when_the_connection_drops():
    sleeps = Sleeps()
    with ScriptedServer([Reply(drop=True), Reply(200, {"ok": 1})]) as srv:
        resp = make(srv.url, sleeps).request("GET", "/me")
    assert resp.json() == {"ok": 1}
    assert len(srv.seen) == 2 and len(sleeps) == 1


def test_post_is_retried_when_the_connection_was_refused_and_sent_once():
    # Nothing listens on the port until the first backoff sleep starts the server:
    # the first attempt is refused (provably never reached), the retry lands once.
    port = free_port()
    started = []

    def sleep(seconds: float) -> None:
        if not started:
            started.append(ScriptedServer([Reply(201, {"id": "p1"})], port=port).__enter__())

    t = Transport(TOKEN, f"http://127.0.0.1:{port}", sleep=sleep, timeout=(1.0, 2.0))
    try:
        resp = t.request("POST", "/project/gh/a/b/pipeline", json={"branch": "main"})
        assert resp.status_code == 201
        assert len(started[0].seen) == 1
    finally:
        for srv in started:
            srv.__exit__(None, None, None)


def test_refused_connection_gives_network_error_after_retries():
    sleeps = Sleeps()
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(NetworkError) as info:
        make(url, sleeps, max_retries=2).request("POST", "/workflow/x/cancel",
                                                 operation_id="cancelWorkflow")
    assert len(sleeps) == 2
    err = info.value
    assert "after 3 attempts" in str(err)
    assert "cancelWorkflow: POST " + url in str(err)
    assert not isinstance(err, RequestTimeout)


def test_read_timeout_post_not_retried_get_retried():
    sleeps = Sleeps()
    with ScriptedServer([Reply(200, {"slow": True}, delay=0.3)]) as srv:
        t = Transport(TOKEN, srv.url, sleep=sleeps, timeout=(1.0, 0.05),
                      retry=RetryPolicy(max_retries=1))
        with pytest.raises(RequestTimeout) as info:
            t.request("POST", "/workflow/x/rerun", json={}, operation_id="rerunWorkflow")
        assert len(srv.seen) == 1 and sleeps == []
        assert isinstance(info.value, requests.Timeout)
        with pytest.raises(RequestTimeout):
            t.request("GET", "/me")
        assert len(srv.seen) == 3 and len(sleeps) == 1


def test_timeouts_are_on_by_default():
    seen = []

    class RecordingSession(requests.Session):
        def request(self, *args, **kwargs):
            seen.append(kwargs.get("timeout"))
            return super().request(*args, **kwargs)

    with ScriptedServer([Reply(200)]) as srv:
        Transport(TOKEN, srv.url, session=RecordingSession()).request("GET", "/me")
    assert seen == [DEFAULT_TIMEOUT]
    assert all(isinstance(x, (int, float)) and x > 0 for x in DEFAULT_TIMEOUT)


def test_never_reached_server_classification():
    from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError
    refused = requests.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "refused")))
    assert never_reached_server(refused)
    assert never_reached_server(requests.exceptions.ConnectTimeout("connect timeout"))
    assert not never_reached_server(requests.exceptions.ReadTimeout("read timeout"))
    assert not never_reached_server(requests.ConnectionError(ProtocolError("reset")))
    assert not never_reached_server(requests.exceptions.SSLError("bad cert"))


@pytest.mark.parametrize("value,expected", [
    ("5", 5.0), ("0", 0.0), (" 2.5 ", 2.5), ("-1", None), ("soon", None), ("", None), (None, None),
])
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_past_date_is_zero():
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_bad_policy_is_refused():
    with pytest.raises(ValueError, match="max_retries"):
        RetryPolicy(max_retries=-1)


def test_post_is_retried_after_a_dns_failure():
    import socket
    host = "circleci-v2-test.invalid"  # .invalid never resolves (RFC 2606)
    try:
        socket.getaddrinfo(host, 80)
    except socket.gaierror:
        pass
    else:  # pragma: no cover - a resolver that answers for everything
        pytest.skip("this resolver answers for .invalid names")
    sleeps = Sleeps()
    with pytest.raises(NetworkError) as info:
        make(f"http://{host}", sleeps, max_retries=2).request(
            "POST", "/project/gh/a/b/pipeline", json={}, operation_id="triggerPipeline")
    assert len(sleeps) == 2, "a request that never left is safe to send again"
    assert "NameResolutionError" in str(info.value) or "resolve" in str(info.value).lower()
