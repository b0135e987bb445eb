"""examples/warehouse end to end: a version 2 config whose jobs read v1.1 build parameters, a shell trigger
of one job (CIRCLE_JOB=deploy, DEPLOY_ENV=stage) and a Python trigger with RUN_EXTRA_TESTS.

After `fix --unsafe-fixes`, both migrated scripts run against the emulator loaded with the migrated config:
no pipeline errors, the shell trigger runs exactly the deploy job with DEPLOY_ENV=stage in its environment,
the Python trigger runs the usual workflow with RUN_EXTRA_TESTS=true, and a push runs what it ran before.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from clirun import run_cli

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra (openapi-core)")

from circleci_v2.shim.emulator import Emulator  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "warehouse"
SLUG = "gh/acme/warehouse"
needs_shell = pytest.mark.skipif(shutil.which("bash") is None or shutil.which("curl") is None,
                                 reason="needs bash and curl")


@pytest.fixture
def project(tmp_path):
    copy = tmp_path / "warehouse"
    shutil.copytree(EXAMPLE, copy)
    subprocess.run(["git", "init", "-q", str(copy)], check=True)
    return copy


def run_script(project: Path, emu: Emulator, argv: List[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, CIRCLECI_HOST=emu.url, CIRCLE_TOKEN=emu.token)
    if argv[0].endswith(".py"):
        argv = [sys.executable, *argv]
    return subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=60)


def ran(emu: Emulator, pipeline_id: str) -> List[Tuple[str, str, Dict[str, str]]]:
    """(workflow, job, environment) of every job the pipeline runs."""
    pipeline = emu.state.pipeline(pipeline_id)
    return [(wf.name, job.name, job.environment) for wf in pipeline.workflows for job in wf.jobs]


def push(emu: Emulator) -> str:
    """A pipeline with no parameters, as a push makes one."""
    return emu.add_pipeline(SLUG, branch="main").id


def test_before_the_migration_a_push_runs_the_workflow(project):
    with Emulator(validate=False) as emu:
        emu.add_project(SLUG, config=(project / ".circleci" / "config.yml").read_text())
        assert [(w, j) for w, j, _ in ran(emu, push(emu))] == [
            ("build-test-deploy", "build"), ("build-test-deploy", "test"), ("build-test-deploy", "deploy")]


@needs_shell
def test_the_migrated_triggers_run_what_v1_1_ran(project):
    with Emulator(workflow_delay=0.0) as before_emu:
        before_emu.add_project(SLUG, config=(project / ".circleci" / "config.yml").read_text())
        pushed_before = [(w, j) for w, j, _ in ran(before_emu, push(before_emu))]

    fixed = run_cli("fix", "--unsafe-fixes", "--report", "migration.md", ".", cwd=project)
    assert fixed.returncode == 1, fixed.stderr  # files changed
    report = (project / "migration.md").read_text()
    assert "**No manual work remains.**" in report, report
    assert "version: 2 -> 2.1" in report

    with Emulator(workflow_delay=0.0) as emu:
        emu.add_project(SLUG, config=(project / ".circleci" / "config.yml").read_text())

        deploy = run_script(project, emu, ["bash", "scripts/deploy_stage.sh", "main"])
        assert deploy.returncode == 0, deploy.stderr
        nightly = run_script(project, emu, ["scripts/nightly_tests.py", "--branch", "main"])
        assert nightly.returncode == 0, nightly.stderr

        triggers = [c for c in emu.calls if c.operation_id == "triggerPipeline"]
        assert [(c.status, c.valid) for c in triggers] == [(201, True), (201, True)]
        assert triggers[0].json == {"branch": "main", "parameters": {"run-job": "deploy", "DEPLOY_ENV": "stage"}}
        assert triggers[1].json == {"parameters": {"RUN_EXTRA_TESTS": "true"}, "branch": "main"}
        shell_id, python_id = (c.response["id"] for c in triggers)
        for pipeline_id in (shell_id, python_id):
            pipeline = emu.state.pipeline(pipeline_id)
            assert pipeline.config_errors == [] and pipeline.state(emu.clock.now()) == "created"

        # the shell trigger runs exactly the deploy job, with the value it sent in the job's environment
        [(workflow, job, env)] = ran(emu, shell_id)
        assert (workflow, job) == ("run-deploy", "deploy") and env["DEPLOY_ENV"] == "stage"

        # the Python trigger runs the usual workflow; the test job sees RUN_EXTRA_TESTS=true
        jobs = ran(emu, python_id)
        assert [(w, j) for w, j, _ in jobs] == pushed_before
        assert dict((j, e) for _, j, e in jobs)["test"]["RUN_EXTRA_TESTS"] == "true"

        # a push runs what it ran before, with the variables empty as v1.1 left them unset
        pushed = ran(emu, push(emu))
        assert [(w, j) for w, j, _ in pushed] == pushed_before
        envs = dict((j, e) for _, j, e in pushed)
        assert envs["test"] == {"RUN_EXTRA_TESTS": ""} and envs["deploy"] == {"DEPLOY_ENV": ""}
        emu.assert_valid()

    # a second run changes nothing
    again = run_cli("fix", "--unsafe-fixes", ".", cwd=project)
    assert "fixed 0 finding(s) in 0 files" in again.stderr, again.stderr


def test_the_shim_sends_the_job_parameter_by_its_v2_name(project):
    """Code still on v1.1 behind circleci_v2.shim.requests selects the job the same way the migrated scripts do."""
    import warnings

    from circleci_v2.shim import requests as shim_requests

    run_cli("fix", "--unsafe-fixes", ".circleci", "scripts", cwd=project)
    with Emulator(workflow_delay=0.0) as emu:
        emu.add_project(SLUG, config=(project / ".circleci" / "config.yml").read_text())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reply = shim_requests.post(f"{emu.v1_url}/project/github/acme/warehouse/tree/main",
                                       json={"build_parameters": {"CIRCLE_JOB": "deploy", "DEPLOY_ENV": "stage"}},
                                       headers={"Circle-Token": emu.token, "Accept": "application/json"})
        assert reply.status_code in (200, 201), reply.text
        [trigger] = [c for c in emu.calls if c.operation_id == "triggerPipeline"]
        assert trigger.json["parameters"] == {"run-job": "deploy", "DEPLOY_ENV": "stage"}
        assert [(w, j) for w, j, _ in ran(emu, trigger.response["id"])] == [("run-deploy", "deploy")]
