"""A caller's `timeout=` reaches every v2 request a translated v1.1 call makes (over real HTTP, emulator).

The same rules as for a call the requests drop-in passes through: no `timeout=` means the session's
default (set_default_timeout, 3.05/30 s out of the box); a number or a (connect, read) tuple applies to
each request; an explicit None waits as long as it takes. A timeout surfaces as requests' own Timeout.
"""
from __future__ import annotations

import time

import pytest
import requests

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")

from circleci_v2.shim import requests as shim_requests  # noqa: E402
from circleci_v2.shim.transport import DEFAULT_TIMEOUT  # noqa: E402
from emulator_support import project_emulator  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def emu(circleci_emulator_factory):
    return project_emulator(circleci_emulator_factory)


def trigger_url(emu) -> str:
    return f"{emu.url}/api/v1.1/project/github/acme/app/tree/main"


def ops(emu, operation_id: str) -> int:
    return sum(1 for c in emu.calls if c.operation_id == operation_id)


@pytest.mark.parametrize("timeout", [0.2, (2.0, 0.2)], ids=["number", "connect-read tuple"])
def test_a_translated_trigger_raises_requests_timeout_quickly(emu, timeout):
    emu.faults.slow("triggerPipeline", 3.0)
    start = time.monotonic()
    with pytest.raises(requests.Timeout) as caught:
        shim_requests.post(trigger_url(emu), headers={"Circle-Token": emu.token}, timeout=timeout)
    assert time.monotonic() - start < 1.5
    assert isinstance(caught.value, requests.ReadTimeout)  # as plain requests raises it
    assert ops(emu, "triggerPipeline") <= 1  # a POST that timed out reading is never sent again


def test_the_timeout_reaches_the_reads_after_the_trigger(emu):
    # the first read of the new pipeline is late: with the caller's 0.2 s it times out and is read again
    # (the v2 client retries an idempotent read); with the client's own 30 s it would be waited for
    late = emu.faults.slow("getPipelineById", 2.0)
    start = time.monotonic()
    r = shim_requests.post(trigger_url(emu), headers={"Circle-Token": emu.token}, timeout=0.2)
    assert r.status_code == 201, r.text
    assert late.hits == 1 and time.monotonic() - start < 1.9  # the late read was not waited for


def test_a_translated_read_uses_the_callers_timeout_too(emu):
    with shim_requests.Session() as s:
        s.post(trigger_url(emu), headers={"Circle-Token": emu.token})
        emu.faults.slow("listPipelines", 3.0, times=None)
        start = time.monotonic()
        with pytest.raises(requests.Timeout):
            s.get(f"{emu.url}/api/v1.1/recent-builds", headers={"Circle-Token": emu.token}, timeout=0.1)
    # each attempt stopped at 0.1 s, not at the 3 s reply; the reads were retried (with backoff) in between
    assert time.monotonic() - start < 12


def test_without_timeout_the_sessions_default_applies_and_none_waits(emu):
    shim_requests.set_default_timeout((2.0, 0.2))
    try:
        emu.faults.slow("triggerPipeline", 1.0)
        with pytest.raises(requests.Timeout):
            shim_requests.post(trigger_url(emu), headers={"Circle-Token": emu.token})
        emu.faults.clear()
        emu.faults.slow("triggerPipeline", 0.5)
        r = shim_requests.post(trigger_url(emu), headers={"Circle-Token": emu.token}, timeout=None)
        assert r.status_code == 201, r.text
    finally:
        shim_requests.set_default_timeout(DEFAULT_TIMEOUT)


def test_a_timeout_requests_refuses_is_refused_the_same_way(emu):
    for bad in ([1, 2], (1, 2, 3)):
        with pytest.raises(ValueError, match="(?i)timeout"):
            requests.post(trigger_url(emu), timeout=bad)
        with pytest.raises(ValueError, match="(?i)timeout"):
            shim_requests.post(trigger_url(emu), headers={"Circle-Token": emu.token}, timeout=bad)
    assert ops(emu, "triggerPipeline") == 0
