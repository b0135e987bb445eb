"""Every v2 operation the emulator serves, over real HTTP, with replies checked against the spec."""
from __future__ import annotations

import json

import pytest
import requests

from circleci_v2.rules import SPEC_PATH
from circleci_v2.shim.emulator import Emulator
from circleci_v2.shim.emulator.routes_v2 import implemented
from circleci_v2.shim.emulator.spec import spec
from emulator_support import CONFIG, SLUG, jobs, session, trigger, workflows

CLIENT_OPERATIONS = [
    "getWorkflowById", "listWorkflowJobs", "getProjectBySlug", "triggerPipeline", "listPipelinesForProject",
    "getPipelineById", "getPipelineConfigById", "listWorkflowsByPipelineId", "getPipelineByNumber",
    "listPipelines", "listMyPipelines", "rerunWorkflow", "cancelWorkflow", "getJobDetails",
    "cancelJobByJobNumber", "getJobArtifacts", "getTests", "listEnvVars", "createEnvVar", "getEnvVar",
    "deleteEnvVar", "listCheckoutKeys", "createCheckoutKey", "getCheckoutKey", "deleteCheckoutKey",
    "getProjectWorkflowMetrics", "getProjectWorkflowRuns", "getCurrentUser",
]


@pytest.fixture
def emu(circleci_emulator_factory):
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, config=CONFIG, artifacts={"build": ["dist/app.tar.gz", "coverage/index.html"]},
                    tests={"test": [{"name": "test_ok", "classname": "tests.test_app", "result": "success",
                                     "file": "tests/test_app.py", "run_time": 0.5}]})
    return emu


def test_every_client_operation_is_served_and_exists_in_the_spec():
    ops = spec().router.operations
    for op in CLIENT_OPERATIONS:
        assert op in ops, op
        assert op in implemented(), op


def test_current_user_and_project(emu):
    s = session(emu)
    me = s.get(emu.v2_url + "/me").json()
    assert me["login"] == "test-user" and me["id"]
    project = s.get(f"{emu.v2_url}/project/{SLUG}").json()
    assert project["slug"] == SLUG
    assert project["organization_slug"] == "gh/acme"
    assert project["vcs_info"]["default_branch"] == "main"
    # the long form and an escaped slug name the same project
    assert s.get(emu.v2_url + "/project/github/acme/app").json()["id"] == project["id"]
    assert s.get(emu.v2_url + "/project/gh%2Facme%2Fapp").json()["id"] == project["id"]
    missing = s.get(emu.v2_url + "/project/gh/acme/nothere")
    assert missing.status_code == 404 and missing.json() == {"message": "Project not found"}
    emu.assert_valid()


def test_trigger_reads_and_config(emu):
    s = session(emu)
    created = trigger(s, emu, branch="feature/x", parameters={"deploy": True})
    assert set(created) == {"id", "state", "number", "created_at"}
    assert created["number"] == 1
    pipeline = s.get(f"{emu.v2_url}/pipeline/{created['id']}").json()
    assert pipeline["vcs"]["branch"] == "feature/x"
    assert pipeline["trigger_parameters"] == {"deploy": True}
    assert pipeline["state"] == "created" and pipeline["errors"] == []
    by_number = s.get(f"{emu.v2_url}/project/{SLUG}/pipeline/1").json()
    assert by_number["id"] == created["id"]
    config = s.get(f"{emu.v2_url}/pipeline/{created['id']}/config").json()
    assert config["source"] == CONFIG
    tagged = trigger(s, emu, tag="v1.0.0")
    assert s.get(f"{emu.v2_url}/pipeline/{tagged['id']}").json()["vcs"]["tag"] == "v1.0.0"
    assert s.get(f"{emu.v2_url}/pipeline/00000000-0000-4000-8000-000000000000").status_code == 404
    emu.assert_valid()


def test_workflows_come_from_the_config(emu):
    s = session(emu)
    created = trigger(s, emu, branch="main")
    wfs = {w["name"]: w for w in workflows(s, emu, created["id"])}
    assert set(wfs) == {"build-test", "release"}
    build_test = jobs(s, emu, wfs["build-test"]["id"])
    assert [j["name"] for j in build_test] == ["build", "test", "lint"]
    by_name = {j["name"]: j for j in build_test}
    assert by_name["test"]["dependencies"] == [by_name["build"]["id"]]
    assert s.get(f"{emu.v2_url}/workflow/{wfs['release']['id']}").json()["status"] == "success"
    emu.assert_valid()


def test_project_without_config_gets_one_workflow_with_one_job(circleci_emulator):
    emu = circleci_emulator
    emu.add_project("bb/acme/lib")
    s = session(emu)
    created = trigger(s, emu, slug="bb/acme/lib")
    (wf,) = workflows(s, emu, created["id"])
    (job,) = jobs(s, emu, wf["id"])
    assert job["name"] == "build" and job["job_number"] == 1


def test_job_numbers_grow_per_project(emu):
    emu.add_project("gh/acme/other")
    s = session(emu)
    trigger(s, emu)
    trigger(s, emu, slug="gh/acme/other")
    second = trigger(s, emu)
    numbers = sorted(j["job_number"] for w in workflows(s, emu, second["id"]) for j in jobs(s, emu, w["id"]))
    assert numbers == [5, 6, 7, 8]  # the first pipeline took 1-4; the other project has its own count
    other = s.get(emu.v2_url + "/project/gh/acme/other/job/1").json()
    assert other["name"] == "build"


def test_job_details_artifacts_and_tests(emu):
    s = session(emu)
    trigger(s, emu)
    details = s.get(f"{emu.v2_url}/project/{SLUG}/job/1").json()
    assert details["name"] == "build" and details["status"] == "success" and details["number"] == 1
    assert details["pipeline"]["id"] and details["latest_workflow"]["name"] == "build-test"
    artifacts = s.get(f"{emu.v2_url}/project/{SLUG}/1/artifacts").json()
    assert [a["path"] for a in artifacts["items"]] == ["dist/app.tar.gz", "coverage/index.html"]
    tests = s.get(f"{emu.v2_url}/project/{SLUG}/2/tests").json()
    assert tests["items"][0]["name"] == "test_ok" and tests["items"][0]["result"] == "success"
    assert s.get(f"{emu.v2_url}/project/{SLUG}/job/99").status_code == 404
    emu.assert_valid()


def test_pipeline_lists(emu):
    emu.add_project("gh/acme/other")
    emu.add_project("gh/elsewhere/app")
    other_user = "second-token"
    emu.state.add_user(other_user, "someone-else")
    s = session(emu)
    trigger(s, emu, branch="main")
    trigger(s, emu, branch="dev")
    trigger(s, emu, slug="gh/acme/other")
    trigger(s, emu, slug="gh/elsewhere/app")
    s2 = requests.Session()
    s2.headers["Circle-Token"] = other_user
    trigger(s2, emu, branch="main")

    project = s.get(f"{emu.v2_url}/project/{SLUG}/pipeline").json()["items"]
    assert [p["number"] for p in project] == [3, 2, 1]  # newest first
    on_dev = s.get(f"{emu.v2_url}/project/{SLUG}/pipeline", params={"branch": "dev"}).json()["items"]
    assert [p["vcs"]["branch"] for p in on_dev] == ["dev"]
    mine = s.get(f"{emu.v2_url}/project/{SLUG}/pipeline/mine").json()["items"]
    assert [p["number"] for p in mine] == [2, 1]
    org = s.get(emu.v2_url + "/pipeline", params={"org-slug": "gh/acme"}).json()["items"]
    assert {p["project_slug"] for p in org} == {SLUG, "gh/acme/other"} and len(org) == 4
    org_mine = s.get(emu.v2_url + "/pipeline", params={"org-slug": "github/acme", "mine": "true"}).json()["items"]
    assert len(org_mine) == 3 and all(p["trigger"]["actor"]["login"] == "test-user" for p in org_mine)
    emu.assert_valid()


def test_rerun_makes_a_new_workflow_in_the_same_pipeline(emu):
    emu.add_project(SLUG, config=CONFIG, job_outcomes={"test": ["failed", "success"]})
    s = session(emu)
    created = trigger(s, emu)
    wf = next(w for w in workflows(s, emu, created["id"]) if w["name"] == "build-test")
    assert wf["status"] == "failed"
    r = s.post(f"{emu.v2_url}/workflow/{wf['id']}/rerun", json={"from_failed": True})
    assert r.status_code == 202
    new_id = r.json()["workflow_id"]
    rerun = s.get(f"{emu.v2_url}/workflow/{new_id}").json()
    assert rerun["pipeline_id"] == created["id"] and rerun["name"] == "build-test"
    assert rerun["status"] == "success"
    assert [j["name"] for j in jobs(s, emu, new_id)] == ["test"]
    assert len(workflows(s, emu, created["id"])) == 3

    # rerun of chosen jobs (by UUID) takes what requires them along
    build = next(j for j in jobs(s, emu, wf["id"]) if j["name"] == "build")
    r = s.post(f"{emu.v2_url}/workflow/{wf['id']}/rerun", json={"jobs": [build["id"]], "enable_ssh": True})
    assert r.status_code == 202
    assert [j["name"] for j in jobs(s, emu, r.json()["workflow_id"])] == ["build", "test"]
    # a full rerun
    r = s.post(f"{emu.v2_url}/workflow/{wf['id']}/rerun", json={})
    assert [j["name"] for j in jobs(s, emu, r.json()["workflow_id"])] == ["build", "test", "lint"]
    both = s.post(f"{emu.v2_url}/workflow/{wf['id']}/rerun", json={"jobs": [build["id"]], "from_failed": True})
    assert both.status_code == 400
    emu.assert_valid()


def test_cancel_workflow_and_job(circleci_emulator_factory):
    emu = circleci_emulator_factory(job_duration=60)
    emu.add_project(SLUG, config=CONFIG)
    s = session(emu)
    created = trigger(s, emu)
    wfs = {w["name"]: w for w in workflows(s, emu, created["id"])}
    assert wfs["build-test"]["status"] == "running"
    r = s.post(f"{emu.v2_url}/workflow/{wfs['build-test']['id']}/cancel")
    assert r.status_code == 202 and r.json() == {"message": "Accepted."}
    wf = s.get(f"{emu.v2_url}/workflow/{wfs['build-test']['id']}").json()
    assert wf["status"] == "canceled" and wf["canceled_by"] and wf["stopped_at"]
    assert {j["status"] for j in jobs(s, emu, wf["id"])} == {"canceled"}

    deploy = next(j for j in jobs(s, emu, wfs["release"]["id"]))
    r = s.post(f"{emu.v2_url}/project/{SLUG}/job/{deploy['job_number']}/cancel")
    assert r.status_code == 200 and "message" in r.json()
    assert s.get(f"{emu.v2_url}/project/{SLUG}/job/{deploy['job_number']}").json()["status"] == "canceled"
    assert s.get(f"{emu.v2_url}/workflow/{wfs['release']['id']}").json()["status"] == "canceled"
    emu.assert_valid()


def test_approval_job_holds_the_workflow(circleci_emulator):
    emu = circleci_emulator
    emu.add_project(SLUG, config="""
version: 2.1
jobs: {build: {}, deploy: {}}
workflows:
  ship:
    jobs: [build, {hold: {type: approval, requires: [build]}}, {deploy: {requires: [hold]}}]
""")
    s = session(emu)
    created = trigger(s, emu)
    (wf,) = workflows(s, emu, created["id"])
    assert wf["status"] == "on_hold"
    hold = next(j for j in jobs(s, emu, wf["id"]) if j["type"] == "approval")
    assert hold["status"] == "on_hold" and "job_number" not in hold
    r = s.post(f"{emu.v2_url}/workflow/{wf['id']}/approve/{hold['approval_request_id']}")
    assert r.status_code == 202
    assert s.get(f"{emu.v2_url}/workflow/{wf['id']}").json()["status"] == "success"
    emu.assert_valid()


def test_env_vars(emu):
    s = session(emu)
    url = f"{emu.v2_url}/project/{SLUG}/envvar"
    created = s.post(url, json={"name": "DEPLOY_KEY", "value": "s3cr3t-value"})
    assert created.status_code == 201
    assert created.json()["value"] == "xxxxalue"  # the service never sends a value back
    assert [v["name"] for v in s.get(url).json()["items"]] == ["DEPLOY_KEY"]
    assert s.get(url + "/DEPLOY_KEY").json()["name"] == "DEPLOY_KEY"
    assert s.delete(url + "/DEPLOY_KEY").json()["message"]
    assert s.get(url + "/DEPLOY_KEY").status_code == 404
    assert s.delete(url + "/DEPLOY_KEY").status_code == 404
    emu.assert_valid()


def test_checkout_keys(emu):
    s = session(emu)
    url = f"{emu.v2_url}/project/{SLUG}/checkout-key"
    first = s.post(url, json={"type": "deploy-key"}).json()
    second = s.post(url, json={"type": "user-key"})
    assert second.status_code == 201
    second = second.json()
    listed = s.get(url).json()["items"]
    assert [k["fingerprint"] for k in listed] == [first["fingerprint"], second["fingerprint"]]
    assert [k["preferred"] for k in listed] == [False, True]
    assert s.get(f"{url}/{first['fingerprint']}").json()["type"] == "deploy-key"
    assert s.delete(f"{url}/{first['fingerprint']}").status_code == 200
    assert s.get(f"{url}/{first['fingerprint']}").status_code == 404
    bad = s.post(url, json={"type": "root-key"})
    assert bad.status_code == 400
    emu.assert_valid(requests=False)


def test_openapi_document_is_the_vendored_spec(emu):
    r = requests.get(emu.v2_url + "/openapi.json")
    assert r.status_code == 200
    assert r.content == SPEC_PATH.read_bytes()
    assert json.loads(r.content)["openapi"].startswith("3.")


def test_unknown_path_and_wrong_method(emu):
    s = session(emu)
    assert s.get(emu.v2_url + "/no/such/thing").status_code == 404
    assert s.put(emu.v2_url + "/me").status_code == 405


def test_an_operation_the_emulator_does_not_implement_says_so(emu):
    r = session(emu).get(emu.v2_url + "/context", params={"owner-slug": "gh/acme"})
    assert r.status_code == 501
    assert "does not implement listContexts" in r.json()["message"]


def test_emulators_share_one_parsed_spec():
    with Emulator() as a, Emulator() as b:
        assert a.url != b.url
    assert spec() is spec()


def test_list_pipelines_refuses_a_bad_org_slug(emu):
    r = session(emu).get(emu.v2_url + "/pipeline", params={"org-slug": "acme"})
    assert r.status_code == 400 and r.json() == {"message": "Invalid org-slug."}
    emu.assert_valid()
