"""The config compilation the emulator does at a trigger: declared parameters with types and defaults,
`<< pipeline.parameters.x >>` in a job's environment, and workflow `when:` / `unless:` logic statements."""
from __future__ import annotations

import pytest

from emulator_support import session, trigger, workflows

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra (openapi-core)")

SLUG = "gh/acme/warehouse"
CONFIG = """\
version: 2.1
parameters:
  run-job: {type: string, default: ""}
  DEPLOY_ENV: {type: string, default: ""}
  shards: {type: integer, default: 2}
  nightly: {type: boolean, default: false}
jobs:
  build:
    docker: [{image: cimg/base:stable}]
    environment:
      SHARDS: << pipeline.parameters.shards >>
      WHERE: "branch << pipeline.git.branch >>, nightly << pipeline.parameters.nightly >>"
    steps: [checkout]
  deploy:
    docker: [{image: cimg/base:stable}]
    environment: {DEPLOY_ENV: << pipeline.parameters.DEPLOY_ENV >>, FIXED: "1"}
    steps: [checkout]
  slow:
    docker: [{image: cimg/base:stable}]
    steps: [checkout]
workflows:
  main:
    unless: << pipeline.parameters.run-job >>
    jobs: [build]
  run-deploy:
    when:
      equal: [deploy, << pipeline.parameters.run-job >>]
    jobs: [deploy]
  nightly:
    when:
      and:
        - << pipeline.parameters.nightly >>
        - not: {equal: [0, << pipeline.parameters.shards >>]}
        - or: [{matches: {pattern: "^ma.*", value: << pipeline.git.branch >>}}, false]
    jobs: [slow]
"""


def _run(emu, **body):
    s = session(emu)
    created = trigger(s, emu, SLUG, **body)
    pipeline = s.get(f"{emu.v2_url}/pipeline/{created['id']}").json()
    names = sorted(w["name"] for w in workflows(s, emu, created["id"]))
    return pipeline, names, emu.state.pipeline(created["id"])


@pytest.fixture
def emu(circleci_emulator):
    circleci_emulator.add_project(SLUG, config=CONFIG)
    return circleci_emulator


def test_a_push_runs_the_ungated_workflow_with_defaults_in_the_environment(emu):
    pipeline, names, state = _run(emu, branch="main")
    assert pipeline["state"] == "created" and pipeline["errors"] == []
    assert names == ["main"]
    [build] = state.workflows[0].jobs
    assert build.environment == {"SHARDS": "2", "WHERE": "branch main, nightly false"}
    emu.assert_valid()


def test_a_job_parameter_runs_only_that_jobs_workflow_with_the_values_sent(emu):
    _, names, state = _run(emu, branch="main", parameters={"run-job": "deploy", "DEPLOY_ENV": "stage"})
    assert names == ["run-deploy"]
    [deploy] = state.workflows[0].jobs
    assert deploy.name == "deploy" and deploy.environment == {"DEPLOY_ENV": "stage", "FIXED": "1"}


def test_and_or_not_matches_and_truthiness(emu):
    assert _run(emu, branch="main", parameters={"nightly": True})[1] == ["main", "nightly"]
    assert _run(emu, branch="feature", parameters={"nightly": True})[1] == ["main"]  # matches fails
    assert _run(emu, branch="main", parameters={"nightly": True, "shards": 0})[1] == ["main"]  # not equal 0
    # an unknown job name selects no job workflow, and the other workflows still stand aside
    _, names, state = _run(emu, branch="main", parameters={"run-job": "nope"})
    assert names == [] and state.config_errors == []


@pytest.mark.parametrize("parameters, message", [
    ({"RUN_EXTRA_TESTS": "true"}, "Unexpected argument(s): RUN_EXTRA_TESTS"),
    ({"nightly": "true"}, "Expected a boolean for pipeline parameter nightly, got 'true'"),
    ({"shards": "2"}, "Expected an integer for pipeline parameter shards, got '2'"),
])
def test_undeclared_or_mistyped_parameters_error_the_pipeline(emu, parameters, message):
    pipeline, names, _ = _run(emu, branch="main", parameters=parameters)
    assert pipeline["state"] == "errored" and names == []
    assert pipeline["errors"] == [{"type": "config", "message": message}]


def test_a_reference_to_an_undeclared_parameter_errors_the_pipeline(circleci_emulator):
    circleci_emulator.add_project(SLUG, config=CONFIG.replace("<< pipeline.parameters.DEPLOY_ENV >>",
                                                              "<< pipeline.parameters.TARGET >>"))
    pipeline, names, _ = _run(circleci_emulator, branch="main")
    assert pipeline["state"] == "errored" and names == []
    assert pipeline["errors"] == [{"type": "config", "message": "Unknown variable(s): pipeline.parameters.TARGET"}]


def test_a_rerun_keeps_the_compiled_environment(emu):
    s = session(emu)
    created = trigger(s, emu, SLUG, branch="main", parameters={"run-job": "deploy", "DEPLOY_ENV": "prod"})
    [wf] = workflows(s, emu, created["id"])
    emu.advance(1)  # the workflow has finished
    assert s.post(f"{emu.v2_url}/workflow/{wf['id']}/rerun", json={}).status_code == 202
    reruns = [w for w in emu.state.pipeline(created["id"]).workflows if w.rerun_of is not None]
    assert reruns and reruns[0].jobs[0].environment["DEPLOY_ENV"] == "prod"
