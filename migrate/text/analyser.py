"""The text analyser: every kind of file that holds shell commands (shell scripts, Makefiles, YAML, ...).

    analyse(source, path, catalogue, kind) -> list[Finding]

The file's kind (migrate/kinds/) cuts out its shell regions and reads the
variables it sets, shell.py splits the regions into commands, http_tools.py
reads curl/wget/httpie options, resolve.py follows variables assigned in the
same script; the rules decide what a request means
(`Catalogue.match_request`), exactly as for Python, with the same ids and
messages. trigger.py decides whether `fix` can rewrite a trigger and why not.
"""
from __future__ import annotations

import bisect
import json
import re
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

from circleci_v2.rules import V2_ROOT, Catalogue, Rule, RuleMatch, split_api_url

from ..findings import HIGH, LOW, Finding, assumed_parts, verb_not_resolved
from ..pipeline_parameters import _UNKNOWN, ParameterUse, typed_value
from ..request_checks import RequestChecks, Verdict
from ..kinds import registry
from ..kinds.shell_regions import Segment
from .http_tools import HttpRequest, parse_request
from .evidence import RELATIVE_ROUTE, ROUTE, Explained, Lexed, Scanner, findings_for as evidence_findings, word_span
from .resolve import Env, Resolved, resolve
from .shell import LIT, TEMPLATE, Command, Part, Word, assignments, lex
from .finding_site import TextSite

_TOOLS = re.compile(r"\b(?:curl|wget|https?|httpie|xhs?)\b")


class LineIndex:
    def __init__(self, source: str) -> None:
        self.starts = [0]
        for m in re.finditer(r"\r\n|\r|\n", source):
            self.starts.append(m.end())

    def position(self, offset: int) -> Tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


def analyse(source: str, path: str, catalogue: Catalogue, kind: str,
            records: Optional[List[Any]] = None) -> List[Finding]:
    """Findings for one file of `kind` (a text container: kinds/registry.py), one per (rule, command).

    `records`, when given, receives a TriggerSend for each trigger command found (migrate/trigger_sends.py)."""
    if source.startswith("\ufeff"):
        source = source[1:]
    return [f for f, _ in analyse_sites(source, path, catalogue, kind, records)]


def iter_lexed(source: str, kind: str, routes: bool = False, others: Optional[List[Segment]] = None
               ) -> Iterator[Tuple[Segment, List[Command], Env, List[Tuple[int, int]]]]:
    """Every shell segment of a file that runs an HTTP tool (or, with `routes`, writes a v1.1 route), lexed:
    (segment, commands, variables, comment spans). `others` receives the segments left unlexed."""
    file_kind = registry.get(kind)
    outer = file_kind.variables(source)
    for seg in file_kind.segments(source):
        if seg.argv is None and not _TOOLS.search(seg.text) and not (
                routes and (ROUTE.search(seg.text) or RELATIVE_ROUTE.search(seg.text))):
            if others is not None:
                others.append(seg)
            continue
        comments: List[Tuple[int, int]] = []
        commands = lex(seg, comments)
        env = assignments(commands)
        for name, value in outer.items():  # the CI's env: values, set before the script starts
            if value is not None and name not in env:
                env[name] = [(-1, Word([Part(LIT, value, 0, 0, "")], 0, 0))]
        yield seg, commands, env, comments


def iter_requests(source: str, kind: str) -> Iterator[Tuple[Segment, List[Command], Env, HttpRequest]]:
    """Every curl, wget and httpie command of a file, with its segment, its neighbours and the variables."""
    for seg, commands, env, _ in iter_lexed(source, kind):
        for cmd in commands:
            req = parse_request(cmd)
            if req is not None and req.url is not None:
                yield seg, commands, env, req


def analyse_sites(source: str, path: str, catalogue: Catalogue, kind: str,
                  records: Optional[List[Any]] = None) -> List[Tuple[Finding, Any]]:
    """(finding, site) pairs: a TextSite for each request read, an EvidenceSite for each other v1.1 route."""
    lines = LineIndex(source)
    out: List[Tuple[Finding, Any]] = []
    routes = ROUTE.search(source) is not None or RELATIVE_ROUTE.search(source) is not None
    explained = Explained()
    lexed: List[Lexed] = []
    others: List[Segment] = []
    for seg, commands, env, comments in iter_lexed(source, kind, routes, others if routes else None):
        lexed.append(Lexed(seg, commands, env, comments))
        for cmd in commands:
            req = parse_request(cmd)
            if req is None or req.url is None:
                continue
            found = _request_findings(source, path, catalogue, kind, seg, commands, env, req, lines, records)
            out.extend(found)
            if found:
                _explain(explained, seg, req, url_of(seg, env, req))
            elif req.verb is not None:  # read, and no rule applies (a v1.1 PUT): explained if the URL was seen
                url = url_of(seg, env, req)
                if split_api_url(url.text) is not None:
                    _explain(explained, seg, req, url)
    if routes:
        for ev in Scanner(source, kind, lexed, explained, others).run():
            out.extend(evidence_findings(ev, path, kind, catalogue, lines.position))
    out.sort(key=lambda fs: fs[0].sort_key)
    return out


def _explain(explained: Explained, seg: Segment, req: HttpRequest, url: Resolved) -> None:
    """Note what the request analysis read: the URL word and the values it was built from."""
    assert req.url is not None
    explained.spans.append(word_span(seg, req.url))
    for name, index, value in url.used:
        if index < 0:
            explained.names.add(name)
        else:
            explained.spans.append(word_span(seg, value))
    for part in req.url.parts:
        if part.kind == TEMPLATE:
            explained.names.update(t.name for t in seg.templates.values() if t.raw == part.text)


def url_of(seg: Segment, env: Env, req: HttpRequest) -> Resolved:
    """The request's URL, with the variables and make variables this file sets filled in."""
    assert req.url is not None
    templates = {t.raw: t.value for t in seg.templates.values() if t.value}
    return resolve(req.url, env, req.command.index, templates)


def _request_findings(source: str, path: str, catalogue: Catalogue, kind: str, seg: Segment,
                      commands: List[Command], env: Env, req: HttpRequest, lines: LineIndex,
                      records: Optional[List[Any]] = None) -> List[Tuple[Finding, TextSite]]:
    from .trigger import plan_fix

    url = url_of(seg, env, req)
    split = split_api_url(url.text)
    found: List[Tuple[Finding, TextSite]] = []
    matches = catalogue.match_request(req.verb, url.text)
    site = TextSite(kind=kind, segment=seg, commands=commands, env=env, request=req, url=url, match=None)
    if matches:
        best = matches[0]
        reasons = _endpoint_reasons(req, url, best, matches)
        confidence = LOW if reasons else HIGH
        endpoint_site = site.with_match(best)
        fix, why = plan_fix(best.rule, endpoint_site, confidence)
        found.append((_finding(best.rule, path, source, lines, endpoint_site, confidence, reasons, fix, why),
                      endpoint_site))
    if records is not None:
        _record_send(records, catalogue, path, lines, site, matches[0] if matches else None, split)
    if split is None:
        return found
    for rule in catalogue.of_kind("request"):
        if rule.request_check is None:
            continue
        if not rule.covers_request(req.verb, split, matches[0] if matches else None, rule.request_without_base):
            continue
        low_reason = "" if split.version is not None else f"base URL not resolved in this file ({_base_label(url)})"
        verdict = _check(rule.request_check, rule, req, split)
        if verdict is None:
            continue
        confidence, reason = verdict
        reasons = [r for r in (low_reason, reason) if r]
        if low_reason:
            confidence = LOW
        rule_site = site.with_match(matches[0] if matches else None)
        fix, why = plan_fix(rule, rule_site, confidence)
        found.append((_finding(rule, path, source, lines, rule_site, confidence, reasons, fix, why), rule_site))
    return found


def _record_send(records: List[Any], catalogue: Catalogue, path: str, lines: LineIndex, site: TextSite,
                 best: Optional[RuleMatch], split: Any) -> None:
    """A TriggerSend for a v1.1 trigger command, or a POST to the v2 trigger path that sends parameters."""
    from ..trigger_sends import V1_ORIGIN, V2_ORIGIN, TriggerSend, project_slug, trigger_shapes
    from .trigger import request_body

    req = site.request
    if best is not None and best.rule.triggers_pipeline:
        rule_id, slug, origin = best.rule.id, project_slug(best.match.params), V1_ORIGIN
    elif best is None and req.verb in ("POST", None) and req.data and split is not None and split.version == "v2":
        is_trigger, slug = trigger_shapes(catalogue).v2_slug(V2_ROOT + split.path)
        if not is_trigger:
            return
        rule_id, origin = None, V2_ORIGIN
    else:
        return
    fields, params = request_body(site) if req.data else ({}, [])
    if rule_id is None and not params:
        return
    (line, column), end = _command_span(site, lines)
    uses = [ParameterUse(path, line, column, end[0], end[1], name, _parameter_value(items), origin, slug)
            for name, items in params]
    records.append(TriggerSend(path, line, column, rule_id, list(fields or ()), uses, slug))


def _parameter_value(items: Sequence[Tuple[str, object]]) -> Any:
    """A parameter's value from the items of the body reader: text, a JSON value, or unknown."""
    if len(items) == 1:
        kind, value = items[0]
        if kind == "lit":
            return typed_value(str(value))
        if kind == "json" and isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return _UNKNOWN
    if not items:
        return ""
    return _UNKNOWN


def _endpoint_reasons(req: HttpRequest, url: Resolved, best: RuleMatch, matches: Sequence[RuleMatch]) -> List[str]:
    reasons: List[str] = []
    if req.verb is None:
        reasons.append(verb_not_resolved(req.verb_label or "a value the script does not show", best, matches))
    if not best.match.url.base_resolved:
        reasons.append(f"base URL not resolved in this file ({_base_label(url)})")
    if best.match.spans_placeholder:
        reasons.extend(assumed_parts(best.match, url.labels.get))
    return reasons


def _base_label(url: Resolved) -> str:
    for atom in url.atoms:
        if not atom.known:
            return atom.label
    return "a value the script does not show"


# a rule's `request.check` -> (confidence, reason) when the command shows the problem, else None
TEXT_CHECKS: RequestChecks[Callable[..., Verdict]] = RequestChecks("the text analyser")


def _check(check: str, rule: Rule, req: HttpRequest, split) -> Verdict:
    return TEXT_CHECKS[check](rule, req, split)


@TEXT_CHECKS("accept")
def _accept_missing(rule: Rule, req: HttpRequest, split) -> Verdict:
    if req.tool == "httpie" or req.json_flag:
        return None  # httpie and curl --json ask for JSON themselves
    names = req.header_names()
    if "accept" in names:
        return None
    if req.opaque_options or None in names:
        return None  # a header we cannot read may be the Accept header: never guess it is missing
    return HIGH, None


@TEXT_CHECKS("route")
def _route_unresolved(rule: Rule, req: HttpRequest, split) -> Verdict:
    return None  # a command line's route is read where it is written (text/evidence.py); not checked here


@TEXT_CHECKS("query-token")
def _token_in_query(rule: Rule, req: HttpRequest, split) -> Verdict:
    markers = {m.lower() for m in rule.markers}
    for piece in split.query.split("&"):
        if piece.split("=", 1)[0].strip().lower() in markers:
            return HIGH, None
    if req.get_data:  # curl -G -d circle-token=...
        for arg in req.data:
            if arg.value is not None and arg.value.text_with("").split("=", 1)[0].strip().lower() in markers:
                return HIGH, None
    if req.tool == "httpie":
        for arg in req.args:
            if arg.name == "item:query" and arg.value is not None:
                if arg.value.text_with("").split("==", 1)[0].strip().lower() in markers:
                    return HIGH, None
    return None


def _command_span(site: TextSite, lines: LineIndex) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    """((line, column), (end line, end column)) of the command in the file."""
    cmd = site.request.command
    seg = site.segment
    if seg.argv is not None:
        start, end = cmd.start, cmd.end
    else:
        first = cmd.words[site.request.program_index]
        start, _ = seg.source_span(first.start, first.end)
        last = cmd.words[-1]
        _, end = seg.source_span(last.start, last.end)
    return lines.position(start), lines.position(end)


def _finding(rule: Rule, path: str, source: str, lines: LineIndex, site: TextSite, confidence: str,
             reasons: List[str], fix: str, why: List[str]) -> Finding:
    (line, col), (end_line, end_col) = _command_span(site, lines)
    all_reasons = list(dict.fromkeys(r for r in reasons + why if r))
    return Finding(
        rule_id=rule.id, path=path, line=line, column=col, end_line=end_line, end_column=end_col,
        message=rule.message, severity=rule.severity, fix=fix, confidence=confidence,
        reason="; ".join(all_reasons) or None, site=site,
    )
