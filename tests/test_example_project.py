"""The bundled example project (examples/), end to end: check, fix, then run the scripts against the emulator.

1. Unmigrated, the scripts talk v1.1 to an emulator in cut-over mode and fail
   the way they would against the real service after the cut-over.
2. `circleci-v2 fix --unsafe-fixes` on a copy rewrites what it can and reports
   the rest, and declares in .circleci/config.yml the pipeline parameters the
   migrated triggers send (CCI140), so `check` has nothing left to say about them.
3. The migrated scripts run against the emulator: each must succeed and make
   the right v2 calls, every one valid against the official spec.

Scripts whose migration needs the shim's drop-in modules (circleci_v2.shim.circleci,
circleci_v2.shim.requests) are run only when those modules are installed.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import yaml

pytest.importorskip("openapi_core", reason="the emulator needs the emulator extra (openapi-core)")

from circleci_v2.migrate.parameter_check import ParameterCheck  # noqa: E402
from circleci_v2.migrate.run import analyser_for  # noqa: E402
from circleci_v2.rules import load_catalogue  # noqa: E402
from circleci_v2.shim.emulator import Emulator  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SLUG = "gh/acme/storefront"
BASH = shutil.which("bash")
CURL = shutil.which("curl")


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


needs_shell = pytest.mark.skipif(BASH is None or CURL is None, reason="needs bash and curl")
needs_requests_shim = pytest.mark.skipif(not _has("circleci_v2.shim.requests"),
                                         reason="the circleci_v2.shim.requests drop-in is not installed yet")
needs_client_shim = pytest.mark.skipif(not _has("circleci_v2.shim.circleci"),
                                       reason="the circleci_v2.shim.circleci drop-in is not installed yet")
needs_legacy_client = pytest.mark.skipif(not _has("circleci.api"), reason="the legacy circleci client is not installed")


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "circleci_v2.migrate", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def run(project: Path, emu: Emulator, argv: List[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, CIRCLECI_HOST=emu.url, CIRCLE_TOKEN=emu.token)
    if argv[0].endswith(".py"):
        argv = [sys.executable, *argv]
    return subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=60)


def nightly_script(project: Path, emu: Emulator) -> str:
    """The nightly workflow's run: block, as GitHub would run it against the emulator."""
    workflow = yaml.safe_load((project / ".github" / "workflows" / "nightly.yml").read_text())
    script = workflow["jobs"]["trigger"]["steps"][0]["run"]
    return script.replace("${{ secrets.CIRCLE_TOKEN }}", emu.token).replace("https://circleci.com", emu.url)


@pytest.fixture
def project(tmp_path):
    copy = tmp_path / "storefront"
    shutil.copytree(EXAMPLES, copy, ignore=shutil.ignore_patterns("warehouse"))  # a project of its own
    subprocess.run(["git", "init", "-q", str(copy)], check=True)  # the config is found at the repository root
    return copy


@pytest.fixture
def emulator(project):
    config = (project / ".circleci" / "config.yml").read_text()
    emu = Emulator(workflow_delay=0.05, cutover=True).start()
    emu.add_project(SLUG, config=config)
    yield emu
    emu.stop()


# ---- before: the legacy scripts against the service after the cut-over --------------------------------------

@needs_shell
def test_unmigrated_shell_scripts_fail_after_the_cutover(project, emulator):
    deploy = run(project, emulator, ["bash", "scripts/deploy.sh", "main"])
    assert deploy.returncode == 1 and "CircleCI answered HTTP 404" in deploy.stderr
    nightly = subprocess.run([BASH, "-c", nightly_script(project, emulator)], capture_output=True, text=True,
                             timeout=60)
    assert nightly.returncode != 0
    assert [(c.api, c.rule_id, c.status) for c in emulator.calls] == [("v1.1", "CCI102", 404)] * 2


def test_unmigrated_python_scripts_fail_after_the_cutover(project, emulator):
    trigger = run(project, emulator, ["scripts/trigger_deploy.py", "--branch", "main"])
    assert trigger.returncode == 1 and "404" in trigger.stderr
    retry = run(project, emulator, ["scripts/retry_build.py", "12"])
    assert retry.returncode == 1 and "HTTP 404" in retry.stderr
    cache = run(project, emulator, ["scripts/clear_cache.py"])
    assert cache.returncode == 1 and "HTTP 404" in cache.stderr
    assert {(c.rule_id, c.status) for c in emulator.calls} == {("CCI102", 404), ("CCI104", 404), ("CCI106", 404)}


@needs_legacy_client
def test_unmigrated_legacy_client_fails_after_the_cutover(project, emulator):
    release = run(project, emulator, ["tools/release.py", "2024.06.1"])
    assert release.returncode != 0 and "404" in release.stderr
    assert [(c.rule_id, c.status) for c in emulator.calls] == [("CCI102", 404)]


# ---- check and fix -----------------------------------------------------------------------------------------

def test_check_reports_every_legacy_call(project):
    result = cli("check", "--output-format", "json", ".", cwd=project)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)["findings"]
    found = {(f["path"], f["rule"]) for f in report}
    assert found >= {
        ("scripts/trigger_deploy.py", "CCI102"), ("scripts/trigger_deploy.py", "CCI140"),
        ("scripts/deploy.sh", "CCI102"), ("scripts/deploy.sh", "CCI121"),
        (".github/workflows/nightly.yml", "CCI102"),
        ("scripts/retry_build.py", "CCI104"), ("scripts/clear_cache.py", "CCI106"),
        ("scripts/recent_builds.py", "CCI115"), ("scripts/recent_builds.py", "CCI113"),
        ("tools/release.py", "CCI115"), ("tools/release.py", "CCI110"),
    }
    stanza = [f["message"] for f in report if f["rule"] == "CCI140"]
    assert any("DEPLOY_ENV: {type: string" in m for m in stanza)


def migrate(project: Path) -> subprocess.CompletedProcess:
    """fix --unsafe-fixes: the scripts, and the config declares the parameters they send (docs/config.md)."""
    config_path = project / ".circleci" / "config.yml"
    before = config_path.read_text()
    fixed = cli("fix", "--unsafe-fixes", "--report", "migration.md", ".", cwd=project)
    assert fixed.returncode in (0, 1), fixed.stderr
    after_text = config_path.read_text()
    declared = yaml.safe_load(after_text)["parameters"]
    assert declared == {"run_integration_tests": {"type": "boolean", "default": False},
                        "DEPLOY_ENV": {"type": "string", "default": ""},
                        "RUN_MIGRATIONS": {"type": "string", "default": ""}}
    # the deploy job read DEPLOY_ENV from its environment: it still does, from the pipeline parameter
    assert yaml.safe_load(after_text)["jobs"]["deploy"]["environment"] == {
        "DEPLOY_ENV": "<< pipeline.parameters.DEPLOY_ENV >>"}
    assert after_text.startswith(before.split("parameters:", 1)[0])  # the comments and order above are kept
    check = ParameterCheck(start=str(project))
    for path in [project / "scripts" / "trigger_deploy.py", project / ".github" / "workflows" / "nightly.yml"]:
        kind = "python" if path.suffix == ".py" else "yaml"
        records: list = []
        analyser_for(kind)(path.read_text(), str(path), check.catalogue or load_catalogue(), kind, records=records)
        check.findings(records)
    assert check.missing == []
    after = cli("check", "--select", "CCI140", ".", cwd=project)
    assert after.returncode == 0, after.stdout + after.stderr
    return fixed


def test_fix_rewrites_and_reports_what_is_left(project):
    fixed = migrate(project)
    report = (project / "migration.md").read_text()
    assert "CCI104" in report and "CCI106" in report  # retry and cache clearing are left for a person
    deploy = (project / "scripts" / "deploy.sh").read_text()
    assert '"$CIRCLECI_HOST/api/v2/project/gh/$ORG/$REPO/pipeline"' in deploy
    assert "circle-token=" not in deploy
    nightly = (project / ".github" / "workflows" / "nightly.yml").read_text()
    assert '"parameters": {"run_integration_tests": true}' in nightly
    again = cli("fix", "--unsafe-fixes", "--diff", ".", cwd=project)
    assert again.stdout == "", "a second fix must have nothing left to rewrite"
    assert fixed.returncode == 1  # findings remain for a person


# ---- after: the migrated scripts make valid v2 calls ---------------------------------------------------------

@needs_shell
def test_migrated_shell_scripts_trigger_v2_pipelines(project, emulator):
    migrate(project)
    emulator.add_project(SLUG, config=(project / ".circleci" / "config.yml").read_text())
    deploy = run(project, emulator, ["bash", "scripts/deploy.sh", "release/2024.06"])
    assert deploy.returncode == 0, deploy.stderr
    assert "Triggered." in deploy.stdout
    nightly = subprocess.run([BASH, "-c", nightly_script(project, emulator)], capture_output=True, text=True,
                             timeout=60)
    assert nightly.returncode == 0, nightly.stderr
    calls = emulator.calls
    assert [(c.operation_id, c.status) for c in calls] == [("triggerPipeline", 201)] * 2
    assert calls[0].path == "/api/v2/project/gh/acme/storefront/pipeline"
    assert calls[0].json == {"branch": "release/2024.06"}
    assert calls[1].json == {"branch": "main", "parameters": {"run_integration_tests": True}}
    assert all("circle-token" not in c.query for c in calls)
    emulator.assert_valid()


@needs_requests_shim
def test_migrated_trigger_script_passes_declared_parameters(project, emulator):
    migrate(project)
    emulator.add_project(SLUG, config=(project / ".circleci" / "config.yml").read_text())
    result = run(project, emulator, ["scripts/trigger_deploy.py", "--branch", "main", "--env", "production"])
    assert result.returncode == 0, result.stderr
    triggers = [c for c in emulator.calls if c.operation_id == "triggerPipeline"]
    assert len(triggers) == 1 and triggers[0].status == 201
    assert triggers[0].json["branch"] == "main"
    assert triggers[0].json["parameters"]["DEPLOY_ENV"] == "production"
    assert all(c.api == "v2" for c in emulator.calls)
    emulator.assert_valid()


@needs_client_shim
def test_migrated_release_tool_and_dashboard_use_v2(project, emulator):
    migrate(project)
    emulator.add_project(SLUG, config=(project / ".circleci" / "config.yml").read_text())
    release = run(project, emulator, ["tools/release.py", "2024.06.1"])
    assert release.returncode == 0, release.stderr
    triggers = [c for c in emulator.calls if c.operation_id == "triggerPipeline"]
    assert len(triggers) == 1 and triggers[0].json.get("tag") == "2024.06.1"
    dashboard = run(project, emulator, ["scripts/recent_builds.py", "--limit", "5"])
    assert dashboard.returncode == 0, dashboard.stderr
    assert dashboard.stdout.splitlines()[0].split() == ["build", "branch", "status", "subject"]
    assert all(c.api == "v2" for c in emulator.calls)
    emulator.assert_valid()
