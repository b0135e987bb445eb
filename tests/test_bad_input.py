"""Bad input: one line per broken file naming it and the problem, the run goes on, exit code 2, no traceback.

Only files that can hold a finding (they pass the byte pre-filter) are decoded
and parsed, so each broken file below contains a v1.1 marker. Files that
cannot even be read are reported whatever they contain.

Unreadable files: the tests run as root, for whom chmod 000 changes nothing.
The chmod 000 case therefore runs the command under `setpriv` with the
capabilities that let root ignore file modes (dac_override, dac_read_search)
dropped, so the kernel refuses the read as it would for any other user. A
named pipe and a dangling symbolic link are two more files that cannot be read.
"""
from __future__ import annotations

import codecs
import json
import os
import shutil
import subprocess
import sys

import pytest

from clirun import TRIGGER, TRIGGER_ACCEPT, error_lines, run_cli, run_python, write

BROKEN_SYNTAX = 'import requests\nrequests.post("https://circleci.com/api/v1.1/project/github/a/b/tree/main"\n'


def test_each_bad_file_gets_one_line_and_the_run_goes_on(tmp_path):
    write(tmp_path, "good.py", TRIGGER_ACCEPT)
    write(tmp_path, "syntax.py", BROKEN_SYNTAX)
    write(tmp_path, "invalid_utf8.py", TRIGGER.encode() + b"# caf\xe9 \xff\xfe\n")
    write(tmp_path, "binary.py", b"\x00\x01\x02circleci /api/v1.1/project \x00\xff")
    write(tmp_path, "empty.py", b"")
    write(tmp_path, "bad_cookie.py", b"# -*- coding: klingon -*-\n" + TRIGGER.encode())
    os.mkfifo(tmp_path / "pipe.py")
    os.symlink("missing_target.py", tmp_path / "dangling.py")
    (tmp_path / "loop").mkdir()
    write(tmp_path, "loop/inner.py", TRIGGER_ACCEPT)
    os.symlink("..", tmp_path / "loop" / "parent")

    proc = run_cli("check", cwd=tmp_path, timeout=30)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    problems = error_lines(proc.stderr)
    assert set(problems) == {"syntax.py", "invalid_utf8.py", "binary.py", "bad_cookie.py", "pipe.py",
                             "dangling.py", "loop/parent"}
    assert problems["syntax.py"].startswith("syntax error at line 2")
    assert "invalid UTF-8" in problems["invalid_utf8.py"] and "line 4" in problems["invalid_utf8.py"]
    assert "binary" in problems["binary.py"]
    assert "klingon" in problems["bad_cookie.py"]
    assert "named pipe" in problems["pipe.py"]
    assert "broken symbolic link" in problems["dangling.py"]
    assert "symbolic link loop" in problems["loop/parent"]
    # the good files were still checked; the file that does not parse still shows its v1.1 route (from its
    # string tokens, low confidence, beside its syntax error)
    reported = sorted(line.split(":")[0] for line in proc.stdout.splitlines())
    assert reported == ["good.py", "loop/inner.py", "syntax.py"]
    assert "(low confidence: does not parse as Python 3)" in proc.stdout
    assert "7 errors" in proc.stderr


def test_latin1_cookie_bom_and_crlf_are_decoded_and_analysed(tmp_path):
    latin1 = ("# -*- coding: latin-1 -*-\n# d\xe9ploiement\nimport requests\n"
              'requests.post("https://circleci.com/api/v1.1/project/github/a/b/tree/caf\xe9",\n'
              '              headers={"Accept": "application/json"})\n').encode("latin-1")
    write(tmp_path, "latin1.py", latin1)
    write(tmp_path, "bom.py", codecs.BOM_UTF8 + TRIGGER_ACCEPT.encode())
    write(tmp_path, "crlf.py", TRIGGER_ACCEPT.replace("\n", "\r\n").encode())
    write(tmp_path, "bom_crlf.py", codecs.BOM_UTF8 + TRIGGER_ACCEPT.replace("\n", "\r\n").encode())
    write(tmp_path, "empty.py", b"")
    proc = run_cli("check", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert error_lines(proc.stderr) == {}
    lines = sorted(proc.stdout.splitlines())
    assert [line.split(": ")[0] + " " + line.split(": ")[1].split()[0] for line in lines] == [
        "bom.py:3:1 CCI102", "bom_crlf.py:3:1 CCI102", "crlf.py:3:1 CCI102", "latin1.py:4:1 CCI102"]


def _run_without_root_file_access(args, cwd):
    """Run the CLI so that file modes apply (see the module docstring); None when this machine cannot."""
    cmd = [sys.executable, "-m", "circleci_v2.migrate", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            return None
        cmd = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *cmd]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_unreadable_file_and_folder(tmp_path):
    write(tmp_path, "good.py", TRIGGER_ACCEPT)
    locked = write(tmp_path, "locked.py", TRIGGER_ACCEPT)
    write(tmp_path, "private/inner.py", TRIGGER_ACCEPT)
    locked.chmod(0)
    (tmp_path / "private").chmod(0)
    try:
        proc = _run_without_root_file_access(["check"], tmp_path)
        if proc is None or proc.returncode not in (1, 2) or "Operation not permitted" in proc.stderr:
            pytest.skip("cannot drop root's file access on this machine")
        assert proc.returncode == 2, proc.stderr
        problems = error_lines(proc.stderr)
        assert problems == {
            "locked.py": "cannot read: permission denied",
            "private": "cannot list folder: permission denied",
        }
        assert [line.split(":")[0] for line in proc.stdout.splitlines()] == ["good.py"]
        assert "Traceback" not in proc.stderr
    finally:
        locked.chmod(0o644)
        (tmp_path / "private").chmod(0o755)


def test_missing_path_on_the_command_line(tmp_path):
    write(tmp_path, "good.py", TRIGGER_ACCEPT)
    proc = run_cli("check", "good.py", "nope.py", "nodir/", cwd=tmp_path)
    assert proc.returncode == 2
    assert error_lines(proc.stderr) == {"nope.py": "no such file or folder", "nodir/": "no such file or folder"}
    assert proc.stdout.startswith("good.py:3:1: CCI102")


def test_an_analyser_crash_is_one_line_for_that_file(tmp_path):
    write(tmp_path, "a.py", TRIGGER_ACCEPT)
    write(tmp_path, "b.py", TRIGGER_ACCEPT)
    code = (
        "import circleci_v2.migrate.run as run\n"
        "real = run.analyser_for('python')\n"
        "def flaky(source, path, catalogue, kind):\n"
        "    if path == 'a.py':\n"
        "        raise KeyError('boom')\n"
        "    return real(source, path, catalogue, kind)\n"
        "run.register_analyser('python', flaky)\n"
        "from circleci_v2.migrate.cli import main\n"
        "main(['check'])\n"
    )
    proc = run_python(code, cwd=tmp_path)
    assert proc.returncode == 2
    problems = error_lines(proc.stderr)
    assert list(problems) == ["a.py"] and "internal error in the python analyser: KeyError" in problems["a.py"]
    assert proc.stdout.startswith("b.py:3:1: CCI102")
    assert "Traceback" not in proc.stderr


def test_an_internal_error_is_one_line_with_a_hint(tmp_path):
    write(tmp_path, "a.py", TRIGGER_ACCEPT)
    code = (
        "import circleci_v2.migrate.run as run\n"
        "def broken(self):\n"
        "    raise RuntimeError('the walk fell over')\n"
        "    yield\n"
        "run.CheckRun.results = broken\n"
        "from circleci_v2.migrate.cli import main\n"
        "main(['check'])\n"
    )
    proc = run_python(code, cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    first, hint = proc.stderr.splitlines()[:2]
    assert first == "circleci-v2: internal error: RuntimeError: the walk fell over"
    assert "CIRCLECI_V2_DEBUG=1" in hint


def test_nothing_half_written_when_the_report_file_cannot_be_written(tmp_path):
    write(tmp_path, "a.py", TRIGGER_ACCEPT)
    (tmp_path / "out").mkdir()
    proc = run_cli("check", "--output-file", "out", cwd=tmp_path)  # a folder
    assert proc.returncode == 2
    assert "--output-file" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("check", "--output-file", "a.py/report.txt", cwd=tmp_path)  # a file where a folder should be
    assert proc.returncode == 2
    assert "--output-file a.py/report.txt: cannot write" in proc.stderr and "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "out"]
    assert (tmp_path / "a.py").read_text() == TRIGGER_ACCEPT


@pytest.mark.parametrize("layout", ["one line", "one per line", "shell"])
def test_thousands_of_routes_in_one_file_are_checked_and_fixed_without_hanging(tmp_path, layout):
    # a generated table of URLs, a script of calls: each route's evidence must not cost a pass over the whole
    # file, tree or list of routes already explained
    url = '"https://circleci.com/api/v1.1/project/github/a/b/tree/main"'
    n = 3000
    if layout == "shell":
        name = "calls.sh"
        write(tmp_path, name, "#!/bin/sh\n" + f"curl -X POST {url}?circle-token=$T\n" * n)
    else:
        name = "table.py"
        items = ", ".join([url] * n) if layout == "one line" else "".join(f"\n    {url}," for _ in range(n)) + "\n"
        write(tmp_path, name, f"import requests\nURLS = [{items}]\n")
    proc = run_cli("check", "--output-format", "json", name, cwd=tmp_path, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert len({(f["line"], f["column"]) for f in json.loads(proc.stdout)["findings"]}) == n
    fixed = run_cli("fix", "--add-todo", name, cwd=tmp_path, timeout=120)
    assert fixed.returncode == 1 and "Traceback" not in fixed.stderr, fixed.stderr
