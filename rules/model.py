"""The rule catalogue as typed objects.

A rule file (rules/catalogue/CCI1xx-name.yaml) is the single description of one
v1.1 call and its v2 replacement. The linter, the codemod, the shim and the docs
all read these objects; none of them keeps a table of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Tuple, TypeVar, Union

from .endpoints import V1_DEFAULT_VCS, VCS_SLUGS, ApiUrl, EndpointMatch, PathTemplate, split_api_url

# A {field} of a v2 path template (replacement.path), as the v2 spec writes it.
_V2_FIELD = re.compile(r"\{([a-z][a-z0-9-]*)\}")
# What each v2 field is built from, in the v1.1 path parameters (project-slug: from vcs/user/project).
_V2_FIELD_SOURCES = {"job-number": "build_num"}
P = TypeVar("P")

# A rule's `fix` class (the schema's enum), from the least to the most a person has to do: safe (rewritten by
# default), unsafe (only with --unsafe-fixes), manual (never rewritten). Every front end orders them so.
FIX_CLASSES: Tuple[str, ...] = ("safe", "unsafe", "manual")


def strictest_fix(classes: Iterable[str], default: str = "safe") -> str:
    """The class of a rewrite whose parts have these classes: the strictest of them."""
    return max(classes, key=FIX_CLASSES.index, default=default)


class V2PathError(ValueError):
    """The rule has no single v2 path, or a field of it has no value in the v1.1 parameters."""


@dataclass(frozen=True)
class Endpoint:
    """An HTTP endpoint: method and path template with :name segments (v1.1 or v1; v2 in request rules)."""

    method: str
    path: str
    template: PathTemplate = field(compare=False, repr=False)


@dataclass(frozen=True)
class ClientArgument:
    """Where a legacy method takes one part of its v1.1 request (see schema.json, client `arguments`).

    role: user, project, vcs (the URL's parts), body (the JSON body, a dict) or build_parameters (a dict,
    or keyword `**`: the method's extra keywords are the build parameters).
    """

    role: str
    position: Optional[int] = None
    keyword: Optional[str] = None


@dataclass(frozen=True)
class ClientMethod:
    """A method of a legacy client class, e.g. circleci.api.Api.trigger_build."""

    module: str
    class_name: str
    method: str
    attribute: Optional[str] = None
    drop_in: Optional[str] = None
    arguments: Tuple[ClientArgument, ...] = ()

    def argument(self, role: str) -> Optional[ClientArgument]:
        return next((a for a in self.arguments if a.role == role), None)

    @property
    def dotted(self) -> str:
        middle = f".{self.attribute}" if self.attribute else ""
        return f"{self.module}.{self.class_name}{middle}.{self.method}"


@dataclass(frozen=True)
class ImportMapping:
    """A legacy module and the circleci_v2 drop-in module that replaces it."""

    module: str
    drop_in: str


@dataclass(frozen=True)
class FieldMapping:
    """How one field of a v1.1 request carries over to v2 (see schema.json, `body`)."""

    name: str
    action: str
    note: str
    to: Optional[str] = None
    source: str = "body"


@dataclass(frozen=True)
class Replacement:
    operations: Tuple[str, ...]
    summary: str
    method: Optional[str] = None
    path: Optional[str] = None


@dataclass(frozen=True)
class Example:
    code: str
    language: str = "python"
    name: Optional[str] = None
    fixed: Optional[str] = None
    fixed_unsafe: Optional[str] = None
    confidence: str = "high"
    note: Optional[str] = None


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    title: str
    severity: str
    kind: str
    fix: str
    message: str
    guidance: str
    replacement: Replacement
    deprecated: bool
    endpoints: Tuple[Endpoint, ...]
    clients: Tuple[ClientMethod, ...]
    imports: Tuple[ImportMapping, ...]
    body: Tuple[FieldMapping, ...]
    reply: Mapping[str, object]
    shim: Mapping[str, object]
    markers: Tuple[str, ...]
    request_check: Optional[str]  # kind request: accept | query-token
    request_without_base: bool  # kind request: also covers requests whose base URL is not resolved
    config: Mapping[str, object]  # kind config: what fix writes into .circleci/config.yml
    references: Tuple[str, ...]
    valid_examples: Tuple[Example, ...]
    invalid_examples: Tuple[Example, ...]
    source_file: str

    def field_mapping(self, name: str) -> Optional[FieldMapping]:
        for mapping in self.body:
            if mapping.name == name:
                return mapping
        return None

    def covers_request(self, verb: Optional[str], url: "ApiUrl", best: Optional["RuleMatch"] = None,
                       without_base: bool = False) -> bool:
        """Does this request rule (kind "request": headers, query string) apply to a request to `url`?

        With the API root resolved, the rule's endpoints say which versions (v1.1, v1,
        and v2 when the rule names it) and path prefixes it covers. With the base
        unresolved (url.version None), it applies when told so (`without_base`) or when
        the request's best route match is of a version the rule covers; the caller
        reports that with low confidence.
        """
        endpoints = [e for e in self.endpoints if verb is None or e.method in ("ANY", verb)]
        if url.version is not None:
            return any(e.template.version == url.version
                       and (e.template.relative == "/" or url.path.startswith(e.template.relative))
                       for e in endpoints)
        if without_base:
            return True
        return best is not None and any(e.template.version == best.endpoint.template.version for e in endpoints)

    @property
    def triggers_pipeline(self) -> bool:
        """The replacement is v2's pipeline trigger (triggerPipeline)."""
        return "triggerPipeline" in self.replacement.operations

    @property
    def has_v2_path(self) -> bool:
        """The replacement names one v2 endpoint (replacement.path), which v2_path() builds."""
        path = self.replacement.path
        return bool(path) and path.startswith("/api/v2/")

    def v2_path(self, params: Mapping[str, Union[str, P]]) -> List[Union[str, P]]:
        """The v2 path of this rule's replacement for a v1.1 URL's path parameters.

        `params` maps v1.1 parameter names (vcs, user, project, build_num) to their
        values: text, or any value of the caller's (an unresolved part), which is
        returned in place as it is. The result is literal text and those values, in
        order. {project-slug} is vcs/user/project with github/bitbucket shortened to
        gh/bb when vcs is text, gh when there is no vcs (v1 paths were GitHub only).
        """
        path = self.replacement.path
        if not self.has_v2_path:
            raise V2PathError(f"{self.id} has no single v2 endpoint to rewrite to")
        out: List[Union[str, P]] = []
        last = 0
        for m in _V2_FIELD.finditer(path):
            out.append(path[last:m.start()])
            out.extend(_v2_field(m.group(1), params))
            last = m.end()
        out.append(path[last:])
        return [part for part in out if not (isinstance(part, str) and part == "")]

    def v2_path_pattern(self) -> str:
        """A regex for this rule's v2 path with any values in its fields (a slug spans segments)."""
        path = self.replacement.path
        if not self.has_v2_path:
            raise V2PathError(f"{self.id} has no single v2 endpoint")
        out, last = [], 0
        for m in _V2_FIELD.finditer(path):
            out.append(re.escape(path[last:m.start()]))
            out.append("[^?#]+" if m.group(1) == "project-slug" else "[^/?#]+")
            last = m.end()
        out.append(re.escape(path[last:]))
        return "".join(out)

    def v2_path_fields(self, path: str) -> Optional[Dict[str, str]]:
        """The values of this rule's v2 path fields ({"project-slug": "gh/acme/app"}) when `path` (from
        /api/v2/ on, no query) is that path; None when it is another one."""
        if not self.has_v2_path:
            return None
        template = self.replacement.path or ""
        names: List[str] = []
        out, last = [], 0
        for m in _V2_FIELD.finditer(template):
            out.append(re.escape(template[last:m.start()]))
            out.append("([^?#]+)" if m.group(1) == "project-slug" else "([^/?#]+)")
            names.append(m.group(1))
            last = m.end()
        out.append(re.escape(template[last:]) + "/?")
        found = re.fullmatch("".join(out), path)
        return dict(zip(names, found.groups())) if found is not None else None

    @property
    def replacement_text(self) -> str:
        """One line naming the v2 replacement, for messages and warnings."""
        if not self.replacement.operations:
            return f"no v2 equivalent: {self.replacement.summary}"
        ops = ", ".join(self.replacement.operations)
        return f"{ops} ({self.replacement.summary})"


def _v2_field(name: str, params: Mapping[str, Union[str, P]]) -> List[Union[str, P]]:
    if name == "project-slug":
        if "user" not in params or "project" not in params:
            raise V2PathError("the project slug could not be built from the URL")
        vcs = params.get("vcs", V1_DEFAULT_VCS)  # an API v1 path names no VCS
        if isinstance(vcs, str):
            vcs = VCS_SLUGS.get(vcs.lower(), vcs)
        return [vcs, "/", params["user"], "/", params["project"]]
    source = _V2_FIELD_SOURCES.get(name)
    if source is None or source not in params:
        raise V2PathError(f"no value for {{{name}}} in the v1.1 URL")
    return [params[source]]


@dataclass(frozen=True)
class RuleMatch:
    """A rule whose endpoint matched a request."""

    rule: Rule
    endpoint: Endpoint
    match: EndpointMatch


class Catalogue:
    """All rules, by id, with the lookups the linter and the shim need."""

    def __init__(self, rules: List[Rule]) -> None:
        self._rules: Dict[str, Rule] = {r.id: r for r in sorted(rules, key=lambda r: r.id)}
        # the endpoints match_request tries, in rule order (request rules apply to every URL under a root
        # they name, not to one route)
        self._routes: List[Tuple[Rule, Endpoint]] = [
            (rule, endpoint) for rule in self._rules.values() if rule.kind != "request" for endpoint in rule.endpoints]

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __getitem__(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def get(self, rule_id: str) -> Optional[Rule]:
        return self._rules.get(rule_id)

    def by_name(self, name: str) -> Optional[Rule]:
        for rule in self._rules.values():
            if rule.name == name:
                return rule
        return None

    def of_kind(self, kind: str) -> List[Rule]:
        return [r for r in self._rules.values() if r.kind == kind]

    def token_query_names(self) -> Tuple[str, ...]:
        """The query-string names the API token travels under (circle-token): the markers of the request
        rules that check for a token in the query, which both fixers move into the Circle-Token header."""
        return tuple(m for r in self.of_kind("request") if r.request_check == "query-token" for m in r.markers)

    def match_request(self, method: Optional[str], url: str) -> List[RuleMatch]:
        """Endpoint rules matching a request, most specific first.

        `method` None means the verb is not known: every method matches, and the
        caller must report that with lower confidence. `url` may hold
        endpoints.PLACEHOLDER where the analysis could not resolve a part.
        """
        found: List[RuleMatch] = []
        split = split_api_url(url)  # once for every template (there are dozens)
        if split is None:
            return found
        verb = method.upper() if method is not None else None
        for rule, endpoint in self._routes:
            if verb is not None and endpoint.method != "ANY" and endpoint.method != verb:
                continue
            m = endpoint.template.match_split(split)
            if m is not None:
                found.append(RuleMatch(rule, endpoint, m))
        found.sort(key=lambda rm: (-rm.match.specificity, rm.rule.id))
        return found

    def client_methods(self) -> Iterator[Tuple[Rule, ClientMethod]]:
        for rule in self._rules.values():
            for client in rule.clients:
                yield rule, client

    def drop_in_rules(self, drop_in: str, class_path: str, method: str) -> List[Rule]:
        """The rules whose client entries name this method of drop-in module `drop_in`.

        class_path is the legacy class, with the resource attribute for a nested one
        ("Api", "CircleClient.build"); the drop-in keeps the legacy class names.
        """
        class_name, _, attribute = class_path.partition(".")
        found: Dict[str, Rule] = {}
        for rule, client in self.client_methods():
            if (client.drop_in == drop_in and client.class_name == class_name
                    and (client.attribute or "") == attribute and client.method == method):
                found[rule.id] = rule
        return list(found.values())
