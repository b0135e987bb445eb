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
    assert all("does not parse as Python 3" in f["reason"] for f in _json(proc))


def test_fix_leaves_python2_sites_and_says_why(tmp_path):
    (tmp_path / "old.py").write_text(PY2)
    proc = run_cli("fix", "old.py", cwd=tmp_path)
    assert proc.returncode == 2
    assert "old.py:8:" in proc.stdout and "CCI104 [manual] does not parse as Python 3" in proc.stdout
    assert (tmp_path / "old.py").read_text() == PY2
