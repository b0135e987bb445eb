"""Evidence first: every v1.1 route a text file writes outside a comment is a finding.

The request analysis (analyse.py) reports the curl, wget and httpie calls it
can read. Real files also hold v1.1 routes it does not see as a call: a URL in
a variable that no curl sends visibly, a URL passed to another program
(`python -c`, `node -e`, `./trigger.sh URL`), a YAML value (`with: url:`), a
Dockerfile ENV line, a here-document, a `sh -c` string. Each such route is
reported here with low confidence and a reason that says what was not
resolved; `fix` never rewrites one (plan: manual).

A route is the first segment of a v1.1 endpoint (`/project/`, `/recent-builds`,
`/me`, ...) with the /api/v1.1 or /api/v1 root before it, or with a base held in
a variable whose name says it is an API root (`${CIRCLE_API}/project/...`). The
URL around it is resolved as far as the file allows (variables set in the
script, make variables, the CI's env:) and matched against the rules like any
other request. Where the verb decides the rule and cannot be read, the most
consequential rule is reported and the reason names the alternatives.
"""
from __future__ import annotations

import bisect
import itertools
import re
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from circleci_v2.rules import Catalogue, Rule, RuleMatch, placeholder, split_api_url

from ..findings import LOW, Finding, assumed_parts, verb_not_resolved
from ..kinds import registry
from ..rulefiles import route_roots, weak_route_roots
from .http_tools import parse_request
from .resolve import Env, Resolved, resolve
from ..kinds.shell_regions import Segment, is_template_char
from .shell import LIT, TEMPLATE, VAR, Command, Word, lex

# The literal start of every v1.1 route after its root (generated from the catalogue).
ROUTE_ROOTS: Tuple[str, ...] = route_roots()
# Roots that are common words in any API (/me, /projects; generated): looked for only with the
# /api/v1.1 root before them, never relative to a base held elsewhere.
_STRONG_ROOTS = tuple(r for r in ROUTE_ROOTS if r not in weak_route_roots())


def _root_pattern(root: str) -> str:
    """A root as a regex: one that ends inside a segment must end that segment (/me, not /meta)."""
    return re.escape(root) + ("" if root.endswith("/") else r"(?![\w.-])")


ROUTE = re.compile("|".join(_root_pattern(r) for r in ROUTE_ROOTS))
# Text another tool fills in, written inside a literal: shell and make variables,
# f-string / format / RFC 6570 fields, printf and %-formatting, CI expressions.
# A route written without its leading slash, to be joined to a base ("$CIRCLE_API/$ENDPOINT").
RELATIVE_ROUTE = re.compile(r"(?<![\w./~$-])(?:" + "|".join(_root_pattern(r)[len(re.escape("/")):]
                                                            for r in _STRONG_ROOTS) + ")")
_FIELD = re.compile(r"\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_]\w*|\{\{[^}]*\}\}|\{[^{}]*\}|%\(\w+\)s|%[sd]|"
                    r"<<[^<>]*>>|#\{[^}]*\}")
_STOP = set(" \t\r\n'\"<>()[],;|`\\{}")
_LEFT_STOP = _STOP | {"="}
# A base held in a variable is taken for an API root only when its name says so.
_API_NAME = re.compile(r"(?i)circle|cci|api")
_URL_NAME = re.compile(r"(?i)url|host|endpoint|base|server")
_NOT_URL_NAME = re.compile(r"(?i)dir|path|home|work|folder|root")
_VERB = r"(GET|POST|DELETE|PUT|PATCH|get|post|delete|put|patch|Get|Post|Delete|Put|Patch)"
# Ways a script or a config says which verb a request uses.
_VERB_HINT = re.compile(
    r"(?:(?<![\w-])-X|--request|--method|-Method|\bmethod|\bhttpMode|\bhttp_method|\bverb)"
    r"[\s'\",=:]{0,5}" + _VERB + r"\b"
    r"|\b(?:requests|httpx|session|http|https|axios|request|client|urllib3|got|superagent|RestClient|HTTParty)"
    r"\s*\.\s*" + _VERB + r"\s*\("
    r"|(?<![\w-])(GET|POST|DELETE)(?![\w-])"
)
# Programs that print their arguments: a URL there is a message unless the output goes on.
_PRINTERS = {"echo", "printf", "print"}
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
_SUBSCRIPT_TOOLS = re.compile(r"\b(?:curl|wget|https?|xhs?)\b")
_FIELD_BASE = 0x1000  # placeholder numbers for fields found inside literals, apart from resolve()'s


class Explained:
    """What the request analysis has already reported or read: those routes are not evidence again."""

    def __init__(self) -> None:
        self.spans: List[Tuple[int, int]] = []  # source spans of URL words and of the values they were built from
        self.names: Set[str] = set()  # variables set outside the script (CI env:, make, ENV) that it followed
        self._indexed = 0  # how many spans _starts and _reach were made from
        self._starts: List[int] = []  # the spans' starts, sorted
        self._reach: List[int] = []  # the furthest end among the spans up to each of those

    def covers(self, offset: int) -> bool:
        # by bisection (a scan of every span per route made a script of thousands of calls quadratic); the
        # spans are appended by the request analysis before the evidence asks, so they are indexed once
        if self._indexed != len(self.spans):
            ordered = sorted(self.spans)
            self._starts = [s for s, _ in ordered]
            self._reach = list(itertools.accumulate((e for _, e in ordered), max))
            self._indexed = len(self.spans)
        i = bisect.bisect_right(self._starts, offset)
        return i > 0 and self._reach[i - 1] > offset


class Lexed:
    """One shell segment of the file, lexed once."""

    def __init__(self, seg: Segment, commands: List[Command], env: Env, comments: List[Tuple[int, int]]) -> None:
        self.seg = seg
        self.commands = commands
        self.env = env
        self.comments = comments
        self.functions: Optional[Dict[str, Command]] = None  # shell functions that run an HTTP tool, by name


class Evidence:
    """One route found in the text, before it becomes a finding."""

    def __init__(self, offset: int, end: int, url: str, labels: Dict[str, str], context: str,
                 verb: Optional[str] = None, hint: Tuple[Optional[str], str] = (None, "")) -> None:
        self.offset = offset  # source offsets of the route
        self.end = end
        self.url = url  # the URL with placeholders for what is not resolved
        self.labels = labels  # placeholder -> how the file writes it
        self.context = context  # what was not resolved about the call
        self.verb = verb  # the verb when read from a call the analysis understands
        self.hint = hint  # (a verb guessed from the text around, the text that says it)


def word_span(seg: Segment, word: Word) -> Tuple[int, int]:
    if seg.argv is not None:
        return word.start, word.end
    return seg.source_span(word.start, word.end)


# ---- URLs around a route --------------------------------------------------------------------------

def _fields(text: str, labels: Dict[str, str], counter: List[int]) -> str:
    def sub(m: "re.Match[str]") -> str:
        ch = placeholder(_FIELD_BASE + counter[0] % 0x800)
        counter[0] += 1
        labels[ch] = m.group(0)
        return ch
    return _FIELD.sub(sub, text)


def route_url_in(resolved: Resolved, start: int = 0) -> Optional[Tuple[str, Dict[str, str]]]:
    """(the URL around the first v1.1 route of a resolved word from `start`, its labels); None when there is none."""
    hit = ROUTE.search(resolved.text, start)
    if hit is None:
        return None
    labels = dict(resolved.labels)
    url = url_around(resolved.text, hit.start(), labels)
    return (url, labels) if is_route_url(url, labels) else None


def url_around(text: str, index: int, labels: Dict[str, str]) -> str:
    """The URL in `text` that holds the route starting at `index` (fields inside literals become placeholders)."""
    counter = [0]
    left = _fields(text[:index], labels, counter)
    right = _fields(text[index:], labels, counter)
    j = len(left)
    while j > 0 and left[j - 1] not in _LEFT_STOP:
        j -= 1
    k = 0
    while k < len(right) and right[k] not in _STOP:
        k += 1
    return left[j:] + right[:k]


def _base_is_api(url: str, labels: Dict[str, str]) -> bool:
    """A URL whose root is not visible: is its base a variable named like an API root?"""
    label = labels.get(url[:1], "")
    if _NOT_URL_NAME.search(label):
        return False
    return bool(_API_NAME.search(label) or _URL_NAME.search(label))


def is_route_url(url: str, labels: Dict[str, str]) -> bool:
    split = split_api_url(url)
    if split is None:
        return False
    if re.search(r"/:[a-z_]", split.path):
        return False  # a route template as API documentation writes it (/project/:vcs/:user/...), not a URL
    if split.version is not None:
        return split.legacy
    if not _base_is_api(url, labels):
        return False
    return split.path.startswith(_STRONG_ROOTS)


# ---- verbs ---------------------------------------------------------------------------------------

def verb_hint(text: str) -> Tuple[Optional[str], str]:
    """(the one HTTP verb the text names, the text that names it); (None, "") when none or several."""
    verbs: Dict[str, str] = {}
    for m in _VERB_HINT.finditer(text):
        verb = next(g for g in m.groups() if g)
        verbs.setdefault(verb.upper(), m.group(0).strip())
    if len(verbs) == 1:
        verb, said = next(iter(verbs.items()))
        return verb, said
    return None, ""


def _consequence(m: RuleMatch) -> Tuple[int, int, str]:
    return (-m.match.specificity, _SEVERITY_RANK.get(m.rule.severity, 3), m.rule.id)


def choose(catalogue: Catalogue, verb: Optional[str], url: str) -> Tuple[Optional[str], List[RuleMatch]]:
    """(the verb used, the matches most consequential first); the verb is dropped when it matches nothing."""
    matches = sorted(catalogue.match_request(verb, url), key=_consequence) if verb else []
    any_verb = sorted(catalogue.match_request(None, url), key=_consequence)
    if not matches or (any_verb and any_verb[0].match.specificity > matches[0].match.specificity):
        # the verb read matches no route, or only a vaguer one than the route written: the route decides
        return None, any_verb
    return verb, matches


# ---- findings ------------------------------------------------------------------------------------

class EvidenceSite:
    """Finding.site of an evidence finding: never rewritten."""

    def __init__(self, kind: str, evidence: Evidence) -> None:
        self.kind = kind
        self.evidence = evidence


def findings_for(ev: Evidence, path: str, kind: str, catalogue: Catalogue,
                 position) -> List[Tuple[Finding, EvidenceSite]]:
    verb = ev.verb or None
    hinted = ""
    if verb is None and ev.hint[0]:
        verb, hinted = ev.hint
    verb, matches = choose(catalogue, verb, ev.url)
    if verb is None:
        hinted = ""
    split = split_api_url(ev.url)
    out: List[Tuple[Finding, EvidenceSite]] = []
    site = EvidenceSite(kind, ev)
    line, col = position(ev.offset)
    end_line, end_col = position(ev.end)
    base_reason = ""
    if split is not None and split.version is None:
        base_reason = f"base URL not resolved in this file ({ev.labels.get(ev.url[:1], 'a value')})"
    if matches:
        best = matches[0]
        reasons = [ev.context]
        if verb is None:
            same = [m for m in matches if m.match.specificity == best.match.specificity]
            if len({m.rule.id for m in same}) > 1:
                reasons.append(verb_not_resolved("the call is not read", best, matches))
        elif hinted:
            reasons.append(f"HTTP verb {verb} taken from `{hinted}` near it")
        if base_reason:
            reasons.append(base_reason)
        if best.match.spans_placeholder:
            reasons.extend(assumed_parts(best.match, ev.labels.get))
        out.append((_finding(best.rule, path, line, col, end_line, end_col, reasons), site))
    if split is not None and split.legacy:
        for rule in catalogue.of_kind("request"):
            if rule.request_check != "query-token":
                continue
            markers = {m.lower() for m in rule.markers}
            if any(p.split("=", 1)[0].strip().lower() in markers for p in split.query.split("&")):
                reasons = [ev.context] + ([base_reason] if base_reason else [])
                out.append((_finding(rule, path, line, col, end_line, end_col, reasons), site))
    return out


def _finding(rule: Rule, path: str, line: int, col: int, end_line: int, end_col: int,
             reasons: Sequence[str]) -> Finding:
    return Finding(rule_id=rule.id, path=path, line=line, column=col, end_line=end_line, end_column=end_col,
                   message=rule.message, severity=rule.severity, fix="manual", confidence=LOW,
                   reason="; ".join(dict.fromkeys(r for r in reasons if r)) or None)


# ---- finding the routes ----------------------------------------------------------------------------

class Scanner:
    """The evidence of one file: routes in its shell segments, then in the rest of its text."""

    def __init__(self, source: str, kind: str, lexed: List[Lexed], explained: Explained,
                 others: Sequence[Segment] = ()) -> None:
        self.source = source
        self.kind = registry.get(kind)  # what the text outside the shell segments means in this kind of file
        self.lexed = lexed
        self.others = list(others)  # segments with no tool and no route: lexed only to find a variable's uses
        self.explained = explained
        self.found: List[Evidence] = []
        self.seen: Set[int] = set()  # source offsets of routes already taken

    def run(self) -> List[Evidence]:
        for lx in list(self.lexed):
            if lx.seg.argv is None and route_hits(lx.seg.text):
                self._segment(lx)
        for lx in list(self.lexed):
            if lx.seg.argv is None and lx.env:
                self._composed(lx)
        self._raw()
        return self.found

    # -- shell segments ------------------------------------------------------------------------
    def _segment(self, lx: Lexed) -> None:
        seg = lx.seg
        if seg.defines is not None and seg.defines in self.explained.names:
            return  # a make variable or CI env: value the request analysis followed
        words = _words(lx.commands)
        for hit, hit_end in route_hits(seg.text):
            src, _ = seg.source_span(hit, hit + 1)
            _, src_end = seg.source_span(hit, hit_end)
            if src in self.seen or self.explained.covers(src):
                continue
            if any(s <= hit < e for s, e in lx.comments):
                continue
            inner = [w for w in words if w[0].start <= hit < w[0].end]
            if not inner:
                heredoc = next((c for c in lx.commands if c.heredoc and c.heredoc[0] <= hit < c.heredoc[1]), None)
                self._loose(lx, hit, src, src_end, heredoc)
                continue
            word, cmd, role, name = min(inner, key=lambda w: w[0].end - w[0].start)
            if role == "arg" and _program(cmd) in _PRINTERS and not cmd.pipe_out and not cmd.redirects:
                continue  # a message that shows the URL, not a call
            self._in_word(lx, word, cmd, role, name, hit, src, src_end)

    def _composed(self, lx: Lexed) -> None:
        """Routes that only exist once variables are joined ("$CIRCLE_API/$ENDPOINT" with
        ENDPOINT="project/..."): reported at the word that joins them."""
        names = {name for name, entries in lx.env.items()
                 if any(RELATIVE_ROUTE.search(w.text_with("")) for _, w in entries)}
        if not names:
            return
        seg = lx.seg
        templates = {t.raw: t.value for t in seg.templates.values() if t.value}
        for cmd in lx.commands:
            for word, role, target in _value_words(cmd):
                if not any(p.kind == VAR and p.text in names for p in word.parts):
                    continue
                src, src_end = word_span(seg, word)
                if src in self.seen or self.explained.covers(src):
                    continue
                resolved = resolve(word, lx.env, cmd.index, templates)
                found = route_url_in(resolved)
                if found is None:
                    continue
                url, labels = found
                if role == "arg" and _program(cmd) in _PRINTERS and not cmd.pipe_out and not cmd.redirects:
                    continue
                self.seen.add(src)
                verb: Optional[str] = None
                hint: Tuple[Optional[str], str] = (None, "")
                req = parse_request(cmd)
                joined = ", ".join("$" + p.text for p in word.parts if p.kind == VAR)
                if role == "assign" and target is not None:
                    verb, hint, context = self._uses(target, lx, cmd.index)
                    context = f"the URL is joined from {joined} into ${target}; " + context
                elif req is not None:
                    verb = req.verb
                    context = f"the URL is joined from {joined} in a way check does not follow"
                else:
                    verb, hint, what = self._unknown_call(lx, cmd)
                    context = f"the URL is joined from {joined} and passed to {what}"
                joined_names = {p.text for p in word.parts if p.kind == VAR and p.text in names}
                if not self._other_values(lx, word, cmd, joined_names, templates, verb, hint, context):
                    self.found.append(Evidence(src, src_end, url, labels, context, verb, hint))

    def _other_values(self, lx: Lexed, word: Word, cmd: Command, names: Set[str],
                      templates: Dict[str, Optional[str]], verb: Optional[str], hint: Tuple[Optional[str], str],
                      context: str) -> bool:
        """A joined variable set in several places (if/else branches): each value is a site, reported where it
        is set. False when no variable of the word has several values."""
        line = _line_of(self.source, word_span(lx.seg, word)[0])
        reported = False
        for name in sorted(names):
            entries = lx.env.get(name, [])
            if len(entries) < 2:
                continue
            for index, value in entries:
                src, src_end = word_span(lx.seg, value)
                if index < 0 or src in self.seen:
                    continue
                env = dict(lx.env)
                env[name] = [(index, value)]
                resolved = resolve(word, env, cmd.index, templates)
                found = route_url_in(resolved)
                if found is None:
                    continue
                url, labels = found
                self.seen.add(src)
                reported = True
                self.found.append(Evidence(src, src_end, url, labels,
                                           f"one of the values of ${name}, joined on line {line}: " + context,
                                           verb, hint))
        return reported

    def _in_word(self, lx: Lexed, word: Word, cmd: Command, role: str, name: Optional[str], hit: int,
                 src: int, src_end: int) -> None:
        seg = lx.seg
        templates = {t.raw: t.value for t in seg.templates.values() if t.value}
        resolved = resolve(word, lx.env, cmd.index, templates)
        index, part_index = _resolved_index(seg, word, resolved, hit)
        if index is None:
            self._loose(lx, hit, src, src_end, None)
            return
        labels = dict(resolved.labels)
        url = url_around(resolved.text, index, labels)
        if not is_route_url(url, labels):
            return
        self.seen.add(src)
        verb: Optional[str] = None
        hint: Tuple[Optional[str], str] = (None, "")
        part = word.parts[part_index]
        inner = _subscript_request(part.text, seg.text[part.start:hit]) if part.kind == LIT else None
        if inner is not None:
            verb, tool = inner
            context = f"the {tool} call is inside a string run by `{_program(cmd)}`, which check does not follow"
        elif role == "assign" and name is not None:
            extended = self._extended_uses(name, lx, cmd.index, templates)
            if extended:  # a base: the routes are where the commands add to it
                self.found.extend(extended)
                return
            verb, hint, context = self._uses(name, lx, cmd.index)
        elif seg.defines and role == "arg" and cmd.words and cmd.words[0] is word and len(cmd.words) == 1:
            verb, hint, context = self._defined(seg.defines, at=src)
        else:
            req = parse_request(cmd)
            if req is not None and any(a.name == "url" and a.value is word for a in req.args):
                verb = req.verb  # curl requests every URL it is given; the analysis reads the first
                context = f"the {req.tool} call requests several URLs; check reads only its first"
            elif req is not None and req.url is not word:
                context = f"the URL is an argument of {req.tool}, not the URL it requests"
            else:
                verb, hint, what = self._unknown_call(lx, cmd)
                context = f"the URL is passed to {what}"
            if not hint[0] and verb is None:
                hint = _hint(seg.text[cmd.start:cmd.end])
        self.found.append(Evidence(src, src_end, url, labels, context, verb, hint))

    def _loose(self, lx: Lexed, hit: int, src: int, src_end: int, heredoc: Optional[Command]) -> None:
        """A route in segment text that is no word: a here-document body, or text the lexer skipped."""
        seg = lx.seg
        start = seg.text.rfind("\n", 0, hit) + 1
        end = seg.text.find("\n", hit)
        end = len(seg.text) if end == -1 else end
        labels: Dict[str, str] = {}
        url = url_around(seg.text[start:end], hit - start, labels)
        if not is_route_url(url, labels):
            return
        self.seen.add(src)
        verb = None
        hint: Tuple[Optional[str], str] = (None, "")
        if heredoc is not None:
            body = seg.text[heredoc.heredoc[0]:heredoc.heredoc[1]]  # type: ignore[index]
            inner = _subscript_request(body, seg.text[heredoc.heredoc[0]:hit])  # type: ignore[index]
            prog = _program(heredoc)
            if inner is not None:
                verb = inner[0]
                context = f"the {inner[1]} call is in a here-document given to `{prog}`, which check does not follow"
            else:
                context = f"the URL is in a here-document given to `{prog}`, which check does not read"
                hint = _hint(seg.text[start:end])
        else:
            context = "the URL is in text check does not read as a command"
            hint = _hint(seg.text[start:end])
        self.found.append(Evidence(src, src_end, url, labels, context, verb, hint))

    def _extended_uses(self, name: str, lx: Lexed, after: int,
                       templates: Dict[str, Optional[str]]) -> List[Evidence]:
        """The routes built from `name` by later commands that add to it ("$API/tree/main"), when the request
        analysis did not read them: one Evidence at each such word."""
        out: List[Evidence] = []
        extends = False
        for cmd in lx.commands:
            if cmd.index <= after:
                continue
            for word, role, target in _value_words(cmd):
                parts = word.parts
                if not any(p.kind == VAR and p.text == name for p in parts):
                    continue
                extends = extends or any(p.kind == VAR and p.text == name for p in parts[:-1])
                src, src_end = word_span(lx.seg, word)
                if src in self.seen or self.explained.covers(src):
                    continue
                resolved = resolve(word, lx.env, cmd.index, templates)
                start = next((sum(len(a.text) for a in resolved.atoms[:n])
                              for n, a in enumerate(resolved.atoms) if a.via == name), None)
                found = route_url_in(resolved, start) if start is not None else None
                if found is None:
                    continue
                url, labels = found
                self.seen.add(src)
                line = _line_of(self.source, src)
                req = parse_request(cmd)
                verb: Optional[str] = None
                hint: Tuple[Optional[str], str] = (None, "")
                if role == "assign" and target is not None:
                    verb, hint, context = self._uses(target, lx, cmd.index)
                    context = f"the URL is built from ${name} into ${target}; " + context
                elif req is not None:
                    verb = req.verb
                    context = (f"the URL is built from ${name} for the {req.tool} call on line {line} in a way "
                               "check does not follow")
                else:
                    verb, hint, what = self._unknown_call(lx, cmd)
                    context = f"the URL is built from ${name} and passed to {what}"
                out.append(Evidence(src, src_end, url, labels, context, verb, hint))
        if not extends:  # only the variable itself is used: the route is reported where it is written
            for ev in out:
                self.seen.discard(ev.offset)
            return []
        return out

    def _unknown_call(self, lx: Lexed, cmd: Command) -> Tuple[Optional[str], Tuple[Optional[str], str], str]:
        """(verb, hint, what the program is) for a command that is no curl, wget or httpie call: a function of
        the script that runs one with its arguments gives the verb, else the text of the command may."""
        prog = _program(cmd)
        if lx.functions is None:
            lx.functions = _functions(lx)
        inner = lx.functions.get(prog)
        if inner is not None:
            req = parse_request(_inline(inner, cmd))
            if req is not None:
                return (req.verb, (None, ""),
                        f"`{prog}`, a function of this script around {req.tool}, which check does not follow")
        return None, _hint(lx.seg.text[cmd.start:cmd.end]), f"`{prog}`, which check does not read as an HTTP call"

    def _sent_by(self, lx: Lexed, cmd: Command, held_in: str,
                 why: str = "") -> Tuple[Optional[str], Tuple[Optional[str], str], str]:
        """(verb, hint, context) for a URL held in `held_in` ($name or a template's name) that `cmd` expands;
        `why` says why check could not follow it to a request it reads."""
        req = parse_request(cmd)
        line = _line_of(self.source, lx.seg.source_span(cmd.start, cmd.start + 1)[0])
        if req is not None:
            return (req.verb, (None, ""),
                    f"{held_in} reaches the {req.tool} call on line {line} in a way check does not follow{why}")
        verb, hint, what = self._unknown_call(lx, cmd)
        return verb, hint, f"the URL in {held_in} is passed (line {line}) to {what}"

    def _uses(self, name: str, lx: Lexed, after: int) -> Tuple[Optional[str], Tuple[Optional[str], str], str]:
        """(verb, hint, context) for a URL assigned to `name` in a script."""
        for cmd in lx.commands:
            if cmd.index < after or not _reads(cmd, name):
                continue
            return self._sent_by(lx, cmd, f"${name}", " (set more than once, or changed on the way)")
        verb, hint, context = self._defined(name, only_uses=True)
        if context:
            return verb, hint, context
        return None, (None, ""), f"the URL is assigned to ${name}, and no command in this file sends it"

    def _defined(self, name: str, only_uses: bool = False,
                 at: int = 0) -> Tuple[Optional[str], Tuple[Optional[str], str], str]:
        """(verb, hint, context) for a URL that is the value of `name` (make variable, YAML key, ENV)."""
        for lx in self._mentioning(name):
            for cmd in lx.commands:
                if not _reads(cmd, name, lx.seg):
                    continue
                return self._sent_by(lx, cmd, name)
        if only_uses:
            return None, (None, ""), ""
        told = self.kind.value_context(self.source, name, at)
        if told is not None:
            around, context = told
            return None, verb_hint(around) if around else (None, ""), context
        return None, (None, ""), f"the URL is the value of {name}, and no command in this file sends it"

    def _mentioning(self, name: str) -> List[Lexed]:
        """The segments that may expand `name`, in file order (the others are lexed on first need)."""
        def mentions(seg: Segment) -> bool:
            return name in seg.text or any(t.name == name for t in seg.templates.values())

        fresh = [seg for seg in self.others if mentions(seg)]
        if fresh:
            self.others = [seg for seg in self.others if not mentions(seg)]
            self.lexed.extend(Lexed(seg, lex(seg), {}, []) for seg in fresh)
            self.lexed.sort(key=lambda lx: lx.seg.starts[0] if lx.seg.starts else 0)
        return [lx for lx in self.lexed if mentions(lx.seg)]

    # -- text outside the shell segments ---------------------------------------------------------
    def _raw(self) -> None:
        source = self.source
        segments = [lx.seg for lx in self.lexed] + self.others
        for m in ROUTE.finditer(source):
            hit = m.start()
            if hit in self.seen or self.explained.covers(hit) or _covered(segments, hit):
                continue
            line_start = source.rfind("\n", 0, hit) + 1
            line_end = source.find("\n", hit)
            line_end = len(source) if line_end == -1 else line_end
            line = source[line_start:line_end]
            if self.kind.in_comment(source, line_start, hit) or self.kind.not_a_command(source, line_start, line):
                continue
            labels: Dict[str, str] = {}
            url = url_around(line, hit - line_start, labels)
            if not is_route_url(url, labels):
                continue
            self.seen.add(hit)
            verb = None
            hint = verb_hint(line)
            if hint[0] is None:
                hint = verb_hint(_lines_around(source, line_start, 2))
            defined = self.kind.defined_name(line)
            inline = self.kind.inline_script(line, hit - line_start) if defined is None else None
            if defined is not None and defined in self.explained.names:
                continue
            if defined is not None:
                verb, uses_hint, context = self._defined(defined, only_uses=True)
                hint = uses_hint if uses_hint[0] else hint
                if not context:
                    context = f"the URL is the value of {defined}, and no command in this file sends it"
            elif inline is not None:  # a command the file's own syntax runs: read it as a script
                script, context = inline
                inner = _subscript_request(script, line[:hit - line_start])
                if inner is not None:
                    verb = inner[0]
            else:
                context = self.kind.outside
            self.found.append(Evidence(hit, m.end(), url, labels, context, verb, hint))


_CONTINUATION = re.compile(r"\\\r?\n")


def route_hits(text: str) -> List[Tuple[int, int]]:
    """(start, end) of each route in shell text, also one a line continuation splits (a line ending in
    `/api/v1.1/` and a backslash, then `project/...` on the next line)."""
    if "\\" not in text or _CONTINUATION.search(text) is None:
        return [(m.start(), m.end()) for m in ROUTE.finditer(text)]
    keep: List[int] = []  # offsets of the characters the shell keeps
    pos = 0
    for m in _CONTINUATION.finditer(text):
        keep.extend(range(pos, m.start()))
        pos = m.end()
    keep.extend(range(pos, len(text)))
    joined = "".join(text[i] for i in keep)
    return [(keep[m.start()], keep[m.end() - 1] + 1) for m in ROUTE.finditer(joined)]


def _hint(text: str) -> Tuple[Optional[str], str]:
    return verb_hint(text)


def _words(commands: List[Command]) -> List[Tuple[Word, Command, str, Optional[str]]]:
    """Every word of the segment with its command and role: arg, assign (with the name), redirect."""
    out: List[Tuple[Word, Command, str, Optional[str]]] = []
    for cmd in commands:
        for name, value in cmd.assignments:
            out.append((value, cmd, "assign", name))
        prog = cmd.words[0].literal if cmd.words else None
        for w in cmd.words:
            first = w.parts[0] if w.parts else None
            if prog in ("export", "readonly", "local", "declare", "typeset") and first is not None \
                    and first.kind == LIT and not first.quote:
                m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)=", first.text)
                if m is not None:
                    out.append((w, cmd, "assign", m.group(1)))
                    continue
            out.append((w, cmd, "arg", None))
        for _, target in cmd.redirects:
            if target is not None:
                out.append((target, cmd, "redirect", None))
    return out


_FUNCTION = re.compile(r"(?m)^[ \t]*(?:function[ \t]+)?([A-Za-z_][\w-]*)[ \t]*\(\)[ \t]*\{?"
                       r"|^[ \t]*function[ \t]+([A-Za-z_][\w-]*)[ \t]*\{")
_CLOSE_BRACE = re.compile(r"(?m)(?:^|[;\s])\}(?=[\s;]|$)")
_ARGS = {"@", "*"}


def _functions(lx: Lexed) -> Dict[str, Command]:
    """Shell functions of the segment whose body runs curl, wget or httpie with the function's arguments."""
    found: Dict[str, Command] = {}
    text = lx.seg.text
    for m in _FUNCTION.finditer(text):
        name = m.group(1) or m.group(2)
        close = _CLOSE_BRACE.search(text, m.end())
        end = close.start() if close is not None else len(text)
        for cmd in lx.commands:
            if not m.end() <= cmd.start < end:
                continue
            if parse_request(cmd) is not None and any(
                    p.kind == VAR and (p.text in _ARGS or p.text.isdigit()) for w in cmd.words for p in w.parts):
                found.setdefault(name, cmd)
                break
    return found


def _inline(body: Command, call: Command) -> Command:
    """The body's request with the call's arguments in place of "$@", "$1"...: what the call runs."""
    out = Command()
    args = call.words[1:]
    for w in body.words:
        var = w.parts[0] if len(w.parts) == 1 and w.parts[0].kind == VAR else None
        if var is not None and var.text in _ARGS:
            out.words.extend(args)
        elif var is not None and var.text.isdigit():
            n = int(var.text)
            if 0 < n <= len(args):
                out.words.append(args[n - 1])
        else:
            out.words.append(w)
    out.start, out.end = call.start, call.end
    return out


def _value_words(cmd: Command) -> List[Tuple[Word, str, Optional[str]]]:
    """The words of a command that may carry a URL: (word, role, assigned name)."""
    return [(w, "assign", n) for n, w in cmd.assignments] + [(w, "arg", None) for w in cmd.words]


def _resolved_index(seg: Segment, word: Word, resolved: Resolved, hit: int) -> Tuple[Optional[int], int]:
    """Where the route at segment offset `hit` is in the resolved text of `word`: (index, part index)."""
    for k, part in enumerate(word.parts):
        if not part.start <= hit < max(part.end, part.start + 1):
            continue
        nth = len(route_hits(seg.text[part.start:hit]))
        pos = 0
        text = ""
        first = -1
        for atom in resolved.atoms:
            if atom.top == k:
                if first < 0:
                    first = pos
                text += atom.text
            pos += len(atom.text)
        found = list(ROUTE.finditer(text))
        if first < 0 or nth >= len(found):
            return None, k
        return first + found[nth].start(), k
    return None, 0


def _subscript_request(text: str, before: str) -> Optional[Tuple[Optional[str], str]]:
    """A script inside a string or a here-document: (verb, tool) of its request holding the route at the
    position of the route that `before` ends just before, or None."""
    if not _SUBSCRIPT_TOOLS.search(text):
        return None
    seg = Segment("shell")
    # a template of the outer text (${{ x }}, $(VAR)) stands for an unknown value here
    seg.add("".join(placeholder(0) if is_template_char(ch) else ch for ch in text), 0, 0)
    seg.finish()
    nth = len(route_hits(before))
    routes = list(ROUTE.finditer(text))
    if nth >= len(routes):
        return None
    at = routes[nth].start()
    for cmd in lex(seg):
        req = parse_request(cmd)
        if req is not None and req.url is not None and req.url.start <= at < req.url.end:
            return req.verb, req.tool
    return None


def _reads(cmd: Command, name: str, seg: Optional[Segment] = None) -> bool:
    """Does the command expand variable `name` ($name, ${name...}, or the make/CI template of that name)?"""
    words = list(cmd.words) + [v for _, v in cmd.assignments]
    for w in words:
        for p in w.parts:
            if p.kind == VAR and p.text == name:
                return True
            if p.kind == TEMPLATE and seg is not None and any(
                    t.raw == p.text and (t.name == name or t.name.split(".")[-1] == name)
                    for t in seg.templates.values()):
                return True
    return False


def _program(cmd: Command) -> str:
    prog, index = cmd.program()
    if prog is not None:
        return prog
    if cmd.words:
        w = cmd.words[min(index, len(cmd.words) - 1)]
        return w.literal or "".join(p.text for p in w.parts)[:30]
    return "a command"


def _line_of(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _covered(segments: Iterable[Segment], offset: int) -> bool:
    """Does a segment read the source character at `offset` as shell text? (Not the text of a template: a
    make $(shell ...) or a CI expression holds text the shell segment does not show.)"""
    for seg in segments:
        if seg.argv is not None or not seg.starts or not seg.starts[0] <= offset < seg.ends[-1]:
            continue
        i = bisect.bisect_left(seg.starts, offset)
        if i < len(seg.starts) and seg.starts[i] == offset and not is_template_char(seg.text[i]):
            return True
    return False


def _lines_around(source: str, line_start: int, n: int) -> str:
    start = line_start
    for _ in range(n):
        prev = source.rfind("\n", 0, max(start - 1, 0))
        start = prev + 1 if prev != -1 else 0
    end = line_start
    for _ in range(n + 1):
        nxt = source.find("\n", end + 1)
        end = len(source) if nxt == -1 else nxt
    return source[start:end]
