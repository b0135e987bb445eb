"""`serve.main`: serve until Ctrl-C, print the URL and token; seed files; clear errors on bad input."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest
import requests

from circleci_v2.shim.emulator import Emulator, SeedError
from emulator_support import CONFIG, session

RUN_MAIN = "import sys; from circleci_v2.shim.emulator.serve import main; sys.exit(main(**{}))"


def _spawn(**kwargs):
    code = RUN_MAIN.format(json.dumps(kwargs).replace("false", "False").replace("true", "True")
                           .replace("null", "None"))
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def test_main_serves_until_interrupted(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("projects:\n  gh/acme/app: {}\n", encoding="utf-8")
    proc = _spawn(seed=str(seed), token="cli-token")
    try:
        first = proc.stdout.readline()
        m = re.search(r"(http://127\.0\.0\.1:\d+)", first)
        assert m, first
        url = m.group(1)
        lines = [proc.stdout.readline() for _ in range(2)]
        assert any("cli-token" in line for line in lines)
        r = requests.get(url + "/api/v2/project/gh/acme/app", headers={"Circle-Token": "cli-token"}, timeout=5)
        assert r.status_code == 200 and r.json()["slug"] == "gh/acme/app"
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_main_reports_a_bad_seed_in_one_line(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("projects: [1, 2]\n", encoding="utf-8")
    proc = _spawn(seed=str(seed))
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert str(seed) in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_main_reports_a_busy_port():
    with Emulator() as emu:
        proc = _spawn(port=emu.port)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert f"127.0.0.1:{emu.port}" in err and "Traceback" not in err


def test_seed_projects_history_and_files(tmp_path):
    (tmp_path / "config.yml").write_text(CONFIG, encoding="utf-8")
    seed = tmp_path / "seed.yaml"
    seed.write_text(textwrap.dedent("""\
        projects:
          gh/acme/app:
            config_file: config.yml
            job_outcomes: {lint: failed}
            env_vars: {DEPLOY_KEY: abcd1234}
            pipelines:
              - {branch: main, created_at: 2h ago, durations: {build: 60, test: 60, lint: 10}}
              - {branch: main, created_at: 1h ago, outcomes: {lint: success}}
          - ignored
        """), encoding="utf-8")
    with pytest.raises(SeedError, match="seed.yaml"):
        Emulator(seed=str(seed))
    seed.write_text(seed.read_text(encoding="utf-8").replace("  - ignored\n", ""), encoding="utf-8")
    with Emulator(seed=str(seed)) as emu:
        s = session(emu)
        pipelines = s.get(emu.v2_url + "/project/gh/acme/app/pipeline").json()["items"]
        assert [p["number"] for p in pipelines] == [2, 1]
        assert all(p["state"] == "created" for p in pipelines)
        runs = s.get(emu.v2_url + "/insights/gh/acme/app/workflows/build-test").json()["items"]
        assert [r["status"] for r in runs] == ["success", "failed"]
        assert runs[1]["duration"] == 120
        assert s.get(emu.v2_url + "/project/gh/acme/app/envvar/DEPLOY_KEY").json()["value"] == "xxxx1234"
        emu.assert_valid()


def test_json_seed(tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"projects": [{"slug": "bb/acme/lib", "parameters": ["x"]}]}), encoding="utf-8")
    emu = Emulator(seed=str(seed))
    assert "bb/acme/lib" in emu.state.projects


@pytest.mark.parametrize("content, message", [
    ("projects: {gh/acme/app: {colour: red}}", "unknown key(s): colour"),
    ("projects: {bad-slug: {}}", "not a project slug"),
    ("projects: {gh/acme/app: {config_file: missing.yml}}", "missing.yml"),
    ("projects: {gh/acme/app: {config: 'a: [1'}}", "not valid YAML"),
    ("projects: {gh/acme/app: {job_outcomes: {build: exploded}}}", "exploded"),
    ("projects: {gh/acme/app: {pipelines: [{when: now}]}}", "pipelines[0]: unknown key(s): when"),
    ("extras: 1", "unknown top-level key(s): extras"),
    ("[1, 2", "not valid YAML"),
])
def test_bad_seeds_name_the_file_and_entry(tmp_path, content, message):
    seed = tmp_path / "seed.yaml"
    seed.write_text(content, encoding="utf-8")
    with pytest.raises(SeedError) as info:
        Emulator(seed=str(seed))
    assert str(seed) in str(info.value) and message in str(info.value)


def test_a_missing_seed_file(tmp_path):
    with pytest.raises(SeedError, match="cannot read"):
        Emulator(seed=str(tmp_path / "nope.yaml"))
