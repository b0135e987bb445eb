"""The Python analyser: source text in, findings out.

    analyse(source, path, catalogue) -> list[Finding]

One `ast.parse`, one walk (index.py), then only the calls that can matter are
evaluated: HTTP calls of the libraries we know, curl through subprocess, calls
of wrapper functions defined in the module, methods of legacy CircleCI clients,
and imports. The rules decide what a request means (`Catalogue.match_request`);
this module decides how sure we are and says why.

Confidence is "high" when the URL, the verb (or the client object) were
resolved in this file and every alternative the code allows gives the same
answer; otherwise "low", with a reason. A low finding is never auto-fixed.
"""
from __future__ import annotations

import ast
import re
import warnings
from dataclasses import replace
from typing import Any, Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

from circleci_v2.rules import ApiUrl, Catalogue, ClientMethod, RuleMatch, placeholder, split_api_url
from circleci_v2.rules.model import Rule

from ..findings import HIGH, LOW, Finding, assumed_parts, verb_not_resolved
from ..request_checks import RequestChecks, Verdict
from ..trigger_sends import project_slug, trigger_shapes
from .evaluate import Evaluator, Frame, label_of, resolve_url
from .evidence import (RouteFinder, RouteSite, agreement, best_of, circle_evidence, keyword_values, most_specific,
                       route_words, sends_post, strong_route, weak_route_ok)
from .headers import ABSENT, PARTIAL, PRESENT
from .command_runners import CommandArguments, mentions_http_tool
from .http_calls import COMMAND_LINE_NOT_REWRITTEN, CURL_LIBRARY, INTERESTING_ATTRS, Request, recognize
from .index import CallSite, ModuleIndex, Scope, build_index
from .positions import Positions
from .project import ProjectModules
from .ruleset import RuleSet, ruleset
from .finding_site import AnalysedModule, PythonCallSite, ResolvedUrl
from .python2_syntax import lift
from .senders import caller_findings, senders_of
from .tokens import NOT_PYTHON3, analyse_tokens
from .trigger_bodies import TriggerBodies
from .values import DictV, Func, Instance, Qual, SeqV, Str, Unknown

_SEVERITY = {"error": 0, "warning": 1, "info": 2}
MAX_RUNS = 64  # alternatives followed per call before giving up (and saying so)
# a rule's `request.check` -> (confidence, reason) when the request shows the problem, else None
PYTHON_CHECKS: RequestChecks[Callable[..., Verdict]] = RequestChecks("the Python analyser")


def analyse(source: str, path: str, catalogue: Catalogue, project: Optional[ProjectModules] = None,
            records: Optional[List[Any]] = None) -> List[Finding]:
    """Findings for one Python file, sorted, one per (rule, site).

    Raises SyntaxError when `ast` cannot read the file; its `findings` attribute then holds the routes
    found in the file's string tokens (low confidence, "does not parse as Python 3"). `project` (one per
    run) resolves the string constants a file imports from the project's own modules. `records`, when
    given, receives a TriggerSend for each trigger call found (migrate/trigger_sends.py).
    """
    if source.startswith("\ufeff"):
        source = source[1:]
    try:
        tree = parse(source, path)
    except SyntaxError as exc:
        # Python 2 and other text ast cannot read: its routes still count; the caller keeps the syntax
        # error as the file's problem and reports these beside it
        exc.findings = _unparsed_findings(source, path, catalogue, project)  # type: ignore[attr-defined]
        raise
    found = _Analysis(source, path, catalogue, tree, project, records).run()
    return _other_modules(tree, source, path, catalogue, project, found)


def _other_modules(tree: ast.Module, source: str, path: str, catalogue: Catalogue,
                   project: Optional[ProjectModules], found: List[Finding]) -> List[Finding]:
    """Record this module's v1.1 senders in the run's index (`project`), and add the findings at this file's calls of the
    senders of the project's other modules (python/senders.py)."""
    if project is None:
        return found
    project.add_senders(path, senders_of(tree, found, path, catalogue))
    callers = caller_findings(tree, Positions(source, tree), path, project,
                              lambda module: project.senders(module, catalogue, analyse), catalogue, found)
    return sorted(found + callers, key=lambda f: f.sort_key) if callers else found


def _unparsed_findings(source: str, path: str, catalogue: Catalogue,
                       project: Optional[ProjectModules]) -> List[Finding]:
    """The routes of a file `ast` cannot read: the full analysis of its Python 2 statements rewritten as
    Python 3 (python2_syntax.py) where that parses, and the string tokens' routes (tokens.py) on the lines
    that analysis reports nothing at. All low confidence and left to a person: there is no tree of the
    real file to rewrite."""
    tokens = analyse_tokens(source, path, catalogue)
    lifted = lift(source)
    if lifted is None:
        return tokens
    why = f"{NOT_PYTHON3} (read after rewriting its Python 2 statements)"
    tree = parse(lifted, path)
    found = [replace(f, confidence=LOW, fix="manual", site=None,
                     reason=why + (f"; {f.reason}" if f.reason else ""))
             for f in _other_modules(tree, lifted, path, catalogue, project,
                                     _Analysis(lifted, path, catalogue, tree, project).run())]
    lines = {f.line for f in found}
    return sorted(found + [f for f in tokens if f.line not in lines], key=lambda f: f.sort_key)


def parse(source: str, path: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences and the like are not ours to report
        try:
            return ast.parse(source, filename=path)
        except SyntaxError:
            raise
        except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurd nesting
            raise SyntaxError(f"cannot parse: {exc}") from None


class _Run:
    __slots__ = ("choices", "result", "ev")

    def __init__(self, choices: Dict[Any, int], result: Any, ev: Evaluator) -> None:
        self.choices = choices
        self.result = result
        self.ev = ev


class _Outcome:
    """One candidate request (one alternative of one call) and what the rules say about it."""

    __slots__ = ("req", "run", "url", "labels", "split", "matches", "best")

    def __init__(self, req: Request, run: _Run, catalogue: Catalogue,
                 cache: Dict[Tuple[Optional[str], str], List[RuleMatch]]) -> None:
        self.req = req
        self.run = run
        self.url, self.labels = resolve_url(req.url, req.url_node)  # type: ignore[arg-type]
        self.split: Optional[ApiUrl] = split_api_url(self.url.url)
        self.matches: List[RuleMatch] = []
        # routes are v1.1/v1: a v2 URL matches none (request rules may still cover it)
        if self.split is not None and (self.split.legacy or (req.known_library and self.split.version is None)):
            key = (req.verb, self.url.url)
            if key not in cache:  # alternatives and wrapper call sites repeat the same URLs
                cache[key] = catalogue.match_request(req.verb, self.url.url)
            self.matches = cache[key]
        self.best: Optional[RuleMatch] = (_preferred(self.matches, self.labels, route_words(catalogue))
                                          if self.matches else None)


class _CallResult:
    """Everything found for one HTTP call: its outcomes per request slot."""

    __slots__ = ("cs", "slots", "runs", "overflow", "endpoint_high", "touched", "notes")

    def __init__(self, cs: CallSite, slots: List[List[_Outcome]], runs: List[_Run], overflow: bool) -> None:
        self.cs = cs
        self.slots = slots
        self.runs = runs
        self.overflow = overflow
        self.endpoint_high = False
        self.notes: List[str] = []  # low-confidence reasons found outside the call (its callers disagree)
        self.touched: Set[Tuple[int, str]] = set()
        for r in runs:
            self.touched |= r.ev.touched


class _Analysis:
    def __init__(self, source: str, path: str, catalogue: Catalogue, tree: ast.Module,
                 project: Optional[ProjectModules] = None, records: Optional[List[Any]] = None) -> None:
        self.path = path
        self.catalogue = catalogue
        self.rules: RuleSet = ruleset(catalogue)
        self.tree = tree
        self.ix: ModuleIndex = build_index(tree, self.rules.client_methods)
        self.ix.mentions_http_tool = mentions_http_tool(source)
        # calls handed what may be a curl command line, whatever the callee (command_runners.py)
        self.ix.commands = CommandArguments(self.ix.strings, tree) if self.ix.mentions_http_tool else None
        self.ix.drop_ins = {m: lib for m, lib in self.rules.drop_ins.items() if "." not in lib}  # library drop-ins
        self.ix.project, self.ix.path = project, path
        self.pos = Positions(source, tree)
        self.module = AnalysedModule(source, tree)
        self.findings: Dict[Tuple[str, int], Finding] = {}
        self.choice_labels: Dict[Any, str] = {}
        self.match_cache: Dict[Tuple[Optional[str], str], List[RuleMatch]] = {}
        self._legacy_roots: Optional[FrozenSet[str]] = None
        self.import_modules: Dict[int, str] = {}  # id(import statement) -> the legacy module it imports
        self.covered: Set[int] = set()  # ids of the literals of the URLs endpoint findings account for
        self.alternatives: Set[int] = set()  # literals of alternatives that gave another rule than reported
        self.resolved_calls: Set[int] = set()  # ids of the calls recognised as requests with a known verb
        self.shapes = trigger_shapes(catalogue) if records is not None else None
        # what each trigger call sends, read while its call is analysed (None: not asked for)
        self.bodies = (TriggerBodies(self.ix, self.pos, path, self.shapes, records)
                       if self.shapes is not None and records is not None else None)

    def run(self) -> List[Finding]:
        self.imports()
        results = self.requests()
        self.wrappers(results)
        self.clients()
        self.v2_only_imports()
        self.routes()
        self.v2_trigger_methods()
        if self.bodies is not None:
            self.bodies.records.sort(key=lambda r: (r.line, r.column))
        return sorted(self.findings.values(), key=lambda f: f.sort_key)

    # ---- exploring alternatives -------------------------------------------------------------------

    def explore(self, fn: Callable[[Evaluator], Any], varying: Iterable[Scope]) -> Tuple[List[_Run], bool]:
        varying = tuple(varying)
        runs: List[_Run] = []
        stack: List[Dict[Any, int]] = [{}]
        count = 0
        while stack:
            choices = stack.pop()
            count += 1
            if count > MAX_RUNS:
                return runs, True
            ev = Evaluator(self.ix, choices, varying)
            result = fn(ev)
            new = [k for k in ev.pending if k not in choices]
            if new:
                key = new[0]
                n, label = ev.pending[key]
                self.choice_labels[key] = label
                for i in reversed(range(n)):
                    stack.append({**choices, key: i})
                continue
            runs.append(_Run(choices, result, ev))
        return runs, False

    # ---- imports ----------------------------------------------------------------------------------

    def imports(self) -> None:
        table = self.rules.imports
        if not table:
            return
        for stmt, _scope in self.ix.imports:
            hit: Optional[str] = None
            if isinstance(stmt, ast.Import):
                hit = next((a.name for a in stmt.names if a.name in table), None)
            elif isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
                for alias in stmt.names:
                    full = f"{stmt.module}.{alias.name}"
                    if full in table:
                        hit = full
                        break
                if hit is None and stmt.module in table:
                    hit = stmt.module
            if hit is None:
                continue
            rule, mapping = table[hit]
            site = PythonCallSite(call=None, call_index=-1, library="import", import_node=stmt,  # type: ignore[arg-type]
                                  node=stmt, module=self.module)
            self.add(rule, stmt, site, HIGH, [], {"module": hit, "drop_in": mapping.drop_in})
            self.import_modules[id(stmt)] = hit

    def v2_only_imports(self) -> None:
        """A legacy package used here only for its API v2 methods (pycircleci's `trigger_pipeline`): the
        import is no v1.1 call. Kept when the file calls none of the client's methods (it may hand it on)."""
        imports = [(k, f) for k, f in self.findings.items() if f.site is not None and f.site.library == "import"]
        if not imports:
            return
        used: Set[str] = set()  # modules whose client the file calls methods of
        ev = Evaluator(self.ix, {}, ())
        for cs in self.ix.calls:
            func = cs.call.func
            if not isinstance(func, ast.Attribute):
                continue
            v = ev.value(func.value, Frame(cs.scope, _start(cs.call), cs.block))
            if isinstance(v, Instance) and not v.path:
                used.add(v.cls.rpartition(".")[0])
        v1 = {f.site.client.module for f in self.findings.values()
              if f.site is not None and f.site.library == "client" and f.site.client is not None}
        for key, f in imports:
            module = self.import_modules.get(key[1], "")
            if module and any(u == module or u.startswith(module + ".") for u in used) \
                    and not any(m == module or m.startswith(module + ".") for m in v1):
                del self.findings[key]

    # ---- HTTP requests ----------------------------------------------------------------------------

    def requests(self) -> List[_CallResult]:
        wanted = INTERESTING_ATTRS | self.ix.local_names
        commands: Optional[CommandArguments] = self.ix.commands
        results: List[_CallResult] = []
        for cs in self.ix.calls:
            func = cs.call.func
            if isinstance(func, ast.Attribute) and func.attr not in wanted and not (
                    commands is not None and commands.carries(cs.call)):
                continue
            result = self.request_call(cs, Frame(cs.scope, _start(cs.call), cs.block), _function_chain(cs.scope))
            if result is None:
                continue
            self.resolved(result, cs.call)
            results.append(result)
            self.report_call(result)
        return results

    def request_call(self, cs: CallSite, frame: Frame, varying: Sequence[Scope]) -> Optional[_CallResult]:
        runs, overflow = self.explore(lambda ev: recognize(cs.call, ev, frame, self.ix), varying)
        slots: List[List[_Outcome]] = []
        for run in runs:
            for i, req in enumerate(run.result or ()):
                if req.url is None:
                    continue
                while len(slots) <= i:
                    slots.append([])
                slots[i].append(_Outcome(req, run, self.catalogue, self.match_cache))
        if not slots:
            return None
        return _CallResult(cs, slots, runs, overflow)

    def report_call(self, result: _CallResult, at: Optional[ast.Call] = None, wrapper: Optional[Any] = None,
                    inner: Optional[_CallResult] = None) -> bool:
        """Report the endpoint and request rules of a call; True when an endpoint rule was reported."""
        reported = False
        for outcomes in result.slots:
            found = self.endpoint_finding(outcomes, result, at, wrapper)
            if found is not None:
                reported = True
                if found == HIGH:
                    result.endpoint_high = True
            elif self.bodies is not None:  # no v1.1 route: a v2 trigger, or a v1.1 body sent elsewhere
                for o in outcomes:
                    self.bodies.untriggered(o.req, o.run.choices, o.split)
            if wrapper is None:
                self.request_findings(outcomes, result, None)
            else:
                self.request_findings(outcomes, result, at, only=("query-token",), inner=inner, wrapper=wrapper)
        return reported

    def endpoint_finding(self, outcomes: List[_Outcome], result: _CallResult, at: Optional[ast.Call],
                         wrapper: Optional[Any], dry: bool = False) -> Optional[str]:
        matched = [o for o in outcomes if o.best is not None]
        if not matched:
            return None
        # across alternatives: the most consequential rule first (a possible trigger outranks a read)
        best = min(matched, key=lambda o: (_SEVERITY.get(o.best.rule.severity, 9),  # type: ignore[union-attr]
                                           -o.best.match.specificity, not o.best.match.exact,  # type: ignore
                                           o.req.verb is None, o.best.rule.id))  # type: ignore[union-attr]
        m: RuleMatch = best.best  # type: ignore[assignment]
        reasons: List[str] = []
        rule_ids = {o.best.rule.id for o in matched}  # type: ignore[union-attr]
        if len(outcomes) > 1 and (len(rule_ids) > 1 or len(matched) < len(outcomes)):
            what = self._choices_text(outcomes)
            verbs = {o.req.verb for o in outcomes}
            if len(verbs) > 1:
                each = list(dict.fromkeys(
                    f"{o.best.rule.id if o.best else 'nothing'} if {o.req.verb or 'another verb'}" for o in outcomes))
                reasons.append(f"HTTP verb not resolved ({what}): {', '.join(each)}")
            else:
                each = list(dict.fromkeys(o.best.rule.id if o.best else "no v1.1 route" for o in outcomes))
                reasons.append(f"the URL depends on {what}: {' or '.join(each)}")
        if best.req.verb is None:
            reasons.append(verb_not_resolved(best.req.verb_label or "a value this file does not show", m,
                                             best.matches))
        if not m.match.url.base_resolved:
            reasons.append(f"base URL not resolved in this file ({self._base_label(best)})")
        if m.match.spans_placeholder:
            reasons.extend(assumed_parts(m.match, best.labels.get))
        if best.req.runner_note:
            reasons.append(best.req.runner_note)
        if not best.req.known_library:
            verb = best.req.verb or "a request"
            reasons.append(f"{best.req.receiver_label} is not a known HTTP client; assumed it sends {verb}")
        if result.overflow:
            reasons.append(f"more than {MAX_RUNS} alternatives; only the first were followed")
        reasons.extend(result.notes)
        confidence = LOW if reasons else HIGH
        if dry:
            return confidence
        req = best.req
        node = at if at is not None else req.call
        site = PythonCallSite(
            call=node, call_index=self.pos.call_index(node), library=req.library, verb=req.verb,
            verb_node=req.verb_node, url=best.url, url_arg=req.url_arg, match=m, headers_node=req.headers_node,
            has_accept_header=_accept_bool(req), body_node=req.body_node, params_node=req.params_node,
            notes=tuple(dict.fromkeys(req.url.notes if req.url is not None else ())), node=node,
            wrapper=wrapper.node if wrapper is not None else None,
            inner_call=req.call if wrapper is not None else None, argv_index=req.argv_index,
            receiver=None if req.known_library else best.req.receiver_label, module=self.module)
        self.add(m.rule, node, site, confidence, reasons, {}, _wrapper_note(wrapper) or req.not_rewritten,
                 drop_in=req.drop_in)
        if self.bodies is not None and m.rule.triggers_pipeline:
            self.bodies.request(req, best.run.choices, node, m.rule, project_slug(m.match.params))
        for o in matched:  # the alternatives this finding accounts for (another rule is a site of its own)
            if o.best is not None and o.best.rule.id == m.rule.id:
                self.cover(o.url)
            elif wrapper is not None:
                # a branch of the caller that gives another rule is a site of its own (the request is sent
                # elsewhere, so the caller's branches are where a person looks)
                self.cover(o.url, self.alternatives)
            else:
                self.cover(o.url)  # the reason names every alternative of this call
        return confidence

    def request_findings(self, outcomes: List[_Outcome], result: _CallResult, at: Optional[ast.Call],
                         only: Tuple[str, ...] = (), inner: Optional[_CallResult] = None,
                         wrapper: Optional[Any] = None) -> None:
        """Rules about any request to a root they cover (Accept header on v1.1, token in the query on v1.1 and v2)."""
        for rule, check, without_base in self.rules.request_rules:
            if only and check not in only:
                continue
            for o in outcomes:
                if not o.req.known_library:
                    continue
                if o.split is None:
                    # the URL is not known at all, but the token parameter says it is CircleCI's
                    if check == "query-token" and _opaque_url(o.url.url) and wrapper is None:
                        self.unresolved_token(rule, o)
                    continue
                if not rule.covers_request(o.req.verb, o.split, o.best, without_base):
                    continue
                low_reason = ("" if o.split.version is not None
                              else f"base URL not resolved in this file ({_Analysis._base_label(o)})")
                verdict = self.check(check, rule, o)
                if verdict is None:
                    continue
                if inner is not None and any(self.check(check, rule, io) is not None
                                             for slot in inner.slots for io in slot):
                    continue  # the wrapper's own request already shows it
                confidence, reason = verdict
                reasons = [r for r in (low_reason, reason, o.req.runner_note) if r]
                if low_reason or o.req.runner_note:
                    confidence = LOW
                node = at if at is not None else o.req.call
                req = o.req
                site = PythonCallSite(
                    call=node, call_index=self.pos.call_index(node), library=req.library, verb=req.verb,
                    verb_node=req.verb_node, url=o.url, url_arg=req.url_arg, match=o.best,
                    headers_node=req.headers_node, has_accept_header=_accept_bool(req), body_node=req.body_node,
                    params_node=req.params_node, node=node, inner_call=req.call if at is not None else None,
                    argv_index=req.argv_index, wrapper=wrapper.node if wrapper is not None else None,
                    module=self.module)
                self.add(rule, node, site, confidence, reasons, {}, _wrapper_note(wrapper),
                         drop_in=req.drop_in if o.split.legacy else None)
                break

    def request_site(self, o: _Outcome) -> PythonCallSite:
        """The site of a request reported at its own call (not at a wrapper's caller)."""
        req = o.req
        return PythonCallSite(
            call=req.call, call_index=self.pos.call_index(req.call), library=req.library, verb=req.verb,
            verb_node=req.verb_node, url=o.url, url_arg=req.url_arg, headers_node=req.headers_node,
            has_accept_header=_accept_bool(req), body_node=req.body_node, params_node=req.params_node,
            node=req.call, module=self.module)

    def unresolved_token(self, rule: Rule, o: _Outcome) -> None:
        """`requests.post(url, params={'circle-token': t})` with `url` from elsewhere: a CircleCI call, URL unknown."""
        names = {m.lower() for m in rule.markers}
        if not _params_have(o.run.ev, o.req.params, names):
            return
        label = _Analysis._base_label(o)
        self.add(rule, o.req.call, self.request_site(o), LOW, [f"the URL is not resolved in this file ({label}); the "
                                                               "circle-token parameter says it is a CircleCI call "
                                                               "(v1.1 or v2)"], {})

    def check(self, check: str, rule: Rule, o: _Outcome) -> Verdict:
        return PYTHON_CHECKS[check](rule, o)

    # ---- wrappers ---------------------------------------------------------------------------------

    def wrappers(self, results: List[_CallResult]) -> None:
        """Calls of module functions that send a request built from their parameters (one level)."""
        followed: List[Any] = []  # wrappers whose callers' routes were reported
        for result in results:
            if result.endpoint_high:
                continue
            func = _function_of(result.cs.scope)
            if func is None or not any(sid == id(func.scope) for sid, _ in result.touched):
                continue
            callers = self.callers_of(func)
            if not callers:
                continue
            reported = False
            accept_from: Optional[str] = None
            for caller in callers:
                frame_c = Frame(caller.scope, _start(caller.call), caller.block)
                ev = Evaluator(self.ix, {}, _function_chain(caller.scope))
                fv = ev.value(caller.call.func, frame_c)
                if not isinstance(fv, Func) or fv.info is not func:
                    continue
                overrides = {id(func.scope): ev.bind_args(func, caller.call, frame_c, fv.bound)}
                if _dead_branch(func, result.cs.call, overrides[id(func.scope)], ev):
                    continue  # `if verb == 'GET': requests.get(...)` for a caller that passes 'POST'
                inner_frame = Frame(result.cs.scope, _start(result.cs.call), result.cs.block, overrides)
                resolved = self.request_call(result.cs, inner_frame, _function_chain(caller.scope))
                if resolved is None:
                    continue
                for each in self.through_callers(func, result, caller, fv, resolved) or [resolved]:
                    self.resolved(each, caller.call)
                    if self.report_call(each, at=caller.call, wrapper=func, inner=result):
                        reported = True
                if accept_from is None and any(_v11(o) for slot in resolved.slots for o in slot):
                    accept_from = f"a v1.1 URL is passed in at line {caller.call.lineno}"
            if reported:
                self.drop_endpoint(result.cs.call)
                followed.append(func)
            if accept_from is not None:
                # the inner request's own URL did not show it was v1.1; its callers do
                for outcomes in result.slots:
                    if not any(_v11(o) for o in outcomes):
                        self._accept_via_callers(outcomes, result, accept_from)

        # a sender whose routes this file passes in: its other branches are no unresolved calls either
        for func in followed:
            inner = {id(n) for n in ast.walk(func.node) if isinstance(n, ast.Call)}
            for key in [k for k, f in self.findings.items() if k[1] in inner]:
                rule = self.catalogue.get(key[0])
                if rule is not None and rule.request_check == "route":
                    del self.findings[key]

    def through_callers(self, func: Any, result: _CallResult, caller: CallSite, fv: Func,
                        resolved: _CallResult) -> Optional[List[_CallResult]]:
        """A wrapper call whose URL still needs a parameter of the function it is in
        (`def latest(base_url, branch): return send("{}/tree/{}".format(base_url, branch))`): that function's
        parameters bound at its own calls in the module (one level more). None when nothing changes.

        When its calls give different rules, each is reported, low, with a reason that says so.
        """
        if any(o.best is not None for slot in resolved.slots for o in slot):
            return None
        outer = _function_of(caller.scope)
        if outer is None or outer is func or not any(sid == id(outer.scope) for sid, _ in resolved.touched):
            return None
        found: List[Tuple[CallSite, _CallResult]] = []
        for oc in self.callers_of(outer):
            frame_o = Frame(oc.scope, _start(oc.call), oc.block)
            ev = Evaluator(self.ix, {}, _function_chain(oc.scope))
            ov = ev.value(oc.call.func, frame_o)
            if not isinstance(ov, Func) or ov.info is not outer:
                continue
            overrides: Dict[int, Any] = {id(outer.scope): ev.bind_args(outer, oc.call, frame_o, ov.bound)}
            frame_c = Frame(caller.scope, _start(caller.call), caller.block, dict(overrides))
            overrides[id(func.scope)] = ev.bind_args(func, caller.call, frame_c, fv.bound)
            inner_frame = Frame(result.cs.scope, _start(result.cs.call), result.cs.block, overrides)
            r = self.request_call(result.cs, inner_frame, _function_chain(oc.scope))
            if r is not None:
                found.append((oc, r))
        rules = {frozenset(o.best.rule.id for slot in r.slots for o in slot if o.best is not None)
                 for _, r in found}
        if not any(rules):
            return None
        if len(rules) == 1:
            return [found[0][1]]
        lines = ", ".join(str(oc.call.lineno) for oc, _ in found)
        each = " or ".join(sorted({i for ids in rules for i in ids}) + (["no v1.1 route"] if frozenset() in rules
                                                                         else []))
        for _, r in found:
            r.notes.append(f"the URL depends on which call of {outer.name}() runs (lines {lines}): {each}")
        return [r for oc, r in found if any(o.best is not None for slot in r.slots for o in slot)]

    def _accept_via_callers(self, outcomes: List[_Outcome], result: _CallResult, reason: str) -> None:
        for rule, check, _ in self.rules.request_rules:
            if check != "accept":
                continue
            for o in outcomes:
                if not o.req.known_library:
                    continue
                verdict = self.check(check, rule, o)
                if verdict is None:
                    continue
                confidence, why = verdict
                self.add(rule, o.req.call, self.request_site(o), confidence, [r for r in (why, reason) if r], {})
                break

    def callers_of(self, func: Any) -> List[CallSite]:
        name = func.name
        out = []
        for cs in self.ix.calls:
            f = cs.call.func
            if not ((isinstance(f, ast.Name) and f.id == name) or (isinstance(f, ast.Attribute) and f.attr == name)):
                continue
            if cs.scope.within(func.scope):
                continue  # recursion
            out.append(cs)
        return out

    def drop_endpoint(self, call: ast.Call) -> None:
        for key in [k for k, f in self.findings.items() if k[1] == id(call)]:
            rule = self.catalogue.get(key[0])
            # the callers' routes are reported: the sender's own "route not resolved" says nothing more
            if rule is not None and (rule.kind == "endpoint" or rule.request_check == "route"):
                del self.findings[key]
                if self.bodies is not None:
                    self.bodies.forget(call)

    # ---- legacy clients ---------------------------------------------------------------------------

    def clients(self) -> None:
        names = self.rules.client_methods
        if not names:
            return
        nodes: List[Tuple[ast.Attribute, Optional[ast.Call], Scope, Any]] = []
        for cs in self.ix.calls:
            f = cs.call.func
            if isinstance(f, ast.Attribute) and f.attr in names:
                nodes.append((f, cs.call, cs.scope, cs.block))
        for attr, scope, block in self.ix.attrs:
            nodes.append((attr, None, scope, block))
        for attr, call, scope, block in nodes:
            frame = Frame(scope, _start(attr), block)

            def find(ev: Evaluator, attr: ast.Attribute = attr, frame: Frame = frame) -> Any:
                v = ev.value(attr, frame)
                if isinstance(v, Instance):
                    hit = self.rules.find_client(v.cls, v.path)
                    return hit + (self.rules.drop_in_of(v.cls),) if hit is not None else None
                if isinstance(v, Qual):
                    hit = self.rules.find_unbound(v.name)
                    return hit + (self.rules.drop_in_of(v.name),) if hit is not None else None
                return None

            runs, overflow = self.explore(find, _function_chain(scope))
            hits = [r.result for r in runs if r.result is not None]
            reasons = []
            if not hits:
                guessed = self.guess_client(attr, frame)
                if guessed is None:
                    continue
                hits, why = [guessed[0] + (None,)], guessed[1]
                reasons.append(why)
            hits.sort(key=lambda h: h[2] is not None)  # the legacy client before its drop-in: the larger risk
            rule, cm, drop_in = hits[0]
            if len(hits) < len(runs) or len({h[1:] for h in hits}) > 1:
                reasons.append(f"the receiver depends on {self._choices_text_runs(runs)}")
            if overflow:
                reasons.append(f"more than {MAX_RUNS} alternatives; only the first were followed")
            node = call if call is not None else attr
            site = PythonCallSite(call=call, call_index=self.pos.call_index(call), library="client",  # type: ignore[arg-type]
                                  client=cm, node=node, module=self.module)
            self.add(rule, node, site, LOW if reasons else HIGH, reasons,
                     {"call": cm.dotted, "module": cm.module, "drop_in": cm.drop_in or ""}, drop_in=drop_in)
            if self.bodies is not None and call is not None and rule.triggers_pipeline:
                self.bodies.client(call, frame, rule, cm)

    def v2_trigger_methods(self) -> None:
        """A client's v2 trigger method sending `parameters=` (trigger_pipeline): recorded, never reported."""
        if self.bodies is None or self.shapes is None or not self.shapes.v2_methods:
            return
        methods = self.shapes.v2_methods
        for cs in self.ix.calls:
            func = cs.call.func
            if isinstance(func, ast.Attribute) and func.attr in methods:
                self.bodies.v2_method(cs.call, Frame(cs.scope, _start(cs.call), cs.block))

    def guess_client(self, attr: ast.Attribute, frame: Frame) -> Optional[Tuple[Tuple[Rule, ClientMethod], str]]:
        """A legacy client method on an object the file does not construct: a vendored copy of the package,
        or a parameter or fixture (`client.build.trigger(...)`, `retry=api.retry_build`) in a file that
        imports the legacy package."""
        owner = attr.value
        attribute = None
        if isinstance(owner, ast.Attribute) and isinstance(owner.value, (ast.Name, ast.Attribute)) \
                and self.rules.guess(attr.attr, owner.attr, self.legacy_roots()) is not None:
            attribute, owner = owner.attr, owner.value
        ev = Evaluator(self.ix, {}, ())
        v = ev.value(owner, frame)
        if isinstance(v, Instance):
            hit = self.rules.find_vendored(v.cls, v.path + ((attribute,) if attribute else ()) + (attr.attr,))
            if hit is not None:
                module = v.cls.rpartition(".")[0]
                return hit, f"{module} is taken for a copy of {hit[1].module}"
            return None
        if not isinstance(v, Unknown) or not isinstance(owner, (ast.Name, ast.Attribute)):
            return None
        hit = self.rules.guess(attr.attr, attribute, self.legacy_roots())
        if hit is None:
            return None
        cm = hit[1]
        return hit, (f"{label_of(owner)} is assumed to be a {cm.module}.{cm.class_name} "
                     f"(the file imports {cm.module.split('.')[0]}; it is not constructed here)")

    def legacy_roots(self) -> FrozenSet[str]:
        """The legacy client packages this file imports (by their top-level name)."""
        if self._legacy_roots is None:
            known = {cm.module.split(".")[0] for _, cm in self.rules.clients}
            roots = set()
            for stmt, _scope in self.ix.imports:
                names = ([a.name for a in stmt.names] if isinstance(stmt, ast.Import)
                         else [stmt.module or ""] if stmt.level == 0 else [])  # type: ignore[union-attr]
                roots.update(n.split(".")[0] for n in names if n.split(".")[0] in known)
            self._legacy_roots = frozenset(roots)
        return self._legacy_roots

    # ---- routes no resolved call accounts for (evidence.py) ----------------------------------------

    def routes(self) -> None:
        finder = RouteFinder(self.tree, self.ix, self.module.source)
        covered = self.covered
        if all(id(h) in covered for h in finder.hints):
            return
        evidence: Optional[bool] = None
        posts: Optional[bool] = None
        queue = list(finder.candidates(covered))
        queued = {id(t) for t in queue}
        while queue:
            top = queue.pop(0)
            rs = RouteSite(top)
            url = finder.evaluate(top, rs)
            if url is None:
                continue
            finder.verb_of(top, rs)
            for ext in rs.extended:  # the longer routes built on this one where it is sent
                if id(ext) not in queued:
                    queued.add(id(ext))
                    queue.append(ext)
            if rs.extended and not rs.send_verbs:
                continue  # only ever sent extended
            if rs.sends and all(id(c) in self.resolved_calls or finder.is_sink(c) for c in rs.sends) \
                    and not any(id(n) in self.alternatives for n in ast.walk(top)):
                continue  # it only reaches requests the analysis resolved (or a log message) without it
            if rs.command is not None and any(key[1] == id(c) for c in rs.sends for key in self.findings):
                continue  # a command line reported where a call runs it
            # one site per sending call when the calls a named route reaches send different verbs
            # (`self._make_request("GET", self.BUILDS)` and `self._make_request("POST", self.BUILDS)`)
            verbs = {v for _, v in rs.send_verbs if v is not None}
            variants: List[Tuple[Optional[str], Optional[ast.Call]]] = [(rs.verb, None)]
            if rs.verb is None and len(verbs) > 1:
                variants = [(v, c) for c, v in rs.send_verbs if v is not None]
            for want, at in variants:
                matches = self.route_matches(want, url)
                verb = want if matches else None
                if not matches:
                    matches = self.route_matches(None, url)
                if not matches:
                    continue
                assumed = ""
                if verb is None and len({x.endpoint.method for x in most_specific(matches, rs.labels)}) > 1:
                    if posts is None:
                        posts = sends_post(self.module.source)
                    reads = self.route_matches("GET", url) if not posts else []
                    if reads:
                        assumed = ("HTTP verb not resolved; GET assumed, as nothing in this file sends POST ("
                                   + ", ".join(dict.fromkeys(f"{x.rule.id} if {x.endpoint.method}"
                                                             for x in most_specific(matches, rs.labels)))
                                   + ")")
                        matches, verb = reads, "GET"
                m = best_of(matches, _SEVERITY, rs.labels)
                if verb is None and m.rule.severity == "error" and not strong_route(m):
                    # a bare project root whose verb nothing shows is a prefix more often than a trigger:
                    # never an error on the shape alone (the reason still names the rule a POST would give)
                    calmer = [x for x in most_specific(matches, rs.labels) if x.rule.severity != "error"]
                    if calmer:
                        m = best_of(calmer, _SEVERITY, rs.labels)
                text = self.module.segment(top)
                if not rs.rooted:
                    if evidence is None:
                        evidence = circle_evidence(self.module.source)
                    stated = verb is not None and (at is not None or rs.stated)
                    if not evidence or not (strong_route(m) or weak_route_ok(m, text, stated)):
                        continue
                self.route_finding(rs, m, matches, verb, at, assumed)

    def resolved(self, result: _CallResult, call: ast.Call) -> None:
        """A request whose library and verb are known: what the rules say about its URL is the answer."""
        for outcomes in result.slots:
            for o in outcomes:
                # the analysis saw the whole request (library, verb, and the URL up to its route): its
                # verdict stands, "no v1.1 route" included; a URL whose start is unknown (`{base}/{version}/`
                # + route) was not seen whole
                if o.req.known_library and o.req.verb is not None and (
                        o.best is not None or (o.split is not None and o.split.version is not None)):
                    if o.best is None:
                        self.cover(o.url)
                    self.resolved_calls.add(id(call))

    def route_matches(self, verb: Optional[str], url: str) -> List[RuleMatch]:
        """Route matches for a site found by its string; a route word is never a parameter's value."""
        return keyword_values(self.catalogue.match_request(verb, url), route_words(self.catalogue))

    def cover(self, url: ResolvedUrl, into: Optional[Set[int]] = None) -> None:
        into = self.covered if into is None else into
        for part in url.parts:
            if part.node is not None:
                into.update(id(n) for n in ast.walk(part.node) if isinstance(n, ast.Constant))

    def route_finding(self, rs: RouteSite, m: RuleMatch, matches: List[RuleMatch], verb: Optional[str],
                      at: Optional[ast.Call] = None, assumed: str = "") -> None:
        send = at if at is not None else rs.send
        if send is not None:
            reasons = [f"the route is handed to {label_of(send.func)}, which is not a known HTTP call"]
        elif rs.command is not None:
            reasons = [f"a {rs.command.tool} command line no call was seen to run"]
        else:
            reasons = ["the route is built here; no call that sends it was resolved"]
        if assumed:
            reasons.append(assumed)
        elif verb is None and len({x.endpoint.method for x in most_specific(matches)}) > 1:
            reasons.append(verb_not_resolved(rs.verb_how or "no call shows it", m, matches))
        if not rs.rooted:
            base = next((rs.labels[p.placeholder] for p in rs.url.parts
                         if p.placeholder is not None and rs.url.url.startswith(p.placeholder)), None)
            reasons.append(f"base URL not resolved in this file ({base})" if base
                           else "a relative route: the /api/v1.1 root is added elsewhere")
        reasons.extend(assumed_parts(m.match, rs.labels.get))
        # a route handed straight to a call is reported at that call; an assigned one where it is written
        # (each branch of `if ssh: endpoint = ... else: endpoint = ...` is a site of its own)
        node = at if at is not None else rs.send if rs.direct and rs.send is not None else rs.node
        site = PythonCallSite(call=None, call_index=-1, library="route", verb=verb or m.endpoint.method,  # type: ignore[arg-type]
                              url=rs.url, match=m, node=node, module=self.module)
        self.add(m.rule, node, site, LOW, reasons, {})

    # ---- findings ---------------------------------------------------------------------------------

    def add(self, rule: Rule, node: ast.AST, site: PythonCallSite, confidence: str, reasons: List[str],
            fill: Dict[str, str], downgrade: Optional[str] = None, drop_in: Optional[str] = None) -> None:
        key = (rule.id, id(node))
        if key in self.findings:
            return
        line, col, end_line, end_col = self.pos.span(node)
        fix = rule.fix
        reasons = list(dict.fromkeys(r for r in reasons if r))
        message, severity = fill_message(rule.message, fill), rule.severity
        if drop_in is not None:
            message, severity, shim_reason = through_drop_in(rule, message, severity, drop_in)
            if shim_reason is not None:
                downgrade = downgrade or shim_reason
        if confidence == LOW and fix != "manual":
            fix = "manual"
        if downgrade is None and site.library == CURL_LIBRARY:
            downgrade = COMMAND_LINE_NOT_REWRITTEN
        if downgrade is not None and fix != "manual":
            fix = "manual"
            reasons.append(downgrade)
        if site.module is None:
            site = replace(site, module=self.module)
        if drop_in is not None:
            site = replace(site, drop_in=drop_in)
        self.findings[key] = Finding(
            rule_id=rule.id, path=self.path, line=line, column=col, end_line=end_line, end_column=end_col,
            message=message, severity=severity, fix=fix, confidence=confidence,
            reason="; ".join(reasons) or None, site=site)

    def _choices_text(self, outcomes: List[_Outcome]) -> str:
        return self._choices_text_runs([o.run for o in outcomes])

    def _choices_text_runs(self, runs: List[_Run]) -> str:
        keys: List[Any] = []
        for r in runs:
            for k in r.choices:
                if k not in keys:
                    keys.append(k)
        labels = [self.choice_labels.get(k, "a value") for k in keys]
        return " and ".join(dict.fromkeys(labels)) or "values this file does not show"

    @staticmethod
    def _base_label(o: _Outcome) -> str:
        for part in o.url.parts:
            if part.placeholder is not None:
                return o.labels.get(part.placeholder, "a value this file does not show")
        return "a value this file does not show"


def through_drop_in(rule: Rule, message: str, severity: str, drop_in: str) -> Tuple[str, str, Optional[str]]:
    """(message, severity, why fix leaves it) for a call made through a drop-in, as the rule's `shim.runs` says.

    translated: it runs, so it is information, kept visible until the code moves to v2 and the shim can go;
    refused: the drop-in raises or answers an error, so it stays what the rule says (an error). A rule without
    `runs` is sent as written: reported as without the drop-in.
    """
    runs = rule.shim.get("runs") if isinstance(rule.shim, dict) else None
    if runs == "translated":
        target = (", ".join(rule.replacement.operations) + " (API v2)" if rule.replacement.operations
                  else rule.replacement.summary)
        text = (f"{rule.title}: runs through the shim's translation ({drop_in}); migrate to {target} "
                "before removing the shim.")
        return text, "info", f"runs through {drop_in}, which translates it; move to v2 by hand"
    if runs == "refused":
        text = f"{message} Through {drop_in} it still fails: the drop-in cannot run it on API v2."
        return text, severity, f"{drop_in} cannot run it on API v2; remove the call"
    return message, severity, None


def fill_message(message: str, fill: Dict[str, str]) -> str:
    """Replace {call}, {module}, {drop_in}; leave every other brace (e.g. {project-slug}) alone."""
    for key, value in fill.items():
        message = message.replace("{" + key + "}", value)
    return message


def _wrapper_note(wrapper: Optional[Any]) -> Optional[str]:
    if wrapper is None:
        return None
    return f"the request is sent by {wrapper.name}() (line {wrapper.node.lineno}); change it there"


def _preferred(matches: List[RuleMatch], labels: Dict[str, str], words: FrozenSet[str]) -> RuleMatch:
    """The match to report: one segment per parameter before a placeholder spanning several, unless that
    takes a route word for a parameter (`/project/X/tree/Y` is a branch, not a project named `tree`)."""
    candidates = keyword_values(matches, words) or matches
    if len(candidates) == 1:
        return candidates[0]
    # the names the parts come from first, then one segment per parameter, then the most literal text
    scores = {id(m): agreement(m, labels) for m in candidates}
    return min(candidates, key=lambda m: (-scores[id(m)], m.match.spans_placeholder, -m.match.specificity,
                                          m.endpoint.template.version != "v1.1", m.rule.id))


def _opaque_url(url: str) -> bool:
    """Nothing of the URL is known: it starts with an unresolved part and names no scheme or path of its own."""
    return bool(url) and url[0] in _PLACEHOLDERS and "://" not in url and "/" not in url.split("?", 1)[0]


_PLACEHOLDERS = frozenset("\x00" + "".join(chr(c) for c in range(0xE000, 0xE100)))


def _v11(o: _Outcome) -> bool:
    return o.split is not None and o.split.legacy


def _accept_bool(req: Request) -> Optional[bool]:
    state = req.accept[0]
    return True if state == PRESENT else False if state == ABSENT else None


def _params_have(ev: Evaluator, params: Any, names: Set[str]) -> bool:
    if isinstance(params, DictV):
        for k, _v, fr in params.entries:
            if k is None:
                continue
            ks = k if isinstance(k, str) else ev.string(k, fr).literal
            if ks is not None and ks.lower() in names:
                return True
        if params.key is not None:
            from .headers import mutation_map

            for m in mutation_map(ev.ix).get(params.key, []):
                if m.kind in ("setitem", "setdefault") and m.args:
                    ks = ev.string(m.args[0], Frame(m.scope)).literal
                    if ks is not None and ks.lower() in names:
                        return True
    if isinstance(params, SeqV):
        for expr, fr in params.elts:
            pair = ev.value(expr, fr)
            if isinstance(pair, SeqV) and pair.elts:
                ks = ev.string(pair.elts[0][0], pair.elts[0][1]).literal
                if ks is not None and ks.lower() in names:
                    return True
    return False


def _start(node: ast.AST) -> Tuple[int, int]:
    return (node.lineno, node.col_offset)


def _function_chain(scope: Scope) -> List[Scope]:
    """The function scopes enclosing `scope`: their parameters vary from call to call."""
    out = []
    sc: Optional[Scope] = scope
    while sc is not None:
        if sc.kind in ("function", "lambda"):
            out.append(sc)
        sc = sc.parent
    return out


def _function_of(scope: Scope) -> Any:
    sc: Optional[Scope] = scope
    while sc is not None and sc.kind == "comprehension":
        sc = sc.parent
    return sc.func if sc is not None and sc.kind == "function" else None


def _dead_branch(func: Any, call: ast.Call, bound: Dict[str, Tuple[Any, ...]], ev: Evaluator) -> bool:
    """The call sits under an `if` on a parameter that this caller's argument makes false."""
    where = (call.lineno, call.col_offset)
    for node in ast.walk(func.node):
        if not isinstance(node, ast.If) or not node.body:
            continue
        in_body = _within(where, node.body)
        if not in_body and not (node.orelse and _within(where, node.orelse)):
            continue
        truth = _test_value(node.test, bound, ev, Frame(func.scope))
        if truth is not None and truth != in_body:
            return True
    return False


def _within(where: Tuple[int, int], stmts: List[ast.stmt]) -> bool:
    first, last = stmts[0], stmts[-1]
    return (first.lineno, first.col_offset) <= where <= (last.end_lineno or last.lineno, last.end_col_offset or 0)


def _test_value(test: ast.expr, bound: Dict[str, Tuple[Any, ...]], ev: Evaluator,
                frame: Frame) -> Optional[bool]:
    """`p == 'GET'`, `p.upper() in ('GET', 'HEAD')`, `'POST' != p`, `p == GET` (a module constant) with `p`
    bound to a literal; else None."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(left, ast.Constant) or (isinstance(left, ast.Name) and left.id not in bound):
        left, right = right, left
    fold = False
    if (isinstance(left, ast.Call) and isinstance(left.func, ast.Attribute) and not left.args
            and left.func.attr in ("upper", "lower")):
        left, fold = left.func.value, True
    if not isinstance(left, ast.Name) or left.id not in bound:
        return None
    entry = bound[left.id]
    value = ev.value(entry[1], entry[2]) if entry[0] == "expr" else entry[1]
    lit = value.literal if isinstance(value, Str) else None
    if lit is None:
        return None
    consts = right.elts if isinstance(right, (ast.Tuple, ast.List, ast.Set)) else [right]
    texts = [c.value if isinstance(c, ast.Constant) else getattr(ev.value(c, frame), "literal", None)
             for c in consts if isinstance(c, (ast.Constant, ast.Name))]
    if len(texts) != len(consts) or not all(isinstance(t, str) for t in texts):
        return None
    if fold:
        lit, texts = lit.lower(), [t.lower() for t in texts]
    if isinstance(op, (ast.Eq, ast.In)) and (isinstance(op, ast.In) or len(texts) == 1):
        return lit in texts
    if isinstance(op, (ast.NotEq, ast.NotIn)) and (isinstance(op, ast.NotIn) or len(texts) == 1):
        return lit not in texts
    return None


# ---- the request checks (PYTHON_CHECKS) ----------------------------------------------------------

@PYTHON_CHECKS("accept")
def _accept_missing(rule: Rule, o: "_Outcome") -> Verdict:
    state, what = o.req.accept
    if state == ABSENT:
        return HIGH, None
    if state == PARTIAL:
        return LOW, f"the headers partly come from {what}, which this file does not show"
    return None  # present, or opaque: never report a missing header we cannot see


@PYTHON_CHECKS("route")
def _route_unresolved(rule: Rule, o: "_Outcome") -> Verdict:
    """A v1.1 request whose route starts with a value this file does not show (`API_URL + path`)."""
    if o.best is not None or o.split is None or not o.split.legacy or not o.req.known_library:
        return None
    path = o.split.path.lstrip("/")
    part = next((p for p in o.url.parts if p.placeholder is not None and path.startswith(p.placeholder)), None)
    if part is None:
        return None
    return LOW, f"the route is not resolved in this file ({o.labels.get(part.placeholder, 'a value')})"


@PYTHON_CHECKS("query-token")
def _token_in_query(rule: Rule, o: "_Outcome") -> Verdict:
    names = {m.lower() for m in rule.markers}
    query = o.split.query if o.split is not None else ""
    for part in query.split("&"):
        if part.split("=", 1)[0].strip().lower() in names:
            return HIGH, None
    if _params_have(o.run.ev, o.req.params, names):
        return HIGH, None
    return None
