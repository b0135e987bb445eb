"""What `check` says is what `fix` does: `[*]` sites are exactly the sites `fix` rewrites, `[~]` sites exactly
the ones only `fix --unsafe-fixes` adds, the summary counts match, and after one `fix` run nothing fixable is
left and a second run changes nothing.

Run through the command line over every rule example of the catalogue (Python and text), all in one tree.
"""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from circleci_v2.rules import load_catalogue
from clirun import run_cli, write

CATALOGUE = load_catalogue()
FILE_NAMES = {"python": "example.py", "shell": "example.sh", "makefile": "Makefile", "yaml": "example.yml",
              "dockerfile": "Dockerfile", "jenkinsfile": "Jenkinsfile"}
SUMMARY = re.compile(r"Found \d+ findings? \((?:(\d+) fixable with `circleci-v2 fix`)?(?:; )?"
                     r"(?:(\d+) (?:more )?\[~\] with `circleci-v2 fix --unsafe-fixes`)?\)")


def _example_tree(root: Path) -> int:
    """Every example of every rule in a folder of its own; the number of files written."""
    count = 0
    for rule in CATALOGUE:
        if rule.kind == "config":  # needs a .circleci/config.yml: tests/test_parameter_check.py
            continue
        for which, examples in (("invalid", rule.invalid_examples), ("valid", rule.valid_examples)):
            for i, example in enumerate(examples):
                write(root, f"{rule.id}-{which}-{i}/{FILE_NAMES[example.language]}", example.code)
                count += 1
    return count


def _check(root: Path) -> tuple:
    proc = run_cli("check", "--output-format", "json", ".", cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    findings = json.loads(proc.stdout)["findings"] if proc.stdout else []
    return findings, proc.stderr


def _site(f: dict) -> tuple:
    return (f["path"], f["rule"], f["line"], f["column"])


def _changed_sites(report: Path) -> set:
    data = json.loads(report.read_text())
    return {(entry["path"], c["rule"], c["line"], c["column"]) for entry in data["files"] for c in entry["changes"]}


def _summary_counts(stderr: str) -> tuple:
    m = SUMMARY.search(stderr)
    assert m is not None, stderr
    return int(m.group(1) or 0), int(m.group(2) or 0)


@pytest.fixture(scope="module")
def example_tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("examples")
    assert _example_tree(root) > 100
    return root


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe-fixes"])
def test_marked_sites_are_exactly_the_sites_fix_rewrites(example_tree, tmp_path, unsafe):
    root = tmp_path / "tree"
    shutil.copytree(example_tree, root)
    findings, stderr = _check(root)
    safe = {_site(f) for f in findings if f["fix"] == "safe"}
    unsafe_only = {_site(f) for f in findings if f["fix"] == "unsafe"}
    promised = safe | unsafe_only if unsafe else safe
    assert safe and unsafe_only  # the catalogue shows both kinds
    assert [_site(f) for f in findings if f["confidence"] == "low" and f["fix"] == "safe"] == []
    assert _summary_counts(stderr) == (len(safe), len(unsafe_only))

    report = tmp_path / "report.json"
    fix = run_cli("fix", *(["--unsafe-fixes"] if unsafe else []), "--report", str(report), ".", cwd=root)
    assert fix.returncode == 1 and "error" not in fix.stderr, fix.stderr
    changed = _changed_sites(report)
    assert sorted(promised - changed) == [], "marked fixable by check, not rewritten by fix"
    assert sorted(changed - promised) == [], "rewritten by fix, not marked fixable by check"
    assert f"fixed {len(promised)} finding(s)" in fix.stderr
    if not unsafe:  # and it says how many more --unsafe-fixes would fix, as check did
        assert f"({len(unsafe_only)} of them fixable with --unsafe-fixes)" in fix.stderr
    else:
        assert "of them fixable with --unsafe-fixes" not in fix.stderr

    after, after_stderr = _check(root)
    left_fixable = [_site(f) for f in after if f["fix"] == "safe" or (unsafe and f["fix"] == "unsafe")]
    assert left_fixable == [], "still fixable after one fix run"
    if not unsafe:
        # what only --unsafe-fixes rewrites is still offered, and nothing else
        assert _summary_counts(after_stderr)[0] == 0
    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    again = run_cli("fix", *(["--unsafe-fixes"] if unsafe else []), ".", cwd=root)
    assert "fixed 0 finding(s) in 0 files" in again.stderr, again.stderr
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == snapshot


KNOWN_CASES = {
    # build_parameters move only with --unsafe-fixes
    "params.py": ('import requests\n'
                  'requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main",\n'
                  '              json={"build_parameters": {"DEPLOY": "1"}},\n'
                  '              headers={"Accept": "application/json"}).raise_for_status()\n'),
    # revision has no v2 equivalent: never rewritten in place
    "revision.py": ('import requests\n'
                    'def go(token):\n'
                    '    r = requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main",\n'
                    '                      json={"revision": "abc123"}, headers={"Circle-Token": token})\n'
                    '    r.raise_for_status()\n'),
    # a %-formatted trigger
    "percent.py": ('import requests\n'
                   'def go(branch, token):\n'
                   '    r = requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/%s" % branch,\n'
                   '                      headers={"Circle-Token": token, "Accept": "application/json"})\n'
                   '    r.raise_for_status()\n'),
    # urllib triggers
    "urllib_trigger.py": ('import urllib.request\n'
                          'def go(token):\n'
                          '    req = urllib.request.Request(\n'
                          '        "https://circleci.com/api/v1.1/project/github/acme/app/tree/main",\n'
                          '        data=b"", headers={"Circle-Token": token, "Accept": "application/json"})\n'
                          '    urllib.request.urlopen(req)\n'),
}


def test_the_reported_cases_agree(tmp_path):
    """The cases a first run showed: check counted them fixable, fix rewrote fewer, a second check still
    counted them. Now check's marks, fix's changes and a second check agree, with and without --unsafe-fixes."""
    for unsafe in (False, True):
        root = tmp_path / ("unsafe" if unsafe else "safe")
        for name, code in KNOWN_CASES.items():
            write(root, name, code)
        findings, _ = _check(root)
        kinds = ("safe", "unsafe") if unsafe else ("safe",)
        promised = {_site(f) for f in findings if f["fix"] in kinds}
        params = [f for f in findings if f["path"] == "params.py" and f["rule"] == "CCI102"]
        assert [f["fix"] for f in params] == ["unsafe"]  # needs --unsafe-fixes, and check says so
        report = tmp_path / "report.json"
        run_cli("fix", *(["--unsafe-fixes"] if unsafe else []), "--report", str(report), ".", cwd=root)
        assert _changed_sites(report) == promised
        after, _ = _check(root)
        assert [_site(f) for f in after if f["fix"] in kinds] == []


# ---- one run is enough: request rules (CCI120, CCI121) combined with every endpoint rule --------------------

def _url_of(path: str) -> str:
    values = {":vcs": "github", ":user": "acme", ":project": "app", ":branch": "main", ":build_num": "42"}
    return "https://circleci.com" + "/".join(values.get(s, "x" if s.startswith(":") else s)
                                            for s in path.split("/"))


def _python_forms(verb: str, url: str) -> dict:
    """Calls of one request in the shapes people write, with the token in the query or in params=, and the
    Accept header present or missing."""
    data = ', data=b""' if verb == "POST" else ""
    method = f', method="{verb}"' if verb not in ("GET", "POST") else ""
    forms = {}
    for accept in (True, False):
        headers = '"Accept": "application/json"' if accept else ""
        tag = "accept" if accept else "noaccept"
        forms[f"requests_query_{tag}"] = (
            f'import os\nimport requests\nTOKEN = os.environ["CIRCLE_TOKEN"]\n'
            f'r = requests.request("{verb}", "{url}?circle-token=" + TOKEN, headers={{{headers}}})\n'
            f'r.raise_for_status()\n')
        forms[f"requests_params_{tag}"] = (
            f'import os\nimport requests\n'
            f'r = requests.request("{verb}", "{url}", params={{"circle-token": os.environ["CIRCLE_TOKEN"]}}, '
            f'headers={{{headers}}})\nr.raise_for_status()\n')
        forms[f"request_object_{tag}"] = (
            f'import os\nimport urllib.request\nTOKEN = os.environ["CIRCLE_TOKEN"]\n'
            f'req = urllib.request.Request("{url}?circle-token=" + TOKEN{data}, headers={{{headers}}}{method})\n'
            f'urllib.request.urlopen(req)\n')
    forms["urlopen_query"] = (
        f'import os\nimport urllib.request\nTOKEN = os.environ["CIRCLE_TOKEN"]\n'
        f'urllib.request.urlopen("{url}?circle-token=" + TOKEN{data})\n')
    forms["urlopen_assigned_url"] = (
        f'import os\nfrom urllib.request import Request, urlopen\n'
        f'def go(token):\n    url = f"{url}?circle-token={{token}}"\n    urlopen(url{data})\n')
    return forms


def _shell_forms(verb: str, url: str) -> dict:
    data = " -d ''" if verb == "POST" else ""
    return {
        "curl_query_accept.sh": f'curl -fsS -X {verb}{data} -H "Accept: application/json" '
                                f'"{url}?circle-token=$CIRCLE_TOKEN"\n',
        "curl_query.sh": f'curl -fsS -X {verb}{data} "{url}?circle-token=$CIRCLE_TOKEN"\n',
    }


def _combination_tree(root: Path) -> int:
    count = 0
    for rule in CATALOGUE.of_kind("endpoint"):
        endpoint = next(e for e in rule.endpoints if "/api/v1.1/" in e.path)
        url = _url_of(endpoint.path)
        for name, code in _python_forms(endpoint.method, url).items():
            write(root, f"{rule.id}/{name}.py", code)
            count += 1
        for name, code in _shell_forms(endpoint.method, url).items():
            write(root, f"{rule.id}/{name}", code)
            count += 1
    return count


@pytest.mark.parametrize("unsafe", [False, True], ids=["safe", "unsafe-fixes"])
def test_one_fix_run_settles_request_rules_with_every_endpoint_rule(tmp_path, unsafe):
    """After one `fix` (as a pre-commit hook runs it) nothing fixable is left and a second run changes nothing;
    what check marked is exactly what that one run changed."""
    root = tmp_path / "tree"
    assert _combination_tree(root) > 150
    findings, _ = _check(root)
    kinds = ("safe", "unsafe") if unsafe else ("safe",)
    promised = {_site(f) for f in findings if f["fix"] in kinds}
    assert {f["rule"] for f in findings if f["fix"] == "safe"} >= {"CCI120", "CCI121"}
    report = tmp_path / "report.json"
    flag = ["--unsafe-fixes"] if unsafe else []
    fix = run_cli("fix", *flag, "--report", str(report), ".", cwd=root)
    assert "error" not in fix.stderr, fix.stderr
    changed = _changed_sites(report)
    assert sorted(promised - changed) == [] and sorted(changed - promised) == []
    after, _ = _check(root)
    assert [_site(f) for f in after if f["fix"] in kinds] == [], "a second run would fix more"
    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    again = run_cli("fix", *flag, ".", cwd=root)
    assert "fixed 0 finding(s) in 0 files" in again.stderr, again.stderr
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == snapshot


def test_urlopen_with_the_token_in_the_query_needs_one_run(tmp_path):
    """The case a pre-commit hook failed twice on: Request, Accept and the token move in one run."""
    path = write(tmp_path, "hook.py", (
        'import os\nimport urllib.request\nTOKEN = os.environ["CIRCLE_TOKEN"]\n'
        'urllib.request.urlopen("https://circleci.com/api/v1.1/project/github/acme/app/tree/main?circle-token=" '
        '+ TOKEN, data=b"")\n'))
    check = run_cli("check", "hook.py", cwd=tmp_path)
    assert "CCI120 [*]" in check.stdout and "CCI121 [*]" in check.stdout
    run_cli("fix", "hook.py", cwd=tmp_path)
    assert path.read_text().splitlines()[-1] == (
        'urllib.request.urlopen(urllib.request.Request("https://circleci.com/api/v1.1/project/github/acme/app/'
        'tree/main", headers={"Accept": "application/json", "Circle-Token": TOKEN}), data=b"")')
    after = run_cli("check", "hook.py", cwd=tmp_path)
    assert "[*]" not in after.stdout and "CCI120" not in after.stdout and "CCI121" not in after.stdout
    # the trigger is still reported, as a trigger (urlopen's data= makes the Request a POST)
    assert "CCI102" in after.stdout
    before = path.read_text()
    again = run_cli("fix", "hook.py", cwd=tmp_path)
    assert path.read_text() == before and "fixed 0 finding(s)" in again.stderr


def test_statistics_mark_a_rule_fixable_only_with_unsafe_fixes(tmp_path):
    write(tmp_path, "params.py", KNOWN_CASES["params.py"])
    proc = run_cli("check", "--statistics", "--output-format", "json", ".", cwd=tmp_path)
    [row] = [r for r in json.loads(proc.stdout) if r["code"] == "CCI102"]
    assert (row["count"], row["fixable"], row["unsafe_fixable"]) == (1, 0, 1)
    text = run_cli("check", "--statistics", ".", cwd=tmp_path).stdout
    assert "CCI102  [~]  trigger-branch" in text
