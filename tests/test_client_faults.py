"""The client against the emulator's injected faults: 429, 5xx, slow replies, dropped connections.

A trigger is never sent twice; reads retry and succeed. Sleeps are recorded, not slept.
"""
from __future__ import annotations

import email.utils
import time

import pytest
import requests

from circleci_v2.shim.client import CircleCIClient
from circleci_v2.shim.errors import NetworkError, RateLimited, RequestTimeout, ServerError

SLUG = "gh/acme/app"


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def emu(circleci_emulator_factory):
    emu = circleci_emulator_factory()
    emu.add_project(SLUG)
    return emu


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def client(emu, sleeps):
    with CircleCIClient(emu.token, emu.url, sleep=sleeps, rng=lambda: 0.5,
                        timeout=(1.0, 2.0)) as c:
        yield c


def calls_to(emu, operation_id):
    return [c for c in emu.calls if c.operation_id == operation_id]


def test_read_retries_on_429_with_retry_after(client, emu, sleeps):
    created = client.trigger_pipeline(SLUG, branch="main")
    emu.faults.rate_limit("getPipelineById", retry_after=3)
    assert client.get_pipeline(created["id"])["id"] == created["id"]
    assert sleeps == [3.0]
    statuses = [c.status for c in calls_to(emu, "getPipelineById")]
    assert statuses == [429, 200]


def test_read_retries_on_429_with_http_date(client, emu, sleeps):
    emu.faults.rate_limit("getCurrentUser", retry_after=email.utils.formatdate(time.time() + 20, usegmt=True))
    client.get_current_user()
    assert len(sleeps) == 1 and 18.0 <= sleeps[0] <= 20.0


@pytest.mark.parametrize("status", [502, 503, 504])
def test_read_retries_on_gateway_and_unavailable(client, emu, sleeps, status):
    emu.faults.error("getProjectBySlug", status=status, times=2)
    assert client.get_project(SLUG)["slug"] == SLUG
    assert sleeps == [0.375, 0.75]  # equal jitter at rng 0.5 on ceilings 0.5 and 1.0
    assert [c.status for c in calls_to(emu, "getProjectBySlug")] == [status, status, 200]


def test_read_gives_up_after_max_retries(emu, sleeps):
    emu.faults.error("getProjectBySlug", status=503, times=None)
    with CircleCIClient(emu.token, emu.url, sleep=sleeps, max_retries=2) as client:
        with pytest.raises(ServerError) as info:
            client.get_project(SLUG)
    assert info.value.status == 503 and info.value.message == "Service unavailable."
    assert len(sleeps) == 2
    assert len(calls_to(emu, "getProjectBySlug")) == 3


def test_500_is_not_retried(client, emu, sleeps):
    emu.faults.error("getProjectBySlug", status=500)
    with pytest.raises(ServerError) as info:
        client.get_project(SLUG)
    assert info.value.message == "Internal server error." and sleeps == []


@pytest.mark.parametrize("fault", ["rate_limit", "error_503", "drop"])
def test_trigger_is_never_sent_twice(client, emu, sleeps, fault):
    if fault == "rate_limit":
        emu.faults.rate_limit("triggerPipeline", retry_after=1)
        expected = RateLimited
    elif fault == "error_503":
        emu.faults.error("triggerPipeline", status=503)
        expected = ServerError
    else:
        emu.faults.drop("triggerPipeline")
        expected = NetworkError
    with pytest.raises(expected) as info:
        client.trigger_pipeline(SLUG, branch="main")
    assert info.value.operation_id == "triggerPipeline"
    assert sleeps == []
    assert len(calls_to(emu, "triggerPipeline")) == 1
    if fault == "rate_limit":
        assert info.value.retry_after == 1.0
    # The fault answered before the service ran it: nothing was created, and the caller decides.
    assert list(client.list_project_pipelines(SLUG)) == []


def test_dropped_connection_on_read_is_retried(client, emu, sleeps):
    emu.faults.drop("getCurrentUser")
    assert client.get_current_user()["login"] == "test-user"
    assert len(sleeps) == 1
    assert len(calls_to(emu, "getCurrentUser")) == 2


def test_slow_reply_times_out(emu, sleeps):
    emu.faults.slow("getCurrentUser", 0.3, times=1)
    with CircleCIClient(emu.token, emu.url, sleep=sleeps, timeout=(1.0, 0.05),
                        max_retries=0) as client:
        with pytest.raises(RequestTimeout) as info:
            client.get_current_user()
    assert isinstance(info.value, requests.Timeout)
    assert "timed out" in str(info.value) and info.value.operation_id == "getCurrentUser"


def test_slow_reply_then_retry_succeeds(emu, sleeps):
    emu.faults.slow("getCurrentUser", 0.3, times=1)
    with CircleCIClient(emu.token, emu.url, sleep=sleeps, timeout=(1.0, 0.05),
                        max_retries=1) as client:
        assert client.get_current_user()["login"] == "test-user"
    assert len(sleeps) == 1


def test_no_invalid_request_was_sent(client, emu, sleeps):
    emu.faults.error("*", status=503, times=1)
    client.get_current_user()
    created = client.trigger_pipeline(SLUG, branch="main")
    client.get_pipeline(created["id"])
    emu.assert_valid()
