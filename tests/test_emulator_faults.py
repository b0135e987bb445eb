"""Injected faults: 429 with Retry-After, server errors, slow replies, dropped connections."""
from __future__ import annotations

import time

import pytest
import requests

from emulator_support import SLUG, session, trigger


@pytest.fixture
def emu(circleci_emulator):
    circleci_emulator.add_project(SLUG)
    return circleci_emulator


def test_rate_limit_with_retry_after_then_recovery(emu):
    fault = emu.faults.rate_limit("getCurrentUser", retry_after=2, times=2)
    s = session(emu)
    first = s.get(emu.v2_url + "/me")
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "2"
    assert first.json() == {"message": "Rate limit exceeded."}
    assert s.get(emu.v2_url + "/me").status_code == 429
    assert s.get(emu.v2_url + "/me").status_code == 200
    assert fault.hits == 2 and fault.exhausted
    assert [c.fault for c in emu.calls] == ["status 429", "status 429", None]


def test_retry_after_as_an_http_date(emu):
    emu.faults.rate_limit("*", retry_after="Wed, 21 Oct 2015 07:28:00 GMT")
    r = session(emu).get(emu.v2_url + "/me")
    assert r.headers["Retry-After"] == "Wed, 21 Oct 2015 07:28:00 GMT"


def test_a_rate_limited_trigger_creates_no_pipeline(emu):
    emu.faults.rate_limit("triggerPipeline")
    s = session(emu)
    r = s.post(f"{emu.v2_url}/project/{SLUG}/pipeline", json={})
    assert r.status_code == 429
    assert emu.state.pipelines == {}
    trigger(s, emu)
    assert len(emu.state.pipelines) == 1


@pytest.mark.parametrize("status, message", [(500, "Internal server error."), (503, "Service unavailable."),
                                             (502, "Bad gateway.")])
def test_server_errors(emu, status, message):
    emu.faults.error("getProjectBySlug", status=status)
    r = session(emu).get(f"{emu.v2_url}/project/{SLUG}")
    assert r.status_code == status and r.json() == {"message": message}


def test_faults_match_paths_methods_and_v11_rules(emu):
    s = session(emu)
    emu.faults.error("GET /api/v2/project/*", status=503, times=None)
    assert s.get(f"{emu.v2_url}/project/{SLUG}").status_code == 503
    assert s.post(f"{emu.v2_url}/project/{SLUG}/pipeline", json={}).status_code == 201
    emu.faults.clear()
    emu.faults.error("/api/v2/me", status=500)
    assert s.get(emu.v2_url + "/me").status_code == 500
    emu.faults.error("CCI133", status=500)
    emu.faults.error("build-details", status=503)
    v1 = {"Accept": "application/json"}
    assert s.get(emu.url + "/api/v1.1/project/github/acme/app", headers=v1).status_code == 500
    assert s.get(emu.url + "/api/v1.1/project/github/acme/app/1", headers=v1).status_code == 503


def test_forever_faults_can_be_removed(emu):
    fault = emu.faults.error("getCurrentUser", status=500, times=None)
    s = session(emu)
    assert [s.get(emu.v2_url + "/me").status_code for _ in range(3)] == [500, 500, 500]
    emu.faults.remove(fault)
    assert s.get(emu.v2_url + "/me").status_code == 200


def test_slow_reply_still_answers(emu):
    emu.faults.slow("getCurrentUser", 0.05)
    started = time.monotonic()
    r = session(emu).get(emu.v2_url + "/me")
    assert r.status_code == 200 and time.monotonic() - started >= 0.05
    with pytest.raises(requests.exceptions.ReadTimeout):
        emu.faults.slow("getCurrentUser", 0.3)
        session(emu).get(emu.v2_url + "/me", timeout=0.05)


def test_dropped_connection(emu):
    emu.faults.drop("getCurrentUser")
    s = session(emu)
    with pytest.raises(requests.exceptions.ConnectionError):
        s.get(emu.v2_url + "/me")
    assert s.get(emu.v2_url + "/me").status_code == 200
    dropped = emu.calls[0]
    assert dropped.status == 0 and dropped.fault == "dropped connection"


def test_a_dropped_trigger_creates_no_pipeline(emu):
    emu.faults.drop("triggerPipeline")
    with pytest.raises(requests.exceptions.ConnectionError):
        session(emu).post(f"{emu.v2_url}/project/{SLUG}/pipeline", json={})
    assert emu.state.pipelines == {}


def test_a_fault_needs_an_effect(emu):
    with pytest.raises(ValueError):
        emu.faults.inject("getCurrentUser")
    with pytest.raises(ValueError):
        emu.faults.error("getCurrentUser", times=0)
