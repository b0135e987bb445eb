"""End to end over real HTTP: a v1.1 script, fixed by the command line, runs against the local emulator
and sends valid v2 triggerPipeline requests (checked against the official spec by the emulator); the same
script unfixed fails once v1.1 triggers are gone (the emulator's cut-over mode)."""
from __future__ import annotations

import subprocess
import sys

from clirun import run_cli, write

SCRIPT = '''\
import json
import sys
import urllib.request

import requests

HOST, TOKEN = sys.argv[1], sys.argv[2]
SESSION = requests.Session()


def deploy(branch):
    r = requests.post(f"{HOST}/api/v1.1/project/github/acme/app/tree/{branch}?circle-token={TOKEN}",
                      json={"build_parameters": {"DEPLOY_ENV": "staging"}})
    r.raise_for_status()


def release(tag):
    SESSION.post(HOST + "/api/v1.1/project/github/acme/app", json={"tag": tag},
                 headers={"Circle-Token": TOKEN}).raise_for_status()


def nightly():
    req = urllib.request.Request("{}/api/v1.1/project/bitbucket/acme/lib/build".format(HOST),
                                 data=json.dumps({"branch": "dev"}).encode(),
                                 headers={"Circle-Token": TOKEN}, method="POST")
    with urllib.request.urlopen(req) as resp:
        assert resp.status in (200, 201), resp.status


deploy("feature/x")
release("v1.0")
nightly()
print("ok")
'''


def run_script(path, emu) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(path), emu.url, emu.token], capture_output=True, text=True,
                          timeout=60)


def test_a_fixed_script_triggers_valid_v2_pipelines(tmp_path, circleci_emulator_factory):
    path = write(tmp_path, "ci.py", SCRIPT)
    proc = run_cli("fix", "--unsafe-fixes", "ci.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # changed
    assert "0 left for a person" in proc.stderr
    assert "/api/v1.1" not in path.read_text()

    emu = circleci_emulator_factory(cutover=True)
    emu.add_project("gh/acme/app", parameters=["DEPLOY_ENV"])
    emu.add_project("bb/acme/lib")
    run = run_script(path, emu)
    assert run.returncode == 0, run.stderr
    calls = emu.calls
    assert [(c.method, c.path, c.operation_id, c.status) for c in calls] == [
        ("POST", "/api/v2/project/gh/acme/app/pipeline", "triggerPipeline", 201),
        ("POST", "/api/v2/project/gh/acme/app/pipeline", "triggerPipeline", 201),
        ("POST", "/api/v2/project/bb/acme/lib/pipeline", "triggerPipeline", 201),
    ]
    assert [c.json for c in calls] == [
        {"parameters": {"DEPLOY_ENV": "staging"}, "branch": "feature/x"},
        {"tag": "v1.0"},
        {"branch": "dev"},
    ]
    for call in calls:
        assert call.valid, call.errors
        assert call.query == {}  # the token left the query string ...
        assert "Circle-Token" in call.headers  # ... for the header (the emulator records it redacted)
    emu.assert_valid()


def test_the_unfixed_script_fails_after_the_cut_over(tmp_path, circleci_emulator_factory):
    path = write(tmp_path, "ci.py", SCRIPT)
    emu = circleci_emulator_factory(cutover=True)
    emu.add_project("gh/acme/app", parameters=["DEPLOY_ENV"])
    run = run_script(path, emu)
    assert run.returncode != 0 and "404" in run.stderr
