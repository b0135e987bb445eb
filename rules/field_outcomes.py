"""What a rule's `body` mapping means for the fields one v1.1 call sends: decided here, once.

The Python fixer, the text fixer and the shim each ask `decide()` and only carry
out its answer, so a field means the same thing wherever it is met. Per field:

    KEPT     same meaning in v2 under `to`: rewritten by `fix`, sent by the shim
    MOVED    same meaning, but v2 takes it in the JSON body where v1.1 had it in the
             URL's path (tree/:branch): `fix` moves it, safely, and its report says
             so; the shim sends it in the body without a warning, as it did not
             change what the call does
    UNSAFE   carried to `to`, but its meaning changes (build_parameters must be
             declared in the config): only `fix --unsafe-fixes` moves it; the
             shim sends it and warns
    DROPPED  no v2 meaning (parallel): only `fix --unsafe-fixes` removes it, and
             the report carries the rule's note; the shim sends the call without
             it and warns, strict or not
    MANUAL   a person decides (revision: v2 cannot pin a commit), and so does a
             field the rule does not name: `fix` leaves the call; the shim leaves
             the field out and warns, or refuses the call in strict mode
    EMULATED v2 has no such field, but the shim does what v1.1 did on the client
             (recent-builds' limit and offset: it pages and cuts): `fix` leaves the
             call, as a person has to do the same; the shim carries it out, without
             a warning, strict or not

This is ruff's safe/unsafe split applied to a request: a rewrite that keeps
what the call did is safe, one that changes it in a documented way is unsafe,
and one nobody can choose for the user is not made.

Whole-call outcomes follow from the fields v2 would receive, and are MANUAL for
`fix`: a branch and a tag together (v2 takes one; the shim sends the tag alone,
as v1.1 built the tag), and one v2 field given twice (the branch in the URL and
in the body; the shim sends the first, the URL's, as v1.1 built the branch its
route names, and warns).

Each outcome carries the text a user reads: `reason` (why `fix` leaves it, or
why only --unsafe-fixes rewrites it) and `done` (what the fix report and the
shim's warning say was done with it).

A field sent as v2's `parameters` whose keys are known also carries the keys that
change name (`renames`: the job parameter, CIRCLE_JOB -> run-job, rules/job_parameter.py)
and what is said of each (`renamed`), which the fixers write and the shim sends and warns.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from .job_parameter import PARAMETERS_FIELD, job_parameter
from .model import FieldMapping, Rule, strictest_fix

KEPT, MOVED, UNSAFE, DROPPED, MANUAL, EMULATED = "kept", "moved", "unsafe", "dropped", "manual", "emulated"
# the catalogue's action -> the outcome (schema.json `body`)
_OUTCOME_OF_ACTION = {"keep": KEPT, "unsafe": UNSAFE, "drop": DROPPED, "manual": MANUAL, "emulate": EMULATED}
# the outcome -> the fix class a call with it needs (migrate's safe | unsafe | manual)
FIX_CLASS = {KEPT: "safe", MOVED: "safe", UNSAFE: "unsafe", DROPPED: "unsafe", MANUAL: "manual", EMULATED: "manual"}
# the outcomes the shim warns of: what it sends differs from what the v1.1 call meant
SHIM_WARNS = {UNSAFE, DROPPED, MANUAL}
# what each front end does with a field of each outcome, as `explain` and docs/rules.md say it
_FIX_DOES = {KEPT: "rewritten as `{to}`", MOVED: "moved into the JSON body as `{to}`",
             UNSAFE: "moved to `{to}` only with --unsafe-fixes", DROPPED: "removed only with --unsafe-fixes",
             MANUAL: "the call is left for a person", EMULATED: "the call is left for a person"}
_SHIM_DOES = {KEPT: "sent as `{to}`", MOVED: "sent in the JSON body as `{to}`", UNSAFE: "sent as `{to}`, with a warning",
              DROPPED: "not sent, with a warning", MANUAL: "not sent, with a warning (refused in strict mode)",
              EMULATED: "carried out on the client, as v1.1 did"}
# where a field that moves sits in the v1.1 call, as the report says it
_PLACE = {"path": "the URL", "query": "the query string"}
BRANCH_AND_TAG = "branch-and-tag"
GIVEN_TWICE = "given-twice"


@dataclass(frozen=True)
class FieldOutcome:
    """What becomes of one field of a v1.1 call under one rule."""

    rule_id: str
    name: str  # the v1.1 field
    outcome: str  # KEPT | MOVED | UNSAFE | DROPPED | MANUAL | EMULATED
    note: str  # the rule's note for the field (for one it does not name: that it has no v2 equivalent)
    to: Optional[str] = None  # the v2 field it is sent as (KEPT, UNSAFE)
    source: str = "body"  # where the call carries it: body | path | query
    named: bool = True  # the rule names the field
    keys: Tuple[str, ...] = ()  # where the value is known to be a mapping: its keys (build_parameters' names)
    renames: Tuple[Tuple[str, str], ...] = ()  # keys sent under another v2 name (CIRCLE_JOB -> run-job)
    renamed: Tuple[str, ...] = ()  # what the report and the shim say of each rename

    @property
    def fix(self) -> str:
        """safe | unsafe | manual: what a rewrite of a call with this field needs."""
        return FIX_CLASS[self.outcome]

    @property
    def sent(self) -> bool:
        """The v2 call carries it (under `to`)."""
        return self.outcome in (KEPT, MOVED, UNSAFE)

    @property
    def warns(self) -> bool:
        """The shim warns with `done` when it carries the call (the fixers' report notes it either way)."""
        return self.outcome in SHIM_WARNS

    def renamed_keys(self, value: Mapping[str, Any]) -> Dict[str, Any]:
        """The field's mapping value with its keys under their v2 names."""
        names = dict(self.renames)
        return {names.get(k, k): v for k, v in value.items()}

    @property
    def reason(self) -> str:
        """Why `fix` leaves the call (MANUAL), or why only --unsafe-fixes rewrites it (UNSAFE, DROPPED)."""
        if not self.named:
            return f"the {self.source} field `{self.name}` has no v2 equivalent in {self.rule_id}"
        keys = f" ({', '.join(self.keys)})" if self.keys else ""
        if self.outcome == UNSAFE:
            return f"`{self.name}` -> `{self.to}`{keys}: {self.note}"
        if self.outcome == DROPPED:
            return f"`{self.name}`{keys} is dropped: {self.note}"
        if self.outcome in (MANUAL, EMULATED):
            return f"`{self.name}`{keys}: {self.note}"
        return ""

    @property
    def done(self) -> str:
        """What was done with it: the fix report's note (--unsafe-fixes) and the shim's warning."""
        if self.outcome == KEPT:
            return f"{self.name} -> {self.to}" if self.to != self.name else f"{self.name} kept"
        if self.outcome == MOVED:
            to = f" as {self.to}" if self.to != self.name else ""
            return f"{self.name} moved from {_PLACE.get(self.source, self.source)} into the JSON body{to}"
        if self.outcome == UNSAFE:
            return f"{self.name} -> {self.to} (unsafe: {self.note})"
        if self.outcome == DROPPED:
            return f"{self.name} dropped (unsafe: {self.note})"
        if self.outcome == EMULATED:
            return f"{self.name} carried out on the client ({self.note})"
        return f"{self.name} not sent (manual: {self.note})"

    def fix_does(self, rule_fix: str) -> str:
        """What `fix` does with the field in a call of a rule whose fix class is `rule_fix`."""
        if rule_fix == "manual":  # nothing of the call is rewritten
            return _FIX_DOES[MANUAL]
        return _FIX_DOES[self.outcome].format(to=self.to)

    @property
    def shim_does(self) -> str:
        """What the shim does with the field when it carries the call."""
        return _SHIM_DOES[self.outcome].format(to=self.to)


@dataclass(frozen=True)
class CallOutcome:
    """An outcome of the call as a whole, from the fields v2 would receive (e.g. a branch and a tag)."""

    name: str  # BRANCH_AND_TAG
    outcome: str  # MANUAL: `fix` leaves the call
    reason: str  # why, as `fix` says it
    shim_leaves_out: Tuple[str, ...] = ()  # v2 fields the shim does not send (it follows v1.1: the tag wins)
    shim_warning: Optional[str] = None  # what the shim warns, when what it sends may not be what was meant

    @property
    def fix(self) -> str:
        return FIX_CLASS[self.outcome]


@dataclass(frozen=True)
class Decision:
    """The outcome of each field one call sends, and of the call as a whole."""

    fields: Tuple[FieldOutcome, ...]
    calls: Tuple[CallOutcome, ...] = ()

    @property
    def fix(self) -> str:
        """safe | unsafe | manual: the class of the rewrite the fields allow (the strictest one)."""
        classes = [f.fix for f in self.fields] + [c.fix for c in self.calls]
        return strictest_fix(classes)

    @property
    def reasons(self) -> List[str]:
        """Why `fix` leaves the call (the manual outcomes) or rewrites it only with --unsafe-fixes."""
        fix = self.fix
        if fix == "safe":
            return []
        return [f.reason for f in self.fields if f.fix == fix] + [c.reason for c in self.calls if c.fix == fix]

    @property
    def notes(self) -> List[str]:
        """What the fix report says the rewrite did with the fields it did not just keep (moved, dropped)."""
        return [note for f in self.fields if f.outcome != KEPT and f.fix != "manual" for note in (f.done,) + f.renamed]

    def field(self, name: str) -> Optional[FieldOutcome]:
        return next((f for f in self.fields if f.name == name), None)

    def sent(self) -> List[FieldOutcome]:
        """The fields v2 receives, in the call's order."""
        return [f for f in self.fields if f.sent]


def field_outcomes(rule: Rule) -> List[FieldOutcome]:
    """The outcome of every field the rule names, where the call carries it (for `explain` and docs/rules.md)."""
    return [field_outcome(rule, m.name, m.source) for m in rule.body]


def field_outcome(rule: Rule, name: str, source: str = "body", value: Any = None) -> FieldOutcome:
    """The outcome of field `name` of a call of `rule`; a field the rule does not name is MANUAL.

    value: the field's value where it is known (a mapping's keys are named in the reason)."""
    keys = tuple(str(k) for k in value) if isinstance(value, Mapping) else ()
    mapping: Optional[FieldMapping] = rule.field_mapping(name)
    if mapping is None:
        return FieldOutcome(rule.id, name, MANUAL, f"no v2 equivalent in {rule.id}", source=source, named=False,
                            keys=keys)
    outcome = _OUTCOME_OF_ACTION[mapping.action]
    if outcome == KEPT and source == "path":  # v2 takes it in the body: the same meaning, another place
        outcome = MOVED
    to = (mapping.to or name) if outcome in (KEPT, MOVED, UNSAFE) else None
    renames: Tuple[Tuple[str, str], ...] = ()
    renamed: Tuple[str, ...] = ()
    if to == PARAMETERS_FIELD and keys:
        jp = job_parameter()
        renames = tuple((k, jp.name_of(k)) for k in keys if jp.name_of(k) != k)
        renamed = (jp.done,) * len(renames)
    return FieldOutcome(rule.id, name, outcome, mapping.note, to=to, source=source, keys=keys, renames=renames,
                        renamed=renamed)


def decide(rule: Rule, body: Union[Mapping[str, Any], Iterable[str]], path: Iterable[str] = (),
           query: Union[Mapping[str, Any], Iterable[str]] = ()) -> Decision:
    """The outcome of every field a call of `rule` sends, and of the call.

    body: the fields of the request body (or query), as names or as a mapping of
    names to values where the values are known; a None value is a field not given
    (the legacy clients send nulls for arguments left out). path: the names of the
    URL's path parameters; those the rule maps `from: path` (tree/:branch) are
    fields too, carried into the body. query: the query string's names (or names
    and values); those the rule maps `from: query` are fields (recent-builds'
    limit), the others (the token) are not the decision's.
    """
    given = {name: value for name, value in body.items() if value is not None} if isinstance(body, Mapping) \
        else dict.fromkeys(body)
    from_path = {m.name for m in rule.body if m.source == "path"}
    fields = [field_outcome(rule, name, "path") for name in path if name in from_path]
    from_query = {m.name for m in rule.body if m.source == "query"}
    asked = {n: v for n, v in query.items() if v is not None} if isinstance(query, Mapping) else dict.fromkeys(query)
    fields += [field_outcome(rule, name, "query", value) for name, value in asked.items() if name in from_query]
    fields += [field_outcome(rule, name, value=value) for name, value in given.items()]
    return Decision(tuple(fields), tuple(call_outcomes(fields)))


def call_outcomes(fields: Iterable[FieldOutcome]) -> List[CallOutcome]:
    """Outcomes of the call as a whole, from the v2 fields its fields become."""
    found: List[CallOutcome] = []
    first: Dict[str, FieldOutcome] = {}
    for f in fields:
        if not f.sent:
            continue
        given = first.setdefault(f.to or f.name, f)
        if given is not f:
            where = "both in the URL and in the body" if {given.source, f.source} == {"path", "body"} else \
                "given twice"
            reason = f"`{f.to}` is {where}"
            found.append(CallOutcome(GIVEN_TWICE, MANUAL, reason,
                                     shim_warning=f"{reason}: the {given.source} value is sent"))
    sent = set(first)
    if "branch" in sent and "tag" in sent:
        found.append(CallOutcome(BRANCH_AND_TAG, MANUAL, "v2 triggers a branch or a tag, not both: choose one",
                                 shim_leaves_out=("branch",)))
    return found
