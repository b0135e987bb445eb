"""The shell script regions of a file, with a map back to the file's characters.

Every kind of file the text analyser reads holds shell commands somewhere: a
whole shell script, Makefile recipes, YAML `run:`/`script:` values, Dockerfile
RUN instructions, Jenkinsfile `sh` steps. A Segment is one such region decoded
into the text a shell would see, with, for each of its characters, the span of
source characters it came from. The shell lexer (shell.py) works on segment
text; findings and fixes map back through `source_span`.

Text that another tool expands before the shell runs (`$(VAR)` in a Makefile,
`${{ expr }}` in GitHub Actions, `<< pipeline.x >>` in CircleCI, `${expr}` in a
Groovy string) becomes one private-use character standing for a Template: the
lexer treats it as an opaque part of a word, and a fix copies its source text.

Each segment also knows how to write generated text back into its container
(`encode`: `$` doubles in a Makefile, quotes escape in a YAML or Groovy string)
and, when a rewrite there is not safe, why (`unfixable`).
"""
from __future__ import annotations

import json
import re
from typing import Callable, Dict, List, Optional, Tuple

# Template characters: private-use code points well above the placeholders the
# rules use for unresolved URL parts (U+E000 upwards).
TEMPLATE_BASE = 0xF400
TEMPLATE_MAX = 0xF8FF


def is_template_char(ch: str) -> bool:
    return TEMPLATE_BASE <= ord(ch) <= TEMPLATE_MAX


class Template:
    """Text expanded before the shell runs: a make variable, a CI expression, Groovy interpolation."""

    __slots__ = ("raw", "name", "start", "end", "value")

    def __init__(self, raw: str, name: str, start: int, end: int, value: Optional[str] = None) -> None:
        self.raw = raw  # as written in the source
        self.name = name  # what it refers to, for messages ("CIRCLE_API", "github.ref_name")
        self.start = start  # source offsets
        self.end = end
        self.value = value  # its value when the file sets it to plain text (a make variable)

    def __repr__(self) -> str:
        return f"Template({self.raw!r})"


def _identity(text: str) -> str:
    return text


class Segment:
    """Shell text decoded from a region of a file."""

    def __init__(self, container: str, encode: Callable[[str], str] = _identity,
                 unfixable: Optional[str] = None) -> None:
        self.container = container  # shell | makefile | yaml-block | yaml-quoted | yaml-plain | dockerfile | groovy
        self.encode = encode
        self.unfixable = unfixable
        self._chars: List[str] = []
        self.starts: List[int] = []
        self.ends: List[int] = []
        self.templates: Dict[str, Template] = {}
        self.text = ""
        self.argv: Optional[List[Tuple[str, int, int]]] = None  # exec form: words, not shell text
        # the variable or key whose value this segment is (a make variable, a YAML key), if any
        self.defines: Optional[str] = None

    # -- building ------------------------------------------------------------------------------
    def add(self, chars: str, start: int, end: int) -> None:
        """Characters that all come from source[start:end] (one decoded escape, a joined line)."""
        self._chars.extend(chars)
        self.starts.extend([start] * len(chars))
        self.ends.extend([end] * len(chars))

    def add_source(self, source: str, start: int, end: int) -> None:
        """source[start:end], character for character."""
        if end <= start:
            return
        self._chars.extend(source[start:end])
        self.starts.extend(range(start, end))
        self.ends.extend(range(start + 1, end + 1))

    def add_template(self, raw: str, name: str, start: int, end: int, value: Optional[str] = None) -> None:
        ch = chr(TEMPLATE_BASE + len(self.templates))
        if ord(ch) > TEMPLATE_MAX:  # absurdly many: the rest read as plain text
            self.add(raw, start, end)
            return
        self.templates[ch] = Template(raw, name, start, end, value)
        self.add(ch, start, end)

    def finish(self) -> "Segment":
        self.text = "".join(self._chars)
        self._chars = []
        return self

    # -- mapping -------------------------------------------------------------------------------
    def source_span(self, start: int, end: int) -> Tuple[int, int]:
        """Source offsets covering segment text [start, end)."""
        if not self.starts:
            return 0, 0
        start = max(0, min(start, len(self.starts)))
        end = max(0, min(end, len(self.starts)))
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else self.ends[-1]
            return pos, pos
        return self.starts[start], self.ends[end - 1]

    def __repr__(self) -> str:
        return f"Segment({self.container}, {self.text[:40]!r}...)"


# ---- shell -----------------------------------------------------------------------------------------

def shell_segments(source: str) -> List[Segment]:
    seg = Segment("shell")
    seg.add_source(source, 0, len(source))
    return [seg.finish()]


# ---- Makefile --------------------------------------------------------------------------------------

_MAKE_ASSIGN = re.compile(r"^(?:export[ \t]+|override[ \t]+)?[A-Za-z_][A-Za-z0-9_.-]*[ \t]*(?:::=|:=|\?=|\+=|!=|=)[ \t]*")
_MAKE_NAME = re.compile(r"^(?:export[ \t]+|override[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)")
_MAKE_RULE = re.compile(r"^[^\t#=]*?(?<![:=]):(?!=)")
_MAKE_DIRECTIVE = re.compile(r"^(?:ifeq|ifneq|ifdef|ifndef|else|endif|include|-include|sinclude|define|endef|"
                             r"undefine|vpath|unexport)\b")


def _make_encode(text: str) -> str:
    return text.replace("$", "$$")


def makefile_segments(source: str) -> List[Segment]:
    """Recipe lines (a tab first) and variable values, one segment per logical line."""
    segments: List[Segment] = []
    lines = _lines(source)
    values = _make_values(source, lines)
    i = 0
    in_define = False
    while i < len(lines):
        start, end = lines[i]
        text = source[start:end]
        # a logical line: physical lines joined where one ends with a backslash
        group = [(start, end)]
        while _ends_with_backslash(source[group[-1][0]:group[-1][1]]) and i + 1 < len(lines):
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


_MAKE_VAR = re.compile(r"\$(?:\(([^()]*(?:\([^()]*\)[^()]*)*)\)|\{([^{}]*)\}|([^$({]))")


_MAKE_VALUE = re.compile(r"^(?:export[ \t]+|override[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(::=|:=|\?=|=)[ \t]*(.*?)[ \t]*$")


def _make_values(source: str, lines: List[Tuple[int, int]]) -> Dict[str, Optional[str]]:
    """Variables the Makefile sets to plain text (no `$`), by name; None when set several ways."""
    values: Dict[str, Optional[str]] = {}
    for start, end in lines:
        text = source[start:end].rstrip("\r")
        m = _MAKE_VALUE.match(text)
        if m is None or text.startswith("\t"):
            continue
        name, value = m.group(1), m.group(3).split("#", 1)[0].strip()
        if "$" in value or value.endswith("\\"):
            values[name] = None
        elif name in values and values[name] != value:
            values[name] = None
        else:
            values[name] = value
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


def _ends_with_backslash(line: str) -> bool:
    stripped = line.rstrip("\r")
    n = len(stripped) - len(stripped.rstrip("\\"))
    return n % 2 == 1


# ---- YAML ------------------------------------------------------------------------------------------

# `key: value`, `- key: value`, `- value`; keys may be quoted
_YAML_LINE = re.compile(
    r"""^(?P<indent>[ ]*)(?P<dash>(?:-[ ]+)*)"""
    r"""(?:(?P<key>"[^"]*"|'[^']*'|[^\s#'"\[\]{},&*!|>%@`-][^#:]*?|-[^\s#:][^#:]*?)[ ]*:(?:[ ]+|$))?"""
    r"""(?P<value>.*?)\r?$"""
)
_BLOCK_HEADER = re.compile(r"^(?:[&!][^\s]*[ ]+)*([|>])([1-9]?[+-]?|[+-]?[1-9]?)[ ]*(?:#.*)?$")
_VALUE_PREFIX = re.compile(r"^(?:[&!][^\s]*[ ]+)+")
# Keys whose values are prose, never run.
_PROSE_KEYS = {"name", "description", "title", "summary", "about", "help", "comment", "message", "label"}
# Expressions a CI system expands before the shell sees the script.
_CI_EXPR = re.compile(r"\$\{\{.*?\}\}|<<\s*[\w.\-]+\s*>>")


def _yaml_double_encode(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _yaml_single_encode(text: str) -> str:
    return text.replace("'", "''")


def yaml_segments(source: str) -> List[Segment]:
    """Scalar values of a YAML file (block scalars, quoted and plain values), found by lines.

    The file is not parsed as YAML: a line scan finds every scalar with its
    exact position, and keeps working on files a YAML parser would refuse
    (templated configs, several documents, tabs).
    """
    segments: List[Segment] = []
    lines = _lines(source)
    i = 0
    while i < len(lines):
        start, end = lines[i]
        text = source[start:end]
        m = _YAML_LINE.match(text)
        if m is None or text.lstrip().startswith("#"):
            i += 1
            continue
        key = (m.group("key") or "").strip("\"'")
        value = m.group("value")
        value_start = start + m.start("value")
        owner_indent = len(m.group("indent")) + (len(m.group("dash")) if m.group("key") else 0)
        if not m.group("key") and m.group("dash"):
            owner_indent = len(m.group("indent"))
        i += 1
        if not value or value.startswith("#") or key.lower() in _PROSE_KEYS:
            if key.lower() in _PROSE_KEYS:
                i = _skip_more_indented(source, lines, i, owner_indent)
            continue
        header = _BLOCK_HEADER.match(value)
        if header is not None:
            seg, i = _block_scalar(source, lines, i, owner_indent, header.group(1), header.group(2))
            if seg is not None:
                seg.defines = key or None
                segments.append(seg)
            continue
        prefix = _VALUE_PREFIX.match(value)
        if prefix is not None:
            value_start += prefix.end()
            value = value[prefix.end():]
        if value[:1] in "[{":  # a flow collection: not a script
            continue
        if value[:1] in "\"'":
            seg, i = _quoted_scalar(source, lines, i - 1, value_start, value[0])
        else:
            seg, i = _plain_scalar(source, lines, i - 1, value_start, owner_indent)
        if seg is not None:
            seg.defines = key or None
            segments.append(seg)
    return segments


def _skip_more_indented(source: str, lines: List[Tuple[int, int]], i: int, indent: int) -> int:
    while i < len(lines):
        s, e = lines[i]
        text = source[s:e]
        if text.strip() and _indent_of(text) <= indent:
            break
        i += 1
    return i


def _indent_of(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _block_scalar(source: str, lines: List[Tuple[int, int]], i: int, owner_indent: int, style: str,
                  indicators: str) -> Tuple[Optional[Segment], int]:
    explicit = next((int(c) for c in indicators if c.isdigit()), 0)
    first = i
    block_indent = owner_indent + explicit if explicit else 0
    j = i
    while j < len(lines):
        s, e = lines[j]
        text = source[s:e].rstrip("\r")
        if text.strip():
            ind = _indent_of(text)
            if ind <= owner_indent:
                break
            if not block_indent:
                block_indent = ind
            elif ind < block_indent:
                break
        j += 1
    # trailing blank lines are not content
    last = j
    while last > first and not source[lines[last - 1][0]:lines[last - 1][1]].strip():
        last -= 1
    if last == first or not block_indent:
        return None, j
    seg = Segment("yaml-block")
    content: List[Tuple[int, int, bool]] = []  # (start, end, more indented)
    for k in range(first, last):
        s, e = lines[k]
        text = source[s:e]
        if e > s and source[e - 1] == "\r":
            e -= 1
            text = text[:-1]
        if not text.strip():
            content.append((s + min(len(text), block_indent), e, False))
        else:
            content.append((s + block_indent, e, text[block_indent:block_indent + 1] in (" ", "\t")))
    for n, (s, e, more) in enumerate(content):
        seg.add_source(source, s, e)
        if n + 1 < len(content):
            nl_start, nxt = e, content[n + 1]
            nl_end = lines[first + n + 1][0]
            folded = (style == ">" and s < e and nxt[0] < nxt[1] and not more and not nxt[2])
            seg.add(" " if folded else "\n", nl_start, nl_end)
    if style == ">":
        seg.unfixable = "the command is in a folded YAML block (`>`), where line breaks change meaning"
    return seg.finish(), j


def _quoted_scalar(source: str, lines: List[Tuple[int, int]], i: int, start: int,
                   quote: str) -> Tuple[Optional[Segment], int]:
    encode = _yaml_double_encode if quote == '"' else _yaml_single_encode
    seg = Segment("yaml-quoted", encode)
    pos = start + 1
    line_no = i
    n = len(source)
    while pos < n:
        ch = source[pos]
        if quote == "'" and ch == "'":
            if pos + 1 < n and source[pos + 1] == "'":
                seg.add("'", pos, pos + 2)
                pos += 2
                continue
            return seg.finish(), _line_after(lines, line_no, pos)
        if quote == '"' and ch == '"':
            return seg.finish(), _line_after(lines, line_no, pos)
        if quote == '"' and ch == "\\" and pos + 1 < n:
            nxt = source[pos + 1]
            if nxt in "\r\n":  # an escaped line break: joined without a space
                end = _skip_line_break(source, pos + 1)
                while end < n and source[end] in " \t":
                    end += 1
                seg.add("", pos, end)
                pos = end
                continue
            decoded = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "/": "/", " ": " ", "0": "\0",
                       "r": "\r", "e": "\x1b"}.get(nxt, nxt)
            seg.add(decoded, pos, pos + 2)
            pos += 2
            continue
        if ch in "\r\n":  # a line break inside a flow scalar folds to a space
            end = _skip_line_break(source, pos)
            while end < n and source[end] in " \t":
                end += 1
            seg.add(" ", pos, end)
            pos = end
            continue
        seg.add(ch, pos, pos + 1)
        pos += 1
    return None, len(lines)


def _plain_scalar(source: str, lines: List[Tuple[int, int]], i: int, start: int,
                  owner_indent: int) -> Tuple[Optional[Segment], int]:
    seg = Segment("yaml-plain", unfixable="the command is a plain YAML scalar, where the v2 call's "
                  "`: ` and quotes would change the YAML; make it a block scalar (`run: |`) first")
    s, e = lines[i]
    end = _plain_end(source, start, e)
    seg.add_source(source, start, end)
    j = i + 1
    while j < len(lines):
        s2, e2 = lines[j]
        text = source[s2:e2]
        if not text.strip() or text.lstrip().startswith("#") or _indent_of(text) <= owner_indent:
            break
        if _YAML_LINE.match(text) and _YAML_LINE.match(text).group("key"):  # type: ignore[union-attr]
            break
        body = s2 + _indent_of(text)
        seg.add(" ", end, body)
        end = _plain_end(source, body, e2)
        seg.add_source(source, body, end)
        j += 1
    return seg.finish(), j


def _plain_end(source: str, start: int, end: int) -> int:
    """End of a plain scalar on its line: before ` #` (a comment) and trailing spaces or CR."""
    text = source[start:end]
    m = re.search(r"[ \t]#", text)
    if m is not None:
        text = text[:m.start()]
    return start + len(text.rstrip(" \t\r"))


def _line_after(lines: List[Tuple[int, int]], line_no: int, pos: int) -> int:
    j = line_no
    while j < len(lines) and lines[j][1] < pos:
        j += 1
    return j + 1


def _skip_line_break(source: str, pos: int) -> int:
    if source.startswith("\r\n", pos):
        return pos + 2
    return pos + 1


_ENV_KEYS = {"env", "environment", "variables"}
_ENV_ENTRY = re.compile(r"""^(?P<indent>[ ]*)(?P<name>[A-Za-z_][A-Za-z0-9_]*)[ ]*:[ ]+(?P<value>"[^"\\]*"|'[^']*'|[^\s#'"{\[][^#]*?)[ ]*(?:#.*)?\r?$""")


def yaml_env(source: str) -> Dict[str, Optional[str]]:
    """Variables a CI file sets to plain text under `env:` (GitHub Actions), `environment:` (CircleCI) or
    `variables:` (GitLab), by name; None when the file sets one name to different values.

    The run: blocks of the file see them as environment variables. Scopes (workflow,
    job, step) are not told apart: a name set to two values is not used at all.
    """
    values: Dict[str, Optional[str]] = {}
    lines = _lines(source)
    i = 0
    while i < len(lines):
        s, e = lines[i]
        text = source[s:e]
        i += 1
        m = re.match(r"^([ ]*)(?:-[ ]+)?(env|environment|variables)[ ]*:[ ]*(?:#.*)?\r?$", text)
        if m is None:
            continue
        parent = len(m.group(1))
        while i < len(lines):
            s2, e2 = lines[i]
            line = source[s2:e2]
            if not line.strip() or line.lstrip().startswith("#"):
                i += 1
                continue
            if _indent_of(line) <= parent:
                break
            entry = _ENV_ENTRY.match(line)
            i += 1
            if entry is None:
                continue
            name, value = entry.group("name"), entry.group("value")
            if value[:1] in "\"'":
                value = value[1:-1]
            if "${{" in value or "<<" in value or "$" in value:
                values[name] = None
            elif name in values and values[name] != value:
                values[name] = None
            else:
                values[name] = value
    return values


def yaml_templates(seg: Segment) -> Segment:
    """Re-make a YAML segment with CI expressions (`${{ }}`, `<< >>`) as templates."""
    if not _CI_EXPR.search(seg.text):
        return seg
    out = Segment(seg.container, seg.encode, seg.unfixable)
    out.defines = seg.defines
    pos = 0
    for m in _CI_EXPR.finditer(seg.text):
        for k in range(pos, m.start()):
            out.add(seg.text[k], seg.starts[k], seg.ends[k])
        raw = m.group(0)
        name = raw.strip("${}<> ").strip()
        s, e = seg.source_span(m.start(), m.end())
        out.add_template(raw, name, s, e)
        pos = m.end()
    for k in range(pos, len(seg.text)):
        out.add(seg.text[k], seg.starts[k], seg.ends[k])
    return out.finish()


# ---- Dockerfile ------------------------------------------------------------------------------------

_DOCKER_INSTR = re.compile(r"^[ \t]*(RUN|CMD|ENTRYPOINT|HEALTHCHECK|ONBUILD)\b[ \t]*", re.IGNORECASE)
_DOCKER_ESCAPE = re.compile(r"^#[ \t]*escape[ \t]*=[ \t]*(\S)", re.IGNORECASE | re.MULTILINE)
_DOCKER_FLAGS = re.compile(r"^(?:--[a-z-]+(?:=\S*)?[ \t]+)+")
_HEREDOC_START = re.compile(r"<<(-?)[ \t]*([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")


_DOCKER_ENV = re.compile(r"^[ \t]*(ENV|ARG)[ \t]+(.*?)[ \t]*\r?$", re.IGNORECASE)
_DOCKER_PAIR = re.compile(r"""([A-Za-z_][A-Za-z0-9_]*)=("[^"\\$]*"|'[^']*'|[^\s"'$\\]*)(?=\s|$)""")


def dockerfile_env(source: str) -> Dict[str, Optional[str]]:
    """Variables a Dockerfile sets to plain text with ENV or ARG (`NAME=value` or `ENV NAME value`), by name;
    None when set to different values or to text holding `$`. The RUN instructions see them."""
    values: Dict[str, Optional[str]] = {}
    for start, end in _lines(source):
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
            if "$" in value or (name in values and values[name] != value):
                values[name] = None
            else:
                values[name] = value
    return values


def dockerfile_segments(source: str) -> List[Segment]:
    escape = "\\"
    m = _DOCKER_ESCAPE.match(source)
    if m is not None:
        escape = m.group(1)
    segments: List[Segment] = []
    lines = _lines(source)
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


# ---- Jenkinsfile (Groovy) --------------------------------------------------------------------------

_SH_STEP = re.compile(r"(?<![\w.])sh\b[ \t]*(\(?)[ \t]*")
_SCRIPT_KEY = re.compile(r"script[ \t]*:[ \t]*")
_GROOVY_INTERP = re.compile(r"\$(?:\{([^{}]*)\}|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*))")


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
                end = _skip_line_break(source, i + 1)
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


# ---- common ----------------------------------------------------------------------------------------

_LINE_END = re.compile(r"\r\n|\r|\n")


def _lines(source: str) -> List[Tuple[int, int]]:
    """(start, end) of each line, without its line end. CR is kept only when not part of CRLF."""
    out: List[Tuple[int, int]] = []
    pos = 0
    for m in _LINE_END.finditer(source):
        out.append((pos, m.start()))
        pos = m.end()
    if pos < len(source):
        out.append((pos, len(source)))
    return out


def segments_for(source: str, kind: str) -> List[Segment]:
    """The shell regions of a file of `kind` (shell, makefile, yaml, dockerfile, jenkinsfile)."""
    if kind == "shell":
        return shell_segments(source)
    if kind == "makefile":
        return makefile_segments(source)
    if kind == "yaml":
        return [yaml_templates(s) for s in yaml_segments(source)]
    if kind == "dockerfile":
        return dockerfile_segments(source)
    if kind == "jenkinsfile":
        return jenkinsfile_segments(source)
    raise ValueError(f"unknown kind of file: {kind}")
