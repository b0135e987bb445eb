"""Which deprecated calls the shim translated at run time, for `circleci-v2 check --usage`.

With CIRCLECI_V2_USAGE=path.json set, every translated call is counted by
(rule id, caller file, line) and the counts are written to path.json at exit,
merged with what other processes already wrote there under an exclusive lock
(on a sibling file, .path.json.lock). The merged record is written to a
temporary file in the same folder and renamed over path.json, so a reader sees
the old record or the new one, never a partial one.

A path.json that is not a usage record (a project's own JSON, any other file)
is never overwritten: one line on stderr says so and nothing is recorded. A
damaged record (cut short by a crash or a full disk) is renamed aside
(path.json.damaged-<time>), said on stderr, and a new record started.
read_sites() reads a record back; `check --usage` reports its sites as findings
(circleci_v2.migrate.usage_findings).
"""
from __future__ import annotations

import atexit
import json
import os
import stat
import sys
import threading
import time
from pathlib import Path
from typing import Dict, List, Tuple

ENV = "CIRCLECI_V2_USAGE"
_INTERNAL = ("circleci_v2.shim", "requests", "urllib3")
# shim modules that warn and record on behalf of a drop-in method: never the method the user called
_RECORDING = (".usage", ".deprecation", ".legacy_methods")

# (rule id, caller file, line, the drop-in method called there or "") -> count
_counts: Dict[Tuple[str, str, int, str], int] = {}
_lock = threading.Lock()
_registered = False


class UsageFileError(ValueError):
    """A usage file that is not the JSON this module writes."""


def _caller() -> Tuple[str, int, str]:
    """The user's file and line, and the drop-in method they called ("circleci_v2.shim.circleclient:clear")."""
    frame = sys._getframe(1)
    called = ""
    while frame is not None:
        module = str(frame.f_globals.get("__name__", ""))
        if not any(module == p or module.startswith(p + ".") for p in _INTERNAL):
            return os.path.abspath(frame.f_code.co_filename), frame.f_lineno, called
        if module.startswith("circleci_v2.shim.") and not module.endswith(_RECORDING):
            called = f"{module}:{frame.f_code.co_name}"  # the outermost shim frame: the method the user called
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>", 0, called


def record(rule_id: str, call: str = "") -> None:
    """Count one translated call of `rule_id` at the user's call site (only when CIRCLECI_V2_USAGE is set).

    call: the drop-in method called ("module:function"); by default the outermost shim frame.
    """
    global _registered
    if not os.environ.get(ENV):
        return
    path, line, called = _caller()
    key = (rule_id, path, line, call or called)
    with _lock:
        _counts[key] = _counts.get(key, 0) + 1
        if not _registered:
            atexit.register(flush)
            _registered = True


def _load(text: str, where: str) -> List[dict]:
    if not text.strip():
        return []
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsageFileError(f"{where}: not a usage file ({exc})") from None
    sites = data.get("sites") if isinstance(data, dict) else None
    if not isinstance(sites, list) or not all(
            isinstance(s, dict) and {"rule", "path", "line", "count"} <= set(s) for s in sites):
        raise UsageFileError(f"{where}: not a usage file (expected {{\"sites\": [{{rule, path, line, count}}]}})")
    for s in sites:
        bad = _bad_value(s)
        if bad:
            raise UsageFileError(f"{where}: not a usage file (site {sites.index(s) + 1}: {bad})")
    return sites


def _bad_value(site: dict) -> str:
    """What is wrong with one site's values ('' when nothing): what this module writes, and nothing else."""
    def count(value: object, least: int) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= least

    if not isinstance(site["rule"], str) or not isinstance(site["path"], str):
        return "rule and path must be strings"
    if not count(site["line"], 0):
        return f"line must be a line number, not {site['line']!r}"
    if not count(site["count"], 1):
        return f"count must be a number of calls (1 or more), not {site['count']!r}"
    if not isinstance(site.get("call", ""), str):
        return "call must be a string"
    return ""


def _regular_or_absent(path: Path) -> bool:
    """Not a named pipe, a device or a folder: reading one of those could wait forever or mean nothing."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        return True


def _record_like(text: str) -> bool:
    """Does `text` start as a usage record does (so a parse failure means it was cut short or damaged)?"""
    head = text.lstrip()[:200]
    return head.startswith("{") and '"sites"' in head


def _say(text: str) -> None:
    try:
        sys.stderr.write(f"circleci-v2: {text}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed at exit
        pass


def flush() -> None:
    """Merge this process's counts into the CIRCLECI_V2_USAGE file, under an exclusive lock."""
    target = os.environ.get(ENV)
    with _lock:
        counts = dict(_counts)
        _counts.clear()
    if not target or not counts:
        return
    path = Path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(f".{path.name}.lock"), "a+", encoding="utf-8") as lock:
            _lock_file(lock)
            try:
                _merge_into(path, target, counts)
            finally:
                _unlock_file(lock)
    except OSError as exc:
        _say(f"{ENV}={target}: cannot write the usage record ({exc.strerror or exc}); nothing recorded")


def _merge_into(path: Path, target: str, counts: Dict[Tuple[str, str, int, str], int]) -> None:
    if not _regular_or_absent(path):
        _say(f"{ENV}={target} is not a regular file: recorded nothing (point {ENV} at a new file)")
        return
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raw = b""
    try:
        text = raw.decode("utf-8")
        existing = _load(text, target)
    except (UnicodeDecodeError, UsageFileError):
        if not _record_like(raw.decode("utf-8", "replace")):
            _say(f"{ENV}={target} is not a usage record: left it untouched and recorded nothing "
                 f"(point {ENV} at a new file)")
            return
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
        os.replace(path, aside)
        _say(f"{ENV}={target}: the usage record was cut short or damaged; kept it as {aside} "
             "and started a new one")
        existing = []
    merged: Dict[Tuple[str, str, int, str], int] = {}
    for s in existing:
        key = (str(s["rule"]), str(s["path"]), int(s["line"]), str(s.get("call") or ""))
        merged[key] = merged.get(key, 0) + int(s["count"])
    for key, n in counts.items():
        merged[key] = merged.get(key, 0) + n
    sites = [{"rule": r, "path": p, "line": ln, "count": n, **({"call": c} if c else {})}
             for (r, p, ln, c), n in sorted(merged.items())]
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as out:
            out.write(json.dumps({"sites": sites}, indent=1) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)  # readers see the old record or this one, never a part
    finally:
        if temporary.exists():
            temporary.unlink()


def _lock_file(fh) -> None:  # type: ignore[no-untyped-def]
    if os.name == "nt":  # pragma: no cover
        import msvcrt
        msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
    else:
        import fcntl
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)


def _unlock_file(fh) -> None:  # type: ignore[no-untyped-def]
    if os.name == "nt":  # pragma: no cover
        import msvcrt
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def read_sites(path: str) -> List[dict]:
    """The sites of usage record `path` ({rule, path, line, count[, call]}); UsageFileError when it is none."""
    try:
        if not _regular_or_absent(Path(path)):
            raise UsageFileError(f"{path}: not a regular file (a usage record is one)")
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageFileError(f"{path}: cannot read usage file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise UsageFileError(f"{path}: not a usage file (not UTF-8)") from None
    return _load(text, path)
