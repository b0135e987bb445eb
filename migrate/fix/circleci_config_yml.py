"""`fix --unsafe-fixes` on .circleci/config.yml: the config half of migrating the triggers (CCI140).

After the files of a run are analysed, the parameters their triggers send (what
the config check, parameter_check.py, collected from the analysers' records) are
grouped by the config of the project they target (config_plan), each config
in the tree is edited (config_edit), and every CCI140 finding becomes either a
change (its config now declares the parameter), or a site left with the
reason (the config was left alone, or belongs to another project: the report
then gives the exact stanza for that project's config). ConfigFix is what the
check's run check hands `fix` (run_checks.py): it settles the findings and
writes the configs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..pipeline_parameters import RULE_ID, ConfigProblem, ParameterUse
from ..config_edit import ConfigEdit, edit_text, ref
from ..config_plan import (ConfigNeeds, ConfigTargets, JobParameter, display_path, group_needs,
                           job_parameter)
from .interface import MANUAL, UNSAFE, Change, Left


@dataclass
class ConfigOutcome:
    needs: ConfigNeeds
    edit: Optional[ConfigEdit] = None  # None: another project's config, not in this tree
    problem: Optional[str] = None  # the config could not be read
    stanza: str = ""  # for another project: what to add to its config
    by_use: Dict[int, Tuple[str, str]] = field(default_factory=dict)  # id(use) -> (changed | left, text)


def _key(use: ParameterUse) -> Tuple[str, int, int]:
    return (os.path.abspath(use.path), use.line, use.column)


def plan_configs(uses: Sequence[ParameterUse], targets: ConfigTargets, catalogue: Any,
                 texts: Optional[Dict[str, str]] = None) -> List[ConfigOutcome]:
    """Edit (in memory) every config the uses target. `texts`: a config's text when fix already changed it."""
    jp = job_parameter(catalogue)
    out = []
    for needs in group_needs(uses, targets, jp):
        outcome = ConfigOutcome(needs)
        if needs.config is None:
            if needs.slug is None:
                continue
            outcome.stanza = stanza_for(needs, jp)
        else:
            text = (texts or {}).get(needs.config)
            if text is None:
                try:
                    text = _read(needs.config)
                except ConfigProblem as exc:
                    outcome.problem = str(exc)
                    out.append(outcome)
                    continue
            outcome.edit = edit_text(text, needs, jp, display_path(needs.config))
        out.append(outcome)
    return out


def _read(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ConfigProblem(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigProblem(f"{path}: not UTF-8 (byte {exc.start})") from None


def stanza_for(needs: ConfigNeeds, jp: JobParameter) -> str:
    """What another project's config needs, as YAML to paste (and the environment lines its jobs need)."""
    from ..config_edit import _show

    lines = [f"# .circleci/config.yml of {needs.slug} (version: 2.1)", "parameters:"]
    for name, decl in needs.declarations.items():
        lines += [f"  {name}:", f"    type: {decl.type}", f"    default: {_show(decl.default)}"]
    envs = [n for n in needs.declarations if n != jp.pipeline_parameter]
    if envs:
        lines += ["# in each job that reads one of them as an environment variable:", "#   environment:"]
        lines += [f"#     {n}: {ref(n)}" for n in envs]
    if needs.jobs:
        lines.append("workflows:")
        lines.append(f"  # every existing workflow gets: unless: {ref(jp.pipeline_parameter)}")
        for job in needs.jobs:
            lines += [f"  {jp.workflow_name(job)}:",
                      "    when:",
                      f"      equal: [{job}, {ref(jp.pipeline_parameter)}]",
                      "    jobs:", f"      - {job}"]
    return "\n".join(lines) + "\n"


def settle_findings(outcomes: Sequence[ConfigOutcome], findings: Sequence[Any], catalogue: Any
                    ) -> Tuple[List[Any], List[Change], List[Left]]:
    """Split a file's findings: (for the file's fixer, CCI140 changes, CCI140 left with the reason)."""
    rule = catalogue[RULE_ID]
    index: Dict[Tuple[str, int, int], ConfigOutcome] = {}
    for outcome in outcomes:
        for use in outcome.needs.uses:
            index[_key(use)] = outcome
    rest: List[Any] = []
    changes: List[Change] = []
    left: List[Left] = []
    for f in findings:
        use = f.site if f.rule_id == RULE_ID else None
        outcome = index.get(_key(use)) if isinstance(use, ParameterUse) else None
        if outcome is None:
            rest.append(f)
            continue
        if outcome.edit is not None and outcome.edit.refused is None:
            changes.append(Change(RULE_ID, f.line, f"declared in {outcome.edit.path} (see its changes)", UNSAFE))
        elif outcome.edit is not None:
            left.append(Left(RULE_ID, f.line, f.column, f.message,
                             f"{outcome.edit.path} was left as it was: {outcome.edit.refused}", rule.guidance, MANUAL))
        elif outcome.problem is not None:
            left.append(Left(RULE_ID, f.line, f.column, f.message, outcome.problem, rule.guidance, MANUAL))
        else:
            left.append(Left(RULE_ID, f.line, f.column, f.message,
                             f"the trigger targets {outcome.needs.slug}, whose config is not in this tree "
                             f"(edit it with --circleci-config {outcome.needs.slug}=PATH); add to it:\n"
                             + outcome.stanza, rule.guidance, MANUAL))
    return rest, changes, left


def defer_findings(findings: Sequence[Any], catalogue: Any) -> Tuple[List[Any], List[Left]]:
    """Without --unsafe-fixes: CCI140 findings the config edit would settle are left as needing it."""
    rule = catalogue[RULE_ID]
    rest: List[Any] = []
    left: List[Left] = []
    for f in findings:
        if f.rule_id == RULE_ID and f.fix == UNSAFE:
            left.append(Left(RULE_ID, f.line, f.column, f.message,
                             "needs --unsafe-fixes: .circleci/config.yml is edited only then (it changes what CI "
                             "runs)", rule.guidance, UNSAFE))
        else:
            rest.append(f)
    return rest, left


def config_changes(edit: ConfigEdit) -> Tuple[List[Change], List[Left]]:
    """The report's lines for an edited config: each edit, and each note for a person."""
    changes = [Change(RULE_ID, 0, text, UNSAFE) for text in edit.changes]
    left = [Left(RULE_ID, 0, 0, "the config was edited; a person should check this", note, "", MANUAL)
            for note in edit.notes]
    return changes, left


class ConfigFix:
    """fix's half of CCI140 for one run: the configs edited from every parameter the triggers send."""

    def __init__(self, check: Any, unsafe: bool, from_stdin: bool, catalogue: Any) -> None:
        self.unsafe = unsafe
        self.catalogue = catalogue
        # the configs are edited only with --unsafe-fixes (it changes what CI runs), never from stdin
        self.configs: List[ConfigOutcome] = (plan_configs(check.uses, check.targets, catalogue)
                                             if unsafe and not from_stdin and check.uses else [])

    def settle(self, findings: Sequence[Any]) -> Optional[Tuple[List[Any], List[Change], List[Left]]]:
        """(the findings for the file's fixer, CCI140 changes, CCI140 left); None when it settles none."""
        if self.configs:
            return settle_findings(self.configs, findings, self.catalogue)
        if not self.unsafe and any(f.rule_id == RULE_ID for f in findings):
            rest, deferred = defer_findings(findings, self.catalogue)
            return rest, [], deferred
        return None

    def write(self, outcomes: List[Any], diff: bool, diffs: List[bytes], policy: Any = None) -> int:
        """Write (or diff) each edited config, on top of what the file fixers did to it; the errors."""
        from ..migration_report import FileOutcome
        from .writing import WriteError, WritePolicy, diff_path, unified_diff, write_atomically

        errors = 0
        catalogue = self.catalogue
        by_path = {os.path.abspath(o.path): o for o in outcomes}
        for config in self.configs:
            edit = config.edit
            if config.problem is not None:
                outcome = FileOutcome(config.needs.config or "", errors=[config.problem.split(": ", 1)[-1]])
                outcomes.append(outcome)
                errors += 1
                continue
            if edit is None:
                outcome = FileOutcome(f"{config.needs.slug} (its .circleci/config.yml is not in this tree)")
                rule = catalogue[RULE_ID]
                outcome.left.append(Left(RULE_ID, 0, 0,
                                         f"the triggers of this tree send parameters to {config.needs.slug}",
                                         "add to its config:\n" + config.stanza, rule.guidance, "manual"))
                outcomes.append(outcome)
                continue
            path = config.needs.config
            previous = by_path.get(os.path.abspath(path))
            before = edit.before
            if previous is not None and previous.changed and previous.new_bytes is not None:
                # a curl in the config was rewritten too: edit that text, so both land
                edit = edit_text(previous.new_bytes.decode("utf-8"), config.needs, job_parameter(catalogue), edit.path)
            if edit.refused is not None:
                outcome = previous or FileOutcome(edit.path)
                outcome.left.append(Left(RULE_ID, 0, 0, f"{edit.path} was not edited", edit.refused, "", "manual"))
                if previous is None:
                    outcomes.append(outcome)
                continue
            if not edit.changed:
                continue
            # what the file holds now: the text the file fixer wrote, or the config as read
            on_disk = previous.new_bytes if previous is not None and previous.changed and previous.new_bytes \
                else before.encode("utf-8")
            outcome = previous or FileOutcome(edit.path)
            if previous is None:
                outcomes.append(outcome)
            changes, left = config_changes(edit)
            outcome.changes = list(outcome.changes) + changes
            outcome.left = list(outcome.left) + left
            outcome.changed = True
            data = edit.after.encode("utf-8")
            outcome.new_bytes = data
            if diff:
                text = unified_diff(before, edit.after, edit.path)
                if previous is not None and previous.changed:
                    diffs[:] = [d for d in diffs if not _diff_of(d, diff_path(edit.path))]
                diffs.append(text.encode("utf-8"))
                continue
            try:
                write_atomically(path, data, expected=on_disk, policy=WritePolicy(**(policy or {})))
            except WriteError as exc:
                outcome.errors.append(str(exc))
                outcome.changed = previous is not None and on_disk != before.encode("utf-8")
                errors += 1
        return errors


def _diff_of(chunk: bytes, path: str) -> bool:
    head = chunk.split(b"\n", 2)[:2]
    return any(line.rstrip().endswith(path.encode("utf-8", "replace")) for line in head)
