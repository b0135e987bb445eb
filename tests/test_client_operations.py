"""Every CircleCIClient method against the emulator, over real HTTP.

Each call must reach the operation it names, with a request the official spec
accepts (the emulator validates it), and return what the types promise.
"""
from __future__ import annotations

import pytest

from circleci_v2.shim.client import CircleCIClient
from circleci_v2.shim.errors import BadRequest, NotFound, PipelineErrored, Unauthorized
from circleci_v2.shim.slugs import SlugError

SLUG = "gh/acme/app"
CONFIG = """\
version: 2.1
parameters:
  deploy:
    type: boolean
    default: false
  region:
    type: string
    default: eu
jobs:
  build:
    docker: [{image: cimg/base:stable}]
    steps: [checkout]
  test:
    docker: [{image: cimg/base:stable}]
    steps: [checkout]
workflows:
  build-and-test:
    jobs:
      - build
      - test:
          requires: [build]
"""
TESTS = [{"name": "test_login", "classname": "tests.test_auth", "file": "tests/test_auth.py",
          "result": "success", "run_time": 0.25, "message": ""}]


@pytest.fixture
def emu(circleci_emulator_factory):
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, config=CONFIG, artifacts={"build": ["dist/app.tar.gz", "dist/app.whl"]},
                    tests={"test": TESTS})
    return emu


@pytest.fixture
def client(emu):
    with CircleCIClient(emu.token, emu.url) as c:
        yield c


def expect(emu, operation_id, count=1):
    """The last `count` calls reached `operation_id` and the spec accepted them."""
    calls = emu.calls[-count:]
    assert [c.operation_id for c in calls] == [operation_id] * count, [str(c) for c in calls]
    assert all(c.valid for c in calls), [c.errors for c in calls]
    return calls[-1]


def finished_run(client, emu, **trigger):
    """Trigger a pipeline and return it with its workflows and jobs (the emulator has no delay here)."""
    created = client.trigger_pipeline(SLUG, **trigger)
    workflows = client.wait_for_workflows(created["id"], poll=0.01, stable_polls=1, timeout=5)
    jobs = list(client.list_workflow_jobs(workflows[0]["id"]))
    return created, workflows, jobs


def test_get_current_user(client, emu):
    user = client.get_current_user()
    assert user["login"] == "test-user" and set(user) >= {"id", "login", "name", "avatar_url"}
    call = expect(emu, "getCurrentUser")
    assert call.headers.get("Circle-Token") == "***"  # sent as the header (the emulator redacts it)
    assert "circle-token" not in call.query


def test_get_project_normalises_the_slug(client, emu):
    project = client.get_project("github/acme/app")
    assert project["slug"] == SLUG and project["vcs_info"]["provider"] == "GitHub"
    assert expect(emu, "getProjectBySlug").path == "/api/v2/project/gh/acme/app"


def test_trigger_pipeline_with_branch_and_parameters(client, emu):
    created = client.trigger_pipeline(SLUG, branch="feature/x", parameters={"deploy": True, "region": "us"})
    assert set(created) >= {"id", "state", "number", "created_at"}
    call = expect(emu, "triggerPipeline")
    assert call.status == 201
    assert call.json == {"branch": "feature/x", "parameters": {"deploy": True, "region": "us"}}
    pipeline = client.get_pipeline(created["id"])
    assert pipeline["vcs"]["branch"] == "feature/x"
    assert pipeline["trigger_parameters"]["deploy"] is True


def test_trigger_pipeline_with_tag(client, emu):
    created = client.trigger_pipeline(SLUG, tag="v1.2.3")
    assert expect(emu, "triggerPipeline").json == {"tag": "v1.2.3"}
    assert client.get_pipeline(created["id"])["vcs"]["tag"] == "v1.2.3"


def test_trigger_refuses_branch_and_tag_before_sending(client, emu):
    emu.clear_calls()
    with pytest.raises(ValueError, match="branch or tag"):
        client.trigger_pipeline(SLUG, branch="main", tag="v1")
    with pytest.raises(TypeError, match="parameter 'x' must be a string, integer or boolean"):
        client.trigger_pipeline(SLUG, parameters={"x": 1.5})
    assert emu.calls == []


def test_undeclared_parameter_is_refused_by_the_service(client, emu):
    created = client.trigger_pipeline(SLUG, branch="main", parameters={"nope": "x"})
    with pytest.raises(PipelineErrored) as info:
        client.wait_for_workflows(created["id"], poll=0.01, timeout=5)
    err = info.value
    assert err.errors and err.errors[0]["type"] == "config"
    assert "nope" in err.errors[0]["message"] and "nope" in str(err)
    assert err.pipeline["state"] == "errored"


def test_pipeline_reads(client, emu):
    created, workflows, jobs = finished_run(client, emu, branch="main")
    assert client.get_pipeline(created["id"])["id"] == created["id"]
    expect(emu, "getPipelineById")
    by_number = client.get_pipeline_by_number(SLUG, created["number"])
    assert by_number["id"] == created["id"]
    assert expect(emu, "getPipelineByNumber").path.endswith(f"/pipeline/{created['number']}")
    config = client.get_pipeline_config(created["id"])
    assert "build-and-test" in config["source"] and isinstance(config["compiled"], str)
    expect(emu, "getPipelineConfigById")
    assert [w["name"] for w in client.list_pipeline_workflows(created["id"])] == ["build-and-test"]
    expect(emu, "listWorkflowsByPipelineId")


def test_pipeline_lists(client, emu):
    first = client.trigger_pipeline(SLUG, branch="main")
    second = client.trigger_pipeline(SLUG, branch="dev")
    assert [p["id"] for p in client.list_project_pipelines(SLUG)] == [second["id"], first["id"]]
    expect(emu, "listPipelinesForProject")
    assert [p["id"] for p in client.list_project_pipelines(SLUG, branch="dev")] == [second["id"]]
    assert expect(emu, "listPipelinesForProject").query == {"branch": ["dev"]}
    assert {p["id"] for p in client.list_my_pipelines(SLUG)} == {first["id"], second["id"]}
    expect(emu, "listMyPipelines")
    assert {p["id"] for p in client.list_pipelines("github/acme")} == {first["id"], second["id"]}
    assert expect(emu, "listPipelines").query == {"org-slug": ["gh/acme"]}
    assert len(list(client.list_pipelines("gh/acme", mine=True))) == 2
    assert expect(emu, "listPipelines").query == {"org-slug": ["gh/acme"], "mine": ["true"]}
    assert list(client.list_pipelines("gh/other")) == []


def test_workflow_and_job_operations(client, emu):
    created, workflows, jobs = finished_run(client, emu, branch="main")
    workflow = client.get_workflow(workflows[0]["id"])
    assert workflow["pipeline_id"] == created["id"] and workflow["project_slug"] == SLUG
    expect(emu, "getWorkflowById")
    assert [j["name"] for j in jobs] == ["build", "test"]
    assert jobs[1]["dependencies"] == [jobs[0]["id"]]

    build = client.get_job(SLUG, jobs[0]["job_number"])
    assert build["name"] == "build" and build["latest_workflow"]["id"] == workflow["id"]
    expect(emu, "getJobDetails")

    artifacts = list(client.list_job_artifacts(SLUG, jobs[0]["job_number"]))
    assert [a["path"] for a in artifacts] == ["dist/app.tar.gz", "dist/app.whl"]
    expect(emu, "getJobArtifacts")
    results = list(client.list_job_tests(SLUG, jobs[1]["job_number"]))
    assert [(t["name"], t["result"], t["run_time"]) for t in results] == [("test_login", "success", 0.25)]
    expect(emu, "getTests")


def test_rerun_variants(client, emu):
    created, workflows, jobs = finished_run(client, emu, branch="main")
    wf = workflows[0]["id"]
    whole = client.rerun_workflow(wf)
    assert expect(emu, "rerunWorkflow").json == {}
    ssh = client.rerun_workflow(wf, jobs=[jobs[0]["id"]], enable_ssh=True)
    assert expect(emu, "rerunWorkflow").json == {"jobs": [jobs[0]["id"]], "enable_ssh": True}
    sparse = client.rerun_workflow(wf, jobs=[jobs[1]["id"]], sparse_tree=True)
    assert expect(emu, "rerunWorkflow").json == {"jobs": [jobs[1]["id"]], "sparse_tree": True}
    new_ids = {whole["workflow_id"], ssh["workflow_id"], sparse["workflow_id"]}
    assert len(new_ids) == 3 and wf not in new_ids
    seen = {w["id"] for w in client.list_pipeline_workflows(created["id"])}
    assert new_ids | {wf} == seen  # reruns are new workflows of the same pipeline


def test_rerun_from_failed(client, emu):
    emu.add_project("gh/acme/flaky", config=CONFIG, job_outcomes={"test": "failed"})
    created = client.trigger_pipeline("gh/acme/flaky", branch="main")
    workflows = client.wait_for_workflows(created["id"], poll=0.01, stable_polls=1, timeout=5)
    result = client.rerun_workflow(workflows[0]["id"], from_failed=True)
    assert expect(emu, "rerunWorkflow").json == {"from_failed": True}
    assert result["workflow_id"] != workflows[0]["id"]


def test_rerun_argument_rules(client, emu):
    emu.clear_calls()
    with pytest.raises(ValueError, match="cannot be combined"):
        client.rerun_workflow("w", jobs=["j"], from_failed=True)
    with pytest.raises(ValueError, match="need jobs"):
        client.rerun_workflow("w", enable_ssh=True)
    with pytest.raises(TypeError, match="list of job ids"):
        client.rerun_workflow("w", jobs="j")
    assert emu.calls == []


def test_cancels(client, emu):
    emu.add_project("gh/acme/slow", config=CONFIG, job_durations={"build": 600, "test": 600})
    created = client.trigger_pipeline("gh/acme/slow", branch="main")
    workflows = client.wait_for_workflows(created["id"], poll=0.01, stable_polls=1, timeout=5)
    jobs = list(client.list_workflow_jobs(workflows[0]["id"]))
    assert client.cancel_job("gh/acme/slow", jobs[0]["job_number"])["message"]
    expect(emu, "cancelJobByJobNumber")
    assert client.get_job("gh/acme/slow", jobs[0]["job_number"])["status"] == "canceled"
    assert client.cancel_workflow(workflows[0]["id"])["message"]
    assert expect(emu, "cancelWorkflow").status == 202
    assert client.get_workflow(workflows[0]["id"])["status"] == "canceled"


def test_cancel_job_by_id(client, emu):
    emu.add_project("gh/acme/slow", config=CONFIG, job_durations={"build": 600, "test": 600})
    created = client.trigger_pipeline("gh/acme/slow", branch="main")
    workflows = client.wait_for_workflows(created["id"], poll=0.01, stable_polls=1, timeout=5)
    job = next(j for j in client.list_workflow_jobs(workflows[0]["id"]) if j["name"] == "build")
    assert client.cancel_job_by_id(job["id"])["message"]
    expect(emu, "cancelJobByJobID")
    assert client.get_job("gh/acme/slow", job["job_number"])["status"] == "canceled"
    with pytest.raises(NotFound):
        client.cancel_job_by_id("00000000-0000-4000-8000-000000000000")


def test_env_vars(client, emu):
    created = client.create_env_var(SLUG, "DEPLOY_KEY", "s3cret-value-1234")
    assert created["name"] == "DEPLOY_KEY" and created["value"] != "s3cret-value-1234"  # masked
    assert expect(emu, "createEnvVar").json == {"name": "DEPLOY_KEY", "value": "s3cret-value-1234"}
    assert client.get_env_var(SLUG, "DEPLOY_KEY")["name"] == "DEPLOY_KEY"
    expect(emu, "getEnvVar")
    assert [v["name"] for v in client.list_env_vars(SLUG)] == ["DEPLOY_KEY"]
    expect(emu, "listEnvVars")
    assert client.delete_env_var(SLUG, "DEPLOY_KEY")["message"]
    expect(emu, "deleteEnvVar")
    with pytest.raises(NotFound) as info:
        client.get_env_var(SLUG, "DEPLOY_KEY")
    assert info.value.status == 404 and info.value.operation_id == "getEnvVar"
    assert info.value.message  # the service's own text


def test_checkout_keys(client, emu):
    key = client.create_checkout_key(SLUG, "deploy-key")
    assert key["type"] == "deploy-key" and key["fingerprint"]
    assert expect(emu, "createCheckoutKey").json == {"type": "deploy-key"}
    assert client.get_checkout_key(SLUG, key["fingerprint"])["fingerprint"] == key["fingerprint"]
    expect(emu, "getCheckoutKey")
    assert [k["fingerprint"] for k in client.list_checkout_keys(SLUG)] == [key["fingerprint"]]
    expect(emu, "listCheckoutKeys")
    list(client.list_checkout_keys(SLUG, digest="sha256"))
    assert expect(emu, "listCheckoutKeys").query == {"digest": ["sha256"]}
    assert client.delete_checkout_key(SLUG, key["fingerprint"])["message"]
    expect(emu, "deleteCheckoutKey")
    assert list(client.list_checkout_keys(SLUG)) == []
    with pytest.raises(ValueError, match="key_type"):
        client.create_checkout_key(SLUG, "github-user-key")


def test_insights_metrics_and_runs(client, emu):
    for _ in range(3):
        finished_run(client, emu, branch="main")
    metrics = list(client.get_workflow_metrics(SLUG, branch="main", reporting_window="last-7-days"))
    call = expect(emu, "getProjectWorkflowMetrics")
    assert call.query == {"branch": ["main"], "reporting-window": ["last-7-days"]}
    assert [m["name"] for m in metrics] == ["build-and-test"]
    figures = metrics[0]["metrics"]
    assert figures["total_runs"] == 3 and figures["successful_runs"] == 3
    assert figures["success_rate"] == 1.0
    assert set(figures["duration_metrics"]) >= {"min", "mean", "median", "p95", "max"}
    list(client.get_workflow_metrics(SLUG, all_branches=True))
    assert expect(emu, "getProjectWorkflowMetrics").query == {"all-branches": ["true"]}

    runs = list(client.list_workflow_runs(SLUG, "build-and-test", branch="main",
                                          start_date="2020-01-01T00:00:00Z"))
    expect(emu, "getProjectWorkflowRuns")
    assert len(runs) == 3 and {r["status"] for r in runs} == {"success"}
    with pytest.raises(ValueError, match="reporting_window"):
        client.get_workflow_metrics(SLUG, reporting_window="last-year")
    with pytest.raises(ValueError, match="branch or all_branches"):
        client.list_workflow_runs(SLUG, "build-and-test", branch="main", all_branches=True)


def test_openapi_document(client, emu):
    doc = client.get_openapi_document()
    assert doc["openapi"].startswith("3.") and "/project/{project-slug}/pipeline" in doc["paths"]
    assert emu.calls[-1].path == "/api/v2/openapi.json"


def test_errors_are_typed(client, emu):
    with pytest.raises(NotFound) as info:
        client.get_project("gh/acme/missing")
    assert info.value.status == 404 and "not found" in info.value.message.lower()
    with pytest.raises(NotFound):
        client.get_pipeline("5034460f-c7c4-4c43-9457-de07e2029e7b")
    with pytest.raises(BadRequest) as bad:
        client.get_pipeline("not-a-uuid")  # the spec says uuid: the service answers 400
    assert bad.value.status == 400
    with pytest.raises(SlugError, match="expected vcs/org/repo"):
        client.get_project("acme/app")


def test_wrong_token_is_unauthorized(emu):
    with CircleCIClient("not-the-token", emu.url) as client:
        with pytest.raises(Unauthorized) as info:
            client.get_current_user()
    assert info.value.status == 401 and "not-the-token" not in str(info.value)


def test_basic_auth_works(emu):
    with CircleCIClient(emu.token, emu.url, auth="basic") as client:
        assert client.get_current_user()["login"] == "test-user"
    assert emu.calls[-1].headers.get("Authorization", "").startswith("Basic ")


@pytest.mark.parametrize("suffix", ["", "/", "/api", "/api/v2", "/api/v2/", "/api/v1.1"])
def test_base_url_forms(emu, suffix):
    with CircleCIClient(emu.token, emu.url + suffix) as client:
        assert client.base_url == emu.url + "/api/v2"
        client.get_current_user()
    expect(emu, "getCurrentUser")


def test_every_call_the_tests_made_was_valid(client, emu):
    finished_run(client, emu, branch="main")
    emu.assert_valid()
