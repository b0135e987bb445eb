"""The fixer on real code: a copy of the installed standard library is left exactly as it was, and a v1.1
call planted at the end of large stdlib modules is the only thing that changes (the call is found again by
its ordinal among thousands of calls, and verified)."""
from __future__ import annotations

import os
import shutil
import sysconfig

from circleci_v2.migrate.fix import FixOptions, fix_source
from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

from clirun import run_cli

CATALOGUE = load_catalogue()
PLANT = '''

def _planted_trigger(branch, token):
    import requests
    url = {"base": "https://circleci.com/api/v1.1"}["base"]
    r = requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/tree/{branch}?circle-token={token}",
                      json={"build_parameters": {"X": "1"}})
    r.raise_for_status()
    return url
'''
PLANT_FIXED = '''

def _planted_trigger(branch, token):
    import requests
    url = {"base": "https://circleci.com/api/v1.1"}["base"]
    r = requests.post(f"https://circleci.com/api/v2/project/gh/acme/app/pipeline",
                      json={"parameters": {"X": "1"}, "branch": branch},
                      headers={"Content-Type": "application/json", "Accept": "application/json", "Circle-Token": token})
    r.raise_for_status()
    return url
'''.replace('f"https://circleci.com/api/v2/project/gh/acme/app/pipeline"',
            '"https://circleci.com/api/v2/project/gh/acme/app/pipeline"')


def _stdlib_sample(every: int):
    root = sysconfig.get_paths()["stdlib"]
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "dist-packages", "__pycache__",
                                                              "test", "tests", "idle_test", "lib2to3"))
        files.extend(os.path.join(dirpath, n) for n in sorted(filenames) if n.endswith(".py"))
    return root, files[::every]


def test_fix_over_a_copy_of_the_standard_library_changes_no_file(tmp_path):
    root, files = _stdlib_sample(every=4)
    assert len(files) > 100, "the standard library was not found"
    copies = []
    for path in files:
        dest = tmp_path / "lib" / os.path.relpath(path, root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
        os.utime(dest, ns=(1_000_000_000, 1_000_000_000))
        copies.append(dest)
    before = {p: p.read_bytes() for p in copies}
    proc = run_cli("fix", "--add-todo", "--unsafe-fixes", "--no-respect-gitignore", "--exclude", "", "lib",
                   cwd=tmp_path)
    assert proc.returncode in (0, 2), proc.stderr  # 2 only for the stdlib's own deliberately broken files
    assert "fixed 0 finding(s) in 0 files; 0 left for a person" in proc.stderr
    for p in copies:
        assert p.read_bytes() == before[p], p
        assert p.stat().st_mtime_ns == 1_000_000_000, p


def _largest_modules(count: int):
    root, files = _stdlib_sample(every=1)
    sized = sorted(files, key=lambda p: -os.path.getsize(p))
    out = []
    for path in sized:
        if len(out) == count:
            break
        with open(path, encoding="utf-8", errors="strict") as fh:
            try:
                text = fh.read()
            except UnicodeDecodeError:
                continue
        if "\r" in text or "\f" in text or not text.endswith("\n"):
            continue
        out.append((path, text))
    return out


def test_a_call_planted_in_large_stdlib_modules_is_the_only_change():
    checked = 0
    for path, text in _largest_modules(8):
        source = text + PLANT
        try:
            findings = analyse(source, path, CATALOGUE)
        except SyntaxError:
            continue
        result = fix_source(source, path, findings, FixOptions(unsafe=True), CATALOGUE)
        assert result.errors == [], (path, result.errors)
        assert result.text == text + PLANT_FIXED, path
        checked += 1
    assert checked >= 6
