"""v1.1: routes from the rule catalogue, EDN without an Accept header, the cut-over switch."""
from __future__ import annotations

import json

import edn_format
import pytest
import requests

from circleci_v2.rules import load_catalogue
from circleci_v2.shim.emulator.routes_v1 import REMOVED_MESSAGE, V1_HANDLERS
from emulator_support import CONFIG, SLUG, session

JSON = {"Accept": "application/json"}


@pytest.fixture
def emu(circleci_emulator):
    circleci_emulator.add_project(SLUG, config=CONFIG, artifacts={"build": ["dist/app.whl"]},
                                  tests={"test": [{"name": "t", "classname": "c", "result": "failure"}]})
    return circleci_emulator


def v1(emu, path):
    return f"{emu.url}/api/v1.1/project/github/acme/app{path}"


def _edn(text):
    value = edn_format.loads(text)
    return {str(k.name if hasattr(k, "name") else k): v for k, v in value.items()}


def test_every_endpoint_rule_has_a_v11_handler():
    for rule in load_catalogue():
        if rule.kind == "endpoint":
            assert rule.name in V1_HANDLERS, rule.id


def test_edn_without_accept_json_with_it(emu):
    s = session(emu)
    s.post(v1(emu, ""), headers=JSON, json={"branch": "main"})
    bare = requests.get(v1(emu, "/1"), headers={"Circle-Token": emu.token, "Accept": None})
    assert bare.status_code == 200
    assert bare.headers["Content-Type"].startswith("application/edn")
    with pytest.raises(ValueError):
        bare.json()
    details = _edn(bare.text)
    assert details["build_num"] == 1 and details["status"] == "success"
    assert ":build_num 1" in bare.text
    # requests' and curl's default */* states no preference either
    assert s.get(v1(emu, "/1")).headers["Content-Type"].startswith("application/edn")
    compact = s.get(v1(emu, "/1"), headers=JSON)
    assert compact.headers["Content-Type"] == "application/json"
    assert compact.json()["build_num"] == 1 and "\n" not in compact.text
    pretty = s.get(v1(emu, "/1"), headers={"Accept": "text/plain"})
    assert pretty.json()["build_num"] == 1 and "\n" in pretty.text


def test_error_replies_follow_the_accept_header_too(emu):
    s = session(emu)
    assert _edn(s.get(v1(emu, "/99")).text) == {"message": "Build not found"}
    assert s.get(v1(emu, "/99"), headers=JSON).json() == {"message": "Build not found"}


def test_triggers_make_pipelines(emu):
    s = session(emu)
    project = s.post(v1(emu, ""), headers=JSON, json={"branch": "dev", "build_parameters": {"RUN_E2E": "true"}})
    assert project.status_code == 200
    summary = project.json()
    assert summary["build_num"] == 1 and summary["branch"] == "dev"
    branch = s.post(v1(emu, "/tree/feature%2Fx"), headers=JSON, json={})
    assert branch.json()["branch"] == "feature/x"
    build = s.post(v1(emu, "/build"), headers=JSON, json={"branch": "main", "parameters": {"deploy": True}})
    assert build.json() == {"status": 200, "body": "Build created"}
    numbers = sorted(p.number for p in emu.state.pipelines.values())
    assert numbers == [1, 2, 3]
    # the v2 view sees what v1.1 made
    v2 = s.get(f"{emu.v2_url}/project/{SLUG}/pipeline").json()["items"]
    assert [p["number"] for p in v2] == [3, 2, 1]


def test_retry_and_ssh_rerun_the_workflow(emu):
    s = session(emu)
    s.post(v1(emu, ""), headers=JSON, json={})
    retried = s.post(v1(emu, "/2/retry"), headers=JSON).json()
    assert retried["retry_of"] == 2 and retried["build_num"] == 5 and retried["workflows"]["job_name"] == "test"
    ssh = s.post(v1(emu, "/1/ssh"), headers=JSON).json()
    assert ssh["retry_of"] == 1 and ssh["ssh_enabled"] is True
    pipeline = next(iter(emu.state.pipelines.values()))
    assert len(pipeline.workflows) == 4  # two from the config, two reruns: same pipeline


def test_reads_cancel_artifacts_and_tests(circleci_emulator_factory):
    emu = circleci_emulator_factory(job_duration=60)
    emu.add_project(SLUG, config=CONFIG, artifacts={"build": ["dist/app.whl"]},
                    tests={"test": [{"name": "t", "classname": "c", "result": "failure"}]})
    s = session(emu)
    s.post(v1(emu, ""), headers=JSON, json={})
    builds = s.get(v1(emu, ""), headers=JSON).json()
    assert [b["build_num"] for b in builds] == [4, 3, 2, 1]
    assert [b["build_num"] for b in s.get(v1(emu, "?limit=2&offset=1"), headers=JSON).json()] == [3, 2]
    running = s.get(v1(emu, "?filter=running"), headers=JSON).json()
    assert {b["build_num"] for b in running} == {1, 2, 3, 4}
    assert s.get(v1(emu, "/tree/dev"), headers=JSON).json() == []
    canceled = s.post(v1(emu, "/1/cancel"), headers=JSON).json()
    assert canceled["status"] == "canceled" and canceled["canceled"] is True
    emu.advance(200)
    assert s.get(v1(emu, "/2"), headers=JSON).json()["status"] == "not_run"
    artifacts = s.get(v1(emu, "/1/artifacts"), headers=JSON).json()
    assert artifacts[0]["path"] == "dist/app.whl" and artifacts[0]["pretty_path"] == "dist/app.whl"
    assert s.get(v1(emu, "/latest/artifacts?branch=main"), headers=JSON).status_code == 200
    assert s.get(v1(emu, "/2/tests"), headers=JSON).json() == {"tests": []}
    recent = s.get(emu.url + "/api/v1.1/recent-builds?limit=3", headers=JSON).json()
    assert [b["build_num"] for b in recent] == [4, 3, 2]


def test_env_vars_and_checkout_keys(emu):
    s = session(emu)
    created = s.post(v1(emu, "/envvar"), headers=JSON, json={"name": "TOKEN", "value": "abcdef"})
    assert created.status_code == 201 and created.json() == {"name": "TOKEN", "value": "xxxxcdef"}
    assert s.get(v1(emu, "/envvar"), headers=JSON).json() == [{"name": "TOKEN", "value": "xxxxcdef"}]
    assert s.get(v1(emu, "/envvar/TOKEN"), headers=JSON).json()["name"] == "TOKEN"
    assert s.delete(v1(emu, "/envvar/TOKEN"), headers=JSON).json() == {"message": "ok"}
    assert s.get(v1(emu, "/envvar/TOKEN"), headers=JSON).status_code == 404
    key = s.post(v1(emu, "/checkout-key"), headers=JSON, json={"type": "deploy-key"}).json()
    assert key["preferred"] is True
    assert s.get(v1(emu, f"/checkout-key/{key['fingerprint']}"), headers=JSON).json() == key
    # a key made over v1.1 shows on v2 in v2's shape
    v2 = s.get(f"{emu.v2_url}/project/{SLUG}/checkout-key").json()["items"]
    assert v2[0]["fingerprint"] == key["fingerprint"]
    assert s.delete(v1(emu, f"/checkout-key/{key['fingerprint']}"), headers=JSON).status_code == 200
    emu.assert_valid()


def test_project_settings_read_and_merge_feature_flags(emu):
    s = session(emu)
    assert s.get(v1(emu, "/settings"), headers=JSON).json()["feature_flags"] == {}
    put = s.put(v1(emu, "/settings"), headers=JSON, json={"feature_flags": {"oss": True}})
    assert put.status_code == 200 and put.json()["feature_flags"] == {"oss": True}
    s.put(v1(emu, "/settings"), headers=JSON, json={"feature_flags": {"autocancel-builds": False}})
    got = s.get(v1(emu, "/settings"), headers=JSON).json()
    assert got["feature_flags"] == {"oss": True, "autocancel-builds": False} and got["reponame"] == "app"
    assert emu.calls[-1].rule_id == "CCI145"
    assert s.put(v1(emu, "/settings"), headers=JSON, json={"feature_flags": [1]}).status_code == 400
    assert s.get(emu.url + "/api/v1.1/project/github/acme/nothing/settings", headers=JSON).status_code == 404


def test_clear_build_cache_answers_404_as_today(emu):
    r = session(emu).delete(v1(emu, "/build-cache"), headers=JSON)
    assert r.status_code == 404
    assert emu.calls[-1].rule_id == "CCI106"


def test_the_old_v1_paths_work_too(emu):
    s = session(emu)
    s.post(emu.url + "/api/v1/project/acme/app", headers=JSON, json={})
    assert s.get(emu.url + "/api/v1/project/acme/app/1", headers=JSON).json()["build_num"] == 1


def test_unknown_v11_paths_are_404(emu):
    assert session(emu).get(emu.url + "/api/v1.1/nothing/here", headers=JSON).status_code == 404


@pytest.mark.parametrize("method, path", [
    ("POST", ""), ("POST", "/tree/main"), ("POST", "/build"), ("POST", "/1/retry"), ("POST", "/1/ssh"),
])
def test_cutover_removes_deprecated_endpoints(circleci_emulator_factory, method, path):
    emu = circleci_emulator_factory(cutover=True)
    emu.add_project(SLUG)
    emu.add_pipeline(SLUG)
    r = session(emu).request(method, v1(emu, path), headers=JSON, json={})
    assert r.status_code == 404 and r.json() == {"message": REMOVED_MESSAGE}


def test_cutover_keeps_the_endpoints_that_stay(circleci_emulator_factory):
    emu = circleci_emulator_factory(cutover=True)
    emu.add_project(SLUG)
    emu.add_pipeline(SLUG)
    s = session(emu)
    assert s.get(emu.url + "/api/v1.1/recent-builds", headers=JSON).status_code == 404
    assert s.get(v1(emu, "/1"), headers=JSON).status_code == 200
    assert s.get(v1(emu, ""), headers=JSON).status_code == 200
    assert s.post(v1(emu, "/1/cancel"), headers=JSON).status_code == 200
    assert s.get(v1(emu, "/envvar"), headers=JSON).status_code == 200


def test_cutover_can_rehearse_the_410_brownout(circleci_emulator_factory):
    emu = circleci_emulator_factory(cutover=410)
    emu.add_project(SLUG)
    assert session(emu).post(v1(emu, ""), headers=JSON, json={}).status_code == 410


def test_v11_without_cutover_still_triggers(emu):
    assert session(emu).post(v1(emu, "/tree/main"), headers=JSON, json={}).status_code == 200


def test_v11_call_records_name_the_rule(emu):
    s = session(emu)
    s.get(v1(emu, "/envvar"), headers=JSON)
    call = emu.calls[-1]
    assert call.api == "v1.1" and call.rule_id == "CCI134" and call.operation_id is None
    assert json.loads(json.dumps(call.response)) == []


def test_v11_bad_input_is_a_clear_4xx(emu):
    s = session(emu)
    assert s.get(v1(emu, "?limit=500"), headers=JSON).status_code == 400
    assert s.get(v1(emu, "?limit=x"), headers=JSON).status_code == 400
    assert s.get(v1(emu, "?filter=sometimes"), headers=JSON).status_code == 400
    assert s.post(v1(emu, "/envvar"), headers=JSON, json={"name": "X"}).status_code == 400
    assert s.post(v1(emu, "/checkout-key"), headers=JSON, json={"type": "root"}).status_code == 400
    assert s.post(v1(emu, ""), headers=JSON, json={"build_parameters": [1]}).status_code == 400
    assert s.get(v1(emu, "/latest/artifacts"), headers=JSON).status_code == 404
    assert s.get(emu.url + "/api/v1.1/project/github/acme/nothere", headers=JSON).status_code == 404
    assert s.post(emu.url + "/api/v1.1/project/github/acme/nothere/tree/main", headers=JSON).status_code == 404
