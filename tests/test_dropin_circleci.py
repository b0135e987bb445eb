"""circleci_v2.shim.circleci: the circleci 1.2.2 surface, legacy calls on API v2 against the emulator."""
from __future__ import annotations

import inspect
import warnings

import pytest
import requests

from circleci_v2.rules import load_catalogue
from circleci_v2.shim import circleci as api  # the fixer's rewrite of `from circleci import api`
from circleci_v2.shim.circleci import Api, CacheClearingRemoved, CircleCIException, Experimental
from circleci_v2.shim.deprecation import CircleCIDeprecationWarning

legacy_api = pytest.importorskip("circleci.api", reason="needs circleci==1.2.2 (test extra)")
legacy_experimental = pytest.importorskip("circleci.experimental")
legacy_error = pytest.importorskip("circleci.error")
pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")

from emulator_support import CONFIG, SLUG, project_emulator  # noqa: E402


def _public(cls):
    return {n: f for n, f in inspect.getmembers(cls, inspect.isfunction) if not n.startswith("_") or n == "__init__"}


@pytest.mark.parametrize("legacy, ours", [(legacy_api.Api, Api), (legacy_experimental.Experimental, Experimental)])
def test_every_public_method_keeps_its_signature(legacy, ours):
    old, new = _public(legacy), _public(ours)
    assert set(old) <= set(new), set(old) - set(new)
    for name, fn in old.items():
        before = list(inspect.signature(fn).parameters.values())
        after = list(inspect.signature(new[name]).parameters.values())
        assert [(p.name, p.kind, p.default) for p in after[:len(before)]] == \
               [(p.name, p.kind, p.default) for p in before], name
        # anything we add is keyword-only with a default, so no legacy call changes meaning
        assert all(p.kind is p.KEYWORD_ONLY and p.default is not p.empty for p in after[len(before):]), name
    assert len(old) >= 26  # 25 methods and the constructor


def test_error_classes_match_the_legacy_ones():
    for name in ("CircleCIException", "BadVerbError", "BadKeyError", "InvalidFilterError"):
        assert hasattr(api, name)
    assert issubclass(CacheClearingRemoved, CircleCIException)
    assert str(api.BadVerbError("PUT")) == str(legacy_error.BadVerbError("PUT"))
    assert str(api.InvalidFilterError("x", "artifacts")) == str(legacy_error.InvalidFilterError("x", "artifacts"))


@pytest.fixture
def emu(circleci_emulator_factory):
    return project_emulator(circleci_emulator_factory)


def test_trigger_build_positional_and_keyword_forms(emu):
    client = api.Api(emu.token, emu.url + "/api/v1.1")
    assert client.token == emu.token and client.url == emu.url + "/api/v1.1"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build = client.trigger_build("acme", "app", "main")
        tagged = client.trigger_build(username="acme", project="app", tag="v1.0",
                                      params={"build_parameters": {"image-tag": "abc"}})
    assert isinstance(build["build_num"], int) and build["branch"] == "main"
    assert build["build_url"].endswith(f"/gh/acme/app/{build['build_num']}")
    assert build["status"] and build["lifecycle"]
    assert tagged["vcs_tag"] == "v1.0"
    bodies = [c.json for c in emu.calls if c.operation_id == "triggerPipeline"]
    assert bodies == [{"branch": "main"}, {"tag": "v1.0", "parameters": {"image-tag": "abc"}}]
    assert all(c.api == "v2" for c in emu.calls)
    emu.assert_valid()
    ours = [w for w in caught if issubclass(w.category, CircleCIDeprecationWarning)]
    assert ours and all(w.filename == __file__ for w in ours)
    assert any(str(w.message).startswith("CCI110") and "triggerPipeline" in str(w.message) for w in ours)


def test_deprecation_warning_once_per_call_site(emu):
    client = Api(emu.token, emu.url)
    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        warnings.filterwarnings("default", category=CircleCIDeprecationWarning)
        for _ in range(3):
            client.get_recent_builds(limit=1)
    assert len([w for w in caught if str(w.message).startswith("CCI113")]) == 1


def test_strict_mode_refuses_revision(emu):
    with pytest.raises(api.StrictModeError, match="revision"):
        Api(emu.token, emu.url, strict=True).trigger_build("acme", "app", revision="abc123")
    assert not [c for c in emu.calls if c.operation_id == "triggerPipeline"]


def test_retry_build_bound_method_passed_uncalled(emu):
    client = Api(emu.token, emu.url + "/api/v1.1")
    first = client.trigger_build("acme", "app", "main")
    retry = client.retry_build  # a bound method handed around, as old code did
    again = retry("acme", "app", first["build_num"], True)
    reruns = [c for c in emu.calls if c.operation_id == "rerunWorkflow"]
    assert reruns[0].json == {"jobs": [first["workflows"]["job_id"]], "enable_ssh": True}
    assert again["workflows"]["job_name"] == first["workflows"]["job_name"]
    assert again["build_num"] != first["build_num"]
    assert "getJobDetails" in [c.operation_id for c in emu.calls]
    emu.assert_valid()


def test_experimental_retry_no_cache(emu):
    client = Experimental(emu.token, emu.url)
    first = client.trigger_build("acme", "app", "main")
    with pytest.warns(CircleCIDeprecationWarning, match="CCI114") as caught:
        client.retry_no_cache("acme", "app", first["build_num"])
    note = load_catalogue()["CCI114"].shim["note"]  # the rule says the cache is kept; so does the warning
    assert any(note in str(w.message) for w in caught)
    assert [c.json for c in emu.calls if c.operation_id == "rerunWorkflow"] == [
        {"jobs": [first["workflows"]["job_id"]]}]


def test_clear_cache_raises_or_rotates_the_cache_key_variable(emu):
    with pytest.raises(CacheClearingRemoved, match="cache key"):
        Api(emu.token, emu.url).clear_cache("acme", "app")
    result = Api(emu.token, emu.url, cache_env_var="CACHE_VERSION").clear_cache("acme", "app")
    assert "CACHE_VERSION" in result["status"]
    created = [c for c in emu.calls if c.operation_id == "createEnvVar"]
    assert len(created) == 1 and created[0].json["name"] == "CACHE_VERSION"


def test_get_recent_builds_limit_offset(emu):
    client = Api(emu.token, emu.url)
    for _ in range(2):
        client.trigger_build("acme", "app", "main")
    every = client.get_recent_builds(limit=100)
    nums = [b["build_num"] for b in every]
    assert nums == sorted(nums, reverse=True) and len(nums) >= 2
    assert [b["build_num"] for b in client.get_recent_builds(2, 1)] == nums[1:3]
    assert {"build_num", "build_url", "status", "branch", "subject"} <= set(every[0])
    assert all(c.api == "v2" for c in emu.calls)


def test_subclass_calling_request_stays_on_v11_with_json(emu):
    class Mine(Api):
        def first_build(self):
            return self._request("GET", "project/github/acme/app/1")

    client = Mine(emu.token, emu.url + "/api/v1.1")
    client.trigger_build("acme", "app", "main")
    assert client.first_build()["build_num"] == 1  # JSON, not EDN: Accept is sent
    assert client.get_build_info("acme", "app", 1) == client.first_build()
    assert any(c.api != "v2" for c in emu.calls)  # the subclass call stayed on v1.1


def test_http_errors_stay_requests_httperror(emu):
    client = Api(emu.token, emu.url)
    with pytest.raises(requests.HTTPError) as info:
        client.retry_build("acme", "app", 999)
    assert info.value.response is not None and info.value.response.status_code == 404
    assert "404" in str(info.value)
    with pytest.raises(requests.HTTPError):
        Api("wrong", emu.url).get_recent_builds()


def test_use_v2_moves_the_other_methods_to_v2(circleci_emulator_factory):
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, config=CONFIG, artifacts={"build": ["dist/app.whl"]})
    client = Api(emu.token, emu.url + "/api/v1.1", use_v2=True)
    build = client.trigger_build("acme", "app", "main")
    info = client.get_build_info("acme", "app", build["build_num"])
    assert info["build_num"] == build["build_num"] and info["branch"] == "main"
    assert isinstance(client.get_artifacts("acme", "app", build["build_num"]), list)
    client.add_envvar("acme", "app", "FOO", "bar")
    assert [e["name"] for e in client.list_envvars("acme", "app")] == ["FOO"]
    client.delete_envvar("acme", "app", "FOO")
    key = client.create_checkout_key("acme", "app", "deploy-key")
    assert client.get_checkout_key("acme", "app", key["fingerprint"])["fingerprint"] == key["fingerprint"]
    assert "tests" in client.get_test_metadata("acme", "app", build["build_num"])
    assert all(c.api == "v2" for c in emu.calls)
    emu.assert_valid()
