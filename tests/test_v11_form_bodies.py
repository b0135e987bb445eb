"""v1.1 read a form-encoded body (`curl -d branch=x -d "build_parameters[NAME]=v"`, requests' `data={...}`) as
it read a JSON one: the emulator's v1.1 routes do too, and circleci_v2.shim.requests translates it alike."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import requests

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")

from circleci_v2.shim import requests as shim_requests  # noqa: E402
from emulator_support import project_emulator  # noqa: E402

JSON = {"Accept": "application/json"}
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def emu(circleci_emulator_factory):
    return project_emulator(circleci_emulator_factory)


def v1(emu, path=""):
    return f"{emu.url}/api/v1.1/project/github/acme/app{path}"


def test_a_form_trigger_gets_its_branch_revision_and_build_parameters(emu):
    r = requests.post(v1(emu), headers={**JSON, "Circle-Token": emu.token},
                      data={"branch": "dev", "revision": "f1baeb913288519dd9a942499cef2873f5b1c2bf",
                            "build_parameters[RUN_E2E]": "true", "build_parameters[DEPLOY_ENV]": "stage"})
    assert r.status_code == 200, r.text
    build = r.json()
    assert build["branch"] == "dev" and build["vcs_revision"] == "f1baeb913288519dd9a942499cef2873f5b1c2bf"
    assert build["build_parameters"] == {"RUN_E2E": "true", "DEPLOY_ENV": "stage"}
    tagged = requests.post(v1(emu), headers={**JSON, "Circle-Token": emu.token}, data={"tag": "v1.2"}).json()
    assert tagged["vcs_tag"] == "v1.2" and tagged["branch"] is None


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
def test_curl_dash_d_fields_as_the_v11_docs_show_them(emu):
    proc = subprocess.run(["curl", "-s", "-X", "POST", "-H", "Accept: application/json",
                           "-H", f"Circle-Token: {emu.token}", "-d", "build_parameters[CIRCLE_JOB]=deploy",
                           "-d", "build_parameters%5BDEPLOY_ENV%5D=prod", v1(emu, "/tree/release")],
                          capture_output=True, text=True, timeout=30)
    build = json.loads(proc.stdout)
    assert build["branch"] == "release"
    assert build["build_parameters"] == {"CIRCLE_JOB": "deploy", "DEPLOY_ENV": "prod"}
    (call,) = [c for c in emu.calls if c.api == "v1.1"]
    assert call.headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_other_v11_writes_take_form_fields_too(emu):
    created = requests.post(v1(emu, "/envvar"), headers={**JSON, "Circle-Token": emu.token},
                            data={"name": "TOKEN", "value": "abcdef"})
    assert created.status_code == 201, created.text
    assert requests.get(v1(emu, "/envvar/TOKEN"), headers={**JSON, "Circle-Token": emu.token}).ok


def test_a_form_content_type_with_a_json_body_is_read_as_json_and_broken_json_is_refused(emu):
    form = {**JSON, "Circle-Token": emu.token, "Content-Type": "application/x-www-form-urlencoded"}
    ok = requests.post(v1(emu), headers=form, data='{"branch": "dev", "build_parameters": {"A": "1"}}')
    assert ok.status_code == 200 and ok.json()["build_parameters"] == {"A": "1"}
    broken = requests.post(v1(emu), headers=form, data='{"branch": "dev"')
    assert broken.status_code == 400 and "JSON" in broken.json()["message"]
    assert len(emu.state.pipelines) == 1


def test_the_requests_drop_in_translates_a_form_body_as_json(emu):
    def trigger(**body):
        emu.clear_calls()
        r = shim_requests.post(v1(emu, "/tree/main"), headers={"Circle-Token": emu.token}, **body)
        assert r.status_code == 201, r.text
        (call,) = [c for c in emu.calls if c.operation_id == "triggerPipeline"]
        return call.json

    as_json = trigger(json={"build_parameters": {"image-tag": "v2"}})
    as_form = trigger(data={"build_parameters[image-tag]": "v2"})
    assert as_form == as_json == {"branch": "main", "parameters": {"image-tag": "v2"}}
    assert trigger(data="tag=v3") == {"tag": "v3"}


def test_a_form_nested_deeper_than_a_json_body_may_be_is_a_400_and_no_build(emu):
    deep = "build_parameters" + "[a]" * 5000
    r = requests.post(v1(emu), headers={**JSON, "Circle-Token": emu.token}, data={deep: "1"})
    assert r.status_code == 400 and "nested deeper than 64 levels" in r.json()["message"]
    assert emu.state.pipelines == {} and emu.invalid_responses == []
    ok = requests.post(v1(emu), headers={**JSON, "Circle-Token": emu.token},
                       data={"build_parameters" + "[a]" * 10: "1"})
    assert ok.status_code == 200


def test_the_requests_drop_in_answers_an_over_deep_form_400_as_the_emulator_does(emu):
    r = shim_requests.post(v1(emu, "/tree/main"), headers={"Circle-Token": emu.token},
                           data={"build_parameters" + "[a]" * 5000: "1"})
    assert r.status_code == 400 and "nested deeper than 64 levels" in r.json()["message"]
    assert [c for c in emu.calls if c.operation_id == "triggerPipeline"] == []
