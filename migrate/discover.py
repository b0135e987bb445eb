"""From the paths on the command line to the files to check, each with its kind.

A file's kind comes from its name, or from its `#!` line once read: the
kinds' own declarations say which (kinds/registry.py).

Folders are walked with os.scandir. A folder or file is skipped when a default
or configured exclude names it or a .gitignore (at any depth, plus the ones
above the starting folder up to the repository root) ignores it; the summary
says how many were skipped. A path given explicitly is always checked.

Symbolic links to folders are followed once; a link that points back to a
folder being walked is reported as a loop and the walk goes on. A file reached
through a link that leads out of the named folder keeps its real path in
`outside` (fix does not write there unless told to). Leftover temporaries of an
interrupted write (temporaries.py) are never listed as files, only in
`leftovers`, even when named on the command line.

pathspec (about 20 ms to import) is imported only when there is a .gitignore
or a glob pattern to match.
"""
from __future__ import annotations

import os
import stat
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from .kinds.registry import SHEBANG, kind_from_shebang, kind_of  # noqa: F401 (the two lookups, re-exported)
from .temporaries import is_temporary

DEFAULT_EXCLUDES: Tuple[str, ...] = (
    ".git", ".hg", ".svn", ".venv", "venv", "site-packages", "node_modules",
    "build", "dist", "__pycache__", ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache",
)

class SourceFile:
    __slots__ = ("path", "kind", "explicit", "outside")

    def __init__(self, path: str, kind: str, explicit: bool = False, outside: Optional[str] = None) -> None:
        self.path = path  # for display: the path as given, joined with the walked part
        self.kind = kind  # a kind's name (kinds/registry.py), or SHEBANG (decided once the file is read)
        self.explicit = explicit  # named on the command line: checked whatever the excludes say
        self.outside = outside  # the real path, when a symbolic link led out of the named folder

    def __repr__(self) -> str:
        return f"SourceFile({self.path!r}, {self.kind!r}, explicit={self.explicit})"


class Problem:
    __slots__ = ("path", "message")

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message

    def __repr__(self) -> str:
        return f"Problem({self.path!r}, {self.message!r})"


class Discovery:
    """What a walk found. (Plain classes here: dataclasses cost import time on every run.)"""

    def __init__(self) -> None:
        self.files: List[SourceFile] = []
        self.problems: List[Problem] = []
        self.excluded = 0  # folders and files skipped by excludes (default or configured)
        self.ignored = 0  # folders and files skipped by .gitignore
        self.leftovers: List[str] = []  # temporaries of an interrupted write: never read


class Excludes:
    """Exclude patterns: plain names (fast set lookup) and gitignore-style globs.

    Globs are anchored at `anchor` (the current folder for the command line,
    the folder of pyproject.toml for the configuration), as if they were lines
    of a .gitignore there.
    """

    def __init__(self, names: Iterable[str] = (), globs: Sequence[Tuple[str, str]] = ()) -> None:
        self.names = frozenset(names)
        self._globs: List[Tuple[str, object]] = []
        by_anchor: Dict[str, List[str]] = {}
        for anchor, pattern in globs:
            by_anchor.setdefault(os.path.abspath(anchor), []).append(pattern)
        if by_anchor:
            from pathspec import GitIgnoreSpec

            self._globs = [(a, GitIgnoreSpec.from_lines(p)) for a, p in by_anchor.items()]

    @classmethod
    def build(cls, patterns: Iterable[Tuple[str, str]]) -> "Excludes":
        """From (anchor, pattern) pairs: a bare name goes to the set, anything else is a glob."""
        names, globs = [], []
        for anchor, pattern in patterns:
            p = pattern.strip()
            if not p:
                continue
            bare = p.rstrip("/")
            if bare and not any(c in bare for c in "*?[]!/\\"):
                names.append(bare)
            else:
                globs.append((anchor, p))
        return cls(names, globs)

    def matches(self, abs_path: str, name: str, is_dir: bool) -> bool:
        if name in self.names:
            return True
        for anchor, spec in self._globs:
            if abs_path.startswith(anchor + os.sep):
                rel = abs_path[len(anchor) + 1:].replace(os.sep, "/")
            elif anchor == os.sep:
                rel = abs_path[1:]
            else:
                rel = name  # outside the anchor: only basename patterns can match
            if is_dir:
                rel += "/"
            if spec.match_file(rel):  # type: ignore[attr-defined]
                return True
        return False


class _Ignores:
    """The .gitignore files that apply to one folder, deepest last."""

    __slots__ = ("specs",)

    def __init__(self, specs: Tuple[Tuple[str, object], ...] = ()) -> None:
        self.specs = specs

    def with_file(self, folder: str, gitignore: str) -> "_Ignores":
        spec = _load_gitignore(gitignore)
        return self if spec is None else _Ignores(self.specs + ((folder, spec),))

    def ignored(self, abs_path: str, is_dir: bool) -> bool:
        for folder, spec in reversed(self.specs):
            rel = abs_path[len(folder) + 1:] if folder != os.sep else abs_path[1:]
            if os.sep != "/":
                rel = rel.replace(os.sep, "/")
            result = spec.check_file(rel + "/" if is_dir else rel)  # type: ignore[attr-defined]
            if result.include is not None:  # this file decided: a deeper one overrides a higher one
                return bool(result.include)
        return False


class _Decision:
    __slots__ = ("include",)

    def __init__(self, include: Optional[bool]) -> None:
        self.include = include


_NO_DECISION = _Decision(None)
_IGNORED = _Decision(True)


class _SimpleGitignore:
    """A .gitignore made only of the commonest lines, matched without pathspec.

    Most .gitignore files hold names (`build/`, `.venv`), suffixes (`*.pyc`)
    and anchored paths (`/dist`, `docs/_build/`). Matching those needs no
    library, and importing pathspec costs about 12 ms, a sixth of a whole run
    on the standard library. Any other line (negation, other wildcards,
    escapes) makes `parse` return None, and pathspec handles the file.
    Semantics follow gitignore(5): a name or suffix matches any path segment,
    a pattern with a slash is relative to the .gitignore's folder, and a
    trailing slash matches folders only.
    """

    __slots__ = ("names", "suffixes", "paths")

    def __init__(self) -> None:
        self.names: Dict[str, bool] = {}  # name -> folders only
        self.suffixes: Dict[str, bool] = {}  # ".pyc" -> folders only
        self.paths: Dict[str, bool] = {}  # "docs/_build" -> folders only

    @classmethod
    def parse(cls, lines: Sequence[str]) -> Optional["_SimpleGitignore"]:
        simple = cls()
        for raw in lines:
            line = raw.rstrip(" ")
            if not line or line.startswith("#"):
                continue
            if line.startswith("!") or "\\" in line or line != line.strip():
                return None
            dir_only = line.endswith("/")
            body = line.rstrip("/")
            if not body:
                return None
            if "/" in body:
                body = body.lstrip("/")
                if not body or any(c in body for c in "*?[]"):
                    return None
                simple.paths[body] = simple.paths.get(body, True) and dir_only
            elif body.startswith("*") and len(body) > 1 and not any(c in body[1:] for c in "*?[]"):
                simple.suffixes[body[1:]] = simple.suffixes.get(body[1:], True) and dir_only
            elif any(c in body for c in "*?[]"):
                return None
            else:
                simple.names[body] = simple.names.get(body, True) and dir_only
        return simple

    def check_file(self, rel: str) -> _Decision:
        is_dir = rel.endswith("/")
        parts = rel.rstrip("/").split("/")
        last = len(parts) - 1
        for index, part in enumerate(parts):
            folder = index < last or is_dir
            dir_only = self.names.get(part)
            if dir_only is not None and (folder or not dir_only):
                return _IGNORED
            for suffix, dir_only in self.suffixes.items():
                if part.endswith(suffix) and (folder or not dir_only):
                    return _IGNORED
        if self.paths:
            for index in range(len(parts)):
                dir_only = self.paths.get("/".join(parts[: index + 1]))
                if dir_only is not None and (index < last or is_dir or not dir_only):
                    return _IGNORED
        return _NO_DECISION


def _load_gitignore(path: str) -> Optional[object]:
    try:
        with open(path, "rb") as fh:
            lines = fh.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    simple = _SimpleGitignore.parse(lines)
    if simple is not None:
        return simple if (simple.names or simple.suffixes or simple.paths) else None
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(lines)


def _ancestor_ignores(root_abs: str) -> _Ignores:
    """The .gitignore files above `root_abs` up to its repository root (none outside a repository).

    A file that ignores `root_abs` itself is left out: the user named that
    folder, so it is checked (its own .gitignore files still apply inside it).
    """
    found: List[str] = []
    folder = os.path.dirname(root_abs)
    repo_root = None
    while True:
        if os.path.isfile(os.path.join(folder, ".gitignore")):
            found.append(folder)
        if os.path.exists(os.path.join(folder, ".git")):
            repo_root = folder
            break
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    if os.path.exists(os.path.join(root_abs, ".git")):
        repo_root = root_abs
        found = []
    if repo_root is None:
        return _Ignores()
    ignores = _Ignores()
    info_exclude = os.path.join(repo_root, ".git", "info", "exclude")
    if os.path.isfile(info_exclude):
        ignores = ignores.with_file(repo_root, info_exclude)
    for folder in reversed(found):
        ignores = ignores.with_file(folder, os.path.join(folder, ".gitignore"))
    kept = tuple(s for s in ignores.specs if not _Ignores((s,)).ignored(root_abs, True))
    return _Ignores(kept)


def discover(
    paths: Sequence[str],
    excludes: Optional[Excludes] = None,
    respect_gitignore: bool = True,
) -> Discovery:
    """Walk `paths` and list the files to check, in a stable order (sorted per folder)."""
    excludes = excludes if excludes is not None else Excludes(DEFAULT_EXCLUDES)
    result = Discovery()
    seen_files = set()
    for root in paths:
        try:
            st = os.stat(root)
        except FileNotFoundError:
            message = "broken symbolic link (its target does not exist)" if os.path.islink(root) else "no such file or folder"
            result.problems.append(Problem(root, message))
            continue
        except OSError as exc:
            result.problems.append(Problem(root, f"cannot access: {exc.strerror or exc}"))
            continue
        if not stat.S_ISDIR(st.st_mode):
            if is_temporary(os.path.basename(root)):
                result.leftovers.append(root)
                continue
            # Named explicitly: always checked. A special file is refused when read.
            kind = kind_of(os.path.basename(root)) or SHEBANG
            key = os.path.abspath(root)
            if key not in seen_files:
                seen_files.add(key)
                result.files.append(SourceFile(root, kind, explicit=True))
            continue
        root_abs = os.path.abspath(root)
        ignores = _ancestor_ignores(root_abs) if respect_gitignore else _Ignores()
        _walk(root, root_abs, st, excludes, ignores, respect_gitignore, result, seen_files)
    return result


def _walk(
    root: str,
    root_abs: str,
    root_stat: os.stat_result,
    excludes: Excludes,
    ignores: _Ignores,
    respect_gitignore: bool,
    result: Discovery,
    seen_files: set,
) -> None:
    visited = {(root_stat.st_dev, root_stat.st_ino)}
    root_real = os.path.realpath(root_abs)
    # Each entry: (absolute folder, display folder, ancestor (dev, ino) chain, ignores in force, reached
    # through a link out of the named folder)
    stack = [(root_abs, root, ((root_stat.st_dev, root_stat.st_ino),), ignores, False)]
    while stack:
        folder, shown, chain, ignores, out = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            problem = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
            result.problems.append(Problem(shown, f"cannot list folder: {problem}"))
            continue
        if respect_gitignore:
            for entry in entries:
                if entry.name == ".gitignore":
                    ignores = ignores.with_file(folder, entry.path)
                    break
        subfolders = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()  # follows symbolic links
            except OSError:
                is_dir = False
            if is_dir:
                if excludes.matches(entry.path, name, True):
                    result.excluded += 1
                    continue
                if ignores.specs and ignores.ignored(entry.path, True):
                    result.ignored += 1
                    continue
                try:
                    st = entry.stat()
                except OSError as exc:
                    result.problems.append(Problem(_join(shown, name), f"cannot access: {exc.strerror or exc}"))
                    continue
                key = (st.st_dev, st.st_ino)
                if key in chain:
                    target = os.readlink(entry.path) if entry.is_symlink() else "?"
                    result.problems.append(Problem(
                        _join(shown, name), f"symbolic link loop: points back to a folder above it ({target})"))
                    continue
                if key in visited:  # reached again through another link: walked once is enough
                    continue
                visited.add(key)
                sub_out = not _inside(os.path.realpath(entry.path), root_real) if entry.is_symlink() else out
                subfolders.append((entry.path, _join(shown, name), chain + (key,), ignores, sub_out))
                continue
            kind = kind_of(name)
            if kind is None:
                if is_temporary(name):
                    result.leftovers.append(_join(shown, name))
                continue
            if excludes.matches(entry.path, name, False):
                result.excluded += 1
                continue
            if ignores.specs and ignores.ignored(entry.path, False):
                result.ignored += 1
                continue
            link = entry.is_symlink()
            key = os.path.realpath(entry.path) if link else entry.path
            if key in seen_files:  # also named on the command line, or reached through a link
                continue
            seen_files.add(key)
            if link:
                outside = None if _inside(key, root_real) else key
            else:
                outside = os.path.realpath(entry.path) if out else None
            result.files.append(SourceFile(_join(shown, name), kind, outside=outside))
        stack.extend(reversed(subfolders))


def _inside(real: str, root_real: str) -> bool:
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def _join(shown: str, name: str) -> str:
    return name if shown in (".", "./") else os.path.join(shown, name)
