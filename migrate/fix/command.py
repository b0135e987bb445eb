"""`circleci-v2 fix` and `circleci-v2 diff`: the check pipeline, then the fixer, then safe writes.

Files, rules, configuration and suppression comments are chosen exactly as
for `check` (cli.file_selection_options, cli.check_options_from, run.CheckRun);
the analysis keeps its evidence (keep_sites) so the fixer does not analyse
twice. Only files with findings reach the fixer, and only files whose text
changed are written.

    fix PATHS           rewrite in place; what is left goes to stdout
    fix --diff PATHS    print a unified diff (git apply accepts it), write nothing
    diff PATHS          the same as fix --diff
    fix -               read stdin, write the fixed text to stdout

Exit status: 0 nothing to do; 1 a file changed (or would) or findings remain;
2 errors (a file that cannot be read, parsed, fixed or written; bad options).
This module imports only click at load time: the command line declares
these commands when `fix` or `diff` is looked up (cli.LazyGroup), and even
then a tree without candidates must not pay for the fixer.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, Dict, List, Optional

import click

from ..findings import SEVERITY_RANK  # loaded already by the command line (plain data)

UNSAFE_NEEDS = "unsafe"  # a finding fixed only with --unsafe-fixes (interface.UNSAFE; this module does not load interface.py)

FIX_EXIT_HELP = (
    "\b\nExit status:\n"
    "  0  nothing to do: no findings\n"
    "  1  a file changed (with --diff: would change), or findings remain for a person (as severe as --fail-on)\n"
    "  2  errors: a file could not be read, parsed, fixed or written; a bad option or configuration"
)

# Which kinds of file have a fixer, and the plan each file gets, are decided once for check and fix:
# migrate/fix/decide.py (each kind's planner). The check pipeline hands each file's plans over (FileResult.plans).


def fix_options(command: Callable) -> Callable:
    decorators = [
        click.option("--unsafe-fixes", "unsafe", is_flag=True,
                     help="Also apply fixes that change behaviour in a documented way "
                          "(build_parameters -> pipeline parameters; raw requests -> the shim's)."),
        click.option("--add-todo", is_flag=True,
                     help="Put a `# TODO(circleci-v2): CCI1xx ...` comment above each site left for a person."),
        click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=str), metavar="FILE",
                     help="Write a migration report: per file what changed and what is left (.md or .json; `-`: Markdown on stdout)."),
        click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr."),
        click.option("--fail-on", type=click.Choice(tuple(SEVERITY_RANK)), default=None,
                     help="The least severe finding left for a person that fails the run (exit 1): error, "
                          "warning or info (default info; the pre-commit hook passes warning). A file that "
                          "changed always does."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def register_fix_commands(cli: click.Group, selection_options: Callable, options_from: Callable,
                          user_error: type, fail_on_rank: Callable[..., int]) -> None:
    """Add `fix` and `diff` to the command group, with check's file and rule options."""

    @cli.command(epilog=FIX_EXIT_HELP)
    @selection_options
    @fix_options
    @click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff instead of writing the files.")
    @click.option("--write-read-only", is_flag=True,
                  help="Also rewrite files without write permission (their mode is kept); default: an error.")
    @click.option("--split-hard-links", is_flag=True,
                  help="Also rewrite a file that has other hard links: the named path gets the fixed text, the "
                       "other names keep the old one; default: an error.")
    @click.option("--follow-outside-links", is_flag=True,
                  help="Also rewrite files that a symbolic link in a named folder leads to outside it; "
                       "default: an error, and the report lists them.")
    def fix(show_diff: bool, unsafe: bool, add_todo: bool, report_path: Optional[str], quiet: bool,
            fail_on: Optional[str] = None, write_read_only: bool = False, split_hard_links: bool = False, follow_outside_links: bool = False,
            **params: Any) -> int:
        """Rewrite CircleCI API v1.1 calls in PATHS to API v2 (default `.`; `-` reads stdin, writes stdout).

        Safe fixes are applied by default; --unsafe-fixes adds those that change
        behaviour in a documented way; manual sites are never rewritten (see
        --add-todo and --report). Files are written atomically, and only when
        they change.
        """
        return run_fix(params, options_from, user_error, diff=show_diff, unsafe=unsafe, add_todo=add_todo,
                       report_path=report_path, quiet=quiet,
                       policy={"read_only": write_read_only, "hard_links": split_hard_links},
                       follow_outside=follow_outside_links, fail_on=(fail_on_rank, fail_on))

    @cli.command(epilog=FIX_EXIT_HELP)
    @selection_options
    @fix_options
    def diff(unsafe: bool, add_todo: bool, report_path: Optional[str], quiet: bool, fail_on: Optional[str] = None,
             **params: Any) -> int:
        """Print what `fix` would change in PATHS as a unified diff (`git apply` accepts it); write nothing."""
        return run_fix(params, options_from, user_error, diff=True, unsafe=unsafe, add_todo=add_todo,
                       report_path=report_path, quiet=quiet, fail_on=(fail_on_rank, fail_on))


def run_fix(params: Dict[str, Any], options_from: Callable, user_error: type, diff: bool, unsafe: bool,
            add_todo: bool, report_path: Optional[str], quiet: bool, policy: Optional[Dict[str, bool]] = None,
            follow_outside: bool = False, fail_on: Any = None) -> int:
    """policy: writing.WritePolicy's arguments (built only once a file is written: a run without
    candidates imports nothing of the writer)."""
    from ..run import STDIN, CheckRun

    # the report and the fixer's types are imported only once a file has something to say (a tree without
    # candidates must cost what `check` costs)
    if report_path:
        from ..migration_report import ReportError, report_format

        try:
            report_format(report_path)
        except ReportError as exc:
            raise user_error(str(exc)) from None
    options, selection = options_from(params)
    options.keep_sites = True
    from_stdin = STDIN in options.paths
    if from_stdin and len(options.paths) > 1:
        raise user_error("`-` (stdin) cannot be combined with other paths for fix")
    options.remove_leftovers = not diff and not from_stdin
    stdin_data = sys.stdin.buffer.read() if from_stdin else None
    fix_opts: Any = None
    run = CheckRun(options, selection, stdin=stdin_data)
    outcomes: List[Any] = []
    catalogue = None
    errors = 0
    diffs: List[bytes] = []
    stdout_text: Optional[bytes] = None
    # every file is analysed first: the run checks' fixes (the configs' edits of --unsafe-fixes) depend on all
    # of the tree (run_checks.py)
    results = list(run.results())
    project_fixes = run.run_checks.project_fixes(unsafe, from_stdin) if run.run_checks is not None else []
    needs_unsafe = 0  # findings decided `unsafe` (check's [~]): fixed by --unsafe-fixes
    for result in results:
        needs_unsafe += sum(1 for f in result.findings if f.fix == UNSAFE_NEEDS)
        for note in result.notes:
            click.echo(f"{result.path}: {note}", err=True)
        if not result.findings and not result.errors:
            continue
        from ..migration_report import FileOutcome

        outcome = FileOutcome(result.path, errors=list(result.errors))
        writes = not diff and not from_stdin
        if result.outside is not None and writes:
            outcome.outside = {"target": result.outside, "written": False}
            if not follow_outside and result.findings and not result.errors:
                outcome.errors.append(f"not rewritten: a symbolic link leads out of the named paths, to "
                                      f"{result.outside} (--follow-outside-links rewrites it)")
        if result.findings and result.errors:
            # a file that does not parse (Python 2): its sites are listed for a person, never rewritten
            from .interface import Left

            outcome.left.extend(Left(f.rule_id, f.line, f.column, f.message, f.reason or "the file was not analysed",
                                     "", "manual") for f in result.findings)
        if result.findings and not outcome.errors:
            if catalogue is None or fix_opts is None:
                from circleci_v2.rules import load_catalogue

                from .interface import FixOptions

                catalogue = catalogue or load_catalogue()
                fix_opts = FixOptions(unsafe=unsafe, add_todo=add_todo)
            settled: Any = None
            for project_fix in project_fixes:  # the findings a run check's own fix settles
                split = project_fix.settle(result.findings)
                if split is not None:
                    result.findings = split[0]
                    settled = (split[0], (settled[1] if settled else []) + split[1],
                               (settled[2] if settled else []) + split[2])
            if result.findings:
                _fix_one(result, outcome, fix_opts, catalogue, diff, from_stdin, diffs, policy)
            if outcome.outside is not None:
                outcome.outside["written"] = outcome.changed
            if settled is not None:
                outcome.changes = sorted(list(outcome.changes) + settled[1], key=lambda c: (c.line, c.rule_id))
                outcome.left = sorted(list(outcome.left) + settled[2], key=lambda l: (l.line, l.column, l.rule_id))
            if from_stdin and outcome.changed and not diff and not outcome.errors:
                stdout_text = outcome.new_bytes
        errors += len(outcome.errors)
        if outcome.changes or outcome.left or outcome.errors:
            outcomes.append(outcome)
    for project_fix in project_fixes:
        errors += project_fix.write(outcomes, diff, diffs, policy)
    if from_stdin and not diff:
        sys.stdout.flush()
        sys.stdout.buffer.write(stdout_text if stdout_text is not None else (stdin_data or b""))
        sys.stdout.buffer.flush()
    for chunk in diffs:
        sys.stdout.flush()
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
    listing_to_stderr = from_stdin or diff  # stdout carries the code or the diff
    for outcome in sorted(outcomes, key=lambda o: o.path):
        for e in outcome.errors:
            click.echo(f"{outcome.path}: error: {e}", err=True)
        for left in outcome.left:
            needs = "needs --unsafe-fixes" if left.needs == "unsafe" else "manual"
            where = f"{outcome.path}:{left.line}:{left.column}:" if left.line > 0 else f"{outcome.path}:"  # config
            click.echo(f"{where} {left.rule_id} [{needs}] {left.reason}",
                       err=listing_to_stderr)
    if report_path:
        from ..migration_report import ReportError, write_report

        try:
            write_report(report_path, outcomes, applied=not diff)
        except ReportError as exc:
            raise user_error(str(exc)) from None
    changed = sum(1 for o in outcomes if o.changed)
    left = sum(len(o.left) for o in outcomes)
    fixed = sum(len(o.changes) for o in outcomes)
    if not quiet:
        verb = "would fix" if diff else "fixed"
        files = "file" if changed == 1 else "files"
        line = f"circleci-v2: {verb} {fixed} finding(s) in {changed} {files}; {left} left for a person"
        if needs_unsafe and not unsafe:  # what check marked [~]
            line += f" ({needs_unsafe} of them fixable with --unsafe-fixes)"
        if errors:
            line += f"; {errors} error(s)"
        click.echo(line + ".", err=True)
    if errors or run.stats.errors:
        return 2
    if changed:
        return 1
    least = fail_on[0](fail_on[1], options.config) if fail_on is not None else 0
    failing_left = [l for o in outcomes for l in o.left if _severity_rank(catalogue, l.rule_id) >= least]
    return 1 if failing_left else 0


def _severity_rank(catalogue: Any, rule_id: str) -> int:
    rule = catalogue.get(rule_id) if catalogue is not None else None
    return SEVERITY_RANK.get(rule.severity if rule else "error", SEVERITY_RANK["error"])


def _fix_one(result: Any, outcome: Any, fix_opts: Any, catalogue: Any, diff: bool, from_stdin: bool,
             diffs: List[bytes], policy: Any = None) -> None:
    from .interface import Left
    from .writing import WriteError, WritePolicy, encode, unified_diff, write_atomically

    plans = result.plans
    if plans is None:  # no fixer for this kind of file (or its plan failed: check said why)
        for f in result.findings:
            rule = catalogue.get(f.rule_id)
            outcome.left.append(Left(f.rule_id, f.line, f.column, f.message,
                                     f.reason or f"no automatic fix for {result.kind} files",
                                     rule.guidance if rule else "", "manual"))
        return
    source = result.source
    fixed = plans[bool(fix_opts.unsafe)].apply(fix_opts.add_todo)
    outcome.changes, outcome.left, outcome.errors = fixed.changes, fixed.left, list(fixed.errors)
    if fixed.errors or not fixed.changed:
        outcome.changes = [] if fixed.errors else outcome.changes
        return
    try:
        data = encode(fixed.text, source.encoding, source.bom)
    except WriteError as exc:
        outcome.errors.append(str(exc))
        outcome.changes = []
        return
    outcome.changed = True
    outcome.new_bytes = data
    if diff:
        before = ("\ufeff" if source.bom else "") + source.text
        after = ("\ufeff" if source.bom else "") + fixed.text.lstrip("\ufeff")
        text = unified_diff(before, after, result.path)
        try:
            diffs.append(text.encode(source.encoding))
        except UnicodeEncodeError:
            diffs.append(text.encode("utf-8"))
        return
    if from_stdin:
        return
    try:
        write_atomically(result.path, data, expected=encode(source.text, source.encoding, source.bom),
                         policy=WritePolicy(**(policy or {})))
    except WriteError as exc:
        outcome.errors.append(str(exc))
        outcome.changed = False
