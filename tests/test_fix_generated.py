"""Generated programs (hypothesmith, bounded) never crash the fixer, are never changed without a finding,
and a v1.1 call planted after them is fixed without touching a byte of the generated code."""
from __future__ import annotations

import ast
import warnings

import hypothesmith
from hypothesis import HealthCheck, given, settings

from circleci_v2.migrate.fix import FixOptions, fix_source
from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
OPTIONS = FixOptions(unsafe=True, add_todo=True)
PLANT = (
    "\n\ndef _planted(n):\n"
    "    import requests\n"
    '    requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/{n}/retry")\n'
    '    requests.get(f"https://circleci.com/api/v1.1/me?circle-token={n}").raise_for_status()\n'
)
GENERATED = settings(max_examples=30, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                            HealthCheck.data_too_large])


def _analysable(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


@GENERATED
@given(hypothesmith.from_node())
def test_generated_programs_are_never_changed_without_a_finding(source):
    if not _analysable(source):
        return
    findings = analyse(source, "gen.py", CATALOGUE)
    result = fix_source(source, "gen.py", findings, OPTIONS, CATALOGUE)  # must not raise
    if not findings:
        assert result.text == source and result.changes == [] and result.left == []


@GENERATED
@given(hypothesmith.from_node())
def test_a_planted_call_after_generated_code_is_fixed_and_the_rest_kept(source):
    if not _analysable(source) or not source.endswith("\n"):
        return
    planted = source + PLANT
    if not _analysable(planted):
        return
    try:
        findings = analyse(planted, "gen.py", CATALOGUE)
    except RecursionError:
        return  # the analyser's own recursion limit: check reports it, the fixer never sees the file
    result = fix_source(planted, "gen.py", findings, OPTIONS, CATALOGUE)
    if result.errors:
        # a refusal is allowed (the file stays as it was), a crash or a wrong edit is not
        assert result.text == planted
        return
    assert result.text.startswith(source) or "TODO(circleci-v2)" in result.text
    assert 'headers={"Accept": "application/json", "Circle-Token": n}' in result.text
    assert _analysable(result.text)
    assert fix_source(result.text, "gen.py", analyse(result.text, "gen.py", CATALOGUE), OPTIONS,
                      CATALOGUE).text == result.text
