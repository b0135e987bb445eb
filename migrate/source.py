"""Read a file and decode it the way its language says, or say why not.

Python files honour a UTF-8 BOM and a PEP 263 coding cookie (so a latin-1
script decodes correctly); every other kind is UTF-8, with or without a BOM.
The text keeps its line ends (CRLF stays CRLF): analysers count lines the same
way either way, and the fixer needs to write back what it read.

A problem is raised as SourceError with a one-line message for the report:
the file is skipped and the run goes on.
"""
from __future__ import annotations

import codecs
import os
import re
import stat

# PEP 263: the cookie must be on line 1 or 2, in a comment.
_COOKIE = rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)"
_BLANK_OR_COMMENT = rb"^[ \t\f]*(?:[#\r\n]|$)"


class SourceError(Exception):
    """A file that cannot be analysed. str(error) is the problem, without the path."""


class Decoded:
    """A decoded file. (A plain class: dataclasses cost import time on every run.)"""

    __slots__ = ("text", "encoding", "bom", "newline")

    def __init__(self, text: str, encoding: str, bom: bool, newline: str) -> None:
        self.text = text
        self.encoding = encoding  # the codec name used, e.g. "utf-8", "iso8859-1"
        self.bom = bom  # the bytes started with a UTF-8 BOM (not part of `text`)
        self.newline = newline  # the first line end: "\n", "\r\n" or "\r" ("\n" when there is none)

    def __repr__(self) -> str:
        return f"Decoded(encoding={self.encoding!r}, bom={self.bom}, newline={self.newline!r}, {len(self.text)} chars)"

    def __reduce__(self) -> tuple:  # sent back from worker processes
        return (Decoded, (self.text, self.encoding, self.bom, self.newline))


def read_bytes(path: str) -> bytes:
    """The file's bytes; SourceError for anything that is not a readable regular file.

    The file is opened non-blocking and checked with fstat before reading: a
    FIFO opened the usual way would block the whole run, and one open + fstat
    costs less than a stat followed by an open.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        if os.path.islink(path):
            raise SourceError("broken symbolic link (its target does not exist)") from None
        raise SourceError("no such file") from None
    except OSError as exc:
        raise SourceError(_os_problem(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SourceError(f"not a regular file ({_file_type(st.st_mode)})")
        data = os.read(fd, st.st_size + 1)  # one read for the whole file, as a rule
        if len(data) == st.st_size:
            return data
        chunks = [data]  # a short read, or the file grew: read on to the end
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    except OSError as exc:
        raise SourceError(_os_problem(exc)) from None
    finally:
        os.close(fd)


def _os_problem(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "cannot read: permission denied"
    if exc.strerror:
        return f"cannot read: {exc.strerror.lower()}"
    return f"cannot read: {exc}"


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "special file"


def python_encoding(data: bytes) -> tuple:
    """(codec name, has BOM) for Python source, per PEP 263 and PEP 3120."""
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[3:]
    encoding = "utf-8"
    for index, line in enumerate(data.split(b"\n", 2)[:2]):
        m = re.match(_COOKIE, line)  # re caches the compiled pattern
        if m:
            name = m.group(1).decode("ascii", "replace")
            try:
                encoding = codecs.lookup(name).name
            except LookupError:
                raise SourceError(f"unknown encoding {name!r} in the coding cookie on line {index + 1}") from None
            if bom and encoding != "utf-8":
                raise SourceError(f"coding cookie {name!r} contradicts the UTF-8 byte order mark")
            break
        if not re.match(_BLANK_OR_COMMENT, line):
            break  # the cookie may only follow a blank or comment line
    return encoding, bom


def decode(data: bytes, kind: str = "python") -> Decoded:
    """Decode a file's bytes; SourceError when they are not text in the expected encoding."""
    if b"\x00" in data:
        raise SourceError("binary file (contains NUL bytes), not source text")
    if kind == "python":
        encoding, bom = python_encoding(data)
    else:
        encoding, bom = "utf-8", data.startswith(codecs.BOM_UTF8)
    body = data[3:] if bom else data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        offset = exc.start + (3 if bom else 0)
        line = data.count(b"\n", 0, offset) + 1
        label = "UTF-8" if encoding == "utf-8" else encoding
        raise SourceError(f"invalid {label} at byte {offset} (line {line}): not decodable text") from None
    return Decoded(text=text, encoding=encoding, bom=bom, newline=_first_newline(text))


def _first_newline(text: str) -> str:
    i = text.find("\n")
    j = text.find("\r")
    if j != -1 and (i == -1 or j < i):
        return "\r\n" if text.startswith("\r\n", j) else "\r"
    return "\n"


def read_source(path: str, kind: str = "python") -> Decoded:
    """Read and decode one file (the two steps above)."""
    return decode(read_bytes(path), kind)
