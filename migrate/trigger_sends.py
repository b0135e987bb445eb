"""What the triggers of a file send, recorded by the analysers while they analyse (no pass of their own).

For each v1.1 trigger they report (a rule whose replacement is triggerPipeline),
and each call already on the v2 trigger that sends `parameters`, the Python and
the text analyser append one TriggerSend to the `records` list they are given:
the rule, the other fields of the body, and each parameter sent by name (a
ParameterUse), with the v2 slug of the project when the code spells it out.
The records travel with the file's result from the worker processes to the main
one (run.FileResult.records), where the run checks read them (run_checks.py;
CCI140 in parameter_check.py).

Which URL is a trigger, which body field holds the parameters, and how a
client method takes them all come from the rules: the trigger rules' v1.1
routes and v2 path (Rule.v2_path_fields), their body mappings (the v1.1 field
whose `to` is v2's `parameters`), and the client entries' `arguments`.
"""
from __future__ import annotations

import functools
from typing import Any, FrozenSet, Mapping, Optional, Sequence, Tuple

from .pipeline_parameters import ParameterUse

# The v2 trigger's body field that carries the pipeline parameters (triggerPipeline in the v2 spec).
V2_PARAMETERS = "parameters"
V1_ORIGIN, V2_ORIGIN = "build_parameters", "parameters"  # ParameterUse.origin


class TriggerSend:
    """One trigger call of a file and what it sends."""

    __slots__ = ("path", "line", "column", "rule_id", "fields", "parameters", "slug")

    def __init__(self, path: str, line: int, column: int, rule_id: Optional[str], fields: Sequence[str],
                 parameters: Sequence[ParameterUse], slug: Optional[str]) -> None:
        self.path = path
        self.line, self.column = line, column
        # the v1.1 rule reported at the call; None for a call already on v2, or a v1.1 body (build_parameters)
        # sent to a URL the file does not show
        self.rule_id = rule_id
        self.fields = tuple(fields)  # the other body fields the code shows (branch, tag, revision, ...)
        self.parameters = tuple(parameters)
        self.slug = slug  # the v2 slug of the project it targets, when the code spells it out

    def __repr__(self) -> str:
        return (f"TriggerSend({self.rule_id or 'no v1.1 rule'} at {self.path}:{self.line}, fields={list(self.fields)}, "
                f"parameters={[u.name for u in self.parameters]}, slug={self.slug!r})")


class TriggerShapes:
    """What the rules say a trigger looks like, computed once per catalogue (trigger_shapes(catalogue))."""

    def __init__(self, catalogue: Any) -> None:
        self.rules = [r for r in catalogue if r.triggers_pipeline]
        self.v2_rules = [r for r in self.rules if r.has_v2_path]
        # the v1.1 body fields that become v2's `parameters` (build_parameters)
        self.v1_parameter_fields: FrozenSet[str] = frozenset(
            m.name for r in self.rules for m in r.body if m.to == V2_PARAMETERS and m.source == "body")
        # the v2 client method named after the trigger operation (the typed client names methods after
        # operationIds: triggerPipeline -> trigger_pipeline)
        self.v2_methods: FrozenSet[str] = frozenset(
            _snake(op) for r in self.v2_rules for op in r.replacement.operations)

    def v2_slug(self, path: str) -> Tuple[bool, Optional[str]]:
        """(whether `path`, from /api/v2/ on, is the v2 trigger's, the project's slug when it is literal)."""
        for rule in self.v2_rules:
            fields = rule.v2_path_fields(path)
            if fields is not None:
                slug = fields.get("project-slug")
                return True, slug if slug is not None and not _has_placeholder(slug) else None
        return False, None


@functools.lru_cache(maxsize=8)
def trigger_shapes(catalogue: Any) -> TriggerShapes:
    return TriggerShapes(catalogue)


def project_slug(params: Mapping[str, Any]) -> Optional[str]:
    """The v2 slug of a v1.1 URL's path parameters (github/acme/app -> gh/acme/app; v1 paths were GitHub
    only); None when a part is not literal text."""
    from circleci_v2.rules.endpoints import V1_DEFAULT_VCS, v2_project_slug

    vcs, user, project = params.get("vcs", V1_DEFAULT_VCS), params.get("user"), params.get("project")
    parts = (vcs, user, project)
    if not all(isinstance(p, str) and p and not _has_placeholder(p) and "/" not in p for p in parts):
        return None
    return v2_project_slug(*parts)  # type: ignore[arg-type]


def _has_placeholder(text: str) -> bool:
    from circleci_v2.rules.endpoints import has_placeholder

    return has_placeholder(text)


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")

