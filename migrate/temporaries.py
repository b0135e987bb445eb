"""The names of the temporary files that whole-file writes use, and when a leftover one is stale.

A fixed file is written to `.NAME.PID.RANDOM.circleci-v2.tmp` beside it, then renamed over it (atomic.py).
A run killed between the two leaves that file behind. Discovery never reads such a file (not even when it is
named on the command line) and reports it; `fix` removes the stale ones: those whose writer (the PID in the
name) is gone, or, for a name without a PID, that nothing touched for an hour. Cheap to import: discovery
checks every file name that has no kind against TEMP_SUFFIX.
"""
from __future__ import annotations

import os
import time

TEMP_SUFFIX = ".circleci-v2.tmp"
STALE_AFTER = 3600.0  # seconds: a temporary without a live writer's PID is stale once this old


def temporary_name(name: str, pid: int, token: str) -> str:
    """The temporary file's name for the file `name` (a base name), written by process `pid`."""
    return f".{name}.{pid}.{token}{TEMP_SUFFIX}"


def is_temporary(name: str) -> bool:
    return name.endswith(TEMP_SUFFIX) and name.startswith(".")


def _writer_pid(name: str) -> int:
    """The PID in a temporary's name, or 0 when it has none (an older name: `.NAME.RANDOM.circleci-v2.tmp`)."""
    parts = name[: -len(TEMP_SUFFIX)].split(".")
    if len(parts) >= 3 and parts[-2].isdigit():
        return int(parts[-2])
    return 0


def is_stale(path: str) -> bool:
    """True when no running process is writing this temporary any more."""
    pid = _writer_pid(os.path.basename(path))
    if pid > 0:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:  # alive, but another user's
            return False
        return False
    try:
        return time.time() - os.lstat(path).st_mtime > STALE_AFTER
    except OSError:
        return False


def remove_stale(path: str) -> bool:
    """Remove a stale temporary; True when it was removed."""
    if not is_stale(path):
        return False
    try:
        os.unlink(path)
    except OSError:
        return False
    return True
