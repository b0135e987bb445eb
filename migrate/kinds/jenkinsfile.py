"""Jenkinsfiles (Groovy): the scripts of `sh` steps, with Groovy's escapes and `${...}` interpolation."""
from __future__ import annotations

import re
from typing import Callable, List, Optional

from .file_kind import FileKind, pattern
from .shell_regions import Segment, skip_line_break


class Jenkinsfile(FileKind):
    name = "jenkinsfile"
    file_names = ("jenkinsfile",)
    suffixed_names = True  # Jenkinsfile.release
    suffixes = (".jenkinsfile", ".jenkins")
    precommit_types = ("jenkins",)
    comments = ("//", "#")  # Groovy's, and the shell's inside an `sh` step's script
    outside = "the URL is in the Groovy code, outside the `sh` steps check reads"

    def segments(self, source: str) -> List[Segment]:
        return jenkinsfile_segments(source)

    def in_comment(self, source: str, line_start: int, hit: int) -> bool:
        if re.search(r"(?:^|[\s;{}(])//", source[line_start:hit]):
            return True
        opened = source.rfind("/*", 0, hit)
        return opened != -1 and source.rfind("*/", opened, hit) == -1

    def not_a_command(self, source: str, line_start: int, line: str) -> bool:
        return _GROOVY_MESSAGE.match(line) is not None  # echo "...", println "...": a message, not a call

    def defined_name(self, line: str) -> Optional[str]:
        m = _GROOVY_DEFINES.match(line)
        return m.group(1) if m is not None else None


KIND = Jenkinsfile()

_GROOVY_MESSAGE = pattern(r"^\s*(?:echo|println|print|error|unstable|currentBuild\.description\s*=)\b")
_GROOVY_DEFINES = pattern(r"^\s*(?:def\s+|String\s+|env\.)?([A-Za-z_][A-Za-z0-9_]*)\s*=")
_SH_STEP = pattern(r"(?<![\w.])sh\b[ \t]*(\(?)[ \t]*")
_SCRIPT_KEY = pattern(r"script[ \t]*:[ \t]*")
_GROOVY_INTERP = pattern(r"\$(?:\{([^{}]*)\}|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*))")


def _groovy_encoder(quote: str) -> Callable[[str], str]:
    def encode(text: str) -> str:
        text = text.replace("\\", "\\\\")
        if quote in ('"', '"""'):
            text = text.replace("$", "\\$")
        if len(quote) == 1:
            text = text.replace(quote, "\\" + quote)
        return text
    return encode


def jenkinsfile_segments(source: str) -> List[Segment]:
    segments: List[Segment] = []
    for m in _SH_STEP.finditer(source):
        line_start = source.rfind("\n", 0, m.start()) + 1
        if source[line_start:m.start()].lstrip().startswith(("//", "*")):
            continue
        pos = m.end()
        if m.group(1):  # sh(...): the script is the first string, or the one after `script:`
            key = _SCRIPT_KEY.match(source, pos)
            if key is not None:
                pos = key.end()
            elif source[pos:pos + 1] not in ("'", '"'):
                close = source.find(")", pos)
                key = _SCRIPT_KEY.search(source, pos, close if close != -1 else len(source))
                if key is None:
                    continue
                pos = key.end()
        else:
            key = _SCRIPT_KEY.match(source, pos)
            if key is not None:
                pos = key.end()
        seg = _groovy_string(source, pos)
        if seg is not None:
            segments.append(seg)
    return segments


def _groovy_string(source: str, pos: int) -> Optional[Segment]:
    for quote in ('"""', "'''", '"', "'"):
        if source.startswith(quote, pos):
            break
    else:
        return None
    interpolate = quote[0] == '"'
    seg = Segment("groovy", _groovy_encoder(quote))
    i = pos + len(quote)
    n = len(source)
    while i < n:
        if source.startswith(quote, i):
            return seg.finish()
        ch = source[i]
        if len(quote) == 1 and ch in "\r\n":
            return None  # an unterminated one-line string
        if ch == "\\" and i + 1 < n:
            nxt = source[i + 1]
            if nxt in "\r\n":  # line continuation: removed
                end = skip_line_break(source, i + 1)
                seg.add("", i, end)
                i = end
                continue
            seg.add({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(nxt, nxt), i, i + 2)
            i += 2
            continue
        if interpolate and ch == "$":
            m = _GROOVY_INTERP.match(source, i)
            if m is not None:
                seg.add_template(m.group(0), (m.group(1) or m.group(2) or "").strip(), i, m.end())
                i = m.end()
                continue
        seg.add(ch, i, i + 1)
        i += 1
    return None
