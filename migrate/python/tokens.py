"""v1.1 routes in a file that does not parse as Python 3 (Python 2: print statements, `except X, e`).

Old v1.1 code is often Python 2. `ast` cannot read it, but the tokenizer reads
most of it: each string token (adjacent ones joined) is matched like a route
string of evidence.py, with `%s`, `%(name)s`, `{0}` and `{name}` standing for
unknown parts. The verb is read from the line (`requests.post(`, `method='POST'`,
a `'method': 'DELETE'` table entry) or from the route when v1.1 has one verb for
it. Every such site is low confidence, reason "does not parse as Python 3", and
`fix` leaves it: there is no tree to rewrite.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Dict, Iterator, List, Optional, Tuple

from circleci_v2.rules import Catalogue, placeholder, split_api_url

from ..findings import LOW, Finding, verb_not_resolved
from .evidence import (HINT, best_of, circle_evidence, keyword_values, most_specific, route_words, strong_route,
                       weak_route_ok)

NOT_PYTHON3 = "does not parse as Python 3"
_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrifx]|\{[^{}/]*\}")
_PREFIX = re.compile(r"^[rRbBuUfF]*")
_CALL_VERB = re.compile(r"\.(get|post|put|patch|delete|head)\s*\(", re.IGNORECASE)
_NAMED_VERB = re.compile(r"""(?:method|verb)['"]?\s*[=:]\s*['"](GET|POST|PUT|PATCH|DELETE|HEAD)['"]""", re.IGNORECASE)
_URLLIB = re.compile(r"\b(?:urlopen|Request)\s*\(")
_SEVERITY = {"error": 0, "warning": 1, "info": 2}
_URL_BASE = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://[^\s/]*|[\ue000-\uf8ff]*)$")


UNKNOWN = "\x01"  # stands for a name in a `+` chain: `"/project/" + user + "/envvar"`


def strings(source: str) -> Iterator[Tuple[int, int, int, int, str]]:
    """(line, column, end line, end column, value) of each string expression: adjacent literals joined,
    and a `+` chain of literals and (dotted) names read as one string, each name an UNKNOWN part."""
    run: List[Tuple[tokenize.TokenInfo, str]] = []  # (token, text it contributes)
    pending: List[Tuple[tokenize.TokenInfo, str]] = []  # a name and the `+` after it, not yet joined
    expect_operand = False  # just after a `+` that follows a string of the run
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.STRING:
                run.extend(pending)
                pending = []
                run.append((tok, _value(tok.string)))
                expect_operand = False
                continue
            if tok.type in (tokenize.NL, tokenize.COMMENT) and (run or pending):
                continue  # adjacent literals split over lines
            if tok.type == tokenize.OP and tok.string == "+" and (run or pending):
                expect_operand = True
                continue
            if tok.type == tokenize.NAME and (expect_operand or not run):
                # a name operand: `base + "/api/v1/project/" + user` (a leading one only if a string follows)
                if pending and pending[-1][0].end == tok.start:
                    pending[-1] = (tok, UNKNOWN)
                else:
                    pending.append((tok, UNKNOWN))
                expect_operand = False
                continue
            if tok.type == tokenize.OP and tok.string == "." and pending:
                continue  # self.base_url: one dotted name
            if run:
                yield _joined(run)
            run, pending, expect_operand = [], [], False
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass  # what was read so far still counts
    if run:
        yield _joined(run)


def _joined(run: List[Tuple[tokenize.TokenInfo, str]]) -> Tuple[int, int, int, int, str]:
    text = "".join(t for _, t in run)
    first, last = run[0][0], run[-1][0]
    return first.start[0], first.start[1] + 1, last.end[0], last.end[1] + 1, text


def _value(token: str) -> str:
    prefix = _PREFIX.match(token).group(0)  # type: ignore[union-attr]
    body = token[len(prefix):]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    inner = body[len(quote):-len(quote)] if len(body) >= 2 * len(quote) else body
    if "r" in prefix.lower():
        return inner
    try:
        value = ast.literal_eval(quote + inner + quote)
    except (SyntaxError, ValueError):
        return inner
    return value if isinstance(value, str) else inner


def _docstring_lines(source: str) -> set:
    """Lines of string statements standing alone (docstrings): prose, not routes."""
    out = set()
    lines = source.splitlines()
    for i, line in enumerate(lines, start=1):
        s = line.strip()
        if s.startswith(('"""', "'''", 'r"""', "u'''", 'u"""')):
            out.add(i)
    return out


def analyse_tokens(source: str, path: str, catalogue: Catalogue) -> List[Finding]:
    """Route sites of a file `ast` cannot read, found in its string tokens."""
    if HINT.search(source) is None:
        return []
    evidence = circle_evidence(source)
    lines = source.splitlines()
    prose = _docstring_lines(source)
    found: Dict[Tuple[str, int, int], Finding] = {}
    for line, col, end_line, end_col, text in strings(source):
        if line in prose or not HINT.search(text):
            continue
        url, rooted = _template(text)
        if url is None:
            continue
        context = lines[line - 1] if line <= len(lines) else ""
        verb = _verb(context) or _verb_through_names(context, lines, line)
        words = route_words(catalogue)
        matches = keyword_values(catalogue.match_request(verb, url), words) if verb else []
        if not matches:
            verb = None
            matches = keyword_values(catalogue.match_request(None, url), words)
        if not matches:
            continue
        m = best_of(matches, _SEVERITY, _labels(url, text))
        if not rooted and (not evidence or not (strong_route(m) or weak_route_ok(m, context))):
            continue
        reasons = [NOT_PYTHON3]
        if verb is None and len({x.endpoint.method for x in most_specific(matches)}) > 1:
            reasons.append(verb_not_resolved("no call shows it", m, matches))
        if not rooted:
            reasons.append("a relative route: the /api/v1.1 root is added elsewhere")
        rule = m.rule
        key = (rule.id, line, col)
        if key in found:
            continue
        found[key] = Finding(rule_id=rule.id, path=path, line=line, column=col, end_line=end_line,
                             end_column=end_col, message=rule.message, severity=rule.severity, fix="manual",
                             confidence=LOW, reason="; ".join(reasons))
    return sorted(found.values(), key=lambda f: f.sort_key)


def _template(text: str) -> Tuple[Optional[str], bool]:
    """The string as a URL template (format fields as placeholders); None when it holds no route."""
    n = 0
    out: List[str] = []
    last = 0
    for m in _FIELD.finditer(text):
        out.append(text[last:m.start()])
        if m.group(0).startswith(("{?", "{&")):
            out.append("?")
        out.append(placeholder(n))
        n += 1
        last = m.end()
    out.append(text[last:])
    url = "".join(out).strip()
    while UNKNOWN in url:
        url = url.replace(UNKNOWN, placeholder(n), 1)
        n += 1
    split = split_api_url(url)
    if split is not None and split.version is not None:
        if not split.legacy or not _URL_BASE.match(split.base):
            return None, False
        return url, True
    if "://" in url or " " in url:
        return None, False
    lead = re.match("^[\ue000-\uf8ff]*", url).group(0)  # type: ignore[union-attr]
    rel = url[len(lead):]
    if not rel.startswith("/"):
        rel = "/" + rel
    return (lead or placeholder(n)) + rel, False


def _verb(line: str) -> Optional[str]:
    verbs = {m.group(1).upper() for m in _NAMED_VERB.finditer(line)}
    verbs |= {m.group(1).upper() for m in _CALL_VERB.finditer(line)}
    if not verbs and _URLLIB.search(line):
        # urllib/urllib2: POST when data is passed, GET otherwise
        verbs.add("POST" if re.search(r"\bdata\s*=", line) else "GET")
    return verbs.pop() if len(verbs) == 1 else None


_ASSIGN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=[^=]")


def _verb_through_names(context: str, lines: List[str], line: int) -> Optional[str]:
    """`URL = '...'`, then `u = expand(URL, args)`, then `requests.get(u)`: the verb of the calls it reaches."""
    m = _ASSIGN.match(context)
    if m is None:
        return None
    names = {m.group(1).rsplit(".", 1)[-1]}
    verbs = set()
    for text in lines[line:]:
        code = text.split("#", 1)[0]
        if not any(re.search(rf"\b{re.escape(n)}\b", code) for n in names):
            continue
        verb = _verb(code)
        if verb is not None:
            verbs.add(verb)
            continue
        target = _ASSIGN.match(code)
        if target is not None:
            names.add(target.group(1).rsplit(".", 1)[-1])
    return verbs.pop() if len(verbs) == 1 else None


def _labels(url: str, text: str) -> Dict[str, str]:
    """Placeholder -> the field name it stands for (`{username}`, `%(project)s`), for choosing a template."""
    names = [m.group(0).strip("{}%()sdrifx") for m in _FIELD.finditer(text)]
    phs = [ch for ch in url if "\ue000" <= ch <= "\uf8ff"]
    return {ph: f"`{name}`" for ph, name in zip(phs, names) if name}
