"""The pre-commit hooks, run by the real pre-commit against this repository.

`pre-commit try-repo` installs the hooks from a clone of the repository at
HEAD (committed work only) into a fresh environment, then runs them in a
temporary git repository holding a legacy file, as a user's commit would.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from circleci_v2.migrate.discover import kind_of

ROOT = Path(__file__).resolve().parents[1]
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not os.path.exists(PRE_COMMIT), reason="needs git and pre-commit")

LEGACY = (
    "#!/bin/sh\n"
    "# start the nightly build\n"
    'curl -fsS -X POST -u "$CIRCLE_TOKEN:" -H "Accept: application/json" \\\n'
    "  https://circleci.com/api/v1.1/project/github/acme/app/tree/main\n"
)
CLEAN = "#!/bin/sh\necho 'nothing to do with CircleCI'\n"


def _git(*args, cwd):
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def hooks_repo(tmp_path_factory):
    """A clone of this repository at HEAD: try-repo on a dirty tree would pick up others' unfinished work."""
    clone = tmp_path_factory.mktemp("hooks") / "circleci-v2"
    _git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone), cwd=ROOT)
    return clone


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")  # one hook environment for the module


@pytest.fixture
def user_repo(tmp_path):
    repo = tmp_path / "project"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    _git("config", "user.email", "dev@example.com", cwd=repo)
    _git("config", "user.name", "Dev", cwd=repo)
    return repo


def try_repo(hooks_repo, home, repo, hook, *files):
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([PRE_COMMIT, "try-repo", str(hooks_repo), hook, "--files", *files], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=600)


def test_check_hook_fails_with_the_finding(hooks_repo, pre_commit_home, user_repo):
    (user_repo / "deploy.sh").write_text(LEGACY)
    (user_repo / "clean.sh").write_text(CLEAN)
    _git("add", ".", cwd=user_repo)
    result = try_repo(hooks_repo, pre_commit_home, user_repo, "circleci-v2-check", "deploy.sh", "clean.sh")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "circleci-v2 check" in result.stdout and "Failed" in result.stdout
    assert "deploy.sh:3:1: CCI102" in result.stdout
    assert (user_repo / "deploy.sh").read_text() == LEGACY  # check never writes


def test_check_hook_passes_on_clean_files(hooks_repo, pre_commit_home, user_repo):
    (user_repo / "clean.sh").write_text(CLEAN)
    (user_repo / "app.py").write_text("import requests\nrequests.get('https://example.com')\n")
    _git("add", ".", cwd=user_repo)
    result = try_repo(hooks_repo, pre_commit_home, user_repo, "circleci-v2-check", "clean.sh", "app.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_fix_hook_rewrites_then_passes(hooks_repo, pre_commit_home, user_repo):
    (user_repo / "deploy.sh").write_text(LEGACY)
    _git("add", ".", cwd=user_repo)
    first = try_repo(hooks_repo, pre_commit_home, user_repo, "circleci-v2-fix", "deploy.sh")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    fixed = (user_repo / "deploy.sh").read_text()
    assert "https://circleci.com/api/v2/project/gh/acme/app/pipeline" in fixed
    assert '-H "Circle-Token: $CIRCLE_TOKEN"' in fixed and "-d '{\"branch\": \"main\"}'" in fixed
    _git("add", ".", cwd=user_repo)
    second = try_repo(hooks_repo, pre_commit_home, user_repo, "circleci-v2-fix", "deploy.sh")
    assert second.returncode == 0, second.stdout + second.stderr
    assert (user_repo / "deploy.sh").read_text() == fixed


def test_fix_hook_needs_one_run_for_a_urlopen_with_the_token_in_the_query(hooks_repo, pre_commit_home, user_repo):
    """urlopen gets a Request with Accept and Circle-Token in one run: the hook fails once, then passes (the
    build read left is information)."""
    (user_repo / "status.py").write_text(
        "import os\nimport urllib.request\nTOKEN = os.environ['CIRCLE_TOKEN']\n"
        "urllib.request.urlopen('https://circleci.com/api/v1.1/project/github/acme/app/42?circle-token=' + TOKEN)\n")
    _git("add", ".", cwd=user_repo)
    first = try_repo(hooks_repo, pre_commit_home, user_repo, "circleci-v2-fix", "status.py")
    assert first.returncode == 1 and "files were modified by this hook" in first.stdout, first.stdout
    fixed = (user_repo / "status.py").read_text()
    assert "headers={'Accept': 'application/json', 'Circle-Token': TOKEN}" in fixed, fixed
    _git("add", ".", cwd=user_repo)
    second = try_repo(hooks_repo, pre_commit_home, user_repo, "circleci-v2-fix", "status.py")
    assert second.returncode == 0, second.stdout + second.stderr
    assert (user_repo / "status.py").read_text() == fixed


def test_fix_hook_keeps_failing_while_a_person_has_work_left(hooks_repo, pre_commit_home, user_repo):
    legacy = ("curl -X DELETE -u \"$T:\" -H \"Accept: application/json\" "
              "https://circleci.com/api/v1.1/project/github/a/b/build-cache\n")
    (user_repo / "clear-cache.sh").write_text(legacy)
    _git("add", ".", cwd=user_repo)
    result = try_repo(hooks_repo, pre_commit_home, user_repo, "circleci-v2-fix", "clear-cache.sh")
    assert result.returncode == 1 and "CCI106" in result.stdout
    assert (user_repo / "clear-cache.sh").read_text() == legacy


# an endpoint that keeps working on v1.1 (CCI137, an info rule), called with a header token and JSON
INFO_ONLY = ('#!/bin/sh\n# who am I\n'
             'curl -fsS -H "Accept: application/json" -H "Circle-Token: $CIRCLE_TOKEN" '
             'https://circleci.com/api/v1.1/me\n')


@pytest.mark.parametrize("hook", ["circleci-v2-check", "circleci-v2-fix"])
def test_hooks_do_not_fail_on_info_findings(hooks_repo, pre_commit_home, user_repo, hook):
    (user_repo / "whoami.sh").write_text(INFO_ONLY)
    _git("add", ".", cwd=user_repo)
    result = try_repo(hooks_repo, pre_commit_home, user_repo, hook, "whoami.sh")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
    assert (user_repo / "whoami.sh").read_text() == INFO_ONLY


def _head(repo):
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True,
                          text=True).stdout.strip()


def run_config(home, repo, config, *files):
    (repo / ".pre-commit-config.yaml").write_text(config)
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([PRE_COMMIT, "run", "--files", *files], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=900)


def test_args_fail_on_info_makes_info_findings_fail(hooks_repo, pre_commit_home, user_repo):
    (user_repo / "whoami.sh").write_text(INFO_ONLY)
    _git("add", ".", cwd=user_repo)
    config = (f"repos:\n  - repo: {hooks_repo}\n    rev: {_head(hooks_repo)}\n    hooks:\n"
              "      - id: circleci-v2-check\n        args: [--fail-on, info]\n")
    result = run_config(pre_commit_home, user_repo, config, "whoami.sh")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "whoami.sh:3:1: CCI137" in result.stdout


README = (ROOT / "README.md").read_text()


def _readme_hook_example() -> str:
    section = README.split("## pre-commit", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def test_the_readme_rev_is_this_version_and_a_tag_of_the_repository():
    config = yaml.safe_load(_readme_hook_example())
    rev = config["repos"][0]["rev"]
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert rev == f"v{version}"
    tags = subprocess.run(["git", "tag", "--list"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tags:
        pytest.skip("this clone was made without tags")
    assert rev in tags


def test_the_readme_example_works_as_written(pre_commit_home, user_repo, tmp_path):
    """The README's .pre-commit-config.yaml, its repo URL pointed at a fresh clone of this repository."""
    example = _readme_hook_example()
    rev = yaml.safe_load(example)["repos"][0]["rev"]
    clone = tmp_path / "fresh-clone"
    _git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone), cwd=ROOT)
    has_tag = subprocess.run(["git", "rev-parse", "-q", "--verify", f"refs/tags/{rev}"], cwd=clone,
                             capture_output=True).returncode == 0
    if not has_tag:  # a clone of this repository made without tags (CI): tag its HEAD, as a release would
        _git("tag", rev, cwd=clone)
    url = re.search(r"repo: (\S+)", example).group(1)
    config = example.replace(url, str(clone), 1)
    assert f"rev: {rev}" in config and "id: circleci-v2-check" in config
    (user_repo / "deploy.sh").write_text(LEGACY)
    (user_repo / "whoami.sh").write_text(INFO_ONLY)
    _git("add", ".", cwd=user_repo)
    failing = run_config(pre_commit_home, user_repo, config, "deploy.sh", "whoami.sh")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "deploy.sh:3:1: CCI102" in failing.stdout
    passing = run_config(pre_commit_home, user_repo, config, "whoami.sh")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout


# ---- the manifest -----------------------------------------------------------------------------------

def _hooks():
    return {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}


def test_manifest_runs_the_commands():
    hooks = _hooks()
    assert set(hooks) == {"circleci-v2-check", "circleci-v2-fix"}
    assert hooks["circleci-v2-check"]["entry"] == "circleci-v2 check --fail-on warning"
    assert hooks["circleci-v2-fix"]["entry"] == "circleci-v2 fix --fail-on warning"
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["pass_filenames"] is True


@pytest.mark.parametrize("name", ["deploy.py", "stubs.pyi", "deploy.sh", "deploy.bash", "Makefile", "rules.mk",
                                  "GNUmakefile", "config.yml", "ci.yaml", "Dockerfile", "Dockerfile.prod",
                                  "Containerfile", "Jenkinsfile", "Jenkinsfile.release"])
def test_manifest_selects_every_kind_the_tool_checks(name):
    identify = pytest.importorskip("identify.identify")
    assert kind_of(name) is not None
    tags = identify.tags_from_filename(name)
    for hook in _hooks().values():
        assert tags & set(hook["types_or"]), f"{hook['id']} would not run on {name} (tags {sorted(tags)})"


def test_manifest_selects_scripts_by_their_shebang(tmp_path):
    identify = pytest.importorskip("identify.identify")
    script = tmp_path / "deploy"
    script.write_text("#!/usr/bin/env bash\necho hi\n")
    script.chmod(0o755)
    tags = identify.tags_from_path(str(script))
    for hook in _hooks().values():
        assert tags & set(hook["types_or"])
