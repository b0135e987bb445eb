"""The bundled example project (examples/) through `fix`, on a copy: what changes, what is left, the report,
a second run that changes nothing, and the migrated deploy script run against the emulator."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from clirun import run_cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def copy_examples(tmp_path: Path) -> Path:
    dest = tmp_path / "storefront"
    shutil.copytree(EXAMPLES, dest)
    return dest


def test_safe_fix_of_the_example_project(tmp_path):
    root = copy_examples(tmp_path)
    proc = run_cli("fix", "--report", "report.json", ".", cwd=root)
    assert proc.returncode == 1, proc.stderr  # changed, and manual work remains
    recent = (root / "scripts/recent_builds.py").read_text()
    assert "from circleci_v2.shim.circleci import Api" in recent and "from circleci.api" not in recent
    release = (root / "tools/release.py").read_text()
    assert "circleci_v2.shim.circleci" in release
    # the deploy trigger sends build_parameters: rewritten only with --unsafe-fixes
    deploy = (root / "scripts/trigger_deploy.py").read_text()
    assert "/api/v1.1/project/github/" in deploy
    report = json.loads((root / "report.json").read_text())
    assert report["manual_work_remains"] is True
    left = {(f["path"], l["rule"], l["needs"]) for f in report["files"] for l in f["left"]}
    assert ("scripts/trigger_deploy.py", "CCI102", "unsafe") in left
    assert ("scripts/retry_build.py", "CCI104", "manual") in left
    assert ("scripts/clear_cache.py", "CCI106", "manual") in left


def test_unsafe_fix_of_the_example_project_and_a_second_run(tmp_path):
    root = copy_examples(tmp_path)
    first = run_cli("fix", "--unsafe-fixes", "--add-todo", "--report", "migration.md", ".", cwd=root)
    assert first.returncode == 1, first.stderr
    deploy = (root / "scripts/trigger_deploy.py").read_text()
    assert 'f"{host}/api/v2/project/gh/{org}/{repo}/pipeline"' in deploy
    assert '"parameters": {"DEPLOY_ENV": env' in deploy and '"branch": branch' in deploy
    # a retry cannot be rewritten: the file's requests becomes the shim's (unsafe), which runs it on v2; the
    # shim cannot clear a cache either (CCI106's shim.runs is `refused`), so that script is left for a person
    assert "from circleci_v2.shim import requests\n" in (root / "scripts/retry_build.py").read_text()
    assert "from circleci_v2.shim import requests\n" not in (root / "scripts/clear_cache.py").read_text()
    report = (root / "migration.md").read_text()
    assert report.startswith("# circleci-v2 migration report\n\n**Manual work remains:")
    snapshot = {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and p.name != "migration.md"}
    second = run_cli("fix", "--unsafe-fixes", "--add-todo", ".", cwd=root)
    assert "fixed 0 finding(s) in 0 files" in second.stderr
    assert {p: p.read_bytes() for p in snapshot} == snapshot


def test_the_migrated_deploy_script_triggers_a_valid_v2_pipeline(tmp_path, circleci_emulator):
    root = copy_examples(tmp_path)
    run_cli("fix", "--unsafe-fixes", "scripts/trigger_deploy.py", cwd=root)
    circleci_emulator.add_project("gh/acme/storefront", parameters=["DEPLOY_ENV", "RUN_MIGRATIONS"])
    env = dict(os.environ, CIRCLECI_HOST=circleci_emulator.url, CIRCLE_TOKEN=circleci_emulator.token)
    run = subprocess.run([sys.executable, "scripts/trigger_deploy.py", "--branch", "release/2024.06",
                          "--env", "production"], cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    [call] = circleci_emulator.calls
    assert (call.operation_id, call.status, call.valid) == ("triggerPipeline", 201, True)
    assert call.path == "/api/v2/project/gh/acme/storefront/pipeline"
    assert call.json == {"parameters": {"DEPLOY_ENV": "production", "RUN_MIGRATIONS": "true"},
                         "branch": "release/2024.06"}
