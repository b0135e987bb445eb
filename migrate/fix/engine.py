"""The fixer for Python files: findings in, fixed text out.

    fix_source(source, path, findings, options) -> FixResult

1. Plan, reading only `ast` (the analyser's tree, when the findings carry it): per call, the endpoint rewrite (endpoint.py) or
   the shim route (shim_route.py), as the rule's `reply` block decides from
   how the reply is used (reply.py); then each request check of the call
   (the Accept header, the token: PYTHON_FIXES in request_rules.py), which
   the endpoint rewrite may already have settled;
   legacy client imports (imports.py). A site that cannot be rewritten is
   left for a person, with the reason.
2. With --add-todo, comment the sites left (todo.py).
3. Only when there is an edit: libcst parses each statement holding a
   planned node alone, locates and verifies the nodes, transforms and prints
   the statement back in place of its lines (statements.py); when a statement
   cannot be cut out cleanly, the same on the whole module (locate.py).
4. Parse the result again; any failure leaves the text as it was and reports
   one error line.
"""
from __future__ import annotations

import ast
import sys
from collections import OrderedDict
from dataclasses import replace
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from circleci_v2.rules import Catalogue

from ..findings import Finding
from .edits import Edits
from .endpoint import reply_decision, rewrite_endpoint
from .imports import (import_table, legacy_imports, plan_alias_merge, plan_import, plan_requests_swap,
                      requests_alias, requests_imports, swap_module, swapped_by_import)
from .interface import (LEFT_UNPLANNED, MANUAL, SAFE, UNSAFE, CannotFix, Change, FixOptions, FixResult, Left, NeedsUnsafe,
                    Outcome, first_line, manual_reason)
from .reply import STATUS_ONLY, reply_use
from .request_rules import PYTHON_FIXES, RequestCall, token_markers
from .shape import Draft, merge, shape_for
from .shim_route import route_import, route_through_shim
from .source_map import SourceMap
from .todo import add_todos, todo_line

RECURSION_LIMIT = 20000
# parse only the statements holding edits (statements.py), falling back to the whole module; tests turn it
# off to compare both paths
BY_STATEMENT = True


def fix_source(source: str, path: str, findings: Sequence[Finding], options: Optional[FixOptions] = None,
               catalogue: Optional[Catalogue] = None, newline: Optional[str] = None) -> FixResult:
    """Fix one Python file's text. Never raises for a problem in the file: FixResult.errors says it."""
    options = options or FixOptions()
    return plan_source(source, path, findings, options, catalogue, newline).apply(options.add_todo)


def plan_source(source: str, path: str, findings: Sequence[Finding], options: Optional[FixOptions] = None,
                catalogue: Optional[Catalogue] = None, newline: Optional[str] = None,
                previous: Optional["PythonPlan"] = None) -> "PythonPlan":
    """Decide, reading only `ast`, what `fix` does with each finding of one Python file (PythonPlan.outcome);
    PythonPlan.apply then writes exactly that. `check` shows the same decision ([*], [~]). `previous`, a plan
    of the same text in the other mode, lends its source map (read only) instead of building another."""
    options = options or FixOptions()
    if catalogue is None:
        from circleci_v2.rules import load_catalogue

        catalogue = load_catalogue()
    sm = previous.sm if previous is not None and previous.source is source else None
    return PythonPlan(source, path, findings, options, catalogue, newline, sm)


class PythonPlan:
    """The fixer's plan for one Python file: per finding, changed (how safely) or left (why); edits to apply."""

    def __init__(self, source: str, path: str, findings: Sequence[Finding], options: FixOptions,
                 catalogue: Catalogue, newline: Optional[str], sm: Optional[SourceMap] = None) -> None:
        self.source = source
        self.path = path
        self.newline = newline
        self.bom = source.startswith("\ufeff")
        self.text = source[1:] if self.bom else source
        self.errors: List[str] = []
        self.planner: Optional[_Planner] = None
        self.sm: Optional[SourceMap] = None
        if not findings:
            return
        try:
            self.sm = sm if sm is not None else SourceMap(self.text, path, _analysed_tree(findings, self.text))
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            self.errors.append(f"cannot parse: {exc}")
            return
        self.planner = _Planner(self.sm, catalogue, options)
        self.planner.plan(findings)

    def outcome(self, f: Finding) -> Outcome:
        if self.planner is None:
            return Outcome(False, MANUAL, self.errors[0] if self.errors else LEFT_UNPLANNED.reason)
        return self.planner.outcomes.get(id(f), LEFT_UNPLANNED)

    def apply(self, add_todo: bool = False) -> FixResult:
        """The fixed text, with the changes and the sites left; once per plan (TODO marks update the plan)."""
        source, text, path = self.source, self.text, self.path
        result = FixResult(path=path, source=source, text=source, errors=list(self.errors))
        planner, sm = self.planner, self.sm
        if planner is None or sm is None:
            return result
        result.changes = sorted(planner.changes, key=lambda c: (c.line, c.rule_id))
        new_text = text
        inserted: Dict[int, int] = {}  # line of `text` -> TODO lines added above it
        if add_todo and planner.todo_items:
            new_text, marked = add_todos(new_text, planner.todo_items, self.newline or _newline_of(text), inserted)
            planner.mark_todos(marked)
        result.left = sorted(planner.left, key=lambda l: (l.line, l.column, l.rule_id))
        if planner.edits:
            planner.set_scope()
            try:
                new_text = _apply(new_text, planner.edits, splice=new_text == text, sm=sm,
                                  line_of=_line_map(inserted))
            except Exception as exc:  # libcst or our own locate check: the file stays as it was
                result.errors.append(_one_line(exc))
                result.changes = []
                return result
        if new_text != text:
            try:
                with _quiet():
                    ast.parse(new_text, filename=path)
            except (SyntaxError, ValueError) as exc:
                result.errors.append(f"the fixed file does not parse ({exc}); left unchanged")
                result.changes = []
                return result
        result.text = ("\ufeff" + new_text) if self.bom else new_text
        return result


def _analysed_tree(findings: Sequence[Finding], text: str) -> Optional[ast.Module]:
    """The analyser's tree of this very text, if the findings carry it (then the text is not parsed again)."""
    for f in findings:
        module = getattr(f.site, "module", None)
        if module is not None:
            return module.tree if (module.source is text or module.source == text) else None
    return None


def _line_map(inserted: Dict[int, int]) -> Optional[Callable[[int], int]]:
    """Line numbers of the text the plan was made on -> of the text with TODO lines inserted."""
    if not inserted:
        return None
    marks = sorted(inserted.items())
    return lambda n: n + sum(count for line, count in marks if line <= n)


def _apply(text: str, edits: Edits, splice: bool = True, sm: Optional[SourceMap] = None,
           line_of: Optional[Callable[[int], int]] = None) -> str:
    import libcst

    from .locate import apply_edits

    # libcst recurses once per level of nesting, and implicitly concatenated strings nest: a module such as
    # pydoc_data/topics.py needs more than the default limit. The limit is put back afterwards.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, RECURSION_LIMIT))
    try:
        if BY_STATEMENT and sm is not None:
            from .statements import apply_by_statement

            try:
                done = apply_by_statement(text, edits, sm, line_of)
            except RecursionError:
                raise
            except Exception:  # anything unexpected on the short path: the whole-module path decides
                done = None
            if done is not None:
                return done
        try:
            module = libcst.parse_module(text)
        except libcst.ParserSyntaxError as exc:
            raise ValueError(f"libcst cannot parse this file: {' '.join(str(exc).split())[:200]}") from None
        return apply_edits(module, edits, text if splice else None)
    except RecursionError:
        raise ValueError("too deeply nested for the rewriter (recursion limit); left unchanged") from None
    finally:
        sys.setrecursionlimit(limit)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    if name in ("LocateError", "ValueError"):
        return text
    return f"internal error in the fixer: {name}: {text} (please report it with this file)"


class _quiet:
    def __enter__(self) -> None:
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc: Any) -> None:
        self._w.__exit__(*exc)


def _newline_of(text: str) -> str:
    i = text.find("\n")
    if i > 0 and text[i - 1] == "\r":
        return "\r\n"
    if i < 0 and "\r" in text:
        return "\r"
    return "\n"


class _Planner:
    def __init__(self, sm: SourceMap, catalogue: Catalogue, options: FixOptions) -> None:
        self.sm = sm
        self.catalogue = catalogue
        self.options = options
        self.edits = Edits()
        self.changes: List[Change] = []
        self.left: List[Left] = []
        self.todo_items: List[Tuple[int, str, str]] = []
        self._todo_of: Dict[int, Tuple[int, str]] = {}  # index in self.left -> (line, rule id)
        self.checks: Dict[str, str] = {}  # rule id -> its request.check (PYTHON_FIXES plans each)
        for rule in catalogue.of_kind("request"):
            if rule.request_check is not None:
                self.checks[rule.id] = rule.request_check
        self.token_markers: Tuple[str, ...] = token_markers(catalogue)
        self.table = import_table(catalogue)
        self._left_findings: List[Tuple[Finding, Left]] = []
        self.outcomes: Dict[int, Outcome] = {}  # id(finding) -> what the plan does with it
        self.routed: List[Tuple[ast.Call, Finding]] = []  # calls routed through the shim one by one

    # ---- outcomes ---------------------------------------------------------------------------------

    def change(self, f: Finding, description: str, fix: str = SAFE) -> None:
        self.changes.append(Change(f.rule_id, f.line, description, fix, f.column))
        self.outcomes[id(f)] = Outcome(True, fix)

    def leave(self, f: Finding, reason: str, needs: str = MANUAL) -> None:
        self.outcomes[id(f)] = Outcome(False, needs, reason)
        rule = self.catalogue.get(f.rule_id)
        guidance = rule.guidance if rule is not None else ""
        left = Left(f.rule_id, f.line, f.column, f.message, reason, guidance, needs)
        self.left.append(left)
        self._left_findings.append((f, left))
        if needs == MANUAL and f.site is not None and not _runs_through_shim(rule, f.site):
            node = getattr(f.site, "node", None) or getattr(f.site, "call", None) or getattr(f.site, "import_node", None)
            mine = self.sm.same_node(node) if node is not None else None
            line = todo_line(self.sm, mine) if mine is not None else f.line
            self.todo_items.append((line, f.rule_id, first_line(guidance)))
            self._todo_of[len(self.left) - 1] = (line, f.rule_id)

    def set_scope(self) -> None:
        """Tell locate.py which top-level statements hold planned nodes (all of them for attribute renames)."""
        edits = self.edits
        if edits.chain_renames:
            edits.scope = None
            return
        sm = self.sm
        nodes = ([sm.ordered[ast.Call][i] for i in edits.calls] + [sm.ordered[ast.Dict][i] for i in edits.dicts]
                 + [sm.ordered[ast.Assign][i] for i in edits.assigns]
                 + [sm.ordered[getattr(ast, kind)][i] for kind, i in edits.imports])
        edits.scope = sm.scope(nodes)
        edits.locator = sm

    def mark_todos(self, marked: Dict[Tuple[int, str], bool]) -> None:
        for i, key in self._todo_of.items():
            if marked.get(key):
                old = self.left[i]
                self.left[i] = Left(old.rule_id, old.line, old.column, old.message, old.reason, old.guidance,
                                    old.needs, todo=True)

    # ---- planning ---------------------------------------------------------------------------------

    def plan(self, findings: Sequence[Finding]) -> None:
        calls: "OrderedDict[int, List[Finding]]" = OrderedDict()
        imports: List[Finding] = []
        clients: List[Finding] = []
        for f in sorted(findings, key=lambda f: f.sort_key):
            rule = self.catalogue.get(f.rule_id)
            site = f.site
            if rule is not None and f.fix == MANUAL:
                self.leave(f, f.reason or manual_reason(rule))
                continue
            if rule is None or site is None or not hasattr(site, "call_index"):
                self.leave(f, "no automatic fix for this kind of finding")
                continue
            if f.fix == UNSAFE and not self.options.unsafe:
                self.leave(f, "needs --unsafe-fixes", needs=UNSAFE)
                continue
            if rule.kind == "import":
                imports.append(f)
            elif rule.kind == "client":
                clients.append(f)
            elif site.call is None or site.call_index < 0 or site.wrapper is not None:
                self.leave(f, f.reason or "the request is not sent at this call")
            else:
                calls.setdefault(site.call_index, []).append(f)
        for index, group in calls.items():
            self.plan_call(index, group)
        self.plan_imports(imports, clients)
        if self.options.unsafe:
            self.plan_requests_swap()

    def _my_call(self, index: int, f: Finding) -> Optional[ast.Call]:
        call = self.sm.call(index)
        if call is f.site.call:  # the analyser's own tree
            return call
        if call is None or ast.dump(call) != ast.dump(f.site.call):
            return None
        return call

    def plan_call(self, index: int, group: List[Finding]) -> None:
        call = self._my_call(index, group[0])
        if call is None:
            for f in group:
                self.leave(f, "the call could not be found again in the file")
            return
        endpoint = [f for f in group if self.catalogue[f.rule_id].kind == "endpoint"]
        checked = [f for f in group if f.rule_id in self.checks]
        for f in group:
            if f not in endpoint and f not in checked:
                self.leave(f, "no automatic fix for this rule")
        covered = False
        for f in endpoint:
            covered = self.plan_endpoint(call, f) or covered
        request = RequestCall(self.sm, call, covered, self.token_markers)
        checked.sort(key=lambda f: PYTHON_FIXES.order(self.checks[f.rule_id]))  # stable: same check, same order
        for f in self._plan_together(request, checked):
            rule, fix = self.catalogue[f.rule_id], PYTHON_FIXES[self.checks[f.rule_id]]
            self._attempt(f, lambda d, rule=rule, fix=fix, f=f: fix(rule, request, d, f))

    def _plan_together(self, request: RequestCall, checked: List[Finding]) -> List[Finding]:
        """Try the fixes registered for several checks of one call (PYTHON_FIXES.together); the findings left
        to fix one by one. A fix that cannot be planned (CannotFix) plans nothing: the findings stay."""
        for names, fix in PYTHON_FIXES.combinations():
            found = {name: [f for f in checked if self.checks[f.rule_id] == name] for name in names}
            if not all(found.values()):
                continue
            draft = Draft(self.sm)
            try:
                descriptions = fix(request, draft, found)
                if descriptions is None:
                    continue
                merge(self.edits, draft.edits)
            except CannotFix:
                continue
            for name, fs in found.items():
                for f in fs:
                    self.change(f, descriptions[name])
            checked = [f for f in checked if self.checks[f.rule_id] not in names]
        return checked

    def _attempt(self, f: Finding, planner: Any) -> bool:
        draft = Draft(self.sm)
        try:
            fix_class, text = planner(draft)
            merge(self.edits, draft.edits)
        except NeedsUnsafe as exc:
            self.leave(f, f"needs --unsafe-fixes: {exc}", needs=UNSAFE)
            return False
        except CannotFix as exc:
            self.leave(f, str(exc))
            return False
        self.change(f, text, fix_class)
        return True

    def plan_endpoint(self, call: ast.Call, f: Finding) -> bool:
        """True when the call was rewritten to v2 (which also sets Accept and moves the token)."""
        rule = self.catalogue[f.rule_id]
        site = f.site
        use = reply_use(self.sm, call)
        assumed = False
        if use.kind != STATUS_ONLY and self.options.unsafe:
            followed = reply_use(self.sm, call, follow_returns=True)
            if followed.kind == STATUS_ONLY and reply_decision(rule, followed) == "rewrite":
                use, assumed = followed, True
        decision = reply_decision(rule, use)
        if decision == "manual":
            fields = f" ({', '.join(use.fields)})" if use.fields else ""
            note = rule.reply.get("note")
            reason = f"the code uses the v1.1 reply: {use.detail}{fields}"
            self.leave(f, reason + (f"; {note}" if note else ""))
            return False
        if decision == "shim":
            # the call keeps its v1.1 URL: the Accept header and the token are still fixed below
            if self._attempt(f, lambda d: route_through_shim(d, call, site, rule, self.options.unsafe)):
                self.routed.append((call, f))
            return False

        def rewrite(draft: Draft) -> Tuple[str, str]:
            fix_class, text = rewrite_endpoint(draft, call, site, rule, shape_for(call, site.library),
                                               self.options.unsafe, self.token_markers)
            if assumed:
                # unsafe: another module importing this function could still read the v1.1 reply
                return UNSAFE, f"{text}; the reply is {use.detail} (unsafe: assumes no other module calls it)"
            return fix_class, text

        return self._attempt(f, rewrite)

    def plan_imports(self, imports: List[Finding], clients: List[Finding]) -> None:
        planned: Dict[int, Optional[str]] = {}  # id(stmt) -> description, or None when it failed

        def plan(stmt: ast.AST) -> str:
            key = id(stmt)
            if key not in planned:
                try:
                    planned[key] = plan_import(self.sm, stmt, self.table, self.edits)
                except CannotFix:
                    planned[key] = None
                    raise
            if planned[key] is None:
                raise CannotFix("the import could not be rewritten")
            return planned[key]  # type: ignore[return-value]

        for f in imports:
            stmt = self.sm.same_node(f.site.import_node) if f.site.import_node is not None else None
            if stmt is None:
                self.leave(f, "the import could not be found again in the file")
                continue
            try:
                self.change(f, plan(stmt))
            except CannotFix as exc:
                self.leave(f, str(exc))
        for f in clients:
            cm = f.site.client
            package = cm.module.split(".")[0] if cm is not None else None
            stmts = legacy_imports(self.sm, self.table, package) if package else []
            if not stmts:
                self.leave(f, "the client class is not imported in this file: change the import where it is, "
                              f"to {cm.drop_in if cm is not None and cm.drop_in else 'the drop-in'}")
                continue
            try:
                lines = [plan(s) and s.lineno for s in stmts]
            except CannotFix as exc:
                self.leave(f, str(exc))
                continue
            drop = cm.drop_in or "the drop-in"
            self.change(f, f"the drop-in {drop} keeps this signature (import changed at line "
                           f"{', '.join(str(n) for n in lines)})")

    def plan_requests_swap(self) -> None:
        """Unsafe: a file whose v1.1 calls through `requests` could not be rewritten imports the shim's requests."""
        module = swap_module(self.catalogue)
        if module is None:
            return
        stay: List[Tuple[Finding, Left]] = []
        move: List[Tuple[Finding, Left]] = []
        for f, left in self._left_findings:
            rule = self.catalogue.get(f.rule_id)
            site = f.site
            # only calls the shim runs: one it refuses (DELETE build-cache) is left for a person as it is
            if (rule is not None and rule.kind == "endpoint" and rule.shim.get("runs") == "translated"
                    and site is not None and swapped_by_import(getattr(site, "library", None))
                    and not getattr(site, "drop_in", None)):
                move.append((f, left))
            else:
                stay.append((f, left))
        if not move:
            return
        done = plan_requests_swap(self.sm, module, self.edits)
        if not done:
            return
        moved = {id(left) for _, left in move}
        keep_left = [l for l in self.left if id(l) not in moved]
        index_map = {id(l): i for i, l in enumerate(keep_left)}
        self._todo_of = {index_map[id(self.left[i])]: v for i, v in self._todo_of.items()
                         if id(self.left[i]) in index_map}
        self.todo_items = [t for t in self.todo_items
                           if any(t[:2] == v for v in self._todo_of.values())]
        self.left = keep_left
        self._left_findings = stay
        where = ", ".join(f"line {line}" for line, _ in done)
        merged = self._one_shim_import(module)
        for f, _ in move:
            self.change(f, f"runs through {module} now (`import requests` at {where} points at the shim, "
                           "which translates this v1.1 call at run time)" + (f"; {merged}" if merged else ""), UNSAFE)

    def _one_shim_import(self, module: str) -> Optional[str]:
        """The file's `requests` now is the shim's: the calls routed one by one keep that name instead of a
        second import of the same module, and an alias an earlier run imported goes (plan_alias_merge)."""
        sm, edits = self.sm, self.edits
        names = {requests_alias(s) for s in requests_imports(sm) if s in sm.tree.body}
        unrouted: Dict[str, str] = {}  # import statement the routing planned -> the name it binds
        for call, f in self.routed:
            target = route_import(self.catalogue[f.rule_id])
            edit = edits.calls.get(sm.ordinal(call))
            if (target is None or target[0] != module or edit is None
                    or call.func.value.id not in names):  # type: ignore[attr-defined]
                continue
            edit.receiver = None
            unrouted[target[2]] = target[1]
            name = call.func.value.id  # type: ignore[attr-defined]
            self.changes = [replace(c, description=f"routed through {module} (keeps the v1.1 reply the code reads): "
                                                   f"`{name}` is the shim's now, as the file's `import requests` "
                                                   "is switched to it")
                            if c.rule_id == f.rule_id and c.line == f.line and c.column == f.column else c
                            for c in self.changes]
        still = {c.receiver for c in edits.calls.values() if c.receiver}
        edits.new_imports = [code for code in edits.new_imports
                             if code not in unrouted or unrouted[code] in still]
        return plan_alias_merge(sm, module, names.pop(), edits) if len(names) == 1 else None


def _runs_through_shim(rule: Any, site: Any) -> bool:
    """A call a drop-in translates: it runs, check keeps it visible; no TODO comment (fix already made it so)."""
    return bool(getattr(site, "drop_in", None)) and rule is not None and rule.shim.get("runs") == "translated"
