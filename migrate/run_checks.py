"""Run checks: rules whose findings need what the analysers found across the files of a run.

A rule of kind `config` is not found in one file: CCI140 compares the
parameters every trigger of the tree sends with the project's
.circleci/config.yml. Its check is a run check, registered here under the
rule's id as "module:Class", imported only when a run has candidates and the
rule is selected. The pipeline (run.CheckRun) builds one per run and, in the
main process, hands it each analysed file after the file's own findings were
decided (so the file's fixer never plans them); selection and suppression
comments apply to what it returns as to any finding. After the last file it
is asked for the problems of the run. `fix` asks it for its project fix: which
of a file's findings that fix settles, and the files it writes itself.

    class SomeRunCheck:
        rule_ids: tuple                        # the rules it reports
        def __init__(self, options, catalogue)            # run.CheckOptions, the catalogue
        def findings(self, result) -> list[Finding]       # one run.FileResult; its records: result.records
        def problems(self) -> list[(path, kind, message)] # each an error of the run (exit 2)
        def project_fix(self, unsafe, from_stdin)         # an object with (None: its findings are listed
            settle(findings) -> None | (rest, changes, left)  # for a person); the findings it settles, as the
            write(outcomes, diff, diffs, policy) -> int   # report lists them; writes (or diffs) its files

The records a run check reads are what the analysers append while they
analyse (trigger_sends.TriggerSend for the triggers); they travel on the
file's result from the worker processes.
"""
from __future__ import annotations

import importlib
from typing import Any, Dict, List, Tuple

from .pipeline_parameters import RULE_ID as PARAMETERS_RULE_ID

# rule id -> "module:Class" (imported on first use)
RUN_CHECKS: Dict[str, str] = {
    PARAMETERS_RULE_ID: "circleci_v2.migrate.parameter_check:ParameterRunCheck",  # pipeline parameters vs the config
}


class RunChecks:
    """The run checks of one run: those of the selected rules."""

    def __init__(self, options: Any, selection: Any, catalogue: Any) -> None:
        self.catalogue = catalogue
        self.checks: List[Any] = []
        for rule_id, target in RUN_CHECKS.items():
            if selection is not None and not selection.enabled(rule_id):
                continue  # not asked for: its inputs (a config) are never read
            module, _, name = target.partition(":")
            self.checks.append(getattr(importlib.import_module(module), name)(options, catalogue))

    def apply(self, result: Any) -> Any:
        """Add the run checks' findings for one analysed file (run.FileResult), suppression comments applied."""
        if not result.records or result.source is None:
            return result
        found = [f for check in self.checks for f in check.findings(result)]
        if found:
            from .kinds import registry
            from .suppress import apply_suppressions

            kept, suppressed = apply_suppressions(found, result.source.text, registry.get(result.kind).comments)
            result.findings = sorted(list(result.findings) + kept, key=lambda f: f.sort_key)
            result.suppressed += suppressed
        return result

    def problems(self) -> List[Tuple[str, str, str]]:
        return [p for check in self.checks for p in check.problems()]

    def project_fixes(self, unsafe: bool, from_stdin: bool) -> List[Any]:
        """Each run check's fix for `fix`; one without lists its findings for a person."""
        return [check.project_fix(unsafe, from_stdin) or LeftForAPerson(check.rule_ids, self.catalogue)
                for check in self.checks]


class LeftForAPerson:
    """The project fix of a run check that has none: `fix` lists its findings for a person, with their
    reason (the file's fixer never planned them, so it would not)."""

    def __init__(self, rule_ids: Tuple[str, ...], catalogue: Any) -> None:
        self.rule_ids = frozenset(rule_ids)
        self.catalogue = catalogue

    def settle(self, findings: List[Any]) -> Any:
        mine = [f for f in findings if f.rule_id in self.rule_ids]
        if not mine:
            return None
        from .fix.interface import MANUAL, Left

        left = []
        for f in mine:
            rule = self.catalogue.get(f.rule_id)
            left.append(Left(f.rule_id, f.line, f.column, f.message, f.reason or "no automatic fix for this finding",
                             rule.guidance if rule is not None else "", MANUAL))
        return [f for f in findings if f.rule_id not in self.rule_ids], [], left

    def write(self, outcomes: List[Any], diff: bool, diffs: List[bytes], policy: Any = None) -> int:
        return 0
