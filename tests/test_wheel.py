"""Build the wheel, install it into a new virtual environment outside the repository, run it.

Works offline: the wheel is built without build isolation (setuptools and
wheel come from the test extra), installed with `pip --python NEW --no-index
--no-deps`, and the new environment finds the dependencies through a .pth
file naming this environment's site-packages. Only *.pth files in a site
folder are processed, so this environment's editable install of circleci-v2
stays invisible there: what runs is the wheel.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from clirun import TRIGGER_ACCEPT, write

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "setup.py", "README.md", "migrate", "shim", "rules")


def _setuptools_is_recent() -> bool:
    try:
        from importlib.metadata import version

        return int(version("setuptools").split(".")[0]) >= 77
    except Exception:
        return False


def _run(cmd, **kw):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=120, **kw)
    assert proc.returncode == 0, f"{cmd}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel_env(tmp_path_factory):
    pytest.importorskip("build", reason="the test extra's `build` package builds the wheel")
    if not _setuptools_is_recent():
        pytest.skip("setuptools>=77 (test extra) is needed to build the wheel offline")
    work = tmp_path_factory.mktemp("wheel")
    # Build from a copy: no build/ or egg-info in the shared working tree.
    src = work / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    dist = work / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, src], cwd=work)
    wheel = next(dist.glob("circleci_v2-*.whl"))
    venv = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-index", "--no-deps", wheel])
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "deps-from-test-env.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    return wheel, venv, work


def test_wheel_holds_the_rules_data(wheel_env):
    wheel, _, _ = wheel_env
    names = zipfile.ZipFile(wheel).namelist()
    assert "circleci_v2/rules/schema.json" in names
    assert "circleci_v2/rules/spec/circleci-v2-openapi.json" in names
    assert "circleci_v2/rules/markers.py" in names
    assert sum(1 for n in names if n.startswith("circleci_v2/rules/catalogue/") and n.endswith(".yaml")) >= 20
    assert "circleci_v2/migrate/cli.py" in names and "circleci_v2/migrate/report/sarif.py" in names


def test_installed_wheel_runs_check_and_rules(wheel_env, tmp_path):
    _, venv, work = wheel_env
    fixture = tmp_path / "project"
    write(fixture, "scripts/deploy.py", TRIGGER_ACCEPT)
    write(fixture, "app.py", "print('no CircleCI here')\n")
    where = subprocess.run(
        [venv / "bin" / "python", "-c",
         "import circleci_v2.migrate.cli as c, circleci_v2.rules.loader as l; print(c.__file__); print(l.CATALOGUE_DIR)"],
        capture_output=True, text=True, cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    for line in where.stdout.splitlines():
        assert line.startswith(str(venv)), line  # the wheel's copy, not the repository's
    check = subprocess.run([venv / "bin" / "circleci-v2", "check", "project"], capture_output=True, text=True,
                           cwd=tmp_path)
    assert check.returncode == 1, check.stderr
    assert check.stdout.startswith("project/scripts/deploy.py:3:1: CCI102 [*] ")
    rules = subprocess.run([venv / "bin" / "circleci-v2", "rules", "--format", "json"], capture_output=True,
                           text=True, cwd=tmp_path)
    assert rules.returncode == 0, rules.stderr
    assert "CCI101" in rules.stdout and "triggerPipeline" in rules.stdout
    module = subprocess.run([venv / "bin" / "python", "-m", "circleci_v2.migrate", "explain", "CCI102"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert module.returncode == 0 and module.stdout.startswith("CCI102 trigger-branch")
