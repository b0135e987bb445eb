"""What a user sees for Python v1.1 code the analysis cannot fully resolve (evidence first), through the CLI."""
from __future__ import annotations

import json

from clirun import run_cli

PY2 = '''import urllib2
import json

BASE = "https://circleci.com/api/v1.1"

def retry(user, project, num):
    print "retrying", num
    req = urllib2.Request(BASE + "/project/github/%s/%s/%d/retry" % (user, project, num), data="")
    try:
        return json.load(urllib2.urlopen(req))
    except urllib2.URLError, e:
        print e

def builds(user, project, branch):
    return urllib2.urlopen("https://circleci.com/api/v1.1/project/github/%s/%s/tree/%s" % (user, project, branch))

ENDPOINTS = {
    'cancel': {'method': 'POST', 'path': '/project/{username}/{project}/{build_num}/cancel'},
}
"""Docstring: POST /api/v1.1/project/github/o/r/tree/main"""

def envvars(self, user, repo):
    return self.get(self.base_url + "/api/v1/project/" + user + "/" + repo + "?circle-token=" + self.key)
'''


def _json(proc) -> list:
    return json.loads(proc.stdout)["findings"]


def test_python2_file_keeps_its_syntax_error_and_reports_its_sites(tmp_path):
    (tmp_path / "old.py").write_text(PY2)
    proc = run_cli("check", "--output-format", "json", "old.py", cwd=tmp_path)
    assert proc.returncode == 2  # the syntax error is still a problem of the file
    assert "old.py: error: syntax error at line 7" in proc.stderr
    found = [(f["line"], f["rule"], f["confidence"], f["fix"]) for f in _json(proc)]
    assert (8, "CCI104", "low", "manual") in found
    assert (15, "CCI133", "low", "manual") in found  # urlopen without data: GET
    assert (18, "CCI130", "low", "manual") in found  # the table's method key
    assert all(line != 20 for line, *_ in found)  # prose
    assert (23, "CCI133", "low", "manual") in found  # a `+` chain of literals and names
    assert all("does not parse as Python 3" in f["reason"] for f in _json(proc))


def test_fix_leaves_python2_sites_and_says_why(tmp_path):
    (tmp_path / "old.py").write_text(PY2)
    proc = run_cli("fix", "old.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "old.py:8:" in proc.stdout and "CCI104 [manual] does not parse as Python 3" in proc.stdout
    assert (tmp_path / "old.py").read_text() == PY2


CONSTANTS = 'CIRCLE_API = "https://circleci.com/api/v1.1"\nORG = "acme"\n'
DEPLOY = '''import requests
from ci.constants import CIRCLE_API, ORG
REPO = "app"


def trigger(branch, token):
    requests.post(f"{CIRCLE_API}/project/github/{ORG}/{REPO}/tree/{branch}",
                  headers={"Circle-Token": token, "Accept": "application/json"})
'''


def _project(tmp_path, padding: int = 0):
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "__init__.py").write_text("")
    (tmp_path / "ci" / "constants.py").write_text(CONSTANTS)
    (tmp_path / "ci" / "deploy.py").write_text(DEPLOY + "# circleci padding\n" * padding)


def test_a_constant_imported_from_the_project_resolves_the_base(tmp_path):
    _project(tmp_path)
    proc = run_cli("check", "--output-format", "json", "ci/deploy.py", cwd=tmp_path)
    [f] = [f for f in _json(proc) if f["rule"] == "CCI102"]
    assert (f["line"], f["confidence"], f["fix"]) == (7, "high", "safe")
    proc = run_cli("fix", "ci/deploy.py", cwd=tmp_path)
    assert proc.returncode == 1 and "fixed 1 finding(s) in 1 file; 0 left" in proc.stderr  # 1: a file changed
    text = (tmp_path / "ci" / "deploy.py").read_text()
    assert 'f"https://circleci.com/api/v2/project/gh/{ORG}/{REPO}/pipeline"' in text
    assert 'json={"branch": branch}' in text
    assert (tmp_path / "ci" / "constants.py").read_text() == CONSTANTS  # the other module is only read


def test_imported_constants_resolve_in_worker_processes_too(tmp_path):
    _project(tmp_path, padding=40000)  # enough candidate bytes for the run to use workers
    (tmp_path / "other.py").write_text(DEPLOY.replace("ci.constants", "ci.constants as c") + "# circleci\n" * 40000)
    proc = run_cli("check", "--jobs", "2", "--output-format", "json", ".", cwd=tmp_path)
    found = {(f["path"], f["rule"]): f["confidence"] for f in _json(proc)}
    assert found[("ci/deploy.py", "CCI102")] == "high"


def test_a_name_the_project_does_not_define_stays_unresolved(tmp_path):
    _project(tmp_path)
    (tmp_path / "ci" / "constants.py").write_text('import os\nCIRCLE_API = os.environ["CIRCLE_API"]\nORG = "acme"\n')
    proc = run_cli("check", "--output-format", "json", "ci/deploy.py", cwd=tmp_path)
    [f] = [f for f in _json(proc) if f["rule"] == "CCI102"]
    assert f["confidence"] == "low" and "CIRCLE_API" in f["reason"]


def test_a_module_attribute_of_the_project_resolves_too(tmp_path):
    (tmp_path / "settings.py").write_text('CIRCLECI_API = "https://circleci.com/api/v1.1"\n')
    (tmp_path / "scan.py").write_text(
        'import requests\nimport settings\n\n\ndef builds(branch, token):\n'
        '    return requests.get("/".join([settings.CIRCLECI_API, "project", "github", "acme", "app", "tree", branch]),\n'
        '                        headers={"Circle-Token": token, "Accept": "application/json"})\n')
    proc = run_cli("check", "--output-format", "json", "scan.py", cwd=tmp_path)  # settings.py: read, not named
    assert [(f["line"], f["rule"], f["confidence"]) for f in _json(proc)] == [(6, "CCI133", "high")]
