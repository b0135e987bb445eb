"""YAML files (CircleCI, GitHub Actions, GitLab CI...): every scalar value may be a script.

`${{ expr }}` and `<< pipeline.x >>` are expanded by the CI before the shell
runs (templates); `env:`, `environment:` and `variables:` entries set
variables the scripts see.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

from .file_kind import FileKind, hash_comment, pattern, set_once
from .shell_regions import Segment, line_spans, skip_line_break


class YamlFile(FileKind):
    name = "yaml"
    suffixes = (".yml", ".yaml", ".eyaml", ".yamlld")
    # tools' settings files in YAML by name (the hooks pass them as `yaml`)
    file_names = (".ansible-lint", ".clang-format", ".clang-tidy", ".salt-lint", ".yamllint")
    precommit_types = ("yaml",)
    outside = "the URL is in YAML that check does not read as a command"

    def segments(self, source: str) -> List[Segment]:
        return [yaml_templates(s) for s in yaml_segments(source)]

    def variables(self, source: str) -> Dict[str, Optional[str]]:
        return yaml_env(source)

    def in_comment(self, source: str, line_start: int, hit: int) -> bool:
        return hash_comment(source[line_start:hit], quotes="\"'")

    def note_line(self, seg: Segment, before: str, note: str) -> Optional[str]:
        # only in a literal block (`run: |`), where the line is the script's own comment; a `#` line would end
        # a plain or quoted scalar, and fold into a `>` block
        if seg.container != "yaml-block" or seg.unfixable is not None:
            return None
        return super().note_line(seg, before, note)

    def not_a_command(self, source: str, line_start: int, line: str) -> bool:
        return _yaml_prose(source, line_start)

    def defined_name(self, line: str) -> Optional[str]:
        m = _YAML_KEY.match(line)
        return m.group(1) if m is not None else None

    def value_context(self, source: str, name: str, at: int) -> Optional[Tuple[str, str]]:
        return _yaml_siblings(source, name, at), f"the URL is the YAML value of `{name}:`, not a shell command"

    def broken_by(self, before: str, after: str) -> Optional[str]:
        import yaml

        def parses(text: str) -> bool:
            try:
                list(yaml.safe_load_all(text))
                return True
            except yaml.YAMLError:
                return False

        if parses(before) and not parses(after):
            return "break the YAML"
        return None


KIND = YamlFile()


# `key: value`, `- key: value`, `- value`; keys may be quoted
_YAML_LINE = pattern(
    r"""^(?P<indent>[ ]*)(?P<dash>(?:-[ ]+)*)"""
    r"""(?:(?P<key>"[^"]*"|'[^']*'|[^\s#'"\[\]{},&*!|>%@`-][^#:]*?|-[^\s#:][^#:]*?)[ ]*:(?:[ ]+|$))?"""
    r"""(?P<value>.*?)\r?$"""
)
_BLOCK_HEADER = pattern(r"^(?:[&!][^\s]*[ ]+)*([|>])([1-9]?[+-]?|[+-]?[1-9]?)[ ]*(?:#.*)?$")
_VALUE_PREFIX = pattern(r"^(?:[&!][^\s]*[ ]+)+")
# Keys whose values are prose, never run.
_PROSE_KEYS = {"name", "description", "title", "summary", "about", "help", "comment", "message", "label"}
# Expressions a CI system expands before the shell sees the script.
_CI_EXPR = pattern(r"\$\{\{.*?\}\}|<<\s*[\w.\-]+\s*>>")


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
    lines = line_spans(source)
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
                end = skip_line_break(source, pos + 1)
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
            end = skip_line_break(source, pos)
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


_ENV_ENTRY = pattern(r"""^(?P<indent>[ ]*)(?P<name>[A-Za-z_][A-Za-z0-9_]*)[ ]*:[ ]+(?P<value>"[^"\\]*"|'[^']*'|[^\s#'"{\[][^#]*?)[ ]*(?:#.*)?\r?$""")


def yaml_env(source: str) -> Dict[str, Optional[str]]:
    """Variables a CI file sets to plain text under `env:` (GitHub Actions), `environment:` (CircleCI) or
    `variables:` (GitLab), by name; None when the file sets one name to different values.

    The run: blocks of the file see them as environment variables. Scopes (workflow,
    job, step) are not told apart: a name set to two values is not used at all.
    """
    values: Dict[str, Optional[str]] = {}
    lines = line_spans(source)
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
            set_once(values, name, None if "$" in value or "<<" in value else value)
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


# ---- text outside the scalars check reads (text/evidence.py asks) -------------------------------

_YAML_KEY = pattern(r"^\s*(?:-\s+)?([A-Za-z_][\w.-]*)\s*:\s")


def _yaml_siblings(source: str, key: str, at: int) -> str:
    """The lines of the YAML mapping that holds `key:` at or above offset `at` (where a `method:` is)."""
    found = None
    for m in re.finditer(r"(?m)^([ ]*(?:-[ ]+)?)" + re.escape(key) + r"[ ]*:", source[:at + 1]):
        found = m
    if found is None:
        return ""
    return _block_around(source, found.start(), len(found.group(1)))


def _block_around(source: str, at: int, indent: int) -> str:
    """The lines around `at` of the YAML mapping indented `indent` (where a `method:` key would be)."""
    lines = source.split("\n")
    row = source.count("\n", 0, at)

    def inside(text: str) -> bool:
        ind = len(text) - len(text.lstrip(" "))
        return not text.strip() or ind > indent or (ind == indent and not text.lstrip().startswith("-"))

    first = row
    while first > 0 and inside(lines[first - 1]):
        first -= 1
    last = row
    while last + 1 < len(lines) and inside(lines[last + 1]):
        last += 1
    return "\n".join(lines[first:last + 1])


_PROSE = pattern(r"^\s*(?:-\s+)?(?:name|description|title|summary|about|help|comment|message|label)\s*:",
                 re.IGNORECASE)


def _yaml_prose(source: str, line_start: int) -> bool:
    """Is the line the value of a prose key (name:, description:...), or inside one's block?"""
    line_end = source.find("\n", line_start)
    line = source[line_start:line_end if line_end != -1 else len(source)]
    if _PROSE.match(line):
        return True
    indent = len(line) - len(line.lstrip(" "))
    pos = line_start
    while pos > 0:
        prev_start = source.rfind("\n", 0, pos - 1) + 1
        prev = source[prev_start:pos - 1]
        pos = prev_start
        if not prev.strip() or prev.lstrip().startswith("#"):
            continue
        prev_indent = len(prev) - len(prev.lstrip(" "))
        if prev_indent < indent:
            return bool(_PROSE.match(prev)) and prev.rstrip().endswith(("|", ">", "|-", ">-", ":"))
        if prev_start == 0:
            break
    return False
