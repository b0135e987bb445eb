"""Dockerfiles: RUN, CMD, ENTRYPOINT (and HEALTHCHECK/ONBUILD's) instructions, here-documents, exec form."""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from .file_kind import FileKind, pattern, set_once
from .shell_regions import Segment, line_spans


class Dockerfile(FileKind):
    name = "dockerfile"
    file_names = ("dockerfile", "containerfile")
    suffixed_names = True  # Dockerfile.prod
    suffixes = (".dockerfile",)
    precommit_types = ("dockerfile",)
    outside = "the URL is outside the RUN, CMD and ENTRYPOINT commands check reads"

    def segments(self, source: str) -> List[Segment]:
        return dockerfile_segments(source)

    def variables(self, source: str) -> Dict[str, Optional[str]]:
        if _ENV_LINE.search(source) is None:  # most Dockerfiles set none: skip the line scan
            return {}
        return dockerfile_env(source)

    def defined_name(self, line: str) -> Optional[str]:
        m = _DOCKER_DEFINES.match(line)
        return m.group(1) if m is not None else None

    def note_line(self, seg: Segment, before: str, note: str) -> Optional[str]:
        if _INSTRUCTION_START.match(before):  # RUN curl ...: a Dockerfile comment above the instruction
            return "# " + note
        return super().note_line(seg, before, note)  # a line of a here-document script


KIND = Dockerfile()

_ENV_LINE = pattern(r"(?im)^[ \t]*(?:ENV|ARG)[ \t]")
_INSTRUCTION_START = pattern(r"^[ \t]*(?:RUN|CMD|ENTRYPOINT)[ \t]+(?:--\S+[ \t]+)*$", re.IGNORECASE)
_DOCKER_DEFINES = pattern(r"^\s*(?:ENV|ARG)\s+([A-Za-z_][A-Za-z0-9_]*)[=\s]", re.IGNORECASE)
_DOCKER_INSTR = pattern(r"^[ \t]*(RUN|CMD|ENTRYPOINT|HEALTHCHECK|ONBUILD)\b[ \t]*", re.IGNORECASE)
_DOCKER_ESCAPE = pattern(r"^#[ \t]*escape[ \t]*=[ \t]*(\S)", re.IGNORECASE | re.MULTILINE)
_DOCKER_FLAGS = pattern(r"^(?:--[a-z-]+(?:=\S*)?[ \t]+)+")
_HEREDOC_START = pattern(r"<<(-?)[ \t]*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_DOCKER_ENV = pattern(r"^[ \t]*(ENV|ARG)[ \t]+(.*?)[ \t]*\r?$", re.IGNORECASE)
_DOCKER_PAIR = pattern(r"""([A-Za-z_][A-Za-z0-9_]*)=("[^"\\$]*"|'[^']*'|[^\s"'$\\]*)(?=\s|$)""")


def dockerfile_env(source: str) -> Dict[str, Optional[str]]:
    """Variables a Dockerfile sets to plain text with ENV or ARG (`NAME=value` or `ENV NAME value`), by name;
    None when set to different values or to text holding `$`. The RUN instructions see them."""
    values: Dict[str, Optional[str]] = {}
    for start, end in line_spans(source):
        m = _DOCKER_ENV.match(source[start:end])
        if m is None:
            continue
        body = m.group(2)
        pairs = [(p.group(1), p.group(2)) for p in _DOCKER_PAIR.finditer(body)]
        if not pairs:
            legacy = re.match(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]+(\S.*)$", body)
            if legacy is None or m.group(1).upper() != "ENV":
                continue
            pairs = [(legacy.group(1), legacy.group(2))]
        for name, value in pairs:
            if value[:1] in "\"'":
                value = value[1:-1]
            set_once(values, name, None if "$" in value else value)
    return values


def dockerfile_segments(source: str) -> List[Segment]:
    escape = "\\"
    m = _DOCKER_ESCAPE.match(source)
    if m is not None:
        escape = m.group(1)
    segments: List[Segment] = []
    lines = line_spans(source)
    i = 0
    while i < len(lines):
        start, end = lines[i]
        text = source[start:end]
        instr = _DOCKER_INSTR.match(text)
        i += 1
        if instr is None:
            continue
        body = start + instr.end()
        rest = source[body:end]
        if instr.group(1).upper() in ("HEALTHCHECK", "ONBUILD"):
            inner = re.match(r"(?:--\S+[ \t]+)*(?:CMD|RUN)\b[ \t]*", rest, re.IGNORECASE)
            if inner is None:
                continue
            body += inner.end()
            rest = source[body:end]
        flags = _DOCKER_FLAGS.match(rest)
        if flags is not None:  # RUN --mount=... --network=...
            body += flags.end()
            rest = source[body:end]
        # the logical line: continued while a physical line ends with the escape character
        group = [(body, end)]
        while source[group[-1][0]:group[-1][1]].rstrip("\r").endswith(escape) and i < len(lines):
            s2, e2 = lines[i]
            i += 1
            if source[s2:e2].lstrip().startswith("#"):  # comment lines inside an instruction are dropped
                continue
            group.append((s2, e2))
        if rest.lstrip().startswith("["):
            seg = _exec_form(source, group)
            if seg is not None:
                segments.append(seg)
            continue
        seg = Segment("dockerfile", unfixable=None if escape == "\\" else "the Dockerfile's escape character is not `\\`")
        for n, (s, e) in enumerate(group):
            if n + 1 < len(group):
                # Docker joins the lines: the escape character and the line break go
                cut = s + len(source[s:e].rstrip("\r")) - 1
                seg.add_source(source, s, cut)
                seg.add("", cut, group[n + 1][0])
            else:
                seg.add_source(source, s, e)
        segments.append(seg.finish())
        heredoc = _HEREDOC_START.search(seg.text) if "<<" in rest else None
        if heredoc is not None:  # RUN <<EOF ... EOF: the body is a script
            delim, strip_tabs = heredoc.group(3), heredoc.group(1) == "-"
            hseg = Segment("dockerfile")
            while i < len(lines):
                s2, e2 = lines[i]
                i += 1
                line = source[s2:e2].rstrip("\r")
                if (line.lstrip("\t") if strip_tabs else line) == delim:
                    break
                hseg.add_source(source, s2, e2)
                if i < len(lines):
                    hseg.add("\n", e2, lines[i][0])
            segments.append(hseg.finish())
    return segments


def _exec_form(source: str, group: List[Tuple[int, int]]) -> Optional[Segment]:
    """RUN ["curl", "-X", "POST", ...]: the JSON strings are the words (or `sh -c` their script)."""
    import json

    start, end = group[0][0], group[-1][1]
    text = source[start:end]
    words: List[Tuple[str, int, int]] = []
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', text):
        try:
            value = json.loads(m.group(0))
        except ValueError:
            return None
        words.append((value, start + m.start(), start + m.end()))
    if not words:
        return None
    seg = Segment("dockerfile", unfixable="exec-form (JSON array) instructions are not rewritten")
    if len(words) >= 3 and words[0][0].rsplit("/", 1)[-1] in ("sh", "bash", "dash", "ash") and words[1][0] == "-c":
        _, s, e = words[2]
        _json_string(seg, source, s, e)
        return seg.finish()
    seg.argv = words
    return seg.finish()


def _json_string(seg: Segment, source: str, start: int, end: int) -> None:
    pos = start + 1
    while pos < end - 1:
        ch = source[pos]
        if ch == "\\":
            nxt = source[pos + 1]
            if nxt == "u":
                seg.add(chr(int(source[pos + 2:pos + 6], 16)), pos, pos + 6)
                pos += 6
                continue
            seg.add({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(nxt, nxt), pos, pos + 2)
            pos += 2
            continue
        seg.add(ch, pos, pos + 1)
        pos += 1
