"""Writing fixed files safely, and unified diffs that `git apply` accepts.

The fixed text is encoded the way the file was read (its codec, its UTF-8
BOM; line ends are part of the text and were never touched). A write goes to a
temporary file in the same folder, takes the original's permission bits, and
replaces the original with os.replace: a reader sees the old file or the new
one, never half of either, and a failure mid-way leaves the original intact.
A file that changed on disk since it was read is not overwritten, and neither,
unless the caller allows it, is a read-only file or one with other hard links
(replacing it would leave the other names with the old text).
"""
from __future__ import annotations

import codecs
import difflib
import os
import re
import stat
from typing import List, Optional

from ..atomic import OwnerNotKept, replace_file

_GIT_LINE = re.compile(r"[^\n]*\n|[^\n]+$")


class WriteError(Exception):
    """The file could not be written; str(error) is one line, without the path."""


def encode(text: str, encoding: str, bom: bool) -> bytes:
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise WriteError(f"the fixed text cannot be encoded as {encoding} ({exc.reason}); left unchanged") from None
    return codecs.BOM_UTF8 + data if bom else data


class WritePolicy:
    """What a fix may replace besides an ordinary file (the fix command's options)."""

    __slots__ = ("read_only", "hard_links")

    def __init__(self, read_only: bool = False, hard_links: bool = False) -> None:
        self.read_only = read_only  # --write-read-only: rewrite a file without write permission (mode kept)
        self.hard_links = hard_links  # --split-hard-links: rewrite this name, the other names keep the old text


def write_atomically(path: str, data: bytes, expected: Optional[bytes] = None,
                     policy: Optional[WritePolicy] = None) -> None:
    """Replace the file's bytes with `data`; with `expected`, only if the file still holds exactly those bytes."""
    policy = policy or WritePolicy()
    real = os.path.realpath(path)
    try:
        st = os.stat(real)
        if not policy.read_only and not st.st_mode & 0o222:
            raise WriteError(f"read-only (mode {stat.S_IMODE(st.st_mode):04o}); left unchanged "
                             "(--write-read-only rewrites it and keeps the mode)")
        if not policy.read_only and not os.access(real, os.W_OK):
            raise WriteError(f"not writable by this user (owner {st.st_uid}, mode {stat.S_IMODE(st.st_mode):04o}); "
                             "left unchanged")
        if not policy.hard_links and st.st_nlink > 1:
            others = st.st_nlink - 1
            raise WriteError(f"has {others} other hard link{'s' if others > 1 else ''}, which would keep the old "
                             "text; left unchanged (--split-hard-links rewrites this name only)")
        if expected is not None:
            with open(real, "rb") as fh:
                if fh.read() != expected:
                    raise WriteError("the file changed on disk while it was being fixed; left unchanged")
        replace_file(path, data)
    except OwnerNotKept as exc:
        raise WriteError(str(exc)) from None
    except OSError as exc:
        raise WriteError(f"cannot write: {_reason(exc)}") from None


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def git_lines(text: str) -> List[str]:
    """Lines as git sees them: split at \\n only (a CRLF line keeps its \\r)."""
    return _GIT_LINE.findall(text)


def unified_diff(before: str, after: str, path: str, context: int = 3) -> str:
    """A unified diff with a/ and b/ prefixes, as `git diff` writes it; "" when the texts are equal."""
    if before == after:
        return ""
    name = diff_path(path)
    out: List[str] = []
    for line in difflib.unified_diff(git_lines(before), git_lines(after), f"a/{name}", f"b/{name}", n=context):
        if line.startswith(("---", "+++", "@@")):
            out.append(line if line.endswith("\n") else line + "\n")
        elif not line.endswith("\n"):
            out.append(line + "\n\\ No newline at end of file\n")
        else:
            out.append(line)
    return "".join(out)


def diff_path(path: str) -> str:
    """The path as a diff names it: relative to the current folder when inside it, with / separators."""
    if os.path.isabs(path):
        rel = os.path.relpath(path)
        if not rel.startswith(".."):
            path = rel
    path = path.replace(os.sep, "/")
    while path.startswith("./"):
        path = path[2:]
    return path.lstrip("/")
