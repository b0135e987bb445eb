"""The `circleci-v2` command line: check, rules, explain, emulator (fix and diff are added by migrate/fix).

Exit codes of every command: 0 clean, 1 findings (or, for fix, files changed),
2 errors: a file that cannot be read, decoded or parsed, a bad option or
configuration, or an internal error. A problem never prints a traceback:
main() catches everything and prints one line (set CIRCLECI_V2_DEBUG=1 to see
the traceback).

The options that choose files and rules are declared once, in
`file_selection_options`, and turned into a run.CheckOptions by
`check_options_from`; `fix` and `diff` use the same two.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import click

from .pyproject_settings import OUTPUT_FORMATS, ConfigError, FileConfig, find_config, read_config
from .findings import SEVERITY_RANK
from .run import STDIN, CheckOptions, CheckRun, FileResult
from .rule_selection import RuleSelection, SelectorError, parse_selectors, rule_ids_from_files

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

EXIT_CODES_HELP = (
    "\b\nExit status:\n"
    "  0  no findings (or none as severe as --fail-on)\n"
    "  1  findings reported\n"
    "  2  errors: a file could not be read, decoded or parsed, a bad option\n"
    "     or configuration, or an internal error"
)


FAIL_ON_HELP = ("The least severe finding that fails the run (exit 1): error, warning or info (default info: "
                "every finding; the pre-commit hooks pass warning). Findings below it are still reported.")


def fail_on_rank(value: Optional[str], config: FileConfig) -> int:
    """The rank of --fail-on, else of the configuration's fail-on, else info's."""
    return SEVERITY_RANK[value or config.get("fail-on", "info")]


class UserError(Exception):
    """A mistake in the options or configuration: one line on stderr, exit 2."""


def _multi(values: Tuple[str, ...]) -> Optional[Tuple[str, ...]]:
    """Comma-separated, repeatable option values; None when the option was not given."""
    if not values:
        return None
    out: List[str] = []
    for value in values:
        out.extend(p.strip() for p in value.split(",") if p.strip())
    return tuple(out)


def file_selection_options(command: Callable) -> Callable:
    """The options shared by check, fix and diff: which files, which rules, which configuration."""
    decorators = [
        # readable=False: an unreadable path is one problem line from the walk, not click's abort of the run
        click.argument("paths", nargs=-1, type=click.Path(readable=False, path_type=str)),
        click.option("--select", "select", multiple=True, metavar="IDS",
                     help="Rule ids or prefixes to report (comma-separated, repeatable; default ALL)."),
        click.option("--ignore", "ignore", multiple=True, metavar="IDS",
                     help="Rule ids or prefixes not to report; the more specific of --select/--ignore wins."),
        click.option("--exclude", "exclude", multiple=True, metavar="PATTERNS",
                     help="gitignore-style patterns to skip, replacing the defaults "
                          "(.git, .venv, venv, site-packages, node_modules, build, dist, __pycache__, ...)."),
        click.option("--extend-exclude", "extend_exclude", multiple=True, metavar="PATTERNS",
                     help="Patterns to skip in addition to the defaults."),
        click.option("--respect-gitignore/--no-respect-gitignore", "respect_gitignore", default=None,
                     help="Skip files ignored by .gitignore (default: yes)."),
        click.option("--stdin-filename", metavar="PATH",
                     help="The name of the file read from stdin (PATH `-`); decides its kind and the reported path."),
        click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=str), metavar="FILE",
                     help="pyproject.toml to read [tool.circleci-v2] from (default: the closest one above the current folder)."),
        click.option("-j", "--jobs", type=click.IntRange(min=0), default=None,
                     help="Processes for analysing candidate files (0: one per core; default 0)."),
        click.option("--circleci-config", "circleci_config", multiple=True, metavar="[SLUG=]PATH",
                     help="The .circleci/config.yml that pipeline parameters are checked against (CCI140; "
                          "default: the one at the repository root); SLUG=PATH (repeatable) names another "
                          "project's config (gh/acme/other=../other/.circleci/config.yml). `fix --unsafe-fixes` "
                          "edits them."),
    ]
    for decorator in reversed(decorators):
        command = decorator(command)
    return command


def load_config(config_path: Optional[str]) -> FileConfig:
    try:
        return read_config(config_path) if config_path else find_config()
    except ConfigError as exc:
        raise UserError(str(exc)) from None


def check_options_from(params: dict) -> Tuple[CheckOptions, RuleSelection]:
    """CheckOptions and the rule selection from the shared options, with the configuration filled in."""
    config = load_config(params.get("config_path"))
    paths = tuple(params.get("paths") or ()) or (".",)
    if paths.count(STDIN) > 1:
        raise UserError("`-` (stdin) may be given only once")
    select = _multi(params.get("select") or ())
    ignore = _multi(params.get("ignore") or ())
    respect = params.get("respect_gitignore")
    jobs = params.get("jobs")
    # As in ruff, the command line is a layer over the file: --select starts the
    # selection afresh (the file's select and ignore are dropped); --ignore adds.
    if select is not None:
        selected, ignored = parse_selectors(select), parse_selectors(ignore or ())
    else:
        file_select = config.get("select")
        selected = parse_selectors(file_select) if file_select is not None else None
        ignored = parse_selectors(list(config.get("ignore", [])) + list(ignore or ()))
    options = CheckOptions(
        paths=paths,
        select=selected,
        ignore=ignored,
        exclude=_multi(params.get("exclude") or ()),
        extend_exclude=_multi(params.get("extend_exclude") or ()) or (),
        respect_gitignore=respect if respect is not None else config.get("respect-gitignore", True),
        stdin_filename=params.get("stdin_filename"),
        jobs=jobs if jobs is not None else config.get("jobs", 0),
        config=config,
    )
    raw_configs = params.get("circleci_config") or ()
    if isinstance(raw_configs, str):
        raw_configs = (raw_configs,)
    source = "--circleci-config"
    if not raw_configs and config.get("circleci-config"):
        # the file's paths are read from its own folder, wherever the command runs (as ruff does)
        value = config.get("circleci-config")
        raw_configs = tuple(_from_folder(item, config.folder) for item in ([value] if isinstance(value, str) else value))
        source = f"{config.path}: [tool.circleci-v2] circleci-config"
    if raw_configs:
        from .config_plan import parse_config_option

        try:
            options.circleci_config, options.circleci_configs = parse_config_option(raw_configs)
        except ValueError as exc:
            raise UserError(f"{source} {exc}") from None
    for label, path in ([("", options.circleci_config)] if options.circleci_config else []) + [
            (f"{slug}=", p) for slug, p in options.circleci_configs.items()]:
        if not os.path.isfile(path):
            what = "is a folder" if os.path.isdir(path) else "no such file"
            raise UserError(f"{source} {label}{path}: {what}")
    if options.stdin_filename and STDIN not in paths:
        raise UserError("--stdin-filename needs `-` among the paths")
    known = rule_ids_from_files()
    try:
        if config.path:  # the file's selectors are checked even when the command line overrides them
            RuleSelection(parse_selectors(config.get("select") or []), parse_selectors(config.get("ignore", [])),
                          known, source=f"{config.path}: [tool.circleci-v2]")
        selection = RuleSelection(options.select, options.ignore, known)
    except SelectorError as exc:
        raise UserError(str(exc)) from None
    return options, selection


def _from_folder(value: str, folder: str) -> str:
    """A `[SLUG=]PATH` of the configuration file with PATH taken from the file's folder."""
    slug, sep, path = value.rpartition("=")
    return f"{slug}{sep}{os.path.join(folder, path)}"


def _write_atomically(path: str, text: str) -> None:
    """Write the whole report or nothing (see atomic.py)."""
    from .atomic import replace_file

    try:
        replace_file(path, text.encode("utf-8"))
    except OSError as exc:
        raise UserError(f"--output-file {path}: cannot write: {exc.strerror or exc}") from None


class LazyGroup(click.Group):
    """A command group whose commands are declared when first looked up.

    Declaring a command builds all its click parameters; a run looks up one
    command, so `circleci-v2 fix FILES` builds fix's options and not those of
    check, diff or the emulator, and `check` never imports migrate/fix.
    `--help` looks them all up and lists them as before.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending: Dict[str, Callable[[], None]] = {}

    def declare_later(self, names: Sequence[str], declare: Callable[[], None]) -> None:
        """`declare()` adds the commands `names` to this group; it runs when one of them is looked up."""
        for name in names:
            self._pending[name] = declare

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        declare = self._pending.get(cmd_name)
        if declare is not None:
            for name in [n for n, d in self._pending.items() if d is declare]:
                del self._pending[name]
            declare()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> List[str]:
        return sorted(set(self.commands) | set(self._pending))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="circleci-v2", prog_name="circleci-v2")
def cli() -> None:
    """Move code from CircleCI API v1.1 to API v2.

    `check` finds every v1.1 call, `fix` rewrites what can be rewritten safely,
    `rules` and `explain` describe what is found and how to finish by hand.
    """


def _declare_check() -> None:
    @cli.command(epilog=EXIT_CODES_HELP)
    @file_selection_options
    @click.option("--output-format", type=click.Choice(OUTPUT_FORMATS), default=None,
                  help="Report format (default text).")
    @click.option("--output-file", "-o", type=click.Path(dir_okay=False, path_type=str), default=None,
                  help="Write the report to this file instead of stdout.")
    @click.option("--statistics", is_flag=True,
                  help="Count findings per rule instead of listing them ([*] all fixable, [-] some, "
                       "[~] all with --unsafe-fixes); JSON with --output-format json, text otherwise.")
    @click.option("-q", "--quiet", is_flag=True, help="No summary line on stderr.")
    @click.option("--fail-on", type=click.Choice(tuple(SEVERITY_RANK)), default=None, help=FAIL_ON_HELP)
    @click.option("--usage", "usage_file", type=click.Path(dir_okay=False, path_type=str), default=None,
                  help="Also report the deprecated calls circleci_v2.shim recorded at run time "
                       "(the file CIRCLECI_V2_USAGE named).")
    def check(output_format: Optional[str], output_file: Optional[str], statistics: bool, quiet: bool,
              fail_on: Optional[str] = None, usage_file: Optional[str] = None, **params: Any) -> int:
        """Report every CircleCI API v1.1 call in PATHS (files or folders; default `.`; `-` reads stdin).

        Python files, shell scripts, Makefiles, YAML (CI configs), Dockerfiles and
        Jenkinsfiles are checked. Folders are walked respecting .gitignore and the
        excludes; a path named on the command line is always checked. Silence one
        site with a `# circleci-v2: ignore[CCI101]` comment on its line or the line
        above. The report goes to stdout (or --output-file); the summary and the
        progress bar go to stderr.
        """
        from .report import FileProblem, render
        from .report.progress import Progress
        from .report.summary import render_summary

        options, selection = check_options_from(params)
        output_format = output_format or options.config.get("output-format", "text")
        progress = Progress()
        run = CheckRun(options, selection, progress=progress.update)
        results: List[FileResult] = []
        try:
            for result in run.results():
                if result.findings or result.errors or result.notes:
                    results.append(result)
        finally:
            progress.close()
        findings = [f for r in results for f in r.findings]
        if usage_file:
            from circleci_v2.migrate.usage_findings import UsageFileError, merge_usage, read_usage

            paths = [p for p in (params.get("paths") or (".",)) if p != "-"]
            try:  # sites shown as check shows files: relative when the paths were given relative
                seen = read_usage(usage_file, relative=not paths or any(not os.path.isabs(p) for p in paths))
            except UsageFileError as exc:
                raise UserError(f"--usage {exc}") from None
            before = len(findings)
            findings, run.stats.usage = merge_usage(findings, [f for f in seen if selection.enabled(f.rule_id)])
            run.stats.findings += len(findings) - before
        findings.sort(key=lambda f: f.sort_key)
        problems = sorted((FileProblem(r.path, e) for r in results for e in r.errors), key=lambda p: p.path)
        for result in results:
            for note in result.notes:
                click.echo(f"{result.path}: {note}", err=True)
        for problem in problems:
            click.echo(str(problem), err=True)

        def catalogue() -> Any:
            from circleci_v2.rules import load_catalogue

            return load_catalogue()

        report = render(output_format, findings, problems, catalogue, statistics=statistics)
        if output_file:
            _write_atomically(output_file, report)
        elif report:
            click.echo(report, nl=False)
        if not quiet:
            click.echo(render_summary(run.stats), err=True)
        if problems:
            return EXIT_ERROR
        least = fail_on_rank(fail_on, options.config)
        failing = any(SEVERITY_RANK.get(f.severity, 2) >= least for f in findings)
        return EXIT_FINDINGS if failing else EXIT_CLEAN


def _declare_rules() -> None:
    @cli.command("rules")
    @click.option("--format", "output_format", type=click.Choice(("text", "json")), default="text",
                  help="text: one line per rule; json: every field.")
    def rules_command(output_format: str) -> int:
        """List the rules."""
        import json

        from circleci_v2.rules import load_catalogue

        from circleci_v2.rules.docs import render_rules_table, rule_to_dict

        catalogue = load_catalogue()
        if output_format == "json":
            click.echo(json.dumps([rule_to_dict(r) for r in catalogue], indent=2))
        else:
            click.echo(render_rules_table(catalogue), nl=False)
        return EXIT_CLEAN


def _declare_explain() -> None:
    @cli.command()
    @click.argument("rule")
    def explain(rule: str) -> int:
        """Show one rule, by id (CCI101) or name, with its guidance and examples."""
        from circleci_v2.rules import load_catalogue

        from circleci_v2.rules.docs import render_rule_explanation

        catalogue = load_catalogue()
        found = catalogue.get(rule.upper()) or catalogue.by_name(rule.lower())
        if found is None:
            raise UserError(f"unknown rule {rule!r} (`circleci-v2 rules` lists them)")
        click.echo(render_rule_explanation(found), nl=False)
        return EXIT_CLEAN


def _declare_emulator() -> None:
    @cli.command()
    @click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
    @click.option("--port", type=click.IntRange(0, 65535), default=8787, show_default=True,
                  help="Port to listen on (0: any free port).")
    @click.option("--seed", type=click.Path(exists=True, dir_okay=False, path_type=str), default=None,
                  help="JSON or YAML file with projects, pipelines and builds to start with.")
    @click.option("--cutover", is_flag=True, help="Answer deprecated v1.1 endpoints as removed, as after the cut-over.")
    @click.option("--workflow-delay", type=click.FloatRange(min=0), default=0.5, show_default=True,
                  help="Seconds before a triggered pipeline's workflow appears (v2 creates them asynchronously).")
    def emulator(host: str, port: int, seed: Optional[str], cutover: bool, workflow_delay: float) -> int:
        """Run the local CircleCI v2 (and v1.1) emulator until Ctrl-C."""
        try:
            from circleci_v2.shim.emulator.serve import main as serve
        except ImportError as exc:
            raise UserError(
                f"the emulator is not available ({exc}); install it with: pip install 'circleci-v2[emulator]'"
            ) from None
        try:
            result = serve(host, port, seed, cutover, workflow_delay)
        except RuntimeError as exc:  # the emulator's way of naming a missing extra (openapi-core, edn_format)
            raise UserError(str(exc)) from None
        return result if isinstance(result, int) else EXIT_CLEAN


def _declare_fix_and_diff() -> None:
    # fix and diff (migrate/fix/command.py) share check's file and rule options and its pipeline
    from .fix.command import register_fix_commands  # imports only click; the fixer loads on use

    register_fix_commands(cli, file_selection_options, check_options_from, UserError, fail_on_rank)


cli.declare_later(("check",), _declare_check)
cli.declare_later(("rules",), _declare_rules)
cli.declare_later(("explain",), _declare_explain)
cli.declare_later(("emulator",), _declare_emulator)
cli.declare_later(("fix", "diff"), _declare_fix_and_diff)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Console entry point: run the command, turn every failure into one line and exit 2."""
    try:
        code = cli.main(args=list(argv) if argv is not None else None, prog_name="circleci-v2", standalone_mode=False)
    except UserError as exc:
        click.echo(f"circleci-v2: error: {exc}", err=True)
        code = EXIT_ERROR
    except click.exceptions.Abort:
        click.echo("circleci-v2: interrupted", err=True)
        code = 130
    except click.ClickException as exc:  # usage errors: bad option, missing argument
        exc.show()
        code = EXIT_ERROR
    except KeyboardInterrupt:
        click.echo("circleci-v2: interrupted", err=True)
        code = 130
    except BrokenPipeError:  # `circleci-v2 check | head`: the reader left; not an error of ours
        _silence_stdout()
        code = EXIT_ERROR
    except Exception as exc:  # a bug: say so in one line, never a traceback
        if os.environ.get("CIRCLECI_V2_DEBUG"):
            raise
        loader = sys.modules.get("circleci_v2.rules.loader")  # loaded whenever it raised; not imported for this
        if loader is not None and isinstance(exc, loader.RuleError):  # the installed catalogue is damaged
            click.echo(f"circleci-v2: error: the rule catalogue cannot be read: {exc}\n"
                       "hint: reinstall circleci-v2, or undo the edit to that rule file", err=True)
        else:
            click.echo(
                f"circleci-v2: internal error: {type(exc).__name__}: {exc}\n"
                "hint: this is a bug in circleci-v2; run again with CIRCLECI_V2_DEBUG=1 for the traceback and report it",
                err=True,
            )
        code = EXIT_ERROR
    if argv is None:  # the console script or `python -m`: the process ends here
        _before_exit()
    sys.exit(code if isinstance(code, int) else EXIT_CLEAN)


def _before_exit() -> None:
    """Let the interpreter's shutdown skip the garbage collections over everything still alive.

    At exit Python collects garbage while it tears the modules down: with click loaded, that costs
    about 3 ms, a tenth of a hook run over files without a v1.1 call (bench/hook). Moving every object
    to the permanent generation (gc.freeze) keeps them out of those collections; shutdown is otherwise
    the same: std streams are flushed, atexit handlers run, objects are still freed by their reference
    counts. Only for a real process exit: a caller passing argv (tests) keeps running.
    """
    import gc

    gc.freeze()


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    main()
