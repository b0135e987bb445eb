"""The fixer's promises about files, each with a test: untouched when there is nothing to fix, encoding and
line ends kept, never a half-written or unparsable file, atomic writes that keep the mode, idempotence,
and several fixes composing in one file."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from circleci_v2.migrate import cli
from circleci_v2.migrate.fix import writing

from clirun import CLEAN, TRIGGER, run_cli, write

COMPOSED = (
    "import requests\n"
    "from circleci.api import Api\n"
    "\n"
    "def deploy(org, repo, branch, token):\n"
    '    r = requests.post(f"https://circleci.com/api/v1.1/project/github/{org}/{repo}/tree/{branch}'
    '?circle-token={token}")\n'
    "    r.raise_for_status()\n"
    "\n"
    "def builds(org, repo):\n"
    '    return requests.get("https://circleci.com/api/v1.1/project/github/acme/app")\n'
    "\n"
    'Api(TOKEN).trigger_build("acme", "app", branch="main")\n'
)
COMPOSED_FIXED = (
    "import requests\n"
    "from circleci_v2.shim.circleci import Api\n"
    "\n"
    "def deploy(org, repo, branch, token):\n"
    '    r = requests.post(f"https://circleci.com/api/v2/project/gh/{org}/{repo}/pipeline", json={"branch": branch}, '
    'headers={"Content-Type": "application/json", "Accept": "application/json", "Circle-Token": token})\n'
    "    r.raise_for_status()\n"
    "\n"
    "def builds(org, repo):\n"
    '    return requests.get("https://circleci.com/api/v1.1/project/github/acme/app", '
    'headers={"Accept": "application/json"})\n'
    "\n"
    'Api(TOKEN).trigger_build("acme", "app", branch="main")\n'
)


def snapshot(path: Path) -> tuple:
    st = path.stat()
    return path.read_bytes(), st.st_mtime_ns, stat.S_IMODE(st.st_mode)


def run_main(args, monkeypatch, cwd: Path) -> int:
    """The real command line in this process (so a test can break a step with monkeypatch)."""
    monkeypatch.chdir(cwd)
    with pytest.raises(SystemExit) as exc:
        cli.main(list(args))
    return exc.value.code


def test_a_file_with_nothing_to_fix_is_never_written(tmp_path):
    clean = write(tmp_path, "clean.py", CLEAN)
    mentions = write(tmp_path, "mentions.py", "# see https://circleci.com/api/v1.1/ docs\nx = 1\n")
    manual = write(tmp_path, "manual.py", 'import requests\nrequests.post("https://circleci.com/api/v1.1/project/'
                                           'github/a/b/1/retry", headers={"Accept": "application/json"})\n')
    before = {p: snapshot(p) for p in (clean, mentions, manual)}
    os.utime(clean, ns=(1, 1))  # an old mtime: any write would move it
    before[clean] = snapshot(clean)
    proc = run_cli("fix", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # the manual site remains
    for p, snap in before.items():
        assert snapshot(p) == snap, p
    assert sorted(os.listdir(tmp_path)) == ["clean.py", "manual.py", "mentions.py"]


def test_clean_tree_exits_0(tmp_path):
    write(tmp_path, "clean.py", CLEAN)
    proc = run_cli("fix", ".", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "")


@pytest.mark.parametrize("name, data", [
    ("latin1_cookie.py", "# -*- coding: latin-1 -*-\n# Caf\u00e9 owner: J\u00fcrgen\nimport requests\n"
                         'requests.get("https://circleci.com/api/v1.1/me")  # \u00e9t\u00e9\n'.encode("latin-1")),
    ("bom.py", b"\xef\xbb\xbfimport requests\n" + 'requests.get("https://circleci.com/api/v1.1/me")  # \u00fc\n'
     .encode("utf-8")),
    ("crlf.py", b'import requests\r\n\r\ndef f():\r\n    requests.get("https://circleci.com/api/v1.1/me")\r\n'),
    ("no_final_newline.py", b'import requests\nrequests.get("https://circleci.com/api/v1.1/me")'),
    ("cr_only_comment.py", b'import requests\n# old mac line\rrequests.get("https://circleci.com/api/v1.1/me")\n'),
])
def test_encoding_bom_line_ends_and_final_newline_are_kept(tmp_path, name, data):
    path = write(tmp_path, name, data)
    proc = run_cli("fix", name, cwd=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # 1: a file changed
    after = path.read_bytes()
    added = b', headers={"Accept": "application/json"})'
    assert after == data.replace(b'/me")', b'/me"' + added), after


def test_a_result_that_does_not_parse_leaves_the_file_untouched(tmp_path, monkeypatch, capsys):
    from circleci_v2.migrate.fix import engine

    path = write(tmp_path, "t.py", TRIGGER)
    before = snapshot(path)
    monkeypatch.setattr(engine, "_apply", lambda text, edits, **kw: text.replace("import requests", "import (requests"))
    code = run_main(["fix", "t.py"], monkeypatch, tmp_path)
    err = capsys.readouterr().err
    assert code == 2
    assert "t.py: error: the fixed file does not parse" in err and "Traceback" not in err
    assert snapshot(path) == before


def test_a_write_broken_halfway_leaves_the_original_intact(tmp_path, monkeypatch, capsys):
    path = write(tmp_path, "t.py", TRIGGER)
    before = snapshot(path)
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()
            return False

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(writing.os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    code = run_main(["fix", "t.py"], monkeypatch, tmp_path)
    err = capsys.readouterr().err
    assert code == 2 and "t.py: error: cannot write: no space left on device" in err
    assert snapshot(path) == before
    assert os.listdir(tmp_path) == ["t.py"]  # the temporary file is gone too


def test_a_failed_rename_leaves_the_original_intact(tmp_path, monkeypatch, capsys):
    path = write(tmp_path, "t.py", TRIGGER)
    before = snapshot(path)

    def boom(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(writing.os, "replace", boom)
    assert run_main(["fix", "t.py"], monkeypatch, tmp_path) == 2
    assert "cannot write: permission denied" in capsys.readouterr().err
    assert snapshot(path) == before and os.listdir(tmp_path) == ["t.py"]


def test_writes_are_atomic_replacements_that_keep_the_mode(tmp_path):
    path = write(tmp_path, "t.py", TRIGGER)
    os.chmod(path, 0o640)
    inode = path.stat().st_ino
    proc = run_cli("fix", "t.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode  # a new file renamed over the old one, not rewritten in place
    assert "/api/v2/project/gh/acme/app/pipeline" in path.read_text()


def test_a_symlink_is_kept_and_its_target_fixed(tmp_path):
    target = write(tmp_path, "real/t.py", TRIGGER)
    link = tmp_path / "t.py"
    link.symlink_to(target)
    proc = run_cli("fix", "t.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert link.is_symlink() and "/api/v2/" in target.read_text()


def test_a_file_changed_on_disk_meanwhile_is_not_overwritten(tmp_path):
    path = write(tmp_path, "t.py", "new contents\n")
    with pytest.raises(writing.WriteError, match="changed on disk"):
        writing.write_atomically(str(path), b"fixed\n", expected=b"old contents\n")
    assert path.read_text() == "new contents\n" and os.listdir(tmp_path) == ["t.py"]


def test_a_second_fix_changes_nothing(tmp_path):
    path = write(tmp_path, "t.py", COMPOSED)
    first = run_cli("fix", "--add-todo", "--unsafe-fixes", ".", cwd=tmp_path)
    assert first.returncode == 1, first.stderr  # CCI133 (information, manual) remains
    snap = snapshot(path)
    second = run_cli("fix", "--add-todo", "--unsafe-fixes", ".", cwd=tmp_path)
    assert second.returncode == 1 and "fixed 0 finding(s) in 0 files" in second.stderr
    assert snapshot(path) == snap


def test_several_fixes_in_one_file_compose(tmp_path):
    path = write(tmp_path, "t.py", COMPOSED)
    proc = run_cli("fix", "t.py", cwd=tmp_path)
    assert path.read_text() == COMPOSED_FIXED
    assert proc.returncode == 1  # CCI133 (a project's builds, information only) is left for a person
    assert "t.py:9:12: CCI133 [manual]" in proc.stdout
    assert "fixed 6 finding(s) in 1 file; 1 left for a person" in proc.stderr


def test_the_diff_of_several_fixes_applies_with_git(tmp_path):
    import subprocess

    path = write(tmp_path, "pkg/t.py", COMPOSED)
    write(tmp_path, "pkg/crlf.py", b'import requests\r\nrequests.get("https://circleci.com/api/v1.1/me")')
    subprocess.run(["git", "init", "-q", "."], cwd=tmp_path, check=True)
    proc = run_cli("diff", ".", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("--- a/pkg/crlf.py\n+++ b/pkg/crlf.py\n")
    assert path.read_text() == COMPOSED  # diff writes nothing
    patch = tmp_path / "fix.patch"
    patch.write_bytes(proc.stdout.encode())
    subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, check=True)
    assert path.read_text() == COMPOSED_FIXED
    assert (tmp_path / "pkg/crlf.py").read_bytes() == (
        b'import requests\r\nrequests.get("https://circleci.com/api/v1.1/me", headers={"Accept": "application/json"})')


def test_a_small_change_in_a_big_file_touches_only_its_statement():
    """Big files get only the changed statements generated again (spliced in); every other byte is kept."""
    from circleci_v2.migrate.fix import FixOptions, fix_source
    from circleci_v2.migrate.python import analyse
    from circleci_v2.rules import load_catalogue

    catalogue = load_catalogue()
    filler = "".join(f"def f{i}(x):\n    # keep   this   comment {i}\n    return  x + {i}  # odd  spacing\n\n\n"
                     for i in range(60))
    target = ('# a comment owned by the decorated function\n\n'
              '@decorate(1)\n'
              '@decorate(2)\n'
              'def trigger(branch):\n'
              '    """Docstring."""\n'
              '    import requests\n'
              '    r = requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/tree/{branch}")\n'
              '    r.raise_for_status()\n'
              '    # a trailing comment in the block\n')
    source = filler + target + "\n\n" + filler.replace("def f", "def g")
    result = fix_source(source, "big.py", analyse(source, "big.py", catalogue), FixOptions(), catalogue)
    assert result.errors == []
    expected = source.replace(
        'r = requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/tree/{branch}")',
        'r = requests.post("https://circleci.com/api/v2/project/gh/acme/app/pipeline", json={"branch": branch}, '
        'headers={"Content-Type": "application/json", "Accept": "application/json"})')
    assert result.text == expected
