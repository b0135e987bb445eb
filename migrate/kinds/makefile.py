"""Makefiles: recipe lines and variable values are shell regions; `$(VAR)` is make's, `$$` the shell's."""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from .file_kind import FileKind, hash_comment, pattern, set_once
from .shell_regions import Segment, ends_with_backslash, line_spans


class Makefile(FileKind):
    name = "makefile"
    file_names = ("makefile", "gnumakefile")
    suffixes = (".mk", ".make")
    precommit_types = ("makefile",)
    outside = "the URL is outside the recipes and variables check reads"

    def segments(self, source: str) -> List[Segment]:
        return makefile_segments(source)

    def in_comment(self, source: str, line_start: int, hit: int) -> bool:
        return hash_comment(source[line_start:hit])

    def note_line(self, seg: Segment, before: str, note: str) -> Optional[str]:
        # a recipe line: a make comment at the left margin, which make skips without ending the recipe (a
        # `#` after the tab would be the shell's, and make would print it)
        if not before.startswith("\t") or before.strip(" \t@-+"):
            return None
        return "# " + note

    def value_context(self, source: str, name: str, at: int) -> Optional[Tuple[str, str]]:
        return "", f"the URL is in make variable {name}, and no recipe of this file sends it"

    def inline_script(self, line: str, column: int) -> Optional[Tuple[str, str]]:
        if "$(shell" not in line[:column]:
            return None
        # a make function runs the command: read it as a script
        return (line.replace("$(shell ", "$("),
                "the URL is inside a make $(shell ...) function, which check does not follow")


KIND = Makefile()


_MAKE_ASSIGN = pattern(r"^(?:export[ \t]+|override[ \t]+)?[A-Za-z_][A-Za-z0-9_.-]*[ \t]*(?:::=|:=|\?=|\+=|!=|=)[ \t]*")
_MAKE_NAME = pattern(r"^(?:export[ \t]+|override[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)")
_MAKE_RULE = pattern(r"^[^\t#=]*?(?<![:=]):(?!=)")
_MAKE_DIRECTIVE = pattern(r"^(?:ifeq|ifneq|ifdef|ifndef|else|endif|include|-include|sinclude|define|endef|"
                          r"undefine|vpath|unexport)\b")


def _make_encode(text: str) -> str:
    return text.replace("$", "$$")


def makefile_segments(source: str) -> List[Segment]:
    """Recipe lines (a tab first) and variable values, one segment per logical line."""
    segments: List[Segment] = []
    lines = line_spans(source)
    values = _make_values(source, lines)
    i = 0
    in_define = False
    while i < len(lines):
        start, end = lines[i]
        text = source[start:end]
        # a logical line: physical lines joined where one ends with a backslash
        group = [(start, end)]
        while ends_with_backslash(source[group[-1][0]:group[-1][1]]) and i + 1 < len(lines):
            i += 1
            group.append(lines[i])
        i += 1
        stripped = text.lstrip(" ")
        defines: Optional[str] = None
        if in_define:
            if stripped.startswith("endef"):
                in_define = False
                continue
            body_start = start + (len(text) - len(text.lstrip(" \t")))
        elif text.startswith("\t"):  # a recipe line
            body_start = start + 1
        else:
            if not stripped or stripped.startswith("#") or _MAKE_DIRECTIVE.match(stripped):
                if stripped.startswith("define"):
                    in_define = True
                continue
            m = _MAKE_ASSIGN.match(text)
            if m is None:
                rule = _MAKE_RULE.match(text)
                if rule is not None and ";" in text[rule.end():]:  # target: deps ; recipe
                    body_start = start + text.index(";", rule.end()) + 1
                else:
                    continue
            else:
                body_start = start + m.end()
                defines = _MAKE_NAME.match(text).group(1)  # type: ignore[union-attr]
        # recipe prefixes: @ (silent), - (ignore errors), + (always run)
        while body_start < group[-1][1] and source[body_start] in "@-+ \t":
            body_start += 1
        seg = Segment("makefile", _make_encode)
        seg.defines = defines
        for n, (s, e) in enumerate(group):
            s = body_start if n == 0 else s
            if n > 0 and s < e and source[s] == "\t":  # make strips one tab after a continuation
                seg.add("", s, s)
                s += 1
            _add_make_text(seg, source, s, e, values)
            if n + 1 < len(group):
                nl_end = group[n + 1][0]
                seg.add_source(source, e, nl_end)
        segments.append(seg.finish())
    return segments


_MAKE_VAR = pattern(r"\$(?:\(([^()]*(?:\([^()]*\)[^()]*)*)\)|\{([^{}]*)\}|([^$({]))")


_MAKE_VALUE = pattern(r"^(?:export[ \t]+|override[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(::=|:=|\?=|=)[ \t]*(.*?)[ \t]*$")


def _make_values(source: str, lines: List[Tuple[int, int]]) -> Dict[str, Optional[str]]:
    """Variables the Makefile sets to plain text (no `$`), by name; None when set several ways."""
    values: Dict[str, Optional[str]] = {}
    for start, end in lines:
        text = source[start:end].rstrip("\r")
        m = _MAKE_VALUE.match(text)
        if m is None or text.startswith("\t"):
            continue
        name, value = m.group(1), m.group(3).split("#", 1)[0].strip()
        set_once(values, name, None if "$" in value or value.endswith("\\") else value)
    return values


def _add_make_text(seg: Segment, source: str, start: int, end: int,
                   values: Optional[Dict[str, Optional[str]]] = None) -> None:
    i = start
    while i < end:
        dollar = source.find("$", i, end)
        if dollar != i:  # plain text up to the next `$`, in one go
            stop = end if dollar == -1 else dollar
            seg.add_source(source, i, stop)
            i = stop
            continue
        ch = source[i]
        if ch == "$":
            if i + 1 < end and source[i + 1] == "$":
                seg.add("$", i, i + 2)
                i += 2
                continue
            m = _MAKE_VAR.match(source, i, end)
            if m is not None:
                name = (m.group(1) or m.group(2) or m.group(3) or "").strip()
                seg.add_template(m.group(0), name, i, m.end(), (values or {}).get(name))
                i = m.end()
                continue
        seg.add(ch, i, i + 1)
        i += 1
