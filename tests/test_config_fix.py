"""`fix --unsafe-fixes` edits .circleci/config.yml together with the triggers (CCI140, docs/config.md).

CLI in, files and exit codes out: the config declares what the triggers send, jobs read the parameters
as they read the environment variables, CIRCLE_JOB becomes a workflow per job, a second run changes
nothing, configs that cannot be edited safely are left with the reason, and every edited config
validates against SchemaStore's CircleCI schema (check-jsonschema's vendor.circle-ci).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from clirun import run_cli

CONFIG_V2 = """\
# app CI (comments, anchors and quoting must survive the edit)
version: 2

defaults: &defaults
  docker:
    - image: 'cimg/base:stable'

jobs:
  build:
    <<: *defaults
    steps:
      - checkout
      - run: make   # build it
  deploy:
    <<: *defaults
    steps:
      - run: ./deploy.sh "${DEPLOY_ENV}" $RETRIES

workflows:
  version: 2
  main:
    jobs:
      - build
      - deploy:
          requires: [build]
"""

SHELL_TRIGGER = """\
#!/bin/sh
curl -fsS -X POST "https://circleci.com/api/v1.1/project/github/acme/app/tree/main?circle-token=$CIRCLE_TOKEN" \\
  -d "build_parameters[CIRCLE_JOB]=deploy" -d "build_parameters[DEPLOY_ENV]=stage" -d "build_parameters[RETRIES]=3"
"""

PY_TRIGGER = """\
import requests

def nightly(token):
    r = requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main",
                      json={"build_parameters": {"RUN_EXTRA_TESTS": "true"}},
                      headers={"Circle-Token": token, "Accept": "application/json"})
    r.raise_for_status()
"""


def make_repo(root: Path, config: str = CONFIG_V2, **files: str) -> Path:
    (root / ".circleci").mkdir(parents=True)
    (root / ".circleci" / "config.yml").write_text(config)
    for name, text in (files or {"deploy.sh": SHELL_TRIGGER, "nightly.py": PY_TRIGGER}).items():
        (root / name).write_text(text)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def config_of(root: Path) -> str:
    return (root / ".circleci" / "config.yml").read_text()


def schema_check(path: Path) -> subprocess.CompletedProcess:
    tool = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent)) or shutil.which("check-jsonschema")
    assert tool, "check-jsonschema is in the test extra"
    return subprocess.run([tool, "--builtin-schema", "vendor.circle-ci", str(path)], capture_output=True, text=True,
                          timeout=120)


def test_fix_declares_the_parameters_feeds_the_jobs_and_adds_a_workflow_per_selected_job(tmp_path):
    root = make_repo(tmp_path / "app")
    assert schema_check(root / ".circleci" / "config.yml").returncode != 0  # version 2: the schema wants 2.1
    fixed = run_cli("fix", "--unsafe-fixes", "--report", "report.json", ".", cwd=root)
    assert fixed.returncode == 1, fixed.stderr  # files changed
    text = config_of(root)
    data = yaml.safe_load(text)
    assert data["version"] == 2.1
    assert data["parameters"] == {
        "run-job": {"type": "string", "default": ""},
        "DEPLOY_ENV": {"type": "string", "default": ""},
        "RETRIES": {"type": "integer", "default": 0},
        "RUN_EXTRA_TESTS": {"type": "string", "default": ""},
    }
    assert data["jobs"]["deploy"]["environment"] == {"DEPLOY_ENV": "<< pipeline.parameters.DEPLOY_ENV >>",
                                                     "RETRIES": "<< pipeline.parameters.RETRIES >>"}
    assert "environment" not in data["jobs"]["build"]
    assert data["jobs"]["deploy"]["docker"] == [{"image": "cimg/base:stable"}]  # the merge still applies
    assert data["workflows"]["main"]["unless"] == "<< pipeline.parameters.run-job >>"
    assert data["workflows"]["run-deploy"] == {"when": {"equal": ["deploy", "<< pipeline.parameters.run-job >>"]},
                                               "jobs": ["deploy"]}
    # what was there is kept as written
    for kept in ("# app CI (comments, anchors and quoting must survive the edit)", "defaults: &defaults",
                 "    - image: 'cimg/base:stable'", "    <<: *defaults", "      - run: make   # build it"):
        assert kept in text.splitlines(), kept
    assert schema_check(root / ".circleci" / "config.yml").returncode == 0
    # the triggers send what the config declares now
    shell = (root / "deploy.sh").read_text()
    assert '"parameters": {"run-job": "deploy", "DEPLOY_ENV": "stage", "RETRIES": 3}' in shell
    assert '"parameters": {"RUN_EXTRA_TESTS": "true"}' in (root / "nightly.py").read_text()
    report = json.loads((root / "report.json").read_text())
    config_entry = next(f for f in report["files"] if f["path"].endswith("config.yml"))
    assert config_entry["changed"] and any("version: 2 -> 2.1" in c["description"] for c in config_entry["changes"])
    # an integer cannot be unset, and no step reads RUN_EXTRA_TESTS: a person is told both
    assert [l["reason"].split(":")[0] for l in config_entry["left"]] == [
        "`RETRIES` is an integer with default 0", "no job's steps read $RUN_EXTRA_TESTS"]
    assert ".circleci/config.yml: CCI140 [manual] no job's steps read $RUN_EXTRA_TESTS" in fixed.stdout
    assert not any(l["rule"] == "CCI140" for f in report["files"] for l in f["left"] if f["path"] != ".circleci/config.yml")
    # check has nothing left to say about parameters, and a second fix changes nothing
    assert run_cli("check", "--select", "CCI140", ".", cwd=root).returncode == 0
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".git" not in p.parts}
    again = run_cli("fix", "--unsafe-fixes", ".", cwd=root)
    assert "fixed 0 finding(s) in 0 files" in again.stderr, again.stderr
    assert {p: p.read_bytes() for p in before} == before


def test_diff_shows_the_config_edit_and_writes_nothing(tmp_path):
    root = make_repo(tmp_path / "app")
    before = config_of(root)
    shown = run_cli("diff", "--unsafe-fixes", ".", cwd=root)
    assert shown.returncode == 1
    assert "--- a/.circleci/config.yml\n+++ b/.circleci/config.yml\n" in shown.stdout
    assert "+    unless: << pipeline.parameters.run-job >>\n" in shown.stdout
    assert config_of(root) == before
    applied = subprocess.run(["git", "apply", "--check", "-"], input=shown.stdout, text=True, cwd=root,
                             capture_output=True)
    assert applied.returncode == 0, applied.stderr


def test_without_unsafe_fixes_the_config_is_not_touched_and_check_reports_what_is_missing(tmp_path):
    root = make_repo(tmp_path / "app")
    before = config_of(root)
    checked = run_cli("check", "--select", "CCI140", ".", cwd=root)
    assert checked.returncode == 1
    assert "Pipeline parameter `run-job` is passed to the trigger" in checked.stdout
    assert 'RETRIES: {type: integer, default: 0}' in checked.stdout
    fixed = run_cli("fix", ".", cwd=root)
    assert config_of(root) == before
    assert "CCI140 [needs --unsafe-fixes]" in fixed.stdout


@pytest.mark.parametrize("config, reason", [
    ("# GENERATED by tools/ci.py: do not edit\n" + CONFIG_V2, "says it is generated"),
    (CONFIG_V2.replace("version: 2\n", "version: 2\n{% if deploy %}\n", 1) + "{% endif %}\n", "template syntax"),
    ("version: 2.1\nsetup: true\norbs: {continuation: circleci/continuation@1}\njobs:\n  deploy:\n"
     "    docker: [{image: x}]\n    steps: [{run: echo $DEPLOY_ENV}]\n", "dynamic setup config"),
    ("version: 2.1\norbs:\n  k8s: acme/k8s@1\njobs:\n  build:\n    docker: [{image: x}]\n    steps: [checkout]\n"
     "workflows:\n  main:\n    jobs: [build, k8s/deploy]\n", "orb jobs (k8s/deploy) that may"),
    ("version: 2\nenv: &env\n  environment: {A: '1'}\n  docker: [{image: x}]\njobs:\n  deploy:\n    <<: *env\n"
     "    steps: [{run: echo $DEPLOY_ENV}]\n", "from a `<<:` merge"),
    ("version: 2\njobs:\n  deploy:\n    docker: [{image: x}]\n    steps: [{run: 'cat <<EOF >> out'}, {run: echo "
     "$DEPLOY_ENV << parameters.x >>}]\n", "would read as parameter syntax"),
])
def test_configs_that_cannot_be_edited_safely_are_left_with_the_reason(tmp_path, config, reason):
    root = make_repo(tmp_path / "app", config, **{"deploy.sh": SHELL_TRIGGER.replace(
        ' -d "build_parameters[CIRCLE_JOB]=deploy"', "")})
    fixed = run_cli("fix", "--unsafe-fixes", "--report", "report.md", ".", cwd=root)
    assert config_of(root) == config
    report = (root / "report.md").read_text()
    assert reason in report, report
    assert "**Manual work remains" in report


def test_a_trigger_of_another_project_gets_the_stanza_and_its_checkout_can_be_edited(tmp_path):
    other_trigger = SHELL_TRIGGER.replace("acme/app", "acme/api")
    root = make_repo(tmp_path / "app", **{"deploy_api.sh": other_trigger, "nightly.py": PY_TRIGGER})
    subprocess.run(["git", "-C", str(root), "remote", "add", "origin", "git@github.com:acme/app.git"], check=True)
    api = make_repo(tmp_path / "api", **{"README": "the api\n"})
    api_before = config_of(api)
    report_run = run_cli("fix", "--unsafe-fixes", "--diff", "--report", "report.md", ".", cwd=root)
    report = (root / "report.md").read_text()
    assert "gh/acme/api (its .circleci/config.yml is not in this tree)" in report
    assert "      equal: [deploy, << pipeline.parameters.run-job >>]" in report
    assert "    RETRIES:\n        type: integer\n        default: 0" in report.replace("    ```yaml\n", "")
    assert "+  RUN_EXTRA_TESTS:" in report_run.stdout  # this project's own config still gets its parameter
    own_diff = report_run.stdout.split("+++ b/.circleci/config.yml", 1)[1]
    assert "+  DEPLOY_ENV:" not in own_diff and "run-deploy" not in own_diff  # they belong to gh/acme/api
    # with the other checkout named, its config is edited too
    edited = run_cli("fix", "--unsafe-fixes", "--circleci-config", f"gh/acme/api={api / '.circleci' / 'config.yml'}",
                     ".", cwd=root)
    assert edited.returncode == 1, edited.stderr
    data = yaml.safe_load(config_of(api))
    assert set(data["parameters"]) == {"run-job", "DEPLOY_ENV", "RETRIES"} and config_of(api) != api_before
    assert "run-deploy" in data["workflows"]
    assert "DEPLOY_ENV" not in (yaml.safe_load(config_of(root)).get("parameters") or {})
    assert schema_check(api / ".circleci" / "config.yml").returncode == 0


def test_a_bad_circleci_config_option_is_a_clear_error(tmp_path):
    root = make_repo(tmp_path / "app")
    bad = run_cli("fix", "--unsafe-fixes", "--circleci-config", "gh/acme/api=missing.yml", ".", cwd=root)
    assert bad.returncode == 2 and "--circleci-config gh/acme/api=missing.yml: no such file" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_a_config_without_workflows_keeps_running_build_on_a_push(tmp_path):
    config = textwrap.dedent("""\
        version: 2
        jobs:
          build:
            docker: [{image: x}]
            steps: [checkout]
          deploy:
            docker: [{image: x}]
            steps: [{run: ./deploy.sh $DEPLOY_ENV}]
    """)
    root = make_repo(tmp_path / "app", config, **{"deploy.sh": SHELL_TRIGGER.replace(
        ' -d "build_parameters[RETRIES]=3"', "")})
    run_cli("fix", "--unsafe-fixes", ".", cwd=root)
    data = yaml.safe_load(config_of(root))
    assert data["workflows"]["build"] == {"unless": "<< pipeline.parameters.run-job >>", "jobs": ["build"]}
    assert data["workflows"]["run-deploy"]["jobs"] == ["deploy"]
    assert schema_check(root / ".circleci" / "config.yml").returncode == 0


def test_workflows_with_conditions_keep_them_and_stand_aside_for_a_selected_job(tmp_path):
    config = textwrap.dedent("""\
        version: 2.1
        parameters:
          nightly: {type: boolean, default: false}
        jobs:
          build: {docker: [{image: x}], steps: [checkout]}
          deploy: {docker: [{image: x}], steps: [checkout]}
        workflows:
          main:
            unless: << pipeline.parameters.nightly >>
            jobs: [build]
          nightly:
            when: << pipeline.parameters.nightly >>
            jobs: [build]
    """)
    trigger = SHELL_TRIGGER.replace(' -d "build_parameters[DEPLOY_ENV]=stage" -d "build_parameters[RETRIES]=3"', "")
    root = make_repo(tmp_path / "app", config, **{"deploy.sh": trigger})
    run_cli("fix", "--unsafe-fixes", ".", cwd=root)
    flows = yaml.safe_load(config_of(root))["workflows"]
    gate = "<< pipeline.parameters.run-job >>"
    assert flows["main"]["unless"] == {"or": [gate, "<< pipeline.parameters.nightly >>"]}
    assert flows["nightly"]["when"] == {"and": [{"not": gate}, "<< pipeline.parameters.nightly >>"]}
    assert schema_check(root / ".circleci" / "config.yml").returncode == 0
    pytest.importorskip("openapi_core")
    from circleci_v2.shim.emulator import Emulator

    with Emulator(validate=False) as emu:
        emu.add_project("gh/acme/app", config=config_of(root))
        names = lambda **p: sorted(w.name for w in emu.add_pipeline("gh/acme/app", parameters=p).workflows)  # noqa: E731
        assert names() == ["main"]
        assert names(nightly=True) == ["nightly"]
        assert names(**{"run-job": "deploy"}) == ["run-deploy"]
        assert names(nightly=True, **{"run-job": "deploy"}) == ["run-deploy"]


def test_a_trigger_inside_the_config_is_rewritten_and_the_config_edited_in_one_write(tmp_path):
    # a job of the config triggers the project's deploy job: the curl rewrite and the config edit both land
    config = textwrap.dedent("""\
        version: 2
        jobs:
          build:
            docker:
              - image: cimg/base:stable
            steps:
              - run: |
                  curl -fsS -X POST "https://circleci.com/api/v1.1/project/github/acme/app/tree/main?circle-token=$CIRCLE_TOKEN" -d "build_parameters[CIRCLE_JOB]=deploy"
          deploy:
            docker:
              - image: cimg/base:stable
            steps:
              - run: echo deploying
        workflows:
          main:
            jobs:
              - build
    """)
    root = make_repo(tmp_path / "app", config, **{"README": "app\n"})
    shown = run_cli("diff", "--unsafe-fixes", ".", cwd=root)
    assert shown.stdout.count("+++ b/.circleci/config.yml") == 1  # one diff for the file, both edits in it
    assert subprocess.run(["git", "apply", "--check", "-"], input=shown.stdout, text=True, cwd=root).returncode == 0
    fixed = run_cli("fix", "--unsafe-fixes", ".", cwd=root)
    assert fixed.returncode == 1 and "error" not in fixed.stderr, fixed.stderr
    text = config_of(root)
    assert '"parameters": {"run-job": "deploy"}' in text and "/api/v2/project/gh/acme/app/pipeline" in text
    assert yaml.safe_load(text)["workflows"]["run-deploy"]["jobs"] == ["deploy"]
    assert schema_check(root / ".circleci" / "config.yml").returncode == 0


def test_a_python_trigger_selecting_a_job_sends_run_job(tmp_path):
    trigger = PY_TRIGGER.replace('{"RUN_EXTRA_TESTS": "true"}', '{"CIRCLE_JOB": "deploy", "DEPLOY_ENV": "stage"}')
    root = make_repo(tmp_path / "app", **{"deploy.py": trigger})
    run_cli("fix", "--unsafe-fixes", ".", cwd=root)
    assert 'json={"parameters": {"run-job": "deploy", "DEPLOY_ENV": "stage"}, "branch": "main"}' in \
        (root / "deploy.py").read_text()
    data = yaml.safe_load(config_of(root))
    assert set(data["parameters"]) == {"run-job", "DEPLOY_ENV"} and "run-deploy" in data["workflows"]


def test_an_already_migrated_v2_trigger_is_checked_and_its_parameters_declared(tmp_path):
    v2 = textwrap.dedent("""\
        import requests
        requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline",
                      json={"branch": "main", "parameters": {"run_migrations": True}},
                      headers={"Circle-Token": token}).raise_for_status()
    """)
    root = make_repo(tmp_path / "app", CONFIG_V2.replace("./deploy.sh", "RUN_MIGRATIONS=$run_migrations ./deploy.sh"),
                     **{"trigger.py": v2})
    checked = run_cli("check", ".", cwd=root)
    assert "trigger.py:3:54: CCI140 [~] Pipeline parameter `run_migrations`" in checked.stdout, checked.stdout
    assert "run_migrations: {type: boolean, default: false}" in checked.stdout
    run_cli("fix", "--unsafe-fixes", ".", cwd=root)
    data = yaml.safe_load(config_of(root))
    assert data["parameters"] == {"run_migrations": {"type": "boolean", "default": False}}
    # a v2 parameter never was an environment variable: the jobs are left as they are
    assert "environment" not in data["jobs"]["deploy"]
    assert run_cli("check", ".", cwd=root).returncode == 0
