"""Recent builds on v2: which requests the translation makes, in what order it ranks, and the fan-out.

v1.1 answered /recent-builds in one request; v2 needs the pipelines, the
workflows of each and the jobs of each workflow. These tests count those
requests on the emulator and check that reading them side by side, or from
the cache of finished workflows, never changes the answer.
"""
from __future__ import annotations

import os
import threading
import time
import warnings

import pytest

from circleci_v2.shim import fanout, translate
from circleci_v2.shim.circleci import Api
from circleci_v2.shim.client import CircleCIClient
from circleci_v2.shim.deprecation import CircleCIDeprecationWarning

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")

from emulator_support import CONFIG, SLUG  # noqa: E402

JOBS_PER_PIPELINE = 4  # CONFIG: build, test, lint in one workflow, deploy in the other


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CircleCIDeprecationWarning)
        yield


def _calls(emu, operation_id):
    return [c for c in emu.calls if c.operation_id == operation_id]


def test_finished_workflows_jobs_are_read_once(circleci_emulator_factory):
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, config=CONFIG)
    api = Api(emu.token, emu.url)
    for _ in range(2):
        api.trigger_build("acme", "app", "main")
    emu.clear_calls()
    first = api.get_recent_builds(limit=8)
    assert len(_calls(emu, "listWorkflowJobs")) == 2 * 2  # two pipelines, two workflows each
    emu.clear_calls()
    again = api.get_recent_builds(limit=8)
    assert again == first
    assert [c.operation_id for c in emu.calls] == ["listPipelines"] + ["listWorkflowsByPipelineId"] * 2
    emu.assert_valid()


def test_running_workflows_jobs_are_read_every_time(circleci_emulator_factory):
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, config=CONFIG, job_durations={"deploy": 3600})
    api = Api(emu.token, emu.url, wait=False)
    api.trigger_build("acme", "app", "main")
    time.sleep(0.05)
    api.get_recent_builds(limit=4)
    emu.clear_calls()
    builds = api.get_recent_builds(limit=4)
    # build-test finished: its jobs come from the cache; release is still running: read again
    assert len(_calls(emu, "listWorkflowJobs")) == 1
    assert {b["workflows"]["job_name"]: b["status"] for b in builds}["deploy"] == "running"


def test_a_finished_workflow_whose_jobs_still_run_is_read_again(circleci_emulator_factory):
    """The workflow list may say canceled while a job still shows running: only final jobs are kept."""
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, config=CONFIG, job_durations={"deploy": 3600})
    client = CircleCIClient(emu.token, emu.url)
    pipeline = client.trigger_pipeline(SLUG, branch="main")
    release = next(w for w in client.wait_for_workflows(pipeline["id"], poll=0.01, stable_polls=1, timeout=5)
                   if w["name"] == "release")
    cache = translate.FinishedJobsCache()
    as_listed = dict(release, status="canceled")  # what a listing may say a moment before the jobs do
    emu.clear_calls()
    for _ in range(2):
        assert [j["status"] for j in cache.jobs(client, as_listed)] == ["running"]
    assert len(_calls(emu, "listWorkflowJobs")) == 2


def test_limit_over_several_pipelines_matches_the_serial_answer(circleci_emulator_factory, monkeypatch):
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, config=CONFIG)
    api = Api(emu.token, emu.url, wait=False)
    for _ in range(6):
        api.trigger_build("acme", "app", "main")
    time.sleep(0.05)
    emu.clear_calls()
    side_by_side = translate.recent_builds(api._v2, limit=10, offset=3)
    read, width = len(_calls(emu, "listWorkflowsByPipelineId")), fanout.WIDTH
    monkeypatch.setattr(fanout, "WIDTH", 1)
    serial = translate.recent_builds(CircleCIClient(emu.token, emu.url), limit=10, offset=3)
    assert side_by_side == serial and len(serial) == 10
    nums = [b["build_num"] for b in serial]
    assert nums == sorted(nums, reverse=True)
    # 13 builds at 4 a pipeline need 4 pipelines; batching may read at most one batch more
    assert 4 <= read <= 4 + width


def test_builds_rank_by_pipeline_then_job_number_across_projects(circleci_emulator_factory):
    """Job numbers are per project: across an org, newer pipelines come first, whatever their numbers."""
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, config=CONFIG)
    emu.add_project("gh/acme/other", config=CONFIG)
    client = CircleCIClient(emu.token, emu.url)
    for _ in range(3):
        client.trigger_pipeline(SLUG, branch="main")  # app's jobs reach numbers 9-12
    time.sleep(0.01)
    client.trigger_pipeline("gh/acme/other", branch="main")  # other's newest pipeline has jobs 1-4
    time.sleep(0.05)
    builds = translate.recent_builds(client, "gh/acme", limit=6)
    assert [b["reponame"] for b in builds] == ["other"] * 4 + ["app"] * 2
    assert [b["build_num"] for b in builds] == [4, 3, 2, 1, 12, 11]


def test_zero_limit_makes_no_request(circleci_emulator_factory):
    emu = circleci_emulator_factory()
    assert translate.recent_builds(CircleCIClient(emu.token, emu.url), limit=0) == []
    assert emu.calls == []


def test_after_a_429_the_reads_go_one_by_one(circleci_emulator_factory):
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, config=CONFIG)
    client = CircleCIClient(emu.token, emu.url)
    pipeline = client.trigger_pipeline(SLUG, branch="main")
    threads = []

    def read(_):
        threads.append(threading.current_thread().name)
        time.sleep(0.02)  # long enough for the pool to take the others
        return list(client.list_pipeline_workflows(pipeline["id"]))

    fanout.fan_out(client, read, range(4))
    assert len(set(threads)) > 1
    emu.faults.rate_limit("listWorkflowsByPipelineId", retry_after=0)
    list(client.list_pipeline_workflows(pipeline["id"]))  # 429, then the transport's retry succeeds
    threads.clear()
    results = fanout.fan_out(client, read, range(4))
    assert set(threads) == {threading.current_thread().name}
    assert len(results) == 4 and client.transport.rate_limited_within(fanout.RATE_LIMIT_MEMORY)


def test_fan_out_keeps_order_and_raises_the_first_error_after_the_others_settle(circleci_emulator_factory):
    emu = circleci_emulator_factory()
    client = CircleCIClient(emu.token, emu.url)
    running = set()
    lock = threading.Lock()

    def read(n):
        with lock:
            running.add(n)
        time.sleep(0.01 * (4 - n))
        with lock:
            running.discard(n)
        if n == 2:
            raise ValueError(f"item {n}")
        return n * 10

    assert fanout.fan_out(client, lambda n: n * 10, list(range(6))) == [0, 10, 20, 30, 40, 50]
    with pytest.raises(ValueError, match="item 2"):
        fanout.fan_out(client, read, list(range(4)))
    assert running == set()  # nothing still reading after the call returned


def test_the_organisation_comes_from_the_constructor_or_the_environment(circleci_emulator_factory, monkeypatch):
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, config=CONFIG)
    emu.add_project("gh/globex/site", config=CONFIG)
    client = CircleCIClient(emu.token, emu.url)
    client.trigger_pipeline(SLUG, branch="main")
    client.trigger_pipeline("gh/globex/site", branch="main")
    time.sleep(0.05)
    monkeypatch.delenv("CIRCLECI_ORG_SLUG", raising=False)
    emu.clear_calls()
    assert {b["username"] for b in Api(emu.token, emu.url, org="gh/acme").get_recent_builds()} == {"acme"}
    monkeypatch.setenv("CIRCLECI_ORG_SLUG", "gh/globex")
    assert {b["username"] for b in Api(emu.token, emu.url).get_recent_builds()} == {"globex"}
    listed = _calls(emu, "listPipelines")
    assert [c.query.get("org-slug") for c in listed] == [["gh/acme"], ["gh/globex"]]
    emu.assert_valid()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fan_out_works_in_a_forked_child(circleci_emulator_factory):
    """A pre-fork server (gunicorn, multiprocessing) forks after the parent's pool has threads."""
    emu = circleci_emulator_factory()
    client = CircleCIClient(emu.token, emu.url)
    slow = lambda n: (time.sleep(0.01), n)[1]  # noqa: E731
    for _ in range(2):  # the parent's pool now has all its threads, idle
        assert fanout.fan_out(client, slow, list(range(8))) == list(range(8))
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if the fan-out finishes
        try:
            done = fanout.fan_out(client, slow, [1, 2, 3, 4]) == [1, 2, 3, 4]
        finally:
            os._exit(0 if locals().get("done") else 1)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        finished, status = os.waitpid(pid, os.WNOHANG)
        if finished:
            break
        time.sleep(0.01)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the fan-out hung in the forked child")
    assert os.waitstatus_to_exitcode(status) == 0
