"""Find the planned nodes in the libcst tree by ordinal, check them, and apply the edits.

The analyser and the planner speak `ast`; the rewrite is libcst. A node is
found by its ordinal among nodes of its type: libcst visits in pre-order,
which is source order, the same order the ast nodes were sorted in
(source_map.sort_key). Each located node is VERIFIED against what the plan
expects (the callee's text, the dict's keys, the assignment's target, the
import's text); one mismatch refuses the whole file (LocateError) rather than
rewrite the wrong code.

One transformer pass, no metadata, no deep copy. statements.py runs the same
transformer over single statements; the whole-module entry point here is its
fallback.
"""
from __future__ import annotations

import keyword
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import libcst as cst

from .edits import AssignEdit, CallEdit, DictEdit, Edits, NewDict, StatementEdit
from .signature import cst_dict_keys, cst_import, cst_shape


class LocateError(Exception):
    """A planned node was not where the plan says: the file is left as it was."""


def apply_edits(module: cst.Module, edits: Edits, source: Optional[str] = None) -> str:
    """The module's text with the edits applied; LocateError when a planned node is missing or does not match.

    With `edits.scope` (statement paths from SourceMap.scope), only the
    statements holding a planned node are visited, each starting from the node
    counts the plan computed for it: the rest of the tree is neither visited
    nor rebuilt. With `source` (the text parsed), only the changed top-level
    statements are generated again and spliced in; the rest of the text is
    copied. Otherwise the whole module is visited and generated.
    """
    if edits.scope is None or edits.locator is None:
        transformer = _Apply(edits, {})
        result = module.visit(transformer)
        _check_done(edits, transformer.done)
        return result.code
    done: set = set()
    body, changed = _apply_level(list(module.body), (), edits, done)
    _check_done(edits, done)
    new_module = module.with_changes(body=body)
    if edits.new_imports:
        return _insert_imports(new_module, edits.new_imports).code
    # splicing generates the changed statements twice (old, to check the cut, and new): worth it only when
    # they are a small part of the file, and it maps them one to one (a split import line is two)
    if (source is not None and len(body) == len(module.body)
            and _changed_share(changed, module, edits.locator, source) < SPLICE_SHARE):
        text = _splice(source, module, new_module, changed, edits.locator)
        if text is not None:
            return text
    return new_module.code


def _check_done(edits: Edits, done: set) -> None:
    missing = _missing(edits, done)
    if missing:
        raise LocateError(f"could not find {missing} in the parsed file; nothing was changed")


_BLOCKS = (cst.FunctionDef, cst.ClassDef, cst.With, cst.For, cst.While, cst.If, cst.Try)


def _apply_level(stmts: List[Any], prefix: Tuple[int, ...], edits: Edits, done: set) -> Tuple[List[Any], List[Tuple[int, int]]]:
    """Apply the edits under the statements at `prefix`; (new statements, [(list index, ast index)] changed)."""
    assert edits.scope is not None and edits.locator is not None
    depth = len(prefix)
    out = list(stmts)
    changed: List[Tuple[int, int]] = []
    index = 0  # the ast index of stmts[k]: a simple statement line holds one ast statement per small statement
    for k, stmt in enumerate(stmts):
        width = len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
        mine = [p for p in edits.scope if len(p) > depth and p[:depth] == prefix and index <= p[depth] < index + width]
        if mine:
            here = prefix + (index,)
            whole = width > 1 or any(len(p) == depth + 1 for p in mine) or not (
                isinstance(stmt, _BLOCKS) and isinstance(stmt.body, cst.IndentedBlock))
            if whole:
                transformer = _Apply(edits, edits.locator.counts_at(here))
                out[k] = stmt.visit(transformer)  # a FlattenSentinel when an import line was split
                done |= transformer.done
            else:
                inner, _ = _apply_level(list(stmt.body.body), here, edits, done)
                out[k] = stmt.with_changes(body=stmt.body.with_changes(body=inner))
            changed.append((k, index))
        index += width
    return flat_statements(out), changed


def flat_statements(stmts: Sequence[Any]) -> List[Any]:
    """A statement list with the lines a split import became (a FlattenSentinel) in its place."""
    return [node for stmt in stmts
            for node in (stmt.nodes if isinstance(stmt, cst.FlattenSentinel) else (stmt,))]


SPLICE_SHARE = 0.3


def _changed_share(changed: List[Tuple[int, int]], module: cst.Module, locator: Any, source: str) -> float:
    """The share of the file's lines the changed top-level statements span (from the ast positions)."""
    total = source.count("\n") + 1
    lines = 0
    for _, ast_index in changed:
        stmt = locator.statement_at((ast_index,))
        lines += (getattr(stmt, "end_lineno", None) or stmt.lineno) - locator.start_line((ast_index,)) + 1
    return lines / total


def _splice(source: str, old: cst.Module, new: cst.Module, changed: List[Tuple[int, int]], locator: Any) -> Optional[str]:
    """Regenerate only the changed top-level statements and put them where the old ones were; None to give up."""
    from .todo import split_lines

    lines = split_lines(source)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    text = source
    for k, ast_index in sorted(changed, reverse=True):
        old_stmt, new_stmt = old.body[k], new.body[k]
        first = locator.start_line((ast_index,)) - len(old_stmt.leading_lines)
        if not 1 <= first <= len(lines):
            return None
        offset = starts[first - 1]
        old_code = old.code_for_node(old_stmt)
        if not text.startswith(old_code, offset):
            return None  # the text does not match what libcst would write: generate the whole module
        text = text[:offset] + new.code_for_node(new_stmt) + text[offset + len(old_code):]
    return text


def _missing(edits: Edits, done: set) -> Optional[str]:
    wanted = ([("call", i) for i in edits.calls] + [("dict", i) for i in edits.dicts]
              + [("assign", i) for i in edits.assigns] + [("import", k[1]) for k in edits.imports])
    for kind, index in wanted:
        if (kind, index) not in done:
            return f"{kind} #{index}"
    return None


def _leaf_types() -> frozenset:
    """libcst node types that can hold no call, dict, assignment or import: names, literals, whitespace, punctuation."""
    bases = (cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp)
    out = {cst.Name, cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.FormattedStringText,
           cst.SimpleWhitespace, cst.ParenthesizedWhitespace, cst.Newline, cst.Comment, cst.EmptyLine,
           cst.TrailingWhitespace, cst.Comma, cst.Dot, cst.Colon, cst.Semicolon, cst.AssignEqual,
           cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
           cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.ImportStar, cst.Pass, cst.Break, cst.Continue}
    for value in vars(cst).values():
        if isinstance(value, type) and issubclass(value, bases):
            out.add(value)
    return frozenset(out)


_LEAVES = _leaf_types()


class _Apply(cst.CSTTransformer):
    def on_visit(self, node: cst.CSTNode) -> bool:
        # a transformer rebuilds every node it goes into; nothing in these is ever edited or counted
        t = type(node)
        if t in _LEAVES or (t is cst.Attribute and not self.edits.chain_renames and _dotted(node) is not None):
            return False  # `a.b.c` holds nothing to count or edit (unless attribute chains are renamed)
        return super().on_visit(node)

    def __init__(self, edits: Edits, start: Dict[str, int]) -> None:
        super().__init__()
        self.edits = edits
        self.count: Dict[str, int] = {k: start.get(k, 0) for k in ("Call", "Dict", "Assign", "Import", "ImportFrom")}
        self.ordinal: Dict[int, int] = {}
        self.done: set = set()
        self.in_import = 0
        self.split: set = set()  # ids of the import statements split in several

    def _visit(self, kind: str, node: cst.CSTNode) -> None:
        self.ordinal[id(node)] = self.count[kind]
        self.count[kind] += 1

    # ---- calls ------------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        self._visit("Call", node)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        index = self.ordinal[id(original)]
        edit = self.edits.calls.get(index)
        if edit is None:
            return updated
        found = cst_shape(original.func)
        if found != edit.expect_shape:
            raise LocateError(f"call #{index} is `{found}(...)`, expected `{edit.expect_func}(...)`")
        self.done.add(("call", index))
        return _edit_call(updated, edit)

    # ---- dicts ------------------------------------------------------------------------------------

    def visit_Dict(self, node: cst.Dict) -> None:
        self._visit("Dict", node)

    def leave_Dict(self, original: cst.Dict, updated: cst.Dict) -> cst.BaseExpression:
        index = self.ordinal[id(original)]
        edit = self.edits.dicts.get(index)
        if edit is None:
            return updated
        keys = cst_dict_keys(original)
        if keys != tuple(edit.expect_keys):
            raise LocateError(f"dict #{index} has keys {keys}, expected {edit.expect_keys}")
        self.done.add(("dict", index))
        return _edit_dict(updated, edit)

    # ---- assignments ------------------------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        self._visit("Assign", node)

    def leave_Assign(self, original: cst.Assign, updated: cst.Assign) -> cst.Assign:
        index = self.ordinal[id(original)]
        edit: Optional[AssignEdit] = self.edits.assigns.get(index)
        if edit is None:
            return updated
        shapes = tuple(cst_shape(t.target) for t in original.targets)
        if shapes != tuple(edit.expect_shapes):
            raise LocateError(f"assignment #{index} is to `{shapes}`, expected `{edit.expect_target}`")
        self.done.add(("assign", index))
        return updated.with_changes(value=expression(edit.value))

    # ---- imports ----------------------------------------------------------------------------------

    def visit_Import(self, node: cst.Import) -> None:
        self._visit("Import", node)
        self.in_import += 1

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._visit("ImportFrom", node)
        self.in_import += 1

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> Any:
        self.in_import -= 1
        return self._statement("Import", original, updated)

    def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> Any:
        self.in_import -= 1
        return self._statement("ImportFrom", original, updated)

    def _statement(self, kind: str, original: cst.CSTNode, updated: cst.CSTNode) -> Any:
        index = self.ordinal[id(original)]
        edit: Optional[StatementEdit] = self.edits.imports.get((kind, index))
        if edit is None:
            return updated
        found = cst_import(original)
        if found != tuple(edit.expect_sig):
            raise LocateError(f"import #{index} is {found}, expected `{edit.expect}`")
        self.done.add(("import", index))
        if not edit.code:  # the statement goes (imports.plan_alias_merge); its line goes with it when alone
            return cst.RemoveFromParent()
        new = cst.parse_statement(edit.code + "\n")
        assert isinstance(new, cst.SimpleStatementLine)
        semicolon = getattr(updated, "semicolon", cst.MaybeSentinel.DEFAULT)
        if len(new.body) == 1:
            return new.body[0].with_changes(semicolon=semicolon)
        # one import became several (imports.plan_requests_swap splits `import os, requests`): `a; b` here,
        # lines of their own in leave_SimpleStatementLine when the statement had its line to itself
        self.split.add(id(original))
        return cst.FlattenSentinel([*new.body[:-1], new.body[-1].with_changes(semicolon=semicolon)])

    def leave_SimpleStatementLine(self, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine) -> Any:
        if len(original.body) != 1 or id(original.body[0]) not in self.split:
            return updated
        last = len(updated.body) - 1
        return cst.FlattenSentinel([
            cst.SimpleStatementLine(body=[small.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)],
                                    leading_lines=updated.leading_lines if i == 0 else (),
                                    trailing_whitespace=updated.trailing_whitespace if i == last
                                    else cst.TrailingWhitespace())
            for i, small in enumerate(updated.body)])

    # ---- attribute chains (import circleci.api -> circleci_v2.shim.circleci) ----------------------

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if not self.edits.chain_renames or self.in_import:
            return updated
        name = _dotted(original)
        if name is not None and name in self.edits.chain_renames:
            new = cst.parse_expression(self.edits.chain_renames[name])
            return new.with_changes(lpar=updated.lpar, rpar=updated.rpar)  # type: ignore[call-arg]
        return updated

    # ---- new imports ------------------------------------------------------------------------------

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if not self.edits.new_imports:
            return updated
        return _insert_imports(updated, self.edits.new_imports)


def _insert_imports(module: cst.Module, statements: Sequence[str]) -> cst.Module:
    body = list(module.body)
    at = _import_insertion_point(body)
    new = [cst.parse_statement(code + "\n") for code in statements]
    if at == 0 and body:
        # keep the file's leading comments (shebang, licence) above the new lines
        first = body[0]
        new[0] = new[0].with_changes(leading_lines=first.leading_lines)
        body[0] = first.with_changes(leading_lines=())
    return module.with_changes(body=body[:at] + new + body[at:])


def _dotted(node: cst.BaseExpression) -> Optional[str]:
    parts: List[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and bool(stmt.body) and \
        all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and \
        isinstance(stmt.body[0], cst.Expr) and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


def _import_insertion_point(body: Sequence[cst.CSTNode]) -> int:
    """After the last import of the module's leading block (docstring, imports); else after the docstring."""
    at = 0
    if body and _is_docstring(body[0]):
        at = 1
    last = None
    for i, stmt in enumerate(body):
        if _is_import_line(stmt):
            last = i
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef, cst.For, cst.While, cst.With)):
            break  # the module's code starts here; later imports are local business
    return (last + 1) if last is not None else at


# ---- call and dict surgery --------------------------------------------------------------------


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SIMPLE_STRING = re.compile(r"""[rRbBuU]{0,2}(?:'[^'\\\n]*'|"[^"\\\n]*")""")


def expression(code: str) -> cst.BaseExpression:
    """A libcst node for `code`; names and plain string literals are built directly (a parse costs ~30 us)."""
    if _SIMPLE_STRING.fullmatch(code):
        return cst.SimpleString(code)
    if _NAME.fullmatch(code) and not keyword.iskeyword(code):
        return cst.Name(code)
    return cst.parse_expression(code)


def _new_dict(new: NewDict) -> cst.BaseExpression:
    if new.wrapper != "{}":
        return cst.parse_expression(new.code())
    elements = [cst.DictElement(key=expression(k), value=expression(v)) for _, k, v in new.entries]
    return cst.Dict(elements=elements)


def _positional(args: Sequence[cst.Arg]) -> List[int]:
    return [i for i, a in enumerate(args) if a.keyword is None and a.star != "**"]


def _index_of(args: Sequence[cst.Arg], selector: Any) -> Optional[int]:
    if isinstance(selector, int):
        pos = _positional(args)
        return pos[selector] if selector < len(pos) else None
    for i, a in enumerate(args):
        if a.keyword is not None and a.keyword.value == selector:
            return i
    return None


def _edit_call(call: cst.Call, edit: CallEdit) -> cst.Call:
    args = list(call.args)
    for selector, code in edit.arg_values.items():
        i = _index_of(args, selector)
        if i is None:
            raise LocateError(f"argument {selector!r} not found")
        args[i] = args[i].with_changes(value=expression(code))
    removed = sorted((i for i in (_index_of(args, s) for s in edit.remove_args) if i is not None), reverse=True)
    for i in removed:
        args = _remove_item(args, i, call_args=True)
    new_args = []
    for name, value in edit.add_kwargs.items():
        node = _new_dict(value) if isinstance(value, NewDict) else expression(value)
        new_args.append(cst.Arg(keyword=cst.Name(name), value=node,
                                equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                                      whitespace_after=cst.SimpleWhitespace(""))))
    if new_args:
        args = _append_items(args, new_args, call.whitespace_before_args, call_args=True)
    func = call.func
    if edit.receiver is not None:
        if not isinstance(func, cst.Attribute):
            raise LocateError("the callee is not an attribute")
        func = func.with_changes(value=cst.Name(edit.receiver))
    return call.with_changes(args=args, func=func)


def _edit_dict(node: cst.Dict, edit: DictEdit) -> cst.Dict:
    elements = list(node.elements)
    for i, e in enumerate(elements):
        if isinstance(e, cst.DictElement):
            key = _key_text(e.key)
            if key is not None and key in edit.rename:
                elements[i] = e.with_changes(key=expression(edit.rename[key]))
    for i in sorted((i for i, e in enumerate(elements)
                     if isinstance(e, cst.DictElement) and _key_text(e.key) in edit.remove), reverse=True):
        elements = _remove_item(elements, i, call_args=False)
    present = {(_key_text(e.key) or "").lower() for e in elements if isinstance(e, cst.DictElement)}
    new = []
    for key_text, key_code, value_code in edit.ensure:
        if key_text.lower() in present:
            continue
        new.append(cst.DictElement(key=expression(key_code), value=expression(value_code)))
    if new:
        elements = _append_items(elements, new, node.lbrace.whitespace_after, call_args=False)
    return node.with_changes(elements=elements)


def _key_text(key: cst.BaseExpression) -> Optional[str]:
    if isinstance(key, cst.SimpleString):
        value = key.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _sep_ws(items: Sequence[Any], opening_ws: Any) -> Any:
    if len(items) >= 2 and isinstance(items[-2].comma, cst.Comma):
        return items[-2].comma.whitespace_after
    if isinstance(opening_ws, cst.ParenthesizedWhitespace):
        return opening_ws
    return cst.SimpleWhitespace(" ")


def _append_items(items: List[Any], new: List[Any], opening_ws: Any, call_args: bool) -> List[Any]:
    if not items:
        return new
    sep = _sep_ws(items, opening_ws)
    last = items[-1]
    comma = cst.Comma(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=sep)
    multiline = isinstance(sep, cst.ParenthesizedWhitespace)
    new = [n.with_changes(comma=comma) if multiline else n for n in new]
    if isinstance(last.comma, cst.Comma):  # a trailing comma: it moves to the new last item
        trailing = last.comma
        items = items[:-1] + [last.with_changes(comma=comma)]
        new[-1] = new[-1].with_changes(comma=trailing)
    else:
        changes: Dict[str, Any] = {"comma": comma}
        if call_args:
            # the whitespace before `)` lives on the last argument: hand it to the new last one
            changes["whitespace_after_arg"] = cst.SimpleWhitespace("")
            new[-1] = new[-1].with_changes(whitespace_after_arg=last.whitespace_after_arg)
        items = items[:-1] + [last.with_changes(**changes)]
        new[-1] = new[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return items + new


def _remove_item(items: List[Any], index: int, call_args: bool) -> List[Any]:
    removed = items[index]
    rest = items[:index] + items[index + 1:]
    if index == len(items) - 1 and rest:
        changes: Dict[str, Any] = {"comma": removed.comma}
        if call_args:
            changes["whitespace_after_arg"] = removed.whitespace_after_arg
        rest[-1] = rest[-1].with_changes(**changes)
    return rest
