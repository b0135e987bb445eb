"""wait_for_workflows: workflows appear asynchronously after a trigger."""
from __future__ import annotations

import pytest

from circleci_v2.shim.client import CircleCIClient
from circleci_v2.shim.emulator import Clock
from circleci_v2.shim.errors import PipelineErrored, WaitTimeout

SLUG = "gh/acme/app"
CONFIG = """\
version: 2.1
parameters:
  deploy: {type: boolean, default: false}
jobs:
  build: {docker: [{image: cimg/base:stable}], steps: [checkout]}
  lint: {docker: [{image: cimg/base:stable}], steps: [checkout]}
workflows:
  build: {jobs: [build]}
  lint: {jobs: [lint]}
"""


def test_waits_in_real_time_for_delayed_workflows(circleci_emulator_factory):
    emu = circleci_emulator_factory(workflow_delay=0.05)
    emu.add_project(SLUG, config=CONFIG)
    with CircleCIClient(emu.token, emu.url) as client:
        created = client.trigger_pipeline(SLUG, branch="main")
        assert list(client.list_pipeline_workflows(created["id"])) == [], "not there yet"
        workflows = client.wait_for_workflows(created["id"], poll=0.01, timeout=5)
    assert sorted(w["name"] for w in workflows) == ["build", "lint"]
    assert all(w["pipeline_id"] == created["id"] for w in workflows)


class DrivenTime:
    """The client's sleep and clock, driving the emulator's frozen clock: no real waiting."""

    def __init__(self, emu):
        self.emu = emu
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.emu.advance(seconds)

    def clock(self):
        return self.emu.clock.now()


@pytest.fixture
def driven(circleci_emulator_factory):
    emu = circleci_emulator_factory(clock=Clock(frozen=True), workflow_delay=5.0)
    emu.add_project(SLUG, config=CONFIG)
    time = DrivenTime(emu)
    client = CircleCIClient(emu.token, emu.url, sleep=time.sleep, clock=time.clock)
    yield emu, client, time
    client.close()


def test_polls_with_backoff_until_stable(driven):
    emu, client, time = driven
    created = client.trigger_pipeline(SLUG, branch="main")
    workflows = client.wait_for_workflows(created["id"], poll=1.0, max_poll=2.0, stable_polls=2,
                                          timeout=60)
    assert sorted(w["name"] for w in workflows) == ["build", "lint"]
    # Intervals grow by half up to max_poll: 1, 1.5, 2, 2 (6.5 s: the workflows, which
    # appear at 5 s, are seen), then one more poll sees the same workflows again.
    assert time.sleeps == [1.0, 1.5, 2.0, 2.0, 2.0]
    listed = [c for c in emu.calls if c.operation_id == "listWorkflowsByPipelineId"]
    assert len(listed) == len(time.sleeps) + 1


def test_stable_polls_one_returns_at_first_sight(driven):
    emu, client, time = driven
    created = client.trigger_pipeline(SLUG, branch="main")
    client.wait_for_workflows(created["id"], poll=1.0, max_poll=10.0, stable_polls=1, timeout=60)
    assert time.sleeps == [1.0, 1.5, 2.25, 3.375][:len(time.sleeps)]
    assert sum(time.sleeps[:-1]) < 5.0 <= sum(time.sleeps)


def test_timeout_carries_what_was_seen(driven):
    emu, client, time = driven
    created = client.trigger_pipeline(SLUG, branch="main")
    with pytest.raises(WaitTimeout) as info:
        client.wait_for_workflows(created["id"], poll=1.0, timeout=3.0)
    err = info.value
    assert err.workflows == [] and err.pipeline["id"] == created["id"]
    assert "did not settle within 3 s" in str(err) and "no workflows yet" in str(err)
    assert sum(time.sleeps) == pytest.approx(3.0)  # the last sleep is cut to the deadline


def test_errored_pipeline_raises_with_its_errors(driven):
    emu, client, time = driven
    created = client.trigger_pipeline(SLUG, branch="main", parameters={"undeclared": 1})
    with pytest.raises(PipelineErrored) as info:
        client.wait_for_workflows(created["id"], poll=1.0, timeout=60)
    err = info.value
    assert err.errors == err.pipeline["errors"] and err.errors
    assert all(set(e) >= {"type", "message"} for e in err.errors)
    assert "undeclared" in str(err)
    # The service errors the pipeline when it processes the config (after the delay);
    # the first poll that sees it stops.
    assert sum(time.sleeps[:-1]) < 5.0 <= sum(time.sleeps)


def test_bad_arguments(driven):
    emu, client, time = driven
    with pytest.raises(ValueError):
        client.wait_for_workflows("x", stable_polls=0)
    with pytest.raises(ValueError):
        client.wait_for_workflows("x", poll=0)
