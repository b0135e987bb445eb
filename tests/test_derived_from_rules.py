"""Values the fixer and the shim used to keep as tables of their own, now read from the rules: the shim
module the requests swap imports and which call sites it moves (the rules' shim `route`), the VCS names
(rules.endpoints VCS_SLUGS) and the legacy API roots (rules.endpoints LEGACY_VERSIONS). Each equals what the
rules say, and a changed rule reaches the code; the shim's side is checked over HTTP against the emulator."""
from __future__ import annotations

import textwrap
import warnings

import pytest

from catalogue_copy import copy_catalogue, edit_rule
from circleci_v2.migrate.fix import FixOptions, fix_source
from circleci_v2.migrate.fix.imports import SWAPPED_LIBRARY, swap_module, swapped_by_import
from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue, load_rules
from circleci_v2.rules.endpoints import (API_VERSIONS, LEGACY_VERSIONS, V1_DEFAULT_VCS, V1_VCS_NAMES, V2_ROOT, VCS_SLUGS,
                                         v1_vcs_name, v2_project_slug)
from circleci_v2.shim import adapters, transport
from circleci_v2.shim import requests as shim_requests

CATALOGUE = load_catalogue()
ROUTED = ("CCI101", "CCI102")  # the rules whose shim `route` names requests
SESSION_RETRY = '''
    import requests
    S = requests.Session()
    def retry(n):
        S.post(f"https://circleci.com/api/v1.1/project/github/acme/app/{n}/retry",
               headers={"Accept": "application/json"})
    '''


def fix(code: str, catalogue=CATALOGUE, **options):
    code = textwrap.dedent(code).lstrip("\n")
    result = fix_source(code, "t.py", analyse(code, "t.py", catalogue), FixOptions(**options), catalogue)
    assert result.errors == []
    return result


# --- the requests swap: its module and its call sites come from the rules' shim `route` ---

def test_the_swap_imports_the_module_the_routes_name_for_requests():
    routes = [r.shim["route"] for r in CATALOGUE if isinstance(r.shim.get("route"), dict)]
    assert sorted(r.id for r in CATALOGUE if isinstance(r.shim.get("route"), dict)) == list(ROUTED)
    assert {route["module"] for route in routes if SWAPPED_LIBRARY in route["libraries"]} == {
        swap_module(CATALOGUE)} == {"circleci_v2.shim.requests"}


@pytest.mark.parametrize("library, moved", [
    ("requests", True), ("requests.Session", True), ("httpx", False), ("httpx.Client", False),
    ("aiohttp", False), ("subprocess:curl", False), ("requestsx", False), (None, False),
])
def test_the_swap_moves_calls_of_the_swapped_library_and_of_its_classes(library, moved):
    assert swapped_by_import(library) is moved


def test_a_session_call_moves_with_the_swapped_import():
    """A requests.Session() made from the swapped import is the shim's Session: its calls run through the shim."""
    unsafe = fix(SESSION_RETRY, unsafe=True)
    assert unsafe.text.startswith("from circleci_v2.shim import requests\n")
    assert unsafe.left == []
    [change] = unsafe.changes
    assert change.rule_id == "CCI104" and change.description.startswith("runs through circleci_v2.shim.requests now")


def test_a_route_naming_another_module_reaches_the_swap(tmp_path):
    paths = copy_catalogue(tmp_path)
    for rule_id in ROUTED:
        edit_rule(paths, rule_id, "module: circleci_v2.shim.requests", "module: circleci_v2.shim.http_requests")
    catalogue = load_rules(paths)
    assert swap_module(catalogue) == "circleci_v2.shim.http_requests"
    unsafe = fix(SESSION_RETRY, catalogue, unsafe=True)
    assert unsafe.text.startswith("from circleci_v2.shim import http_requests as requests\n")


def test_routes_that_no_longer_name_requests_stop_the_swap(tmp_path):
    paths = copy_catalogue(tmp_path)
    for rule_id in ROUTED:
        edit_rule(paths, rule_id, "libraries: [requests]", "libraries: [httpx]")
    catalogue = load_rules(paths)
    assert swap_module(catalogue) is None
    unsafe = fix(SESSION_RETRY, catalogue, unsafe=True)
    assert unsafe.text == textwrap.dedent(SESSION_RETRY).lstrip("\n")
    assert [(l.rule_id, l.needs) for l in unsafe.left] == [("CCI104", "manual")]


# --- VCS names: one table, rules.endpoints.VCS_SLUGS ---

def test_the_v1_names_are_the_inverse_of_the_v2_short_forms():
    assert V1_VCS_NAMES == {"gh": "github", "bb": "bitbucket"}
    for spelling, short in VCS_SLUGS.items():
        assert VCS_SLUGS[v1_vcs_name(short)] == short
    assert v1_vcs_name("circleci") == "circleci"


@pytest.mark.parametrize("short", sorted(set(VCS_SLUGS.values())))
def test_a_v1_build_summary_names_its_vcs_as_the_rules_do(short):
    summary = adapters.build_summary(f"{short}/acme/app", {"id": "p", "number": 1})
    assert summary["vcs_type"] == V1_VCS_NAMES[short]


def test_the_api_v1_rules_name_no_vcs_and_their_projects_are_the_default_vcs():
    """The fact the circleclient drop-in and the emulator's v1 routes rely on: a v1 path has no :vcs."""
    v1 = [e.template for r in CATALOGUE for e in r.endpoints if e.template.version == "v1"]
    assert v1 and all("vcs" not in t.param_names for t in v1)
    assert v2_project_slug(V1_DEFAULT_VCS, "acme", "app") == "gh/acme/app"


@pytest.fixture
def emulator_state():
    pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")
    from circleci_v2.shim.emulator import state

    return state


def test_the_emulator_accepts_every_spelling_the_rules_know(emulator_state):
    for spelling, short in VCS_SLUGS.items():
        assert emulator_state.normalise_slug(f"{spelling}/acme/app") == f"{short}/acme/app"
        assert emulator_state.PROVIDERS[spelling][0] == v1_vcs_name(short)
    assert emulator_state.normalise_slug("circleci/org-id/project-id") == "circleci/org-id/project-id"
    with pytest.raises(ValueError, match="unknown VCS in project slug 'gl/acme/app': use bb, bitbucket, circleci"):
        emulator_state.normalise_slug("gl/acme/app")


@pytest.fixture
def emu(circleci_emulator_factory):
    pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")
    from emulator_support import CONFIG

    emu = circleci_emulator_factory(workflow_delay=0.05)
    emu.add_project("gh/acme/app", config=CONFIG)
    emu.add_project("bb/acme/lib", config=CONFIG)
    return emu


@pytest.mark.parametrize("vcs, project", [("github", "app"), ("bitbucket", "lib")])
def test_a_translated_trigger_answers_with_the_v1_vcs_name(emu, vcs, project):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = shim_requests.post(f"{emu.url}/api/v1.1/project/{vcs}/acme/{project}/tree/main",
                               headers={"Circle-Token": emu.token})
    assert r.status_code == 201, r.text
    assert r.json()["vcs_type"] == vcs == v1_vcs_name(VCS_SLUGS[vcs])
    assert [c.path for c in emu.calls if c.operation_id == "triggerPipeline"] == [
        f"/api/v2/project/{VCS_SLUGS[vcs]}/acme/{project}/pipeline"]


# --- the legacy API roots: rules.endpoints.LEGACY_VERSIONS ---

def test_the_endpoint_rules_use_only_the_versions_the_roots_are_built_from():
    assert {e.template.version for r in CATALOGUE if r.kind == "endpoint" for e in r.endpoints} == set(
        LEGACY_VERSIONS)
    assert API_VERSIONS == LEGACY_VERSIONS + ("v2",)


@pytest.mark.parametrize("version, legacy", [(v, v in LEGACY_VERSIONS) for v in API_VERSIONS])
def test_the_shim_translates_exactly_the_legacy_roots(version, legacy):
    assert shim_requests._is_v1(f"https://ci.example.com/api/{version}/me") is legacy
    assert shim_requests._is_v1(f"https://ci.example.com/api/{version}") is False  # no route after the root
    assert transport.v2_base_url(f"https://ci.example.com/x/api/{version}") == "https://ci.example.com/x/api/v2"


def test_the_v2_client_of_a_translated_call_keeps_the_path_before_the_legacy_root():
    adapter = shim_requests.CircleCIAdapter()
    try:
        for version in LEGACY_VERSIONS:
            client = adapter._client("t", f"https://ci.example.com/ci/api/{version}/project/gh/a/b")
            assert client.base_url == "https://ci.example.com/ci/api/v2"
    finally:
        adapter.close()


def test_the_emulator_records_the_version_of_each_root(emu):
    for version in API_VERSIONS:
        shim_requests.get(f"{emu.url}/api/{version}/me", headers={"Circle-Token": emu.token})
    shim_requests.get(f"{emu.url}/api/v3/me", headers={"Circle-Token": emu.token})
    assert [c.api for c in emu.calls] == list(API_VERSIONS) + ["other"]


# --- which retry enables SSH: the rule's shim.translation, not the URL's last segment ---

def _retry_over_http(emu, path_after_build_num: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = f"{emu.url}/api/v1.1/project/github/acme/app"
        first = shim_requests.post(f"{base}/tree/main", headers={"Circle-Token": emu.token}).json()
        r = shim_requests.post(f"{base}/{first['build_num']}/{path_after_build_num}",
                               headers={"Circle-Token": emu.token})
    assert r.status_code == 200, r.text
    return [c.json for c in emu.calls if c.operation_id == "rerunWorkflow"]


@pytest.mark.parametrize("rule_id, route, ssh", [("CCI104", "retry", False), ("CCI105", "ssh", True)])
def test_a_retry_enables_ssh_when_its_rule_says_retry_ssh(emu, rule_id, route, ssh):
    assert (CATALOGUE[rule_id].shim["translation"] == "retry-ssh") is ssh
    [rerun] = _retry_over_http(emu, route)
    assert rerun.get("enable_ssh", False) is ssh


def test_a_rule_changed_to_retry_ssh_reaches_the_shim(emu, tmp_path, monkeypatch):
    from circleci_v2.shim import deprecation

    paths = copy_catalogue(tmp_path)
    edit_rule(paths, "CCI104", "translation: retry\n", "translation: retry-ssh\n")
    monkeypatch.setattr(deprecation, "_catalogue", lambda: load_rules(paths))
    [rerun] = _retry_over_http(emu, "retry")
    assert rerun["enable_ssh"] is True


# --- the pre-filter's API roots: the legacy versions, also when the root is split from its version ---

@pytest.mark.parametrize("version", API_VERSIONS + ("v10", "v1beta"))
def test_the_prefilter_admits_a_split_root_of_each_legacy_version_only(version):
    from circleci_v2.migrate.prefilter import has_shape

    split = f"API = 'https://ci.example.com/api'\nVERSION = '{version}'\n".encode()
    assert has_shape(split) is (version in LEGACY_VERSIONS)
    whole = f"requests.get('https://ci.example.com/api/{version}/insights')\n".encode()  # no v1.1 route
    assert has_shape(whole) is (version in LEGACY_VERSIONS)


def test_the_root_marker_is_the_endpoint_templates_roots_minimal_form():
    from circleci_v2.rules.generate import derive_markers

    roots = {f"/api/{e.template.version}" for r in CATALOGUE for e in r.endpoints
             if e.template.version in LEGACY_VERSIONS}
    assert roots == {f"/api/{v}" for v in LEGACY_VERSIONS}
    assert [m for m in derive_markers(CATALOGUE) if m.startswith(b"/")] == [b"/api/v1"]  # covers /api/v1.1


# --- the v2 root: one constant, the spec's server path and the root of every rule's v2 path ---

def test_the_v2_root_is_the_specs_and_the_rules():
    import json
    from urllib.parse import urlsplit

    from circleci_v2.rules import SPEC_PATH
    from circleci_v2.rules.endpoints import V2_ROOT

    servers = json.loads(SPEC_PATH.read_text(encoding="utf-8"))["servers"]
    assert {urlsplit(s["url"]).path for s in servers} == {V2_ROOT}
    v2_paths = [r.replacement.path for r in CATALOGUE if r.has_v2_path]
    assert v2_paths and all(p.startswith(V2_ROOT + "/") for p in v2_paths)
    assert transport.v2_base_url("https://ci.example.com") == "https://ci.example.com" + V2_ROOT
    assert adapters.app_url("https://ci.example.com" + V2_ROOT) == "https://ci.example.com"


def test_an_api_v1_url_gets_the_default_vcs_in_its_v2_slug_wherever_the_slug_is_built():
    from circleci_v2.migrate.trigger_sends import project_slug

    expected = v2_project_slug(V1_DEFAULT_VCS, "acme", "app")
    [found] = [m for m in CATALOGUE.match_request("POST", "https://circleci.com/api/v1/project/acme/app")
               if m.rule.id == "CCI101"]
    assert "".join(found.rule.v2_path(found.match.params)) == f"{V2_ROOT}/project/{expected}/pipeline"
    assert project_slug(found.match.params) == expected
