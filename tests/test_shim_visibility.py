"""What still fails after migration stays visible: calls through the drop-ins (circleci_v2.shim.circleci,
pycircleci, circleclient, requests) are still reported. A call the shim cannot run (its rule's `shim.runs` is
`refused`) stays at the rule's severity; a call it translates (`translated`) is information, so a team sees
what is left before it removes the shim. Through the command line.
"""
from __future__ import annotations

import json

import pytest

from circleci_v2.migrate.prefilter import DROP_IN_MODULES
from circleci_v2.rules import load_catalogue
from clirun import run_cli, write

CATALOGUE = load_catalogue()

LEGACY = (
    "from circleci.api import Api\n"
    "\n"
    "api = Api(token)\n"
    'api.clear_cache("acme", "app")\n'
    'api.trigger_build("acme", "app", branch="main")\n'
)
RAW = (
    "import requests\n"
    "\n"
    'requests.delete("https://circleci.com/api/v1.1/project/github/acme/app/build-cache",\n'
    '                headers={"Circle-Token": token, "Accept": "application/json"})\n'
    'r = requests.post("https://circleci.com/api/v1.1/project/github/acme/app/42/retry",\n'
    '                  headers={"Circle-Token": token, "Accept": "application/json"})\n'
    "r.raise_for_status()\n"
)


def _findings(root, *paths):
    proc = run_cli("check", "--output-format", "json", *paths, cwd=root)
    return proc.returncode, {(f["path"], f["rule"]): f for f in json.loads(proc.stdout)["findings"]}


def test_after_the_import_change_clear_cache_stays_an_error_and_trigger_build_stays_visible(tmp_path):
    path = write(tmp_path, "ci.py", LEGACY)
    fix = run_cli("fix", "ci.py", cwd=tmp_path)
    assert path.read_text().startswith("from circleci_v2.shim.circleci import Api\n"), fix.stdout + fix.stderr
    code, found = _findings(tmp_path, "ci.py")
    assert code == 1
    clear = found[("ci.py", "CCI112")]
    assert (clear["severity"], clear["fix"]) == ("error", "manual")
    assert "Through circleci_v2.shim.circleci it still fails" in clear["message"]
    trigger = found[("ci.py", "CCI110")]
    assert (trigger["severity"], trigger["fix"]) == ("info", "manual")
    assert trigger["message"].startswith("Legacy client trigger_build / build.trigger: runs through the shim's "
                                         "translation (circleci_v2.shim.circleci); migrate to triggerPipeline")
    text = run_cli("check", "ci.py", cwd=tmp_path).stdout
    assert "ci.py:4:1: CCI112 " in text and "ci.py:5:1: CCI110 " in text and "[*]" not in text


def test_through_the_requests_drop_in_build_cache_stays_an_error_and_retry_stays_visible(tmp_path):
    path = write(tmp_path, "raw.py", RAW)
    run_cli("fix", "--unsafe-fixes", "raw.py", cwd=tmp_path)
    # the retry makes the file's requests the shim's; the build-cache DELETE answers 410 through it
    assert path.read_text().startswith("from circleci_v2.shim import requests\n")
    code, found = _findings(tmp_path, "raw.py")
    assert code == 1
    assert found[("raw.py", "CCI106")]["severity"] == "error"
    assert "Through circleci_v2.shim.requests it still fails" in found[("raw.py", "CCI106")]["message"]
    assert found[("raw.py", "CCI104")]["severity"] == "info"
    assert "runs through the shim's translation (circleci_v2.shim.requests)" in found[("raw.py", "CCI104")]["message"]
    # nothing more to fix, and a second run changes nothing
    assert all(f["fix"] == "manual" for f in found.values())
    before = path.read_text()
    again = run_cli("fix", "--unsafe-fixes", "--add-todo", "raw.py", cwd=tmp_path)
    assert "fixed 0 finding(s)" in again.stderr
    assert "TODO(circleci-v2): CCI104" not in path.read_text()  # the shim runs it: not a to-do


def test_request_rules_through_the_requests_drop_in_are_information(tmp_path):
    write(tmp_path, "me.py", (
        "from circleci_v2.shim import requests as shim_requests\n"
        'shim_requests.get("https://circleci.com/api/v1.1/me?circle-token=" + token)\n'
    ))
    _, found = _findings(tmp_path, "me.py")
    for rule in ("CCI120", "CCI121"):
        assert found[("me.py", rule)]["severity"] == "info", rule
        assert "runs through the shim's translation" in found[("me.py", rule)]["message"]


def _drop_in_calls():
    """A call of every client method the rules name, through its drop-in."""
    for rule in CATALOGUE.of_kind("client"):
        for cm in rule.clients:
            if not cm.drop_in:
                continue
            receiver = f"{cm.class_name}(token)" + (f".{cm.attribute}" if cm.attribute else "")
            code = f"from {cm.drop_in} import {cm.class_name}\n{receiver}.{cm.method}('acme', 'app')\n"
            yield rule, cm, code


def test_every_drop_in_call_is_reported_as_its_rule_says(tmp_path):
    """The severity comes from each rule's shim.runs, not from a list in the code."""
    cases = list(_drop_in_calls())
    assert {rule.shim.get("runs") for rule, _, _ in cases} == {"translated", "refused"}
    for n, (rule, cm, code) in enumerate(cases):
        write(tmp_path, f"c{n}.py", code)
    _, found = _findings(tmp_path, ".")
    for n, (rule, cm, code) in enumerate(cases):
        f = found.get((f"c{n}.py", rule.id))
        assert f is not None, code
        expected = "info" if rule.shim["runs"] == "translated" else rule.severity
        assert (f["severity"], f["fix"]) == (expected, "manual"), (code, f)
        assert cm.drop_in in f["message"]


@pytest.mark.parametrize("text", [
    "from circleci_v2.shim.circleci import Api\nApi(t).clear_cache('a', 'b')\n",
    "import circleci_v2.shim.pycircleci as pc\npc.Api(t).trigger_build('a', 'b')\n",
    "from circleci_v2.shim import circleclient\ncircleclient.CircleClient(t).cache.clear('a', 'b')\n",
])
def test_a_drop_in_import_makes_a_file_a_candidate(tmp_path, text):
    write(tmp_path, "x.py", text)
    proc = run_cli("check", "x.py", cwd=tmp_path)
    assert proc.returncode == 1 and "1 candidate analysed" in proc.stderr, proc.stdout + proc.stderr


def test_the_prefilter_knows_every_drop_in_the_rules_name():
    named = {cm.drop_in for r in CATALOGUE for cm in r.clients if cm.drop_in}
    named |= {r.shim["route"]["module"] for r in CATALOGUE if isinstance(r.shim.get("route"), dict)}
    assert {m.decode() for m in DROP_IN_MODULES} == named


def test_a_rule_the_shim_translates_or_refuses_says_so():
    """Every rule with a shim translation says what the drop-ins do with the call."""
    for rule in CATALOGUE:
        if rule.shim.get("translation"):
            assert rule.shim.get("runs") in ("translated", "refused"), rule.id
