"""What a kind of file declares (FileKind), with the defaults most text containers keep.

A kind module subclasses FileKind, sets the class attributes that find its
files and overrides the methods that differ, then names one instance `KIND`;
registry.py lists the module. See docs/design.md ("Kinds of file").
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

if TYPE_CHECKING:  # the segment machinery is loaded by the kinds that cut segments, when they do
    from .shell_regions import Segment

TEXT_ANALYSER = "circleci_v2.migrate.text:analyse"  # the package: finding it must not import it (run.py)
TEXT_PLANNER = "circleci_v2.migrate.fix.curl_in_text:plan_file"


class FileKind:
    """One kind of file: how to find it, which front end reads it, how its shell regions are cut."""

    # -- finding its files (discover.py; the pre-commit hooks) ------------------------------------
    name: str = ""  # FileResult.kind, and what messages call it: "makefile"
    file_names: Tuple[str, ...] = ()  # whole names, lower case: "makefile", "gnumakefile"
    suffixed_names: bool = False  # a file name followed by any suffix counts too (Dockerfile.prod)
    suffixes: Tuple[str, ...] = ()  # lower case, with the dot: ".mk"
    shebangs: Tuple[str, ...] = ()  # interpreters a `#!` line names for a file with no suffix: "bash"
    precommit_types: Tuple[str, ...] = ()  # identify tags the hooks' `types_or` lists (tested against it)

    # -- which front end reads it, as "module:function" imported on first use ---------------------
    analyser: str = TEXT_ANALYSER  # fn(source, path, catalogue, kind) -> findings (run.py)
    planner: Optional[str] = TEXT_PLANNER  # the fixer's plan of one file (fix/decide.py); None: never rewritten

    # -- comments ---------------------------------------------------------------------------------
    comments: Tuple[str, ...] = ("#",)  # what starts a comment: `# circleci-v2: ignore[...]` is read after these

    def note_line(self, seg: "Segment", before: str, note: str) -> Optional[str]:
        """The line (without its end) that puts `note` as a comment above a command of `seg` whose line
        starts with `before` (the source text up to the command), or None where no line can go (fix
        --add-todo). By default a shell comment with the command's indentation, when the command is
        first on its line."""
        if before.strip():
            return None
        return before + "# " + seg.encode(note)

    # -- text outside the shell regions (text/evidence.py) ----------------------------------------
    outside: str = "the URL is outside the commands check reads"  # why a route written there is not read

    def segments(self, source: str) -> List["Segment"]:
        """The shell regions of a file of this kind, in file order."""
        raise NotImplementedError(f"{self.name} files hold no shell regions")

    def variables(self, source: str) -> Dict[str, Optional[str]]:
        """Variables the file sets to plain text before its shell regions run (a CI file's `env:`), by name;
        None for a name set to different values."""
        return {}

    def in_comment(self, source: str, line_start: int, hit: int) -> bool:
        """Is offset `hit` (on the line starting at `line_start`, outside the shell regions) in a comment?"""
        return any(source[line_start:hit].lstrip().startswith(c) for c in self.comments)

    def not_a_command(self, source: str, line_start: int, line: str) -> bool:
        """Is the line prose (a YAML `description:`, a Groovy `echo`), where a route is no call?"""
        return False

    def defined_name(self, line: str) -> Optional[str]:
        """The variable a line outside the shell regions sets (a Dockerfile ENV, a YAML key), if any."""
        return None

    def value_context(self, source: str, name: str, at: int) -> Optional[Tuple[str, str]]:
        """For a route that is the value of `name` and no command sends: (text around it, where a verb may be
        written; why it is not read), or None for the common wording."""
        return None

    def inline_script(self, line: str, column: int) -> Optional[Tuple[str, str]]:
        """A command the file's own syntax runs around `column` of `line` (make's `$(shell ...)`):
        (the command as shell text, why it is not read), or None."""
        return None

    def broken_by(self, before: str, after: str) -> Optional[str]:
        """What a rewrite from `before` to `after` breaks in the file's own syntax (the fixer then refuses it)."""
        return None

    def __repr__(self) -> str:
        return f"<file kind {self.name}>"


def hash_comment(before: str, quotes: str = "") -> bool:
    """Does `before` (a line up to a point) hold a `#` comment opening: first, or after a blank, outside the
    quotes in `quotes`?"""
    if before.lstrip().startswith("#"):
        return True
    quote = ""
    for i, ch in enumerate(before):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in quotes:
            quote = ch
        elif ch == "#" and (i == 0 or before[i - 1] in " \t"):
            return True
    return False


class pattern:
    """A regular expression compiled on first use.

    Every run reads the kinds to find its files, but most runs cut no segment:
    compiling the cutters' forty expressions at import would cost about 10 ms a
    run. After the first use the compiled methods are this object's own
    attributes, so a call costs what a compiled pattern's does.
    """

    def __init__(self, source: str, flags: int = 0) -> None:
        self._args = (source, flags)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_args":
            raise AttributeError(name)
        compiled = re.compile(*self._args)
        for method in ("match", "fullmatch", "search", "finditer", "findall", "sub", "split"):
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


def set_once(values: Dict[str, Optional[str]], name: str, value: Optional[str]) -> None:
    """Note that the file sets variable `name` to `value` (None: to text only another expansion decides):
    a name keeps its text while every assignment gives the same one, else it is None (not known)."""
    values[name] = None if value is None or (name in values and values[name] != value) else value
