"""Writing fixed files safely, and unified diffs that `git apply` accepts.

The fixed text is encoded the way the file was read (its codec, its UTF-8
BOM; line ends are part of the text and were never touched). A write goes to a
temporary file in the same folder, takes the original's permission bits, and
replaces the original with os.replace: a reader sees the old file or the new
one, never half of either, and a failure mid-way leaves the original intact.
A file that changed on disk since it was read is not overwritten.
"""
from __future__ import annotations

import codecs
import difflib
import os
import re
from typing import List, Optional

from ..atomic import replace_file

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


def write_atomically(path: str, data: bytes, expected: Optional[bytes] = None) -> None:
    """Replace the file's bytes with `data`; with `expected`, only if the file still holds exactly those bytes."""
    try:
        if expected is not None:
            with open(os.path.realpath(path), "rb") as fh:
                if fh.read() != expected:
                    raise WriteError("the file changed on disk while it was being fixed; left unchanged")
        replace_file(path, data)
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
