"""Discovery (kinds, .gitignore, excludes, symlinks) and the byte pre-filter."""
from __future__ import annotations

import os
import re

import pytest

from circleci_v2.migrate.discover import (
    DEFAULT_EXCLUDES,
    SHEBANG,
    Excludes,
    discover,
    kind_from_shebang,
    kind_of,
)
from circleci_v2.migrate.prefilter import ROUTE_ROOTS, build_shapes, has_marker, has_shape, is_candidate, scan_keys
from circleci_v2.rules import load_catalogue
from circleci_v2.rules.markers import MARKERS
from clirun import CLEAN, TRIGGER_ACCEPT, run_cli, write


def paths(tmp_path, **kwargs):
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        found = discover(kwargs.pop("roots", ["."]), **kwargs)
    finally:
        os.chdir(old)
    return found


@pytest.mark.parametrize("name, kind", [
    ("app.py", "python"), ("stubs.pyi", "python"), ("deploy.sh", "shell"), ("run.bash", "shell"),
    ("Makefile", "makefile"), ("GNUmakefile", "makefile"), ("rules.mk", "makefile"),
    ("config.yml", "yaml"), ("ci.YAML", "yaml"), ("Dockerfile", "dockerfile"), ("Dockerfile.prod", "dockerfile"),
    ("api.dockerfile", "dockerfile"), ("Containerfile", "dockerfile"), ("Jenkinsfile", "jenkinsfile"),
    ("Jenkinsfile.release", "jenkinsfile"), ("deploy", SHEBANG), ("README.md", None), ("data.json", None),
    ("setup.cfg", None), (".bashrc", "shell"), (".envrc", "shell"), ("deploy.zsh", "shell"), ("t.bats", "shell"),
    ("release.make", "makefile"), ("app.pyw", "python"), ("wscript", "python"), ("ci.jenkins", "jenkinsfile"),
])
def test_kind_by_name(name, kind):
    assert kind_of(name) == kind


@pytest.mark.parametrize("first_line, kind", [
    (b"#!/usr/bin/env python3\n", "python"), (b"#!/usr/bin/python3.11 -u\n", "python"),
    (b"#!/bin/bash -e\n", "shell"), (b"#!/usr/bin/env -S bash -eu\n", "shell"), (b"#!/bin/sh\n", "shell"),
    (b"#!/usr/bin/env node\n", None), (b"# not a shebang\n", None), (b"", None),
])
def test_kind_from_shebang(first_line, kind):
    assert kind_from_shebang(first_line + b"echo\n") == kind


def test_default_excludes_are_skipped_and_counted(tmp_path):
    write(tmp_path, "src/app.py", CLEAN)
    for folder in (".venv", "venv", "node_modules", "build", "dist", "__pycache__", ".tox", ".mypy_cache",
                   "lib/site-packages"):
        write(tmp_path, f"{folder}/x.py", CLEAN)
    found = paths(tmp_path)
    assert [f.path for f in found.files] == ["src/app.py"]
    assert found.excluded == 9
    assert set(DEFAULT_EXCLUDES) >= {".git", ".venv", "venv", "site-packages", "node_modules", "build", "dist",
                                     "__pycache__", ".tox", ".mypy_cache"}


def test_gitignore_nested_and_negated(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".gitignore", "generated/\n*.tmp.py\n")
    write(tmp_path, "generated/a.py", CLEAN)
    write(tmp_path, "x.tmp.py", CLEAN)
    write(tmp_path, "keep.py", CLEAN)
    write(tmp_path, "sub/.gitignore", "local_*.py\n!local_keep.py\n")
    write(tmp_path, "sub/local_one.py", CLEAN)
    write(tmp_path, "sub/local_keep.py", CLEAN)
    write(tmp_path, "other/local_one.py", CLEAN)  # the nested file only applies below sub/
    found = paths(tmp_path)
    assert sorted(f.path for f in found.files) == ["keep.py", "other/local_one.py", "sub/local_keep.py"]
    assert found.ignored == 3
    assert found.excluded == 1  # .git
    unfiltered = paths(tmp_path, respect_gitignore=False)
    assert len(unfiltered.files) == 6


def test_gitignore_above_the_starting_folder_applies_up_to_the_repository_root(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".gitignore", "*.gen.py\nvendored/\n")
    write(tmp_path, "pkg/a.gen.py", CLEAN)
    write(tmp_path, "pkg/b.py", CLEAN)
    write(tmp_path, "vendored/lib.py", CLEAN)
    assert [f.path for f in paths(tmp_path, roots=["pkg"]).files] == ["pkg/b.py"]
    # a folder named explicitly is checked even though a .gitignore above ignores it
    assert [f.path for f in paths(tmp_path, roots=["vendored"]).files] == ["vendored/lib.py"]


def test_explicit_paths_are_always_checked(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path, ".gitignore", "ignored.py\n")
    write(tmp_path, "ignored.py", CLEAN)
    write(tmp_path, "build/made.py", CLEAN)
    write(tmp_path, "notes.txt", "x")
    found = paths(tmp_path, roots=["ignored.py", "build/made.py", "build"])
    assert [(f.path, f.explicit) for f in found.files] == [("ignored.py", True), ("build/made.py", True)]
    # (the `build` folder itself is named explicitly, and its file was already listed)


def test_exclude_patterns(tmp_path):
    write(tmp_path, "a/legacy/old.py", CLEAN)
    write(tmp_path, "a/new.py", CLEAN)
    write(tmp_path, "a/gen_models.py", CLEAN)
    write(tmp_path, "b/legacy.py", CLEAN)
    excludes = Excludes.build([(str(tmp_path), "legacy"), (str(tmp_path), "gen_*.py")])
    found = paths(tmp_path, excludes=excludes)
    assert [f.path for f in found.files] == ["a/new.py", "b/legacy.py"]
    anchored = Excludes.build([(str(tmp_path), "a/legacy/")])
    assert [f.path for f in paths(tmp_path, excludes=anchored).files] == [
        "a/gen_models.py", "a/new.py", "b/legacy.py"]


def test_cli_exclude_and_extend_exclude(tmp_path):
    write(tmp_path, "venv/trigger.py", TRIGGER_ACCEPT)
    write(tmp_path, "legacy/trigger.py", TRIGGER_ACCEPT)
    write(tmp_path, "app/trigger.py", TRIGGER_ACCEPT)
    proc = run_cli("check", "--extend-exclude", "legacy", cwd=tmp_path)
    assert [line.split(":")[0] for line in proc.stdout.splitlines()] == ["app/trigger.py"]
    assert "skipped 2 (2 excluded, 0 gitignored)" in proc.stderr
    # --exclude replaces the defaults: venv/ is checked again
    proc = run_cli("check", "--exclude", "legacy", cwd=tmp_path)
    assert [line.split(":")[0] for line in proc.stdout.splitlines()] == ["app/trigger.py", "venv/trigger.py"]


def test_symlinked_folder_is_followed_once(tmp_path):
    write(tmp_path, "real/a.py", CLEAN)
    os.symlink("real", tmp_path / "alias")
    found = paths(tmp_path)
    assert [f.path for f in found.files] == ["alias/a.py"]  # same folder: walked once
    assert not found.problems


def test_symlink_loop_is_one_problem_and_the_walk_goes_on(tmp_path):
    write(tmp_path, "pkg/a.py", CLEAN)
    os.symlink("..", tmp_path / "pkg" / "up")
    found = paths(tmp_path)
    assert [f.path for f in found.files] == ["pkg/a.py"]
    assert [(p.path, "loop" in p.message) for p in found.problems] == [("pkg/up", True)]


def test_route_roots_cover_every_endpoint_of_the_catalogue():
    """The route roots generated into rules/markers.py (the pre-filter must not load the catalogue) cover it."""
    catalogue = load_catalogue()
    for rule in catalogue:
        for endpoint in rule.endpoints:
            if endpoint.template.version == "v2":
                assert rule.kind == "request" and rule.markers, rule.id  # selected by its markers, not a route
                continue
            rest = re.sub(r"^/api/v1(\.1)?", "", endpoint.path)
            if rest in ("", "/"):
                continue  # the API root itself: any v1.1 URL (request rules)
            assert any(rest.startswith(root.decode()) or rest + "/" == root.decode() for root in ROUTE_ROOTS), (
                rule.id, endpoint.path)


def test_markers_cover_every_client_module_and_import():
    catalogue = load_catalogue()
    modules = {c.module for r in catalogue for c in r.clients} | {i.module for r in catalogue for i in r.imports}
    for module in modules:
        assert has_marker(module.encode()), module
        assert has_shape(f"import {module}\n".encode()), module
        assert has_shape(f"from {module} import Api\n".encode()), module


@pytest.mark.parametrize("text, expected", [
    (b'requests.post("https://circleci.com/api/v1.1/project/github/a/b")', True),
    (b'URL = "https://ci.example.com/api/v1/project/a/b"  # server install, v1', True),
    (b"from pycircleci.api import Api", True),
    (b"import os, circleclient", True),
    (b"import circleci.api as ci", True),
    (b'BASE = os.environ["CIRCLECI_URL"]\nrequests.post(f"{BASE}/project/gh/a/b/tree/x")', True),
    (b'r = requests.get(url, params={"circle-token": t})', True),
    # v2 code that still sends the token in the query string (CCI121)
    (b'requests.get(f"https://circleci.com/api/v2/me?circle-token={t}")', True),
    (b'requests.get("https://circleci.com/api/v2/me", params={"circle-token": t})', True),
    (b'curl -s "https://circleci.com/api/v2/project/gh/a/b/pipeline?circle-token=$CIRCLE_TOKEN"\n', True),
    # a v2 trigger sending parameters: CCI140 checks them against the config
    (b'requests.post("https://circleci.com/api/v2/project/gh/a/b/pipeline", json={"parameters": {"x": 1}})', True),
    (b'body = {"branch": "main", "parameters": p}\nrequests.post(f"{CIRCLECI}/api/v2/project/{slug}/pipeline", '
     b'json=body)', True),
    # an API root split from its version (the route comes from the callers)
    (b'API_URL = "%s/%s/" % ("https://circleci.com/api", "v1.1")\nurl = API_URL + path', True),
    (b"API = 'https://circleci.example.com/api/'\nVERSION = 'v1'", True),
    (b'API = "https://circleci.com/api"\nVERSION = "v2"', False),
    # mentions without a shape: not analysed
    (b"# CircleCI runs our tests\nON_CI = os.environ.get('CIRCLECI')", False),
    (b'requests.post("https://circleci.com/api/v2/project/gh/a/b/pipeline")', False),
    (b'requests.get("https://circleci.com/api/v2/me", auth=(os.environ["CIRCLECI_TOKEN"], ""))', False),
    (b'curl -s -u "$CIRCLECI_TOKEN:" https://circleci.com/api/v2/me\n', False),
    # a drop-in import: calls through it stay reported (info when the shim translates them, else errors)
    (b"from circleci_v2.shim.circleci import Api", True),
    (b"from circleci_v2.shim import requests as shim_requests", True),
    (b"from circleci_v2.shim.client import CircleCIClient", False),
    (b'VERSION_URL = "/api/v10/items"', False),
    (b'requests.get("https://example.com/api/v2/items?page=2")', False),
    # no marker at all
    (b'ssl.PROTOCOL_TLSv1_1  # TLSv1.1, not an API', False),
    (b"", False),
])
def test_prefilter(text, expected):
    assert is_candidate(text) is expected


def test_prefilter_markers_in_any_case():
    assert has_marker(b"TOKEN = os.environ['CIRCLECI_TOKEN']")
    assert has_marker(b"see CircleCI.com")
    assert not has_marker(b"circle = Circle(radius=1)")


def test_scan_keys_group_markers_sharing_a_prefix():
    keys = dict(scan_keys([b"/api/v1", b"circleci", b"circleclient"]))
    assert keys == {b"/api/v1": (b"/api/v1",), b"circlec": (b"circleci", b"circleclient")}
    # every generated marker is still tested
    assert {m for members in dict(scan_keys(MARKERS)).values() for m in members} == set(MARKERS)


def test_shapes_are_built_from_the_markers():
    shapes = build_shapes([b"/api/v1", b"legacyclient"], route_roots=())
    assert shapes.search(b"import legacyclient")
    assert shapes.search(b"x = '/api/v1.1/x'")
    assert not shapes.search(b"import circleci")


SIMPLE_GITIGNORES = [
    ".venv/\n__pycache__/\n*.pyc\n*.egg-info/\nbuild/\ndist/\nbench/.work/\n",
    "# comment\n\n/top.py\nlogs\ndocs/_build/\n*.log\nnode_modules\n",
]
SAMPLE_PATHS = [
    "a.py", "x.pyc", "a/b.pyc", "build/", "build", "src/build/", "src/build/x.py", "bench/.work/",
    "bench/.work/c/x.py", "bench/.workx/a.py", "x/bench/.work/", "top.py", "a/top.py", "logs", "logs/",
    "a/logs/x", "y.egg-info/", "y.egg-info", "dist/a.py", ".venv/", "a/.venv", "docs/_build/", "docs/_build/x.html",
    "a/docs/_build/", "err.log", "k/err.log/", "node_modules/", "a/node_modules/x.js",
]


@pytest.mark.parametrize("text", SIMPLE_GITIGNORES)
def test_simple_gitignore_matcher_agrees_with_pathspec(text):
    """Common .gitignore files are matched without importing pathspec; the answers must be git's."""
    from pathspec import GitIgnoreSpec

    from circleci_v2.migrate.discover import _SimpleGitignore

    lines = text.splitlines()
    simple = _SimpleGitignore.parse(lines)
    assert simple is not None
    spec = GitIgnoreSpec.from_lines(lines)
    for path in SAMPLE_PATHS:
        assert bool(simple.check_file(path).include) == bool(spec.check_file(path).include), path


@pytest.mark.parametrize("line", ["!keep.py", "**/gen", "a*b", "foo\\ bar", "src/*.py", "[abc].py"])
def test_other_gitignore_lines_go_to_pathspec(line):
    from circleci_v2.migrate.discover import _SimpleGitignore

    assert _SimpleGitignore.parse(["build/", line]) is None


def test_rule_files_read_without_the_rules_package_agree_with_it():
    from circleci_v2.migrate import rulefiles

    assert rulefiles.markers() == tuple(MARKERS)
    assert rulefiles.rule_ids() == {r.id for r in load_catalogue()}
