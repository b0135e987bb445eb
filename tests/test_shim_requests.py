"""circleci_v2.shim.requests against the emulator over real HTTP: v1.1 calls reach v2."""
from __future__ import annotations

import warnings

import pytest

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")

from circleci_v2.rules import load_catalogue  # noqa: E402
from circleci_v2.shim import requests as shim_requests  # noqa: E402
from circleci_v2.shim.deprecation import CircleCIDeprecationWarning  # noqa: E402
from emulator_support import project_emulator  # noqa: E402


@pytest.fixture
def emu(circleci_emulator_factory):
    return project_emulator(circleci_emulator_factory)


def v1(emu, path=""):
    return f"{emu.url}/api/v1.1/project/github/acme/app{path}"


def test_trigger_on_branch_returns_a_v11_build_summary(emu):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = shim_requests.post(v1(emu, "/tree/main"), headers={"Circle-Token": emu.token},
                               json={"build_parameters": {"deploy": True}})
    assert r.status_code == 201
    build = r.json()
    assert isinstance(build["build_num"], int)
    assert build["build_url"].endswith(f"/gh/acme/app/{build['build_num']}")
    assert build["branch"] == "main" and build["lifecycle"] in ("queued", "running", "finished", "not_running")
    triggers = [c for c in emu.calls if c.operation_id == "triggerPipeline"]
    assert len(triggers) == 1 and triggers[0].json == {"branch": "main", "parameters": {"deploy": True}}
    assert all(c.api == "v2" for c in emu.calls)
    emu.assert_valid()
    texts = [str(w.message) for w in caught if issubclass(w.category, CircleCIDeprecationWarning)]
    assert any(t.startswith("CCI102") and "triggerPipeline" in t for t in texts)
    assert any("build_parameters" in t for t in texts)
    assert caught[0].filename == __file__


def test_trigger_with_token_in_query_and_tag_revision_dropped(emu):
    with pytest.warns(CircleCIDeprecationWarning, match="revision"):
        r = shim_requests.post(v1(emu) + f"?circle-token={emu.token}", json={"tag": "v1", "revision": "abc"})
    assert r.status_code == 201 and r.json()["vcs_tag"] == "v1"
    assert [c.json for c in emu.calls if c.operation_id == "triggerPipeline"] == [{"tag": "v1"}]


def test_retry_reruns_the_job_in_its_workflow(emu):
    first = shim_requests.post(v1(emu, "/tree/main"), auth=(emu.token, "")).json()
    r = shim_requests.post(v1(emu, f"/{first['build_num']}/ssh"), auth=(emu.token, ""))
    assert r.status_code == 200, r.text
    reruns = [c for c in emu.calls if c.operation_id == "rerunWorkflow"]
    assert len(reruns) == 1 and reruns[0].json["enable_ssh"] is True
    assert reruns[0].json["jobs"] == [first["workflows"]["job_id"]]
    assert r.json()["workflows"]["job_name"] == first["workflows"]["job_name"]
    emu.assert_valid()


def test_recent_builds_limit_and_offset(emu):
    for _ in range(2):
        shim_requests.post(v1(emu, "/tree/main"), headers={"Circle-Token": emu.token})
    every = shim_requests.get(f"{emu.url}/api/v1.1/recent-builds", headers={"Circle-Token": emu.token},
                              params={"limit": 100}).json()
    page = shim_requests.get(f"{emu.url}/api/v1.1/recent-builds", headers={"Circle-Token": emu.token},
                             params={"limit": 2, "offset": 1}).json()
    nums = [b["build_num"] for b in every]
    assert nums == sorted(nums, reverse=True) and len(nums) >= 2
    assert [b["build_num"] for b in page] == nums[1:3]


def test_clear_cache_answers_410_with_the_cache_key_alternative(emu):
    r = shim_requests.delete(v1(emu, "/build-cache"), headers={"Circle-Token": emu.token})
    assert r.status_code == 410 and "cache key" in r.json()["message"]
    assert r.json()["guidance"] == load_catalogue()[r.json()["rule"]].guidance  # the rule's own words
    with pytest.raises(shim_requests.HTTPError):
        r.raise_for_status()
    assert not emu.calls


def test_other_v11_requests_get_json_and_non_circleci_pass_through(emu):
    shim_requests.post(v1(emu, "/tree/main"), headers={"Circle-Token": emu.token})
    r = shim_requests.get(v1(emu, "/1"), headers={"Circle-Token": emu.token, "Accept": None})
    assert r.status_code == 200 and r.json()["build_num"] == 1
    r = shim_requests.get(v1(emu, "/1"), headers={"Circle-Token": emu.token, "Accept": "application/edn"})
    assert r.json()["build_num"] == 1  # EDN decoded
    r = shim_requests.get(f"{emu.v2_url}/me", headers={"Circle-Token": emu.token})
    assert r.status_code == 200
    import requests
    assert isinstance(shim_requests.Session(), requests.Session)


def test_hosts_setting_limits_translation_to_the_named_hosts(emu):
    shim_requests.set_circleci_hosts(["circleci.example.com"])
    try:
        r = shim_requests.post(v1(emu, "/tree/main"), headers={"Circle-Token": emu.token, "Accept": "application/json"})
    finally:
        shim_requests.set_circleci_hosts(None)
    assert r.status_code in (200, 201)
    assert [c.api for c in emu.calls] == ["v1.1"]  # not ours to translate: it went out as written
