"""The tables rules/generate.py writes into rules/markers.py for the code that must not load the catalogue
(the pre-filter, the evidence scanners): each equals what the rules say, and a rule edited in a copy of the
project reaches the pre-filter once `python -m circleci_v2.rules.generate` has run there. (That the
pre-filter's drop-in modules equal the rules' is in test_shim_visibility.py.)"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from circleci_v2.migrate import rulefiles
from circleci_v2.migrate.python import evidence as python_evidence
from circleci_v2.migrate.text import evidence as text_evidence
from circleci_v2.rules import load_catalogue
from circleci_v2.rules.endpoints import LEGACY_VERSIONS
from circleci_v2.rules.generate import derive_markers, derive_weak_route_roots
from clirun import write

PROJECT = Path(__file__).resolve().parent.parent
CATALOGUE = load_catalogue()
NEW_DROP_IN = "circleci_v2.shim.circlecinext"
USES_NEW_DROP_IN = f"from {NEW_DROP_IN} import Api\n\nApi(token).clear_cache('acme', 'app')\n"
USES_NEW_CLIENT = "from circlecinext.api import Api\n\nApi(token).clear_cache('acme', 'app')\n"


def test_weak_route_roots_are_the_catalogue_routes_that_are_one_plain_word():
    whole_routes = {e.template.relative for r in CATALOGUE for e in r.endpoints
                    if e.template.version in LEGACY_VERSIONS and r.kind != "request"}
    one_word = {route for route in whole_routes if re.fullmatch(r"/[a-z]+", route)}
    assert set(rulefiles.weak_route_roots()) == one_word == {"/me", "/projects"}
    # both evidence scanners read that one table
    assert python_evidence._WEAK_FIRST == {"me", "projects"}
    assert set(text_evidence.ROUTE_ROOTS) - set(text_evidence._STRONG_ROOTS) == one_word


@pytest.mark.parametrize("root, weak", [
    ("/me", True), ("/projects", True), ("/recent-builds", False), ("/project/", False),
    ("/user/heroku-key", False), ("/whoami", True),
])
def test_a_root_is_weak_when_it_is_a_whole_route_of_one_plain_word(root, weak):
    assert derive_weak_route_roots([root]) == ([root] if weak else [])


def test_a_module_marker_is_dropped_only_for_a_marker_it_ends_with():
    markers = set(derive_markers(CATALOGUE))
    assert b"circleci" in markers and b"pycircleci" not in markers  # `\\w*circleci` matches pycircleci
    assert b"circleclient" in markers  # circleci is no part of it


@pytest.fixture
def project_copy(tmp_path):
    """The project's packages copied as circleci_v2 under tmp_path (first on PYTHONPATH), with a run helper."""
    package = tmp_path / "copy" / "circleci_v2"
    for folder in ("migrate", "shim", "rules"):
        shutil.copytree(PROJECT / folder, package / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "copy" / "docs").mkdir()
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "copy"))
    env.pop("CIRCLECI_V2_DEBUG", None)

    def run(*args: str, cwd: Path = tmp_path) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, *args], cwd=str(cwd), env=env, capture_output=True, text=True,
                              timeout=120)

    where = run("-c", "import circleci_v2.rules.markers as m; print(m.__file__)")
    assert where.stdout.startswith(str(package)), where.stdout + where.stderr
    return package, run


def test_a_new_client_and_its_drop_in_reach_the_prefilter_after_generate(tmp_path, project_copy):
    """A rule gains a legacy client whose module name extends a marker (circlecinext: `circleci` selects
    it at the first stage, but an import pattern allows no suffix) and its drop-in."""
    package, run = project_copy
    work = tmp_path / "work"
    write(work, "legacy.py", USES_NEW_CLIENT)
    write(work, "migrated.py", USES_NEW_DROP_IN)
    before = run("-m", "circleci_v2.migrate", "check", ".", cwd=work)
    assert before.returncode == 0 and "0 candidates" in before.stderr, before.stdout + before.stderr

    rule = next((package / "rules" / "catalogue").glob("CCI112-*.yaml"))
    text = rule.read_text(encoding="utf-8")
    entry = "  - {module: circleci.api, class: Api, method: clear_cache, drop_in: circleci_v2.shim.circleci}\n"
    assert entry in text
    rule.write_text(text.replace(entry, entry + "  - {module: circlecinext.api, class: Api, method: clear_cache, "
                                                f"drop_in: {NEW_DROP_IN}}}\n"), encoding="utf-8")
    stale = run("-m", "circleci_v2.rules.generate", "--check")
    assert stale.returncode == 1 and "stale:" in stale.stderr and "markers.py" in stale.stderr, stale.stderr
    assert run("-m", "circleci_v2.rules.generate").returncode == 0
    markers = (package / "rules" / "markers.py").read_text(encoding="utf-8")
    assert f"'{NEW_DROP_IN}'," in markers and "b'circlecinext'," in markers
    assert run("-m", "circleci_v2.rules.generate", "--check").returncode == 0

    after = run("-m", "circleci_v2.migrate", "check", ".", cwd=work)
    assert "2 candidates analysed" in after.stderr, after.stdout + after.stderr
    # both calls are reported as the rule's calls through the other clients and drop-ins are
    assert after.returncode == 1, after.stdout + after.stderr
    assert "legacy.py:3:1: CCI112 " in after.stdout and "migrated.py:3:1: CCI112 " in after.stdout, after.stdout


def test_a_damaged_rule_file_is_one_error_naming_it_for_generate_and_the_command(tmp_path, project_copy):
    """A bundled rule file the schema refuses (an edit gone wrong, a damaged install): `generate` and
    `circleci-v2 explain` / `check` say which file and field, exit 2, write nothing, show no traceback."""
    package, run = project_copy
    rule = package / "rules" / "catalogue" / "CCI112-client-clear-cache.yaml"
    rule.write_text(rule.read_text().replace("severity: error", "severity: loud", 1))
    markers = (package / "rules" / "markers.py").read_bytes()

    generated = run("-m", "circleci_v2.rules.generate")
    assert generated.returncode == 2, generated.stderr
    assert generated.stderr.startswith(f"error: {rule}: severity: "), generated.stderr
    assert "Traceback" not in generated.stderr and (package / "rules" / "markers.py").read_bytes() == markers

    write(tmp_path, "work/clear.py", "from circleci.api import Api\n\nApi(token).clear_cache('acme', 'app')\n")
    for command in (["explain", "CCI112"], ["check", "clear.py"]):
        result = run("-m", "circleci_v2.migrate", *command, cwd=tmp_path / "work")
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.startswith(
            f"circleci-v2: error: the rule catalogue cannot be read: {rule}: severity: "), result.stderr
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr
