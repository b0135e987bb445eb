"""The drop-in methods that stay on v1.1, in all three drop-ins, over HTTP against the emulator.

Each is called with a legacy call shape (positional and keyword arguments as the
legacy code wrote them) and the test checks what the old code reads from the reply
and the request that reached the emulator: the v1.1 (circleclient: v1) endpoint,
the rule that names it, `Accept: application/json`, and no token in the query
string. Methods whose endpoint v1.1 does not serve get the error the user sees.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, Dict, List, Tuple

import pytest
import requests

from circleci_v2.rules import load_catalogue
from circleci_v2.shim import circleclient
from circleci_v2.shim.circleci import Api as CircleciApi
from circleci_v2.shim.circleci import Experimental
from circleci_v2.shim.legacy_methods import declared, deprecated_method
from circleci_v2.shim.pycircleci import Api as PyApi

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")

from emulator_support import CONFIG, SLUG  # noqa: E402

JOBS = ("build", "test", "lint", "deploy")  # the jobs of emulator_support.CONFIG
ARTIFACT = "out/build.txt"
TEST_CASE = {"name": "t_login", "classname": "tests.auth", "result": "failure"}


@pytest.fixture
def emu(circleci_emulator_factory):
    emu = circleci_emulator_factory()
    emu.add_project(SLUG, config=CONFIG, env_vars={"API_KEY": "secret-1234"},
                    artifacts={job: [f"out/{job}.txt"] for job in JOBS}, tests={"test": [TEST_CASE]})
    emu.add_pipeline(SLUG, branch="main")
    return emu


def numbers(emu) -> Dict[str, int]:
    return {j.name: j.number for j in emu.state.jobs.values() if j.number is not None}


def header(call, name: str) -> str:
    return next((v for k, v in call.headers.items() if k.lower() == name.lower()), "")


def only_call(emu, api: str = "v1.1"):
    """The one request a method made: checked for version, Accept and the token's place; returned."""
    calls = emu.calls
    assert len(calls) == 1, [str(c) for c in calls]
    call = calls[0]
    assert call.api == api, str(call)
    assert header(call, "Accept") == "application/json", call.headers
    assert not any(k.lower() == "circle-token" for k in call.query), call.query
    emu.clear_calls()
    return call


# ---- circleci (circleci.api.Api) and pycircleci (pycircleci.api.Api): the same v1.1 methods ----

Case = Tuple[str, str, Callable[[Any, Dict[str, int]], Any], Callable[[Any, Dict[str, int]], None]]


def _summary(reply, n):
    assert isinstance(reply, dict) and reply["build_num"] == n["build"]
    assert reply["status"] and reply["vcs_revision"] and reply["build_url"].endswith(f"/{n['build']}")


def _builds(reply, n):
    assert isinstance(reply, list) and reply
    assert [b["build_num"] for b in reply] == sorted((b["build_num"] for b in reply), reverse=True)
    assert all(b["branch"] == "main" and b["outcome"] for b in reply)


def _user(reply, n):
    assert reply["login"] and "basic_email_prefs" in reply and "admin" in reply


def _projects(reply, n):
    (project,) = reply
    assert project["username"] == "acme" and project["reponame"] == "app" and project["followed"] is True
    assert project["vcs_url"].endswith("/acme/app")
    main = project["branches"]["main"]
    assert {b["build_num"] for b in main["recent_builds"]} <= set(n.values()) and main["recent_builds"]
    assert main["last_success"]["outcome"] == "success"


def _artifacts(reply, n):
    assert [a["path"] for a in reply] == [ARTIFACT]
    assert reply[0]["url"] and reply[0]["pretty_path"] == ARTIFACT


def LATEST_ARTIFACTS(n: Dict[str, int]) -> List[str]:
    """The artifacts of the newest job (every job on main succeeds)."""
    return [f"out/{max(n, key=n.__getitem__)}.txt"]


SHARED: List[Case] = [
    ("get_user_info", "CCI137", lambda c, n: c.get_user_info(), _user),
    ("get_projects", "CCI138", lambda c, n: c.get_projects(), _projects),
    ("follow_project", "CCI139", lambda c, n: c.follow_project("acme", "app"),
     lambda r, n: r.__getitem__("followed") is True or pytest.fail(r)),
    ("get_project_build_summary", "CCI133",
     lambda c, n: c.get_project_build_summary("acme", "app", limit=3, status_filter="completed", branch="main"),
     _builds),
    ("get_project_build_summary (positional)", "CCI133",
     lambda c, n: c.get_project_build_summary("acme", "app", 2, 0), _builds),
    ("get_build_info", "CCI131",
     lambda c, n: c.get_build_info(username="acme", project="app", build_num=n["build"], vcs_type="github"),
     _summary),
    ("get_artifacts", "CCI132", lambda c, n: c.get_artifacts("acme", "app", n["build"]), _artifacts),
    ("get_latest_artifact", "CCI132",
     lambda c, n: c.get_latest_artifact("acme", "app", branch="main", status_filter="successful"),
     lambda r, n: [a["path"] for a in r] == LATEST_ARTIFACTS(n) or pytest.fail(r)),
    ("cancel_build", "CCI130", lambda c, n: c.cancel_build("acme", "app", n["build"]), _summary),
    ("add_ssh_user", "CCI141", lambda c, n: c.add_ssh_user("acme", "app", n["build"]),
     lambda r, n: (_summary(r, n), r["ssh_users"][0]["login"])),
    ("add_ssh_key", "CCI142",
     lambda c, n: c.add_ssh_key("acme", "app", "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n", hostname="git.example.com"),
     lambda r, n: r is None or pytest.fail(r)),
    ("add_ssh_key (no hostname)", "CCI142", lambda c, n: c.add_ssh_key("acme", "app", "key material"),
     lambda r, n: r is None or pytest.fail(r)),
    ("get_test_metadata", "CCI136", lambda c, n: c.get_test_metadata("acme", "app", n["test"]),
     lambda r, n: r["tests"][0]["name"] == "t_login" or pytest.fail(r)),
    ("list_envvars", "CCI134", lambda c, n: c.list_envvars("acme", "app"),
     lambda r, n: r == [{"name": "API_KEY", "value": "xxxx1234"}] or pytest.fail(r)),
    ("add_envvar", "CCI134", lambda c, n: c.add_envvar("acme", "app", "DEPLOY_KEY", "value-9876"),
     lambda r, n: r == {"name": "DEPLOY_KEY", "value": "xxxx9876"} or pytest.fail(r)),
    ("get_envvar", "CCI134", lambda c, n: c.get_envvar("acme", "app", "API_KEY"),
     lambda r, n: r["name"] == "API_KEY" or pytest.fail(r)),
    ("delete_envvar", "CCI134", lambda c, n: c.delete_envvar(username="acme", project="app", name="API_KEY"),
     lambda r, n: r == {"message": "ok"} or pytest.fail(r)),
    ("list_checkout_keys", "CCI135", lambda c, n: c.list_checkout_keys("acme", "app"),
     lambda r, n: r == [] or pytest.fail(r)),
    ("create_checkout_key", "CCI135", lambda c, n: c.create_checkout_key("acme", "app", "github-user-key"),
     lambda r, n: (r["type"] == "github-user-key" and r["fingerprint"]) or pytest.fail(r)),
]

CIRCLECI_ONLY: List[Case] = [
    ("add_heroku_key", "CCI143", lambda c, n: c.add_heroku_key("heroku-api-key"),
     lambda r, n: r is None or pytest.fail(r)),
]


def _run(emu, client, cases: List[Case]) -> None:
    n = numbers(emu)
    assert {"build", "test"} <= set(n)
    emu.clear_calls()
    for name, rule_id, call, check in cases:
        reply = call(client, n)
        check(reply, n)
        assert only_call(emu).rule_id == rule_id, name
    emu.assert_valid()


@pytest.mark.parametrize("cls", [CircleciApi, Experimental])
def test_circleci_methods_on_v11(emu, cls):
    client = cls(emu.token, emu.url + "/api/v1.1")
    _run(emu, client, SHARED + CIRCLECI_ONLY)
    _checkout_key_round_trip(emu, client)


def test_pycircleci_methods_on_v11(emu):
    client = PyApi(token=emu.token, url=emu.url + "/api")
    _run(emu, client, SHARED + [("me", "CCI137", lambda c, n: c.me(), _user)])
    _checkout_key_round_trip(emu, client)
    # get_user_info(api_version="v2") was already v2 in pycircleci: getCurrentUser
    assert client.get_user_info(api_version="v2")["login"]
    assert emu.calls[-1].operation_id == "getCurrentUser"


def _checkout_key_round_trip(emu, client) -> None:
    emu.clear_calls()
    fp = client.create_checkout_key("acme", "app", "deploy-key")["fingerprint"]
    assert client.get_checkout_key("acme", "app", fp)["fingerprint"] == fp
    assert client.delete_checkout_key("acme", "app", fingerprint=fp) == {"message": "ok"}
    with pytest.raises(requests.HTTPError) as info:
        client.get_checkout_key("acme", "app", fp)
    assert info.value.response.status_code == 404 and "404" in str(info.value)
    assert [c.rule_id for c in emu.calls] == ["CCI135"] * 4
    assert all(header(c, "Accept") == "application/json" and not c.query for c in emu.calls)


@pytest.mark.parametrize("make", [lambda emu: CircleciApi(emu.token, emu.url + "/api/v1.1"),
                                  lambda emu: PyApi(emu.token, emu.url + "/api")])
def test_unknown_project_and_build_are_http_errors(emu, make):
    client = make(emu)
    for call, rule_id in [(lambda: client.follow_project("acme", "nope"), "CCI139"),
                          (lambda: client.add_ssh_user("acme", "app", 999), "CCI141"),
                          (lambda: client.add_ssh_key("acme", "nope", "key"), "CCI142")]:
        with pytest.raises(requests.HTTPError) as info:
            call()
        assert info.value.response.status_code == 404
        assert only_call(emu).rule_id == rule_id


def test_emulator_refuses_a_key_without_material(emu):
    s = requests.Session()
    s.headers.update({"Circle-Token": emu.token, "Accept": "application/json"})
    v11 = f"{emu.url}/api/v1.1"
    missing = s.post(f"{v11}/project/github/acme/app/ssh-key", json={"hostname": "h"})
    assert missing.status_code == 400 and missing.json() == {"message": "private_key is required"}
    assert s.post(f"{v11}/user/heroku-key", json={}).json() == {"message": "apikey is required"}
    deleted = s.delete(f"{v11}/project/github/acme/app/ssh-key", json={"fingerprint": "aa:bb", "hostname": "h"})
    assert deleted.status_code == 200 and deleted.content == b""
    assert [c.rule_id for c in emu.calls] == ["CCI142", "CCI143", "CCI142"]


def test_pycircleci_methods_v11_never_served(emu):
    """get_user_repos is an undocumented v1.1 path no rule names: the emulator answers 404, as for any path
    v1.1 does not have, and the user gets requests' HTTPError."""
    client = PyApi(emu.token, emu.url + "/api")
    with pytest.raises(requests.HTTPError) as info:
        client.get_user_repos()
    assert info.value.response.status_code == 404 and "404 Client Error" in str(info.value)
    assert only_call(emu).rule_id is None


def test_pycircleci_project_settings_on_v11(emu):
    """The undocumented settings routes (CCI145) stay v1.1 calls: PUT merges the feature flags sent."""
    client = PyApi(emu.token, emu.url + "/api")
    client.update_project_settings("acme", "app", {"feature_flags": {"oss": True}})
    assert only_call(emu).rule_id == "CCI145"
    assert client.get_project_settings("acme", "app")["feature_flags"] == {"oss": True}
    call = only_call(emu)
    assert call.rule_id == "CCI145" and call.api == "v1.1"


def test_circleclient_methods_on_v1(emu):
    client = circleclient.CircleClient(emu.token, url=emu.url + "/api/v1")
    n = numbers(emu)
    emu.clear_calls()
    user = client.user.info()
    assert user["login"] and only_call(emu, "v1").rule_id == "CCI137"
    projects = client.projects.list_projects()
    assert projects[0]["reponame"] == "app" and only_call(emu, "v1").rule_id == "CCI138"
    status = client.build.status("acme", "app", n["build"])
    _summary(status, n)
    assert only_call(emu, "v1").rule_id == "CCI131"
    _artifacts(client.build.artifacts("acme", "app", n["build"]), n)
    assert only_call(emu, "v1").rule_id == "CCI132"
    recent = client.build.recent("acme", "app")  # limit=1 and an empty filter= by default
    assert len(recent) == 1 and recent[0]["build_num"] == max(n.values())
    call = only_call(emu, "v1")
    assert call.rule_id == "CCI133" and call.query["filter"] == [""]
    on_main = client.build.recent("acme", "app", limit=10, branch="main", status_filter="successful")
    _builds(on_main, n)
    assert only_call(emu, "v1").rule_id == "CCI133"
    canceled = client.build.cancel("acme", "app", n["build"])
    _summary(canceled, n)
    call = only_call(emu, "v1")
    assert call.rule_id == "CCI130" and call.json == {}
    with pytest.raises(Exception, match=r"^404: Not Found\.\nCircleCI Status NOT OK$"):
        client.build.status("acme", "app", 999)
    assert only_call(emu, "v1").rule_id == "CCI131"
    emu.assert_valid()


DROP_IN_HOLDERS = {"circleci_v2.shim.circleci": {"Api": CircleciApi, "Experimental": Experimental},
                   "circleci_v2.shim.pycircleci": {"Api": PyApi},
                   "circleci_v2.shim.circleclient": {"CircleClient": circleclient.CircleClient("token")}}


def _drop_in_method(cm: Any) -> Callable[..., Any]:
    """The drop-in's method for a rule's client entry (circleclient's through its attribute, e.g. build)."""
    owner = DROP_IN_HOLDERS[cm.drop_in][cm.class_name]
    if cm.attribute:
        owner = getattr(owner, cm.attribute)
    return getattr(owner, cm.method)


def test_every_deprecated_client_method_warns_with_the_rule_that_names_it():
    """The drop-ins find their rule from the client entries (@deprecated_method); the rule's client entries
    are the source of truth, so each entry's drop-in method must warn with that rule's id and no other."""
    client_rules = [r for r in load_catalogue() if r.kind == "client" and r.deprecated]
    assert len(client_rules) >= 5
    for rule in client_rules:
        for cm in rule.clients:
            if not cm.drop_in:
                continue
            declared = getattr(_drop_in_method(cm), "deprecated_method", None)
            warned = {declared.rule().id} if declared is not None else set()
            assert warned == {rule.id}, f"{cm.dotted}: warns {sorted(warned)}, its rule is {rule.id}"


def test_every_deprecated_drop_in_method_has_exactly_one_rule():
    """A @deprecated_method no client entry names (or two rules name) fails here, not silently at run time."""
    methods = declared()
    assert {m.drop_in for m in methods} == set(DROP_IN_HOLDERS)
    for method in methods:
        rule = method.rule()  # LookupError names the method when the catalogue has no single entry for it
        assert rule.kind == "client" and rule.deprecated, f"{method.dotted}: {rule.id} is not a deprecated client rule"


def test_a_deprecated_method_without_a_client_entry_fails_loudly():
    class Api:
        @deprecated_method
        def launch_rocket(self, rule, username, project):
            return rule

    assert str(inspect.signature(Api.launch_rocket)) == "(self, username, project)"
    with pytest.raises(LookupError, match=r"test_dropin_v11_methods\.Api\.launch_rocket is a deprecated drop-in "
                                          r"method, but .* name it in none rules"):
        Api().launch_rocket("acme", "app")
    with pytest.raises(TypeError, match="takes \\(self, rule, ...\\)"):
        class Bad:
            @deprecated_method
            def trigger_build(self, username):
                return username


def test_every_client_entry_of_an_info_rule_names_a_drop_in_method():
    """What `check` reports at info severity is a method the drop-in keeps, with the legacy parameters."""
    catalogue = load_catalogue()
    info_rules = [r for r in catalogue if r.kind == "endpoint" and not r.deprecated]
    assert len(info_rules) >= 13
    seen = set()
    for rule in info_rules:
        assert rule.clients, f"{rule.id} names no legacy client method"
        assert rule.fix == "manual" and rule.severity == "info"
        for cm in rule.clients:
            method = _drop_in_method(cm)
            assert callable(method), cm.dotted
            assert cm.dotted not in seen, f"{cm.dotted} is in two rules"
            seen.add(cm.dotted)
            assert inspect.signature(method)
