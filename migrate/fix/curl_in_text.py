"""`fix` for the text containers (shell, Makefile, YAML, Dockerfile, Jenkinsfile...): rewrite curl calls in place.

    fix_text(source, path, kind, findings, options) -> new source

Only the findings passed in are applied (the fix engine has already applied
--select/--ignore, suppression comments and the safe/unsafe choice), and only
when the text analyser's plan (migrate/text/trigger.py) allows it:

- a v1.1 trigger becomes the v2 call, in place:
      curl -X POST "$CIRCLE_API/project/github/$ORG/$REPO/tree/$BRANCH?circle-token=$CIRCLE_TOKEN"
  ->  curl -X POST "${CIRCLE_API%/api/v1.1}/api/v2/project/gh/$ORG/$REPO/pipeline" \\
        -H "Circle-Token: $CIRCLE_TOKEN" -H "Content-Type: application/json" -d "{\\"branch\\": \\"$BRANCH\\"}"
- otherwise a token in ?circle-token= moves to a Circle-Token header, and a missing
  Accept header is added.

Every other character of the file stays as it was. Variables, substitutions
and templates are copied exactly as written; generated text is quoted for the
shell and then escaped for the file around it (`$$` in a Makefile, `\\"` in a
YAML or Groovy string). New options follow the command's own layout: when it
is split over lines with backslashes, so are they.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..findings import Finding
from ..kinds import registry
from ..text.trigger import Item, Plan, is_trigger, plan_for
from ..text.shell import LIT, TEMPLATE, Part
from ..text.finding_site import TextSite

Edit = Tuple[int, int, str]
# a fragment of output: ("gen", shell text to escape for the file) or ("src", text already in the file's syntax)
Fragment = Tuple[str, str]


def _unsafe_allowed(options: Any) -> bool:
    if options is None:
        return False
    if isinstance(options, dict):
        return bool(options.get("unsafe_fixes") or options.get("unsafe"))
    return bool(getattr(options, "unsafe_fixes", False) or getattr(options, "unsafe", False))


def fix_text(source: str, path: str, kind: str, findings: Sequence[Finding], options: Any = None) -> str:
    """`source` with the given findings' curl rewrites applied; unchanged when none applies."""
    return fix_file(source, path, findings, options, kind=kind).text


def fix_file(source: str, path: str, findings: Sequence[Finding], options: Any = None, catalogue: Any = None,
             newline: Optional[str] = None, kind: Optional[str] = None) -> Any:
    """The fix engine's entry point for text files: a FixResult with the changes made and the findings left.

    Same signature as the Python fixer (migrate/fix/engine.py fix_source); `kind`
    is taken from the path when not given.
    """
    return plan_file(source, path, findings, options, catalogue, newline, kind).apply()


def plan_file(source: str, path: str, findings: Sequence[Finding], options: Any = None, catalogue: Any = None,
              newline: Optional[str] = None, kind: Optional[str] = None, previous: Any = None) -> "TextPlan":
    """What `fix` does with each finding of one text file (TextPlan.outcome), and the rewritten text.

    The same decision is what `check` shows ([*], [~]): migrate/fix/decide.py.
    """
    from circleci_v2.rules import load_catalogue

    catalogue = catalogue or getattr(options, "catalogue", None) or load_catalogue()
    if kind is None:
        kind = registry.kind_of(path.replace("\\", "/").rsplit("/", 1)[-1]) or "shell"
        if kind == registry.SHEBANG:
            kind = registry.kind_from_shebang(source.lstrip("\ufeff").encode("utf-8", "replace")[:200]) or "shell"
    return TextPlan(source, path, findings, _unsafe_allowed(options), catalogue, kind, newline)


class TextPlan:
    """The curl fixer's plan for one file: per finding, changed or left (and why), and the new text."""

    def __init__(self, source: str, path: str, findings: Sequence[Finding], unsafe: bool, catalogue: Any,
                 kind: str, newline: Optional[str] = None) -> None:
        from .interface import MANUAL, UNSAFE, Change, FixResult, Left, Outcome, first_line, manual_reason

        self.outcomes: Dict[int, Any] = {}
        result = self.result = FixResult(path=path, source=source, text=source)
        self.kind = registry.get(kind)
        self.notes: List[Tuple[int, str, str, int]] = []  # --add-todo: (offset, line, rule id, index in left)
        self.edits: List[Edit] = []
        self.bom = source.startswith("\ufeff")
        self.text = text = source[1:] if self.bom else source
        self.newline = newline or ("\r\n" if "\r\n" in text else "\n")
        if not findings:
            return

        def leave(given: Finding, reason: str, guidance: str, needs: str) -> None:
            result.left.append(Left(given.rule_id, given.line, given.column, given.message, reason, guidance, needs))
            self.outcomes[id(given)] = Outcome(False, needs, reason)

        try:
            analysed = {(f.rule_id, f.line, f.column): (f, site)
                        for f, site in _sites(text, path, catalogue, kind)}
        except Exception as exc:  # an analyser bug must not lose the file: leave everything, say why
            result.errors.append(f"internal error in the text fixer: {type(exc).__name__}: {exc}")
            for given in findings:
                self.outcomes[id(given)] = Outcome(False, MANUAL, result.errors[0])
            return
        by_command: Dict[int, List[Tuple[Finding, TextSite]]] = {}
        applied: List[Tuple[Finding, Finding]] = []  # (the finding given, the same finding with its site)
        for given in sorted(findings, key=lambda f: f.sort_key):
            rule = catalogue.get(given.rule_id)
            guidance = rule.guidance if rule is not None else ""
            found = analysed.get((given.rule_id, given.line, given.column))
            if found is None:
                leave(given, "no automatic fix for this finding", guidance, MANUAL)
                continue
            finding, site = found
            if finding.fix == MANUAL:
                leave(given, finding.reason or manual_reason(rule), guidance, MANUAL)
                if isinstance(site, TextSite):
                    self._note(site, given.rule_id, first_line(guidance), len(result.left) - 1)
                continue
            if finding.fix == UNSAFE and not unsafe:
                leave(given, finding.reason or "needs --unsafe-fixes", guidance, UNSAFE)
                continue
            by_command.setdefault(id(site.request.command), []).append((finding, site))
            applied.append((given, finding))
        edits: List[Edit] = []
        descriptions: Dict[Tuple[str, int, int], str] = {}
        for group in by_command.values():
            command_edits, described = _command_edits(text, group, catalogue, unsafe)
            edits.extend(command_edits)
            descriptions.update(described)
        new_text = apply_edits(text, edits)
        if new_text != text:
            problem = self.kind.broken_by(text, new_text)
            if problem is not None:
                result.errors.append(f"the rewrite would {problem}; the file is left as it was (please report it)")
                for given, _ in applied:
                    self.outcomes[id(given)] = Outcome(False, MANUAL, result.errors[-1])
                return
        for given, finding in applied:
            key = (finding.rule_id, finding.line, finding.column)
            text_of = descriptions.get(key, "done by the v2 trigger rewrite of this command")
            result.changes.append(Change(finding.rule_id, finding.line, text_of, finding.fix, finding.column))
            self.outcomes[id(given)] = Outcome(True, finding.fix)
        self.edits = edits
        result.text = ("\ufeff" + new_text) if self.bom else new_text

    def _note(self, site: TextSite, rule_id: str, guidance: str, left_index: int) -> None:
        """Where --add-todo puts a comment for a site left for a person: a line above its command, written
        as the file's kind writes one there (FileKind.note_line), or nowhere."""
        text, seg = self.text, site.segment
        start, _ = seg.source_span(site.request.command.start, site.request.command.start + 1)
        line_start = text.rfind("\n", 0, start) + 1
        before_line = text[:max(line_start - 1, 0)].rstrip("\r")
        if line_start and before_line.endswith("\\"):  # the command's line continues the one above
            return
        line = self.kind.note_line(seg, text[line_start:start], f"{TODO}{rule_id} {guidance}".rstrip())
        if line is not None and all(n[:3] != (line_start, line, rule_id) for n in self.notes):
            self.notes.append((line_start, line, rule_id, left_index))

    def outcome(self, f: Finding) -> Any:
        from .interface import LEFT_UNPLANNED

        return self.outcomes.get(id(f), LEFT_UNPLANNED)

    def apply(self, add_todo: bool = False) -> Any:
        """The FixResult; with `add_todo`, a comment above each command left for a person where one can go."""
        result = self.result
        if not add_todo or not self.notes or result.errors:
            return result
        from dataclasses import replace

        inserts: List[Edit] = []
        for offset, line, rule_id, index in self.notes:
            if not _noted_above(self.text, offset, rule_id):
                inserts.append((offset, offset, line + self.newline))
        new_text = apply_edits(self.text, self.edits + inserts)
        if inserts and self.kind.broken_by(self.text, new_text) is not None:
            return result  # the comments would break the file: the sites stay listed, unmarked
        for _, _, _, index in self.notes:
            result.left[index] = replace(result.left[index], todo=True)
        result.text = ("\ufeff" + new_text) if self.bom else new_text
        return result


TODO = "TODO(circleci-v2): "  # as in Python files (fix/todo.py), after the comment mark of the file's kind


def _noted_above(text: str, offset: int, rule_id: str) -> bool:
    """Is there a TODO for `rule_id` among the comment lines right above the line starting at `offset`?"""
    lines = text[:offset].splitlines()
    while lines and lines[-1].strip().startswith(("#", "//")):
        if (TODO + rule_id) in lines.pop():
            return True
    return False


_last_sites: List[Any] = []  # [(key, sites)]: check plans each file twice (safe, unsafe) on the same text


def _sites(text: str, path: str, catalogue: Any, kind: str) -> Any:
    """The text analyser's findings with their sites, analysed once for the two plans of one file."""
    from ..text.analyser import analyse_sites

    key = (path, kind, id(catalogue), text)
    if _last_sites and _last_sites[0][0] == key:
        return _last_sites[0][1]
    sites = list(analyse_sites(text, path, catalogue, kind))
    _last_sites[:] = [(key, sites)]
    return sites


def apply_edits(text: str, edits: List[Edit]) -> str:
    """Apply non-overlapping edits (start, end, replacement); an edit overlapping an earlier one is dropped."""
    kept: List[Edit] = []
    last_end = -1
    for edit in sorted(edits, key=lambda e: (e[0], e[1])):
        if edit[0] < last_end:
            continue
        kept.append(edit)
        last_end = max(last_end, edit[1])
    out = text
    for start, end, new in reversed(kept):
        out = out[:start] + new + out[end:]
    return out


def _command_edits(source: str, group: List[Tuple[Finding, TextSite]], catalogue: Any,
                   unsafe: bool) -> Tuple[List[Edit], Dict[Tuple[str, int, int], str]]:
    """The edits for one command, and a description of each finding they resolve."""
    triggers = [(f, s) for f, s in group if s.match is not None and f.rule_id == s.match.rule.id
                and is_trigger(catalogue[f.rule_id])]
    if triggers:
        finding, site = triggers[0]
        plan = plan_for(catalogue[finding.rule_id], site)
        if plan is None:
            return [], {}
        what = "branch" if any(n == "branch" for n, _ in plan.body) else (
            "tag" if any(n == "tag" for n, _ in plan.body) else "default branch")
        rep = catalogue[finding.rule_id].replacement
        v2 = f"{rep.method or 'POST'} ...{(rep.path or '').replace('{project-slug}', '<slug>')}"
        text = f"curl trigger -> {v2} ({what} in the JSON body"
        if plan.parameters and unsafe:
            text += ", build_parameters as pipeline parameters"
        text += ", token in the Circle-Token header)" if plan.token else ")"
        if plan.notes:  # what the rewrite did with the fields (moved, dropped), in the rule's words
            text += "; " + "; ".join(plan.notes)
        return _plan_edits(source, site, plan, unsafe), {(finding.rule_id, finding.line, finding.column): text}
    # request rules only: merge their plans into one (new URL without the token, extra headers)
    merged = Plan()
    site = group[0][1]
    described: Dict[Tuple[str, int, int], str] = {}
    for finding, s in group:
        plan = plan_for(catalogue[finding.rule_id], s)
        if plan is None:
            continue
        key = (finding.rule_id, finding.line, finding.column)
        if plan.url is not None:
            merged.url, merged.url_style = plan.url, plan.url_style
        if plan.token is not None:
            merged.token = plan.token
            described[key] = "token moved from ?circle-token= to the Circle-Token header"
        if plan.add_accept:
            merged.add_accept = True
            described[key] = "added -H \"Accept: application/json\""
    return _plan_edits(source, site, merged, unsafe), described


def _plan_edits(source: str, site: TextSite, plan: Plan, unsafe: bool) -> List[Edit]:
    req = site.request
    seg = site.segment
    words = req.command.words
    assert req.url is not None and req.url_arg is not None
    url_start, url_end = seg.source_span(req.url.start, req.url.end)
    sep = _separator(source, site)
    encode = seg.encode

    def render(fragments: List[Fragment]) -> str:
        return "".join(encode(t) if k == "gen" else t for k, t in fragments)

    if plan.url is not None:
        new_url = render(_emit(plan.url, plan.url_style, source, site))
    else:
        new_url = source[url_start:url_end]
    extra: List[str] = []
    if plan.token is not None:
        extra.append(render([("gen", "-H ")] + _emit([("lit", "Circle-Token: ")] + plan.token, '"', source, site)))
    if plan.add_content_type:
        extra.append(render([("gen", '-H "Content-Type: application/json"')]))
    if plan.add_accept:
        extra.append(render([("gen", '-H "Accept: application/json"')]))
    if plan.json_body:
        fields = list(plan.body)
        body_items = _json_object(fields, plan.parameters if unsafe else [])
        extra.append(render([("gen", "-d ")] + _emit(body_items, "'" if _all_literal(body_items) else '"',
                                                    source, site)))
    edits: List[Edit] = [(url_start, url_end, new_url + "".join(sep + e for e in extra))]
    for arg in plan.remove:
        before = words[arg.first - 1] if arg.first > 0 else None
        _, start = seg.source_span(before.start, before.end) if before is not None else (0, url_start)
        _, end = seg.source_span(words[arg.last].start, words[arg.last].end)
        edits.append((start, end, ""))
    return edits


def _separator(source: str, site: TextSite) -> str:
    """The text between two words of the command: a line continuation when the command uses them."""
    seg = site.segment
    words = site.request.command.words
    for a, b in zip(words, words[1:]):
        _, end = seg.source_span(a.start, a.end)
        start, _ = seg.source_span(b.start, b.end)
        between = source[end:start]
        if _CONTINUATION.match(between):
            return between
    return " "


# spaces, a backslash (doubled inside a Groovy string) and a line break, then the next line's indentation
_CONTINUATION = re.compile(r"^[ \t]*\\+\r?\n[ \t]*$")


def _all_literal(items: List[Item]) -> bool:
    return all(k in ("lit", "json") and not isinstance(v, Part) for k, v in items)


def _json_object(fields: List[Tuple[str, List[Item]]], parameters: List[Tuple[str, List[Item]]]) -> List[Item]:
    """Items for a JSON object with the fields, and `parameters` when given."""
    items: List[Item] = [("lit", "{")]

    def value(vitems: List[Item]) -> None:
        if len(vitems) == 1 and vitems[0][0] == "json":
            v = vitems[0][1]
            items.append(("part", v) if isinstance(v, Part) else ("lit", str(v)))
            return
        items.append(("lit", '"'))
        for k, v in vitems:
            if k == "lit":
                items.append(("lit", json.dumps(str(v))[1:-1]))
            elif k == "json":
                items.append(("lit", str(v)))
            else:
                items.append((k, v))
        items.append(("lit", '"'))

    for n, (name, vitems) in enumerate(fields):
        items.append(("lit", (", " if n else "") + json.dumps(name) + ": "))
        value(vitems)
    if parameters:
        items.append(("lit", (", " if fields else "") + '"parameters": {'))
        for n, (name, vitems) in enumerate(parameters):
            items.append(("lit", (", " if n else "") + json.dumps(name) + ": "))
            value(vitems)
        items.append(("lit", "}"))
    items.append(("lit", "}"))
    return items


_UNQUOTED_SPECIAL = set(" \t\n\"'\\$`&|;<>()*?[]#~=%{}!")


def _emit(items: List[Item], style: str, source: str, site: TextSite) -> List[Fragment]:
    """Shell text for a word made of items, quoted in `style` ('"', "'" or "" for bare) where it can be.

    Literal text takes the word's style; a variable or substitution that was
    unquoted or in double quotes goes into double quotes (or stays bare in a
    bare word); a template (make, CI expression) goes wherever it falls.
    """
    out: List[Fragment] = []
    ctx: Optional[str] = None  # the quote open in the output, None when none is

    def switch(to: Optional[str]) -> None:
        nonlocal ctx
        if ctx == to:
            return
        if ctx is not None:
            out.append(("gen", ctx))
        if to is not None:
            out.append(("gen", to))
        ctx = to

    for kind, value in items:
        if kind in ("lit", "json") and not isinstance(value, Part):
            text = str(value)
            if not text:
                continue
            if ctx is None and style:
                switch(style)
            if ctx == '"':
                text = "".join("\\" + c if c in '"\\$`' else c for c in text)
            elif ctx == "'":
                text = text.replace("'", "'\\''")
            else:
                text = "".join("\\" + c if c in _UNQUOTED_SPECIAL else c for c in text)
            out.append(("gen", text))
            continue
        if kind == "gen":
            if ctx == "'":
                switch(None)
            if ctx is None and style:
                switch('"')
            out.append(("gen", str(value)))
            continue
        if kind == "src":  # expands before the shell runs, like a template
            if ctx is None and style:
                switch(style)
            out.append(("src", str(value)))
            continue
        part = value
        assert isinstance(part, Part)
        raw = site.source_text(source, part.start, part.end)
        if part.kind == LIT:  # never produced by a plan; written as literal text if it were
            out.extend(_emit([("lit", part.text)], style, source, site))
            continue
        if part.kind == TEMPLATE:
            if ctx is None and style:
                switch(style)
            out.append(("src", raw))
            continue
        if ctx == "'":
            switch(None)
        if ctx is None and (style or part.quote == '"'):
            switch('"')
        out.append(("src", raw))
    switch(None)
    return out
