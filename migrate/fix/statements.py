"""Apply the planned edits by parsing only the statements that hold them.

A bare `libcst.parse_module` costs time in proportion to the file; the edits
touch a few statements. `ast` already says where each of those statements is,
so each one is cut out of the text by whole lines, parsed alone with libcst,
rewritten by locate.py's transformer (the same located-and-verified edits) and
put back in place of its lines. The rest of the file is copied, not parsed.

An indented statement is parsed as written under a synthetic `if 1:` header,
so nothing in it (multi-line strings, comments) is re-indented. New imports
are text insertions at the place locate.py's `_import_insertion_point` picks,
found from `ast`.

Whenever a statement does not have its lines to itself (`a; b`, `if x: call()`
on one line, a backslash before it), a snippet does not parse back to exactly
that one statement, does not print back to the same text, or a planned node is
not found, `apply_by_statement` returns None and the caller takes the
whole-module path: the output is the same text either way, only slower.
"""
from __future__ import annotations

import ast
import re
from typing import Callable, List, Optional, Set, Tuple

import libcst as cst

from .edits import Edits
from .locate import _Apply, _missing, flat_statements
from .source_map import SourceMap
from .todo import split_lines

HEADER = "if 1:"
_NEWLINE = re.compile(r"\r\n?|\n")  # how libcst finds a module's default newline: the first one in the text
_AFTER_END = re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r\n|\r|\n)?\Z")
# top-level statements that end the module's leading block of imports (as locate._import_insertion_point)
_CODE_STARTS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.AsyncFor, ast.While, ast.With,
                ast.AsyncWith)


def apply_by_statement(text: str, edits: Edits, sm: SourceMap,
                       line_of: Optional[Callable[[int], int]] = None) -> Optional[str]:
    """`text` with the edits applied, or None to parse the whole module instead.

    `sm` maps the text the plan was made on; `line_of` maps its line numbers
    to `text`'s when lines were inserted since (TODO comments), else identity.
    """
    if edits.scope is None or edits.chain_renames:
        return None
    line_of = line_of or (lambda n: n)
    lines = split_lines(text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    match = _NEWLINE.search(text)
    newline = match.group(0) if match is not None else "\n"
    paths = _whole_line_paths(sm, edits.scope)
    if paths is None:
        return None
    ops: List[Tuple[int, int, str]] = []
    done: set = set()
    for path in sorted(paths):
        stmt = sm.statement_at(path)
        first, last = line_of(sm.start_line(path)), line_of(stmt.end_lineno or stmt.lineno)
        if not 1 <= first <= last <= len(lines):
            return None
        start, end = starts[first - 1], starts[last]
        new = _rewrite(text[start:end], len(path) > 1, newline, edits, sm.counts_at(path), done)
        if new is None:
            return None
        ops.append((start, end, new))
    if _missing(edits, done) is not None:
        return None  # the whole-module path finds it or reports it
    if edits.new_imports:
        at = _import_offset(sm, starts, line_of)
        if at is None:
            return None
        ops.append((at, at, "".join(code + newline for code in edits.new_imports)))
    # from the end of the file backwards, so earlier offsets stay valid; an insertion goes after a statement
    # that ends where it is made
    ops.sort(key=lambda op: (op[0], op[1]), reverse=True)
    out = text
    for start, end, new in ops:
        out = out[:start] + new + out[end:]
    return out


def _rewrite(snippet: str, indented: bool, newline: str, edits: Edits, counts: dict, done: set) -> Optional[str]:
    """One statement's new text, or None when it cannot be parsed alone."""
    header = HEADER + newline if indented else ""
    source = header + snippet
    first_newline = _NEWLINE.search(source)
    if (first_newline.group(0) if first_newline is not None else "\n") != newline:
        return None  # libcst would pick another default newline than the whole file's
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError:
        return None
    if len(module.body) != 1 or module.header or module.footer:
        return None
    outer = module.body[0]
    if indented:
        if not (isinstance(outer, cst.If) and isinstance(outer.body, cst.IndentedBlock) and outer.orelse is None
                and len(outer.body.body) == 1 and not outer.body.footer):
            return None
        stmt = outer.body.body[0]
    else:
        stmt = outer
    if getattr(stmt, "leading_lines", ()) or module.code != source:
        return None  # not exactly this one statement, or it does not print back as it was written
    transformer = _Apply(edits, counts)
    new_stmts = flat_statements([stmt.visit(transformer)])  # an import line split in two is two statements
    if indented:
        new_body = [outer.with_changes(body=outer.body.with_changes(body=new_stmts))]
    else:
        new_body = new_stmts
    code = module.with_changes(body=new_body).code
    if not code.startswith(header):
        return None
    done |= transformer.done
    return code[len(header):]


def _whole_line_paths(sm: SourceMap, scope: Set[Tuple[int, ...]]) -> Optional[Set[Tuple[int, ...]]]:
    """Per scope path, the innermost statement at or around it that has its lines to itself; None if one has not."""
    chosen: Set[Tuple[int, ...]] = set()
    for path in scope:
        p = path
        while p and not _owns_lines(sm, p):
            p = p[:-1]
        if not p:
            return None
        chosen.add(p)
    return {p for p in chosen if not any(q != p and p[:len(q)] == q for q in chosen)}


def _owns_lines(sm: SourceMap, path: Tuple[int, ...]) -> bool:
    container = sm.tree if len(path) == 1 else sm.statement_at(path[:-1])
    body = container.body  # type: ignore[attr-defined]
    i = path[-1]
    stmt = body[i]
    first, last = sm.start_line(path), stmt.end_lineno or stmt.lineno
    if i > 0 and (body[i - 1].end_lineno or body[i - 1].lineno) >= first:
        return False
    if i + 1 < len(body) and sm._start(body[i + 1])[0] <= last:
        return False
    lines = sm.lines()
    if not 1 <= first <= last <= len(lines):
        return False
    head = lines[first - 1]
    indent = len(head) - len(head.lstrip(" \t"))
    if indent != stmt.col_offset or (len(path) == 1) != (indent == 0):
        return False  # something before it on its first line (`a; b`, `if x: b`), or a form feed in the indent
    if getattr(stmt, "decorator_list", None) and not head.startswith("@", indent):
        return False
    if first > 1 and lines[first - 2].rstrip("\r\n").endswith("\\"):
        return False  # the line before runs on into this one
    tail = lines[last - 1]
    end_col = stmt.end_col_offset or 0
    rest = tail[end_col:] if tail.isascii() else tail.encode("utf-8")[end_col:].decode("utf-8", "replace")
    return _AFTER_END.match(rest) is not None


def _import_offset(sm: SourceMap, starts: List[int], line_of: Callable[[int], int]) -> Optional[int]:
    """Where locate._insert_imports would put new import lines, as an offset into the text; None if unsure."""
    body = sm.tree.body
    if not body:
        return None
    at = 0
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.JoinedStr):
        return None  # libcst may call an implicitly concatenated f-string a docstring
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
            isinstance(first.value.value, (str, bytes)):
        at = 1
    last = None
    for i, stmt in enumerate(body):
        if i > 0 and (body[i - 1].end_lineno or body[i - 1].lineno) >= sm._start(stmt)[0]:
            return None  # two statements on one line: libcst's statement lines differ from ast's statements
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            last = i
        elif isinstance(stmt, _CODE_STARTS):
            break
    at = (last + 1) if last is not None else at
    if at == 0:
        line = line_of(sm._start(body[0])[0])  # below the comments above the first statement
        return starts[line - 1] if 1 <= line < len(starts) else None
    before = body[at - 1]
    line = line_of(before.end_lineno or before.lineno)
    if not 1 <= line < len(starts):
        return None
    if (at < len(body) and line_of(sm._start(body[at])[0]) <= line) or not _ends_line(sm, before):
        return None
    return starts[line]


def _ends_line(sm: SourceMap, stmt: ast.stmt) -> bool:
    """The statement's last line ends with a newline and holds nothing after it but a comment."""
    lines = sm.lines()
    last = stmt.end_lineno or stmt.lineno
    if not 1 <= last <= len(lines):
        return False
    tail = lines[last - 1]
    end_col = stmt.end_col_offset or 0
    rest = tail[end_col:] if tail.isascii() else tail.encode("utf-8")[end_col:].decode("utf-8", "replace")
    return _AFTER_END.match(rest) is not None and rest.endswith(("\n", "\r"))
