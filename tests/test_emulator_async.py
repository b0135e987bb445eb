"""Workflows and jobs appear and finish later, as on the real service; the clock drives it."""
from __future__ import annotations

import time

from circleci_v2.shim.emulator import Clock
from emulator_support import CONFIG, SLUG, jobs, project_emulator, session, trigger, workflows


def test_workflows_appear_after_the_delay_with_a_real_clock(circleci_emulator_factory):
    emu = project_emulator(circleci_emulator_factory)
    s = session(emu)
    created = trigger(s, emu)
    assert created["state"] == "pending"
    assert workflows(s, emu, created["id"]) == []
    time.sleep(0.06)
    assert len(workflows(s, emu, created["id"])) == 2
    assert s.get(f"{emu.v2_url}/pipeline/{created['id']}").json()["state"] == "created"


def test_a_driven_clock_needs_no_sleep(circleci_emulator_factory):
    emu = circleci_emulator_factory(workflow_delay=30, job_duration=60, clock=Clock(frozen=True))
    emu.add_project(SLUG, config=CONFIG)
    s = session(emu)
    created = trigger(s, emu)
    assert workflows(s, emu, created["id"]) == []
    emu.advance(30)
    wf = next(w for w in workflows(s, emu, created["id"]) if w["name"] == "build-test")
    assert wf["status"] == "running" and wf["stopped_at"] is None
    status = {j["name"]: j["status"] for j in jobs(s, emu, wf["id"])}
    assert status == {"build": "running", "test": "blocked", "lint": "running"}
    blocked = next(j for j in jobs(s, emu, wf["id"]) if j["name"] == "test")
    assert blocked["started_at"] is None
    emu.advance(60)
    status = {j["name"]: j["status"] for j in jobs(s, emu, wf["id"])}
    assert status == {"build": "success", "test": "running", "lint": "success"}
    emu.advance(60)
    wf = s.get(f"{emu.v2_url}/workflow/{wf['id']}").json()
    assert wf["status"] == "success"
    details = s.get(f"{emu.v2_url}/project/{SLUG}/job/2").json()
    assert details["name"] == "test" and details["duration"] == 60000
    emu.assert_valid()


def test_a_failing_job_makes_the_workflow_failing_then_failed(circleci_emulator_factory):
    emu = circleci_emulator_factory(clock=Clock(frozen=True))
    emu.add_project(SLUG, config=CONFIG, job_outcomes={"lint": "failed"}, job_durations={"lint": 10, "build": 20,
                                                                                          "test": 20})
    s = session(emu)
    created = trigger(s, emu)
    wf = next(w for w in workflows(s, emu, created["id"]) if w["name"] == "build-test")
    emu.advance(15)
    assert s.get(f"{emu.v2_url}/workflow/{wf['id']}").json()["status"] == "failing"
    emu.advance(30)
    assert s.get(f"{emu.v2_url}/workflow/{wf['id']}").json()["status"] == "failed"


def test_jobs_after_a_failure_do_not_run(circleci_emulator_factory):
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, config=CONFIG, job_outcomes={"build": "failed"})
    s = session(emu)
    created = trigger(s, emu)
    wf = next(w for w in workflows(s, emu, created["id"]) if w["name"] == "build-test")
    status = {j["name"]: j["status"] for j in jobs(s, emu, wf["id"])}
    assert status == {"build": "failed", "test": "not_run", "lint": "success"}
    assert wf["status"] == "failed"


def test_outcome_lists_are_used_in_turn(circleci_emulator_factory):
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, job_outcomes={"build": ["failed", "success"]})
    s = session(emu)
    statuses = []
    for _ in range(3):
        created = trigger(s, emu)
        statuses.append(workflows(s, emu, created["id"])[0]["status"])
    assert statuses == ["failed", "success", "success"]


def test_errored_pipeline_appears_errored_after_the_delay(circleci_emulator_factory):
    emu = circleci_emulator_factory(workflow_delay=5, clock=Clock(frozen=True))
    emu.add_project(SLUG, config=CONFIG)
    s = session(emu)
    created = trigger(s, emu, parameters={"undeclared": "x"})
    pipeline = s.get(f"{emu.v2_url}/pipeline/{created['id']}").json()
    assert pipeline["state"] == "pending" and pipeline["errors"] == []
    emu.advance(5)
    pipeline = s.get(f"{emu.v2_url}/pipeline/{created['id']}").json()
    assert pipeline["state"] == "errored" and pipeline["errors"]


def test_workflow_ids_are_unknown_until_they_appear(circleci_emulator_factory):
    emu = circleci_emulator_factory(workflow_delay=10, clock=Clock(frozen=True))
    emu.add_project(SLUG)
    s = session(emu)
    created = trigger(s, emu)
    hidden = emu.state.pipeline(created["id"]).workflows[0].id
    assert s.get(f"{emu.v2_url}/workflow/{hidden}").status_code == 404
    emu.advance(10)
    assert s.get(f"{emu.v2_url}/workflow/{hidden}").status_code == 200


def test_the_delay_can_change_between_triggers(circleci_emulator_factory):
    emu = circleci_emulator_factory(clock=Clock(frozen=True))
    emu.add_project(SLUG)
    s = session(emu)
    emu.workflow_delay = 3
    created = trigger(s, emu)
    assert workflows(s, emu, created["id"]) == []
    emu.advance(3)
    assert len(workflows(s, emu, created["id"])) == 1
