"""The shell script regions of a file, with a map back to the file's characters.

Every kind of file the text analyser reads holds shell commands somewhere: a
whole shell script, Makefile recipes, YAML `run:`/`script:` values, Dockerfile
RUN instructions, Jenkinsfile `sh` steps. Each kind's module (kinds/*.py) cuts
its own regions; this module holds what they share. A Segment is one such
region decoded into the text a shell would see, with, for each of its
characters, the span of source characters it came from. The shell lexer
(text/shell.py) works on segment text; findings and fixes map back through
`source_span`.

Text that another tool expands before the shell runs (`$(VAR)` in a Makefile,
`${{ expr }}` in GitHub Actions, `<< pipeline.x >>` in CircleCI, `${expr}` in a
Groovy string) becomes one private-use character standing for a Template: the
lexer treats it as an opaque part of a word, and a fix copies its source text.

Each segment also knows how to write generated text back into its container
(`encode`: `$` doubles in a Makefile, quotes escape in a YAML or Groovy string)
and, when a rewrite there is not safe, why (`unfixable`).

The line helpers (`line_spans`, `skip_line_break`, `ends_with_backslash`) count
line ends as parsers do: CRLF, CR or LF, never a form feed or U+2028.
"""
from __future__ import annotations

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
        self.container = container  # the kind's name, or a finer label (yaml-block, groovy)
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


_LINE_END = re.compile(r"\r\n|\r|\n")


def line_spans(source: str) -> List[Tuple[int, int]]:
    """(start, end) of each line, without its line end. CR is kept only when not part of CRLF."""
    out: List[Tuple[int, int]] = []
    pos = 0
    for m in _LINE_END.finditer(source):
        out.append((pos, m.start()))
        pos = m.end()
    if pos < len(source):
        out.append((pos, len(source)))
    return out


def skip_line_break(source: str, pos: int) -> int:
    """The offset after the line break at `pos` (CRLF counts as one)."""
    if source.startswith("\r\n", pos):
        return pos + 2
    return pos + 1


def ends_with_backslash(line: str) -> bool:
    """Does the line end with an odd number of backslashes (a line continuation)?"""
    stripped = line.rstrip("\r")
    n = len(stripped) - len(stripped.rstrip("\\"))
    return n % 2 == 1
