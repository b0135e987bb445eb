"""A value the file does not show (a command-line argument, an environment variable) still has the name it
was assigned to, and the name can say which path parameter it is: `project/github/{slug}/{job_number}` is a
build's details (the slug holds user/project), not the builds of a project named by the job number."""
from __future__ import annotations

import json

from clirun import run_cli, write

JOB_STEPS = '''import json, sys
from urllib.request import Request, urlopen

def main():
    slug = sys.argv[1]
    job_number = sys.argv[2].strip()
    req = Request(f"https://circleci.com/api/v1.1/project/github/{slug}/{job_number}")
    req.add_header("Accept", "application/json")
    with urlopen(req) as resp:
        return json.loads(resp.read())
'''

# the same shape where the second value is named for a project: one segment per parameter stays the reading
PROJECT_BUILDS = '''import os, requests

owner = os.environ["OWNER"]
repo_name = os.environ["REPO"].lower()
requests.get(f"https://circleci.com/api/v1.1/project/github/{owner}/{repo_name}",
             headers={"Accept": "application/json"})
'''


def _endpoint(tmp_path, name, text):
    write(tmp_path, name, text)
    proc = run_cli("check", "--output-format", "json", name, cwd=tmp_path)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    return [(f["line"], f["rule"]) for f in json.loads(proc.stdout)["findings"] if f["rule"].startswith("CCI13")]


def test_a_local_named_for_the_build_number_makes_it_build_details(tmp_path):
    assert _endpoint(tmp_path, "steps.py", JOB_STEPS) == [(7, "CCI131")]


def test_a_local_named_for_the_project_keeps_the_project_builds(tmp_path):
    assert _endpoint(tmp_path, "builds.py", PROJECT_BUILDS) == [(5, "CCI133")]
