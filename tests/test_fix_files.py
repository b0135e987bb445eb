"""fix and check on the files themselves: owners, modes, hard links, links out of the tree, leftover
temporaries, unreadable paths. Each runs the real command line on a temporary tree.

The tests run as root (as CI does). Root may write anything, so the cases that need an ordinary user run
the command under `setpriv` as uid 1234 (skipped where setpriv is missing).
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from circleci_v2.migrate.temporaries import TEMP_SUFFIX, temporary_name
from clirun import CLEAN, TRIGGER, TRIGGER_ACCEPT, error_lines, run_cli, write

FIXED_MARK = "/api/v2/project/gh/acme/app/pipeline"


def state(path: Path) -> tuple:
    st = os.lstat(path)
    return path.read_bytes(), st.st_ino, st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)


def assert_refused(path: Path, reason: str, option: str) -> None:
    """fix on `path` (run in its folder) exits 2 with one error line for it naming `reason` and the `option`
    that would allow it, and leaves the file as it was (bytes, inode, owner, mode)."""
    before = state(path)
    proc = run_cli("fix", path.name, cwd=path.parent)
    assert proc.returncode == 2, proc.stderr
    found = error_lines(proc.stderr)
    assert list(found) == [path.name]
    assert reason in found[path.name] and option in found[path.name]
    assert state(path) == before


# ---- 13: owner, mode, read-only files, hard links ------------------------------------------------------

@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_fix_keeps_owner_group_and_mode(tmp_path):
    path = write(tmp_path, "t.py", TRIGGER)
    os.chown(path, 1234, 2345)
    os.chmod(path, 0o640)
    proc = run_cli("fix", "t.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    st = path.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1234, 2345, 0o640)
    assert FIXED_MARK in path.read_text()


def test_a_read_only_file_is_refused_unless_asked(tmp_path):
    path = write(tmp_path, "t.py", TRIGGER)
    os.chmod(path, 0o444)
    assert_refused(path, "read-only", "--write-read-only")
    assert os.listdir(tmp_path) == ["t.py"]
    proc = run_cli("fix", "--write-read-only", "t.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert FIXED_MARK in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o444  # still read-only


def test_a_file_with_other_hard_links_is_refused_unless_asked(tmp_path):
    path = write(tmp_path, "t.py", TRIGGER)
    other = tmp_path / "other_name.py"
    os.link(path, other)
    assert_refused(path, "hard link", "--split-hard-links")
    assert other.read_text() == TRIGGER
    proc = run_cli("fix", "--split-hard-links", "t.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert FIXED_MARK in path.read_text()
    assert other.read_text() == TRIGGER  # the other name keeps the old text, as the option says


def test_diff_writes_nothing_and_refuses_nothing(tmp_path):
    path = write(tmp_path, "t.py", TRIGGER)
    os.chmod(path, 0o444)
    os.link(path, tmp_path / "other_name.py")
    proc = run_cli("diff", "t.py", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "+" in proc.stdout and error_lines(proc.stderr) == {}


def _as_user(uid: int, args, cwd):
    setpriv = shutil.which("setpriv")
    if setpriv is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to act as another user")
    cmd = [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", sys.executable, "-m",
           "circleci_v2.migrate", *args]
    env = dict(os.environ, HOME=str(cwd))
    env.pop("CIRCLECI_V2_DEBUG", None)
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60, env=env)


def test_another_users_file_in_a_world_writable_folder_is_not_taken_over():
    shared = Path(tempfile.mkdtemp(prefix="circleci-v2-shared-"))
    try:
        os.chmod(shared, 0o777)  # anyone may rename files here
        theirs = write(shared, "theirs.py", TRIGGER)
        os.chown(theirs, 4321, 4321)
        os.chmod(theirs, 0o644)
        mine_but_writable = write(shared, "open.py", TRIGGER)
        os.chown(mine_but_writable, 4321, 4321)
        os.chmod(mine_but_writable, 0o666)  # writable by uid 1234, but its owner must stay 4321
        before = (state(theirs), state(mine_but_writable))
        proc = _as_user(1234, ["fix", "theirs.py", "open.py"], shared)
        if "Operation not permitted" in proc.stderr and "setpriv" in proc.stderr:
            pytest.skip("setpriv cannot change user here")
        assert proc.returncode == 2, proc.stdout + proc.stderr
        found = error_lines(proc.stderr)
        assert set(found) == {"theirs.py", "open.py"}, proc.stderr
        assert "owner" in found["open.py"]
        assert (state(theirs), state(mine_but_writable)) == before
        assert sorted(os.listdir(shared)) == ["open.py", "theirs.py"]  # no temporary left behind
    finally:
        shutil.rmtree(shared)


# ---- 14: symbolic links out of the named tree ----------------------------------------------------------

def _tree_with_links_out(tmp_path: Path) -> Path:
    write(tmp_path, "tree/inside.py", TRIGGER)
    write(tmp_path, "outside/target.py", TRIGGER)
    write(tmp_path, "outside_dir/deep.py", TRIGGER)
    (tmp_path / "tree" / "link_out.py").symlink_to(tmp_path / "outside" / "target.py")
    (tmp_path / "tree" / "linked_dir").symlink_to(tmp_path / "outside_dir")
    write(tmp_path, "tree/real/inner.py", TRIGGER)
    (tmp_path / "tree" / "link_in.py").symlink_to(tmp_path / "tree" / "real" / "inner.py")  # stays inside
    return tmp_path / "tree"


def test_fix_does_not_write_outside_the_tree_through_links(tmp_path):
    _tree_with_links_out(tmp_path)
    outside = (tmp_path / "outside/target.py").read_bytes(), (tmp_path / "outside_dir/deep.py").read_bytes()
    proc = run_cli("fix", "--report", "report.json", "tree", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    found = error_lines(proc.stderr)
    assert set(found) == {"tree/link_out.py", "tree/linked_dir/deep.py"}, proc.stderr
    assert "symbolic link" in found["tree/link_out.py"] and "--follow-outside-links" in found["tree/link_out.py"]
    assert str(tmp_path / "outside" / "target.py") in found["tree/link_out.py"]
    assert ((tmp_path / "outside/target.py").read_bytes(), (tmp_path / "outside_dir/deep.py").read_bytes()) == outside
    assert FIXED_MARK in (tmp_path / "tree/inside.py").read_text()
    assert FIXED_MARK in (tmp_path / "tree/real/inner.py").read_text()  # a link inside the tree is fine
    report = json.loads((tmp_path / "report.json").read_text())
    listed = {f["path"]: f for f in report["files"]}
    assert listed["tree/link_out.py"]["outside"] == {"target": str(tmp_path / "outside" / "target.py"),
                                                     "written": False}
    assert listed["tree/linked_dir/deep.py"]["outside"]["written"] is False
    assert listed["tree/inside.py"]["outside"] is None


def test_follow_outside_links_writes_through_and_the_report_says_so(tmp_path):
    _tree_with_links_out(tmp_path)
    proc = run_cli("fix", "--follow-outside-links", "--report", "report.md", "tree", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert error_lines(proc.stderr) == {}
    assert FIXED_MARK in (tmp_path / "outside/target.py").read_text()
    assert FIXED_MARK in (tmp_path / "outside_dir/deep.py").read_text()
    assert (tmp_path / "tree" / "link_out.py").is_symlink()
    report = (tmp_path / "report.md").read_text()
    assert "symbolic links out of the named paths" in report
    assert f"tree/link_out.py → {tmp_path / 'outside' / 'target.py'} (rewritten)" in report


def test_check_still_reads_through_links(tmp_path):
    _tree_with_links_out(tmp_path)
    proc = run_cli("check", "--select", "CCI102", "tree", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    reported = sorted(line.split(":")[0] for line in proc.stdout.splitlines())
    assert reported == ["tree/inside.py", "tree/link_in.py", "tree/link_out.py", "tree/linked_dir/deep.py"]


# ---- 15: leftover temporaries --------------------------------------------------------------------------

def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftover_temporaries_are_never_read_and_the_next_fix_removes_them(tmp_path):
    write(tmp_path, "t.py", TRIGGER_ACCEPT)
    stale = write(tmp_path, temporary_name("t.py", _dead_pid(), "abcd1234"), TRIGGER)
    old_style = write(tmp_path, ".t.py.x7k2_q" + TEMP_SUFFIX, TRIGGER)  # no pid: judged by its age
    hour_ago = time.time() - 7200
    os.utime(old_style, (hour_ago, hour_ago))
    live = write(tmp_path, temporary_name("t.py", os.getpid(), "live0001"), TRIGGER)  # a fix still running
    assert not stale.name.endswith(".py")

    proc = run_cli("check", ".", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert [line.split(":")[0] for line in proc.stdout.splitlines()] == ["t.py"]
    assert f"{stale.name}: leftover temporary file" in proc.stderr
    assert stale.exists() and old_style.exists()  # check never deletes

    proc = run_cli("check", stale.name, cwd=tmp_path)  # named explicitly: still not read
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr
    assert "leftover temporary file" in proc.stderr

    proc = run_cli("fix", ".", cwd=tmp_path)
    assert f"{stale.name}: removed leftover temporary file" in proc.stderr
    assert not stale.exists() and not old_style.exists()
    assert live.exists()  # its writer is alive: not ours to remove
    assert "t.py" in os.listdir(tmp_path)


# ---- 16: an unreadable path on the command line --------------------------------------------------------

def _without_root_file_access(args, cwd):
    cmd = [sys.executable, "-m", "circleci_v2.migrate", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("needs setpriv to drop root's file access")
        cmd = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *cmd]
    env = dict(os.environ)
    env.pop("CIRCLECI_V2_DEBUG", None)
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("command", ["check", "fix"])
def test_an_unreadable_path_on_the_command_line_is_one_problem_line(tmp_path, command):
    write(tmp_path, "good.py", TRIGGER_ACCEPT)
    locked = write(tmp_path, "locked.py", TRIGGER_ACCEPT)
    write(tmp_path, "private/inner.py", TRIGGER_ACCEPT)
    write(tmp_path, "clean.py", CLEAN)
    locked.chmod(0)
    (tmp_path / "private").chmod(0)
    try:
        proc = _without_root_file_access([command, "locked.py", "good.py", "private", "clean.py"], tmp_path)
        if "Operation not permitted" in proc.stderr and "setpriv" in proc.stderr:
            pytest.skip("cannot drop root's file access on this machine")
        assert proc.returncode == 2, proc.stderr
        assert "not readable" not in proc.stderr and "Traceback" not in proc.stderr
        assert error_lines(proc.stderr) == {"locked.py": "cannot read: permission denied",
                                         "private": "cannot list folder: permission denied"}
        if command == "check":  # the other files were checked (and fixed)
            assert proc.stdout.startswith("good.py:3:1: CCI102"), proc.stdout
        else:
            assert FIXED_MARK in (tmp_path / "good.py").read_text()
    finally:
        locked.chmod(0o644)
        (tmp_path / "private").chmod(0o755)
