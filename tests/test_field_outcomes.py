"""One trigger, every front end, one meaning per field (rules/field_outcomes.py).

The same CCI102 trigger (the branch in the URL, `parallel`, a build parameter;
and a variant that also pins a `revision`) is written in Python (requests), in
shell (curl) and in a GitHub Actions `run:` step, and is also sent through the
shim (the requests drop-in and the legacy Api drop-in). For each front end the
fields get the same outcome class, the user reads the same text, and the v2
request that reaches the emulator on 127.0.0.1 (real HTTP) is the same:

    branch            moved     (from the URL into the body: a safe fix, noted in both fixers'
                                 reports; the shim sends it there without a warning)
    build_parameters  unsafe    (-> parameters: only with --unsafe-fixes; the shim sends it and warns)
    parallel          dropped   (removed only with --unsafe-fixes, the note in the report;
                                 the shim sends the call without it and warns, strict or not)
    revision          manual    (fix leaves the call; the shim warns, or refuses when strict)

The migrate front ends run through the command line (`check --output-format
json`, `fix`, `fix --unsafe-fixes --report`), and the fixed files are run.
"""
from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra")

from circleci_v2.rules import load_catalogue  # noqa: E402
from circleci_v2.rules.field_outcomes import DROPPED, EMULATED, KEPT, MANUAL, MOVED, UNSAFE, decide  # noqa: E402
from circleci_v2.rules.job_parameter import job_parameter  # noqa: E402
from circleci_v2.shim import requests as shim_requests  # noqa: E402
from circleci_v2.shim.circleci import Api, StrictModeError  # noqa: E402
from circleci_v2.shim.deprecation import CircleCIDeprecationWarning  # noqa: E402
from clirun import run_cli, write  # noqa: E402
from emulator_support import CONFIG, project_emulator  # noqa: E402

RULE = load_catalogue()["CCI102"]

# The rule's notes, as a user reads them everywhere (rules/catalogue/CCI102-trigger-branch.yaml)
PARAMETERS_NOTE = "pipeline parameters must be declared in .circleci/config.yml, or v2 refuses the trigger"
PARALLEL_NOTE = "set parallelism in the config instead"
REVISION_NOTE = "v2 cannot pin a commit; push a tag at the commit and trigger the tag, or drop the pin"

# why `fix` leaves a field (check's reason), and what was done with it (the fix report, the shim's warning)
REASON = {
    "build_parameters": f"`build_parameters` -> `parameters` (deploy): {PARAMETERS_NOTE}",
    "parallel": f"`parallel` is dropped: {PARALLEL_NOTE}",
    "revision": f"`revision`: {REVISION_NOTE}",
}
DONE = {
    "branch": "branch moved from the URL into the JSON body",
    "build_parameters": f"build_parameters -> parameters (unsafe: {PARAMETERS_NOTE})",
    "parallel": f"parallel dropped (unsafe: {PARALLEL_NOTE})",
    "revision": f"revision not sent (manual: {REVISION_NOTE})",
}
# the v2 request every front end ends up sending
V2_BODY = {"branch": "main", "parameters": {"deploy": True}}


def body(revision: bool) -> Dict[str, object]:
    fields: Dict[str, object] = {"parallel": 2}
    if revision:
        fields["revision"] = "abc123"
    fields["build_parameters"] = {"deploy": True}
    return fields


def python_trigger(host: str, revision: bool) -> str:
    return (
        "import sys\n"
        "\n"
        "import requests\n"
        "\n"
        "\n"
        "def deploy(token):\n"
        f'    r = requests.post("{host}/api/v1.1/project/github/acme/app/tree/main",\n'
        f"                      json={body(revision)!r},\n"
        '                      headers={"Circle-Token": token, "Accept": "application/json"})\n'
        "    r.raise_for_status()\n"
        "\n"
        "\n"
        'if __name__ == "__main__":\n'
        "    deploy(sys.argv[1])\n"
    )


def curl_trigger(host: str, revision: bool, indent: str = "") -> str:
    data = json.dumps(body(revision))
    return (
        f'{indent}curl -fsS -o /dev/null -X POST -H "Circle-Token: $CIRCLE_TOKEN" -H "Accept: application/json" \\\n'
        f"{indent}  -H \"Content-Type: application/json\" -d '{data}' \\\n"
        f'{indent}  "{host}/api/v1.1/project/github/acme/app/tree/main"\n'
    )


def workflow_trigger(host: str, revision: bool) -> str:
    return (
        "name: deploy\n"
        "on: push\n"
        "jobs:\n"
        "  deploy:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - name: trigger the CircleCI deploy\n"
        "        run: |\n" + curl_trigger(host, revision, indent=" " * 10)
    )


FILES = {"python": "deploy.py", "shell": "deploy.sh", "yaml": ".github/workflows/deploy.yml"}
SOURCES = {"python": python_trigger, "shell": curl_trigger, "yaml": workflow_trigger}


def run_fixed(front: str, path: Path, emu) -> subprocess.CompletedProcess:
    """Run the file as its user would: the script, the shell script, the workflow step's commands."""
    env = {"CIRCLE_TOKEN": emu.token, "PATH": "/usr/bin:/bin"}
    if front == "python":
        return subprocess.run([sys.executable, str(path), emu.token], capture_output=True, text=True, timeout=60)
    if front == "shell":
        return subprocess.run(["sh", str(path)], capture_output=True, text=True, env=env, timeout=60)
    (step,) = yaml.safe_load(path.read_text())["jobs"]["deploy"]["steps"]
    return subprocess.run(["bash", "-e", "-c", step["run"]], capture_output=True, text=True, env=env, timeout=60)


def triggers(emu) -> List[object]:
    return [c.json for c in emu.calls if c.operation_id == "triggerPipeline"]


def cci102(root: Path) -> dict:
    proc = run_cli("check", "--output-format", "json", ".", cwd=root)
    assert proc.returncode == 1, proc.stderr
    (finding,) = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "CCI102"]
    return finding


def report_entry(report: Path, key: str) -> List[dict]:
    return [c for entry in json.loads(report.read_text())["files"] for c in entry.get(key, [])
            if c["rule"] == "CCI102"]


@pytest.fixture
def emu(circleci_emulator_factory):
    return project_emulator(circleci_emulator_factory)


# ---- the decision -----------------------------------------------------------------------------------------

def test_the_decision_the_front_ends_carry_out():
    decision = decide(RULE, body(revision=False), path=["vcs", "user", "project", "branch"])
    assert [(f.name, f.outcome, f.to) for f in decision.fields] == [
        ("branch", MOVED, "branch"), ("parallel", DROPPED, None), ("build_parameters", UNSAFE, "parameters")]
    assert decision.fix == "unsafe" and decision.calls == ()
    assert decision.reasons == [REASON["parallel"], REASON["build_parameters"]]
    assert decision.notes == [DONE["branch"], DONE["parallel"], DONE["build_parameters"]]
    assert [f.warns for f in decision.fields] == [False, True, True]  # the shim does not warn of a move
    # the same field in the body is kept, and nothing is said of it
    assert decide(RULE, {"branch": "main"}).field("branch").outcome == KEPT and decide(RULE, {"branch": "x"}).notes == []
    pinned = decide(RULE, body(revision=True), path=["branch"])
    assert pinned.field("revision").outcome == MANUAL and pinned.fix == "manual"
    assert pinned.reasons == [REASON["revision"]]
    # a field the rule does not name is for a person too; None is a field not given (legacy clients send nulls)
    other = decide(RULE, {"nonsense": 1, "tag": None})
    assert [(f.name, f.outcome) for f in other.fields] == [("nonsense", MANUAL)]
    assert other.reasons == ["the body field `nonsense` has no v2 equivalent in CCI102"]
    # a branch and a tag together: fix leaves the call; the shim sends the tag, as v1.1 built the tag
    both = decide(RULE, {"tag": "v1"}, path=["branch"])
    assert both.fix == "manual" and both.reasons == ["v2 triggers a branch or a tag, not both: choose one"]
    assert both.calls[0].shim_leaves_out == ("branch",)
    # the branch in the URL and in the body: for a person; the shim sends the URL's, as v1.1 did, and warns
    twice = decide(RULE, {"branch": "other"}, path=["branch"])
    assert twice.fix == "manual" and twice.reasons == ["`branch` is both in the URL and in the body"]
    assert twice.calls[0].shim_warning == "`branch` is both in the URL and in the body: the path value is sent"


# ---- fix: Python, shell, a GitHub Actions step ---------------------------------------------------------------

@pytest.mark.parametrize("front", sorted(FILES))
def test_fix_drops_parallel_and_moves_parameters_only_with_unsafe_fixes(front, emu, tmp_path):
    path = write(tmp_path, FILES[front], SOURCES[front](emu.url, revision=False))
    before = path.read_text()
    finding = cci102(tmp_path)
    # check: [~], and why, in the fields' order: the same text for every kind of file
    assert finding["fix"] == "unsafe"
    assert finding["reason"] == f"needs --unsafe-fixes: {REASON['parallel']}; {REASON['build_parameters']}"

    safe = run_cli("fix", "--report", "safe.json", ".", cwd=tmp_path)
    assert safe.returncode == 1 and path.read_text() == before
    (left,) = report_entry(tmp_path / "safe.json", "left")
    assert left["needs"] == "unsafe" and left["reason"] == finding["reason"]

    unsafe = run_cli("fix", "--unsafe-fixes", "--report", "unsafe.json", ".", cwd=tmp_path)
    assert unsafe.returncode == 1 and "0 left for a person" in unsafe.stderr, unsafe.stderr
    fixed = path.read_text()
    assert "parallel" not in fixed and "build_parameters" not in fixed and "/api/v2/project/gh/acme/app/pipeline" in fixed
    (change,) = report_entry(tmp_path / "unsafe.json", "changes")
    assert change["fix"] == "unsafe"
    assert change["description"].endswith(f"; {DONE['branch']}; {DONE['parallel']}; {DONE['build_parameters']}")

    ran = run_fixed(front, path, emu)
    assert ran.returncode == 0, ran.stderr
    assert triggers(emu) == [V2_BODY]
    emu.assert_valid()


@pytest.mark.parametrize("front", sorted(FILES))
def test_fix_leaves_a_pinned_revision_for_a_person(front, emu, tmp_path):
    path = write(tmp_path, FILES[front], SOURCES[front](emu.url, revision=True))
    before = path.read_text()
    finding = cci102(tmp_path)
    assert finding["reason"] == REASON["revision"]
    proc = run_cli("fix", "--unsafe-fixes", "--report", "unsafe.json", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    if front != "python":
        assert finding["fix"] == "manual" and path.read_text() == before
        (left,) = report_entry(tmp_path / "unsafe.json", "left")
        assert left["needs"] == "manual" and left["reason"] == REASON["revision"]
        return
    # Python has one more way out: --unsafe-fixes routes the module's requests through the shim, the call
    # itself unchanged; at run time the shim carries out the same decision (revision and parallel left out)
    assert finding["fix"] == "unsafe"
    assert path.read_text() == before.replace("import requests", "from circleci_v2.shim import requests", 1)
    ran = run_fixed(front, path, emu)
    assert ran.returncode == 0, ran.stderr
    assert triggers(emu) == [V2_BODY]
    for field in ("parallel", "revision", "build_parameters"):
        assert f"CCI102: {DONE[field]}" in ran.stderr


# ---- the shim: the requests drop-in and the legacy Api, at run time ------------------------------------------

def shim_warnings(caught) -> List[str]:
    return [str(w.message) for w in caught if issubclass(w.category, CircleCIDeprecationWarning)
            and not str(w.message).startswith("CCI102 ")]  # the deprecation warning itself


def test_the_requests_drop_in_sends_without_parallel_and_warns_with_the_same_note(emu):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = shim_requests.post(f"{emu.url}/api/v1.1/project/github/acme/app/tree/main", json=body(revision=False),
                               headers={"Circle-Token": emu.token, "Accept": "application/json"})
    assert r.status_code == 201, r.text
    assert triggers(emu) == [V2_BODY]
    assert shim_warnings(caught) == [f"CCI102: {DONE['parallel']}", f"CCI102: {DONE['build_parameters']}"]
    emu.assert_valid()


def test_the_requests_drop_in_leaves_a_revision_out_and_says_why(emu):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = shim_requests.post(f"{emu.url}/api/v1.1/project/github/acme/app/tree/main", json=body(revision=True),
                               headers={"Circle-Token": emu.token, "Accept": "application/json"})
    assert r.status_code == 201, r.text
    assert triggers(emu) == [V2_BODY]
    assert shim_warnings(caught) == [f"CCI102: {DONE['parallel']}", f"CCI102: {DONE['revision']}",
                                     f"CCI102: {DONE['build_parameters']}"]


def test_the_strict_legacy_api_leaves_parallel_out_and_refuses_only_the_revision(emu):
    api = Api(emu.token, emu.url + "/api/v1.1", strict=True, wait=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api.trigger_build("acme", "app", "main", parallel=2, params={"build_parameters": {"deploy": True}})
    assert triggers(emu) == [V2_BODY]  # parallel has no v2 meaning: not sent, strict or not
    assert [t for t in shim_warnings(caught) if not t.startswith("CCI110 ")] == [
        f"CCI110: {DONE['parallel']}", f"CCI110: {DONE['build_parameters']}"]
    with pytest.raises(StrictModeError) as refused, warnings.catch_warnings():
        warnings.simplefilter("ignore", CircleCIDeprecationWarning)
        api.trigger_build("acme", "app", "main", revision="abc123", parallel=2)
    assert str(refused.value) == f"CCI110: {DONE['revision']}"  # a person decides: refused when strict
    assert len(triggers(emu)) == 1


# ---- one v2 field given twice: the branch in the URL and in the body ----------------------------------------

def test_a_branch_in_the_url_and_in_the_body_is_left_by_both_fixers_and_the_url_wins_in_the_shim(emu, tmp_path):
    url = f"{emu.url}/api/v1.1/project/github/acme/app/tree/main"
    write(tmp_path, "deploy.py", "import requests\n"
                                 "def deploy(token):\n"
                                 f'    requests.post("{url}", json={{"branch": "other"}},\n'
                                 '                  headers={"Circle-Token": token, "Accept": "application/json"})\n')
    write(tmp_path, "deploy.sh", f'curl -fsS -X POST -H "Circle-Token: $T" -H "Accept: application/json" '
                                 f'-d branch=other "{url}"\n')
    proc = run_cli("check", "--output-format", "json", ".", cwd=tmp_path)
    found = {f["path"]: (f["fix"], f["reason"]) for f in json.loads(proc.stdout)["findings"] if f["rule"] == "CCI102"}
    # the shell fixer used to send the URL's branch without a word; both now leave the call (Python's [~] is
    # --unsafe-fixes routing the module's requests through the shim, which carries out the same decision)
    assert found == {"deploy.py": ("unsafe", "`branch` is both in the URL and in the body"),
                     "deploy.sh": ("manual", "`branch` is both in the URL and in the body")}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = shim_requests.post(url, json={"branch": "other"}, headers={"Circle-Token": emu.token})
    assert r.status_code == 201, r.text
    assert triggers(emu) == [{"branch": "main"}]  # the shim used to send the body's
    assert shim_warnings(caught) == ["CCI102: `branch` is both in the URL and in the body: the path value is sent"]


# ---- the job parameter: CIRCLE_JOB goes as run-job, with one note, in both fixers and the shim ------------------

JOB = job_parameter()  # the catalogue's (CCI140 config.job_parameter)


def test_circle_job_gets_one_v2_name_and_one_note_from_both_fixers_and_the_shim(circleci_emulator_factory,
                                                                                 tmp_path):
    emu = circleci_emulator_factory(workflow_delay=0.05)
    # the project's config as `fix --unsafe-fixes` leaves it: the job parameter declared
    emu.add_project("gh/acme/app", config=CONFIG.replace(
        "parameters:\n", f'parameters:\n  {JOB.pipeline_parameter}: {{type: string, default: ""}}\n', 1))
    assert (JOB.build_parameter, JOB.pipeline_parameter) == ("CIRCLE_JOB", "run-job")
    url = f"{emu.url}/api/v1.1/project/github/acme/app/tree/main"
    write(tmp_path, "deploy.py", "import sys\nimport requests\n"
                                 f'r = requests.post("{url}", json={{"build_parameters": {{"CIRCLE_JOB": "deploy"}}}},\n'
                                 '                  headers={"Circle-Token": sys.argv[1], "Accept": "application/json"})\n'
                                 "r.raise_for_status()\n")
    write(tmp_path, "deploy.sh", f'curl -fsS -o /dev/null -X POST -H "Circle-Token: $CIRCLE_TOKEN" '
                                 f'-d "build_parameters[CIRCLE_JOB]=deploy" "{url}"\n')
    proc = run_cli("fix", "--unsafe-fixes", "--report", "unsafe.json", ".", cwd=tmp_path)
    assert proc.returncode == 1 and "0 left for a person" in proc.stderr, proc.stderr
    changes = {entry["path"]: [c["description"] for c in entry.get("changes", []) if c["rule"] == "CCI102"]
               for entry in json.loads((tmp_path / "unsafe.json").read_text())["files"]}
    for path in ("deploy.py", "deploy.sh"):
        (description,) = changes[path]
        assert description.endswith(f"; {DONE['branch']}; {DONE['build_parameters']}; {JOB.done}"), description
    for front, path in (("python", tmp_path / "deploy.py"), ("shell", tmp_path / "deploy.sh")):
        ran = run_fixed(front, path, emu)
        assert ran.returncode == 0, ran.stderr
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = shim_requests.post(url, json={"build_parameters": {"CIRCLE_JOB": "deploy"}},
                               headers={"Circle-Token": emu.token, "Accept": "application/json"})
    assert r.status_code == 201, r.text
    sent = {"branch": "main", "parameters": {"run-job": "deploy"}}
    assert triggers(emu) == [sent, sent, sent]  # the Python fix, the shell fix, the shim: one v2 request
    assert shim_warnings(caught)[-1] == f"CCI102: {JOB.done}"


# ---- query fields and the fields of calls that are never rewritten: recent-builds, retry --------------------

RECENT = load_catalogue()["CCI107"]


def test_recent_builds_query_fields_are_decided_like_body_fields():
    decision = decide(RECENT, {}, query={"limit": "2", "offset": "1", "shallow": "true", "circle-token": "t"})
    # the token is not a field of the call; limit/offset v2 lacks, but the shim does them on the client
    assert [(f.name, f.outcome, f.source, f.warns) for f in decision.fields] == [
        ("limit", EMULATED, "query", False), ("offset", EMULATED, "query", False),
        ("shallow", DROPPED, "query", True)]
    assert decision.fix == "manual" and decision.reasons[0].startswith("`limit`: no page size in v2")


def recent(emu, **params) -> List[int]:
    r = shim_requests.get(f"{emu.url}/api/v1.1/recent-builds", headers={"Circle-Token": emu.token}, params=params)
    assert r.status_code == 200, r.text
    return [b["build_num"] for b in r.json()]


def test_the_shim_does_with_recent_builds_fields_what_explain_says(emu):
    for _ in range(3):
        shim_requests.post(f"{emu.url}/api/v1.1/project/github/acme/app/tree/main", headers={"Circle-Token": emu.token})
    explained = run_cli("explain", "CCI107").stdout
    # limit and offset: carried out on the client, without a word; shallow: not sent, with a warning
    assert "`limit` (from the query): no page size in v2; page with page-token and cut on the client. fix: the " \
           "call is not rewritten; shim: carried out on the client, as v1.1 did." in explained
    assert "`shallow` (from the query): no equivalent. fix: the call is not rewritten; shim: not sent, with a " \
           "warning." in explained
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        every = recent(emu, limit=100)
        page = recent(emu, limit=2, offset=1)
    assert len(every) >= 3 and page == every[1:3]
    assert [t for t in shim_warnings(caught) if t.startswith("CCI107:")] == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert recent(emu, limit=1, shallow="true") == every[:1]
    assert [t for t in shim_warnings(caught) if t.startswith("CCI107:")] == ["CCI107: shallow dropped (unsafe: no equivalent)"]
    # the legacy clients' get_recent_builds (CCI113): the same decision, strict or not (emulated is not refused)
    api = Api(emu.token, emu.url + "/api/v1.1", strict=True, wait=False, org="gh/acme")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert [b["build_num"] for b in api.get_recent_builds(limit=2, offset=1)] == every[1:3]
    assert [t for t in shim_warnings(caught) if t.startswith("CCI113:")] == []


def test_a_retry_without_the_cache_is_warned_of_as_explain_says(emu):
    first = shim_requests.post(f"{emu.url}/api/v1.1/project/github/acme/app/tree/main", auth=(emu.token, "")).json()
    note = "rerunWorkflow has no no-cache option; change the cache key in the config instead"
    assert f"`no-cache`: {note}. fix: the call is not rewritten; shim: not sent, with a warning" in \
        run_cli("explain", "CCI104").stdout
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = shim_requests.post(f"{emu.url}/api/v1.1/project/github/acme/app/{first['build_num']}/retry",
                               auth=(emu.token, ""), json={"no-cache": True})
    assert r.status_code == 200, r.text
    assert [c.json["jobs"] for c in emu.calls if c.operation_id == "rerunWorkflow"] == [[first["workflows"]["job_id"]]]
    assert [t for t in shim_warnings(caught) if t.startswith("CCI104:")] == [f"CCI104: no-cache not sent (manual: {note})"]
