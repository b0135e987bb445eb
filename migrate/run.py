"""The check pipeline: discover -> pre-filter -> decode -> analyse (in parallel) -> select/suppress.

`CheckRun(options).results()` yields one FileResult per file: its path, kind,
decoded source (for candidates), findings and one-line problems. `check`
reports them; `fix` and `diff` re-use the same pipeline and options.

Each kind of file names its analyser (kinds/, `FileKind.analyser`) as a
"module:function" string imported on first use, called as fn(source, path,
catalogue, kind), and given `records=` (a list for what it found beyond
findings, such as the trigger sends: FileResult.records) when its signature
names it; register_analyser puts another in its place (ANALYSERS). A kind
whose analyser module is not installed is skipped. Rules that need every
file's analysis are run checks (run_checks.py), fed each file's result here.

Costs (see shared/reference/perf-anchors.md): a file without a rule marker is
read once and dropped; yaml, the catalogue and the analysers are imported only
when a candidate exists; candidates are analysed in worker processes only when
there is enough work to pay for them.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from .pyproject_settings import FileConfig
from .discover import DEFAULT_EXCLUDES, Discovery, Excludes, SourceFile, discover
from .kinds import registry
from .kinds.registry import SHEBANG, kind_from_shebang, kind_of
from .prefilter import is_candidate
from .rule_selection import RuleSelection
from .source import Decoded, SourceError, decode, read_bytes

if TYPE_CHECKING:  # findings.py is imported only where findings exist
    from .findings import Finding

AnalyseFn = Callable[[str, str, Any, str], List["Finding"]]

# kind -> "module:function" (imported on first use) or a callable, in place of the one the kind declares
ANALYSERS: Dict[str, Any] = {}

# Below this much candidate source, one process is faster than starting workers
# (measured with bench/check: ast analysis runs at several MB/s; a forked worker
# costs tens of ms).
PARALLEL_MIN_BYTES = 512 * 1024

STDIN = "-"
PYTHON = "python"  # the kind whose files can call a sender of another module (python/senders.py)


def register_analyser(kind: str, analyser: Any) -> None:
    """Register `analyser` (a callable or "module:function") for files of `kind`."""
    ANALYSERS[kind] = analyser


def _analysers() -> Dict[str, Any]:
    """Each kind's analyser by kind: the one the kind declares, or the one registered in its place."""
    return {**{kind.name: kind.analyser for kind in registry.kinds()}, **ANALYSERS}


def analyse_python(source: str, path: str, catalogue: Any, kind: str = "python",
                   records: Optional[List[Any]] = None) -> List[Finding]:
    from circleci_v2.migrate.python import analyse

    return analyse(source, path, catalogue, _project_modules(), records)


# The project's own modules, read lazily for the constants the analysed files import (one per run, and one
# per worker process: set by CheckRun._analyse before workers start, and in each worker by _init_worker).
_project_roots: Tuple[str, ...] = ()
_project: Any = None


def _set_project_roots(roots: Sequence[str]) -> None:
    global _project_roots, _project
    _project_roots, _project = tuple(roots), None


def _project_modules() -> Any:
    global _project
    if _project is None:
        from circleci_v2.migrate.python.project import ProjectModules

        _project = ProjectModules(_project_roots)
    return _project


def _module_of(target: Any) -> Optional[str]:
    return target.split(":", 1)[0] if isinstance(target, str) else None


def available_kinds() -> Tuple[str, ...]:
    """Kinds whose analyser can be imported (without importing it)."""
    kinds = []
    for kind, target in _analysers().items():
        module = _module_of(target)
        if module is None:
            kinds.append(kind)
            continue
        try:
            found = importlib.util.find_spec(module) is not None
        except ImportError:
            found = False
        if found:
            kinds.append(kind)
    return tuple(kinds)


_resolved: Dict[str, AnalyseFn] = {}


def _takes_records(fn: Any) -> bool:
    """Whether an analyser accepts `records=` (one registered with the four-argument form does not)."""
    code = getattr(fn, "__code__", None)
    return code is not None and "records" in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]


def analyser_for(kind: str) -> AnalyseFn:
    target = ANALYSERS.get(kind) or registry.get(kind).analyser
    if callable(target):
        return target
    if target not in _resolved:
        module, _, name = target.partition(":")
        _resolved[target] = getattr(importlib.import_module(module), name)
    return _resolved[target]


class CheckOptions:
    """Everything that decides which files are checked and which findings are kept.

    (Plain classes in this module: dataclasses cost import time on every run.)
    """

    def __init__(
        self,
        paths: Sequence[str] = (".",),
        select: Optional[Sequence[str]] = None,
        ignore: Sequence[str] = (),
        exclude: Optional[Sequence[str]] = None,  # None: the defaults (or the config's `exclude`)
        extend_exclude: Sequence[str] = (),
        respect_gitignore: bool = True,
        stdin_filename: Optional[str] = None,
        jobs: int = 0,  # 0: one worker per core
        config: Optional[FileConfig] = None,
        keep_sites: bool = False,  # keep Finding.site (analysis evidence): analyse in this process
        circleci_config: Optional[str] = None,  # --circleci-config: the config CCI140 reads (default: found)
        remove_leftovers: bool = False,  # fix: remove stale temporaries of an interrupted write (temporaries.py)
        circleci_configs: Optional[Dict[str, str]] = None,  # --circleci-config SLUG=PATH
    ) -> None:
        self.paths = tuple(paths)
        self.select = tuple(select) if select is not None else None
        self.ignore = tuple(ignore)
        self.exclude = tuple(exclude) if exclude is not None else None
        self.extend_exclude = tuple(extend_exclude)
        self.respect_gitignore = respect_gitignore
        self.stdin_filename = stdin_filename
        self.jobs = jobs
        self.config = config if config is not None else FileConfig()
        self.keep_sites = keep_sites
        self.circleci_config = circleci_config
        self.remove_leftovers = remove_leftovers
        self.circleci_configs: Dict[str, str] = dict(circleci_configs or {})  # SLUG=PATH: other projects' configs

    def __repr__(self) -> str:
        return f"CheckOptions({vars(self)!r})"

    def excludes(self) -> Excludes:
        cwd = os.getcwd()
        patterns: List[Tuple[str, str]] = []
        if self.exclude is not None:
            patterns += [(cwd, p) for p in self.exclude]
        elif self.config.get("exclude") is not None:
            patterns += [(self.config.folder, p) for p in self.config.get("exclude")]
        else:
            patterns += [(cwd, p) for p in DEFAULT_EXCLUDES]
        patterns += [(self.config.folder, p) for p in self.config.get("extend-exclude", [])]
        patterns += [(cwd, p) for p in self.extend_exclude]
        return Excludes.build(patterns)

    def selection(self, known_ids: Optional[Sequence[str]] = None) -> RuleSelection:
        return RuleSelection(self.select, self.ignore, known_ids)


class FileResult:
    """One file's outcome: findings, or the one-line problems that kept it from being analysed."""

    def __init__(self, path: str, kind: str, errors: Optional[List[str]] = None) -> None:
        self.path = path
        self.kind = kind
        self.candidate = False  # passed the pre-filter and was analysed
        self.source: Optional[Decoded] = None
        self.findings: List[Finding] = []
        self.errors: List[str] = list(errors or ())  # problems: the run exits 2
        self.notes: List[str] = []  # said on stderr, no effect on the exit code
        self.suppressed = 0
        self.outside: Optional[str] = None  # the real path, when a symbolic link led out of the named folder
        self.plans: Optional[Dict[bool, Any]] = None  # the fixer's plans, safe and unsafe (fix/decide.py), for `fix`
        self.records: List[Any] = []  # what the analyser found for the run checks (trigger_sends.TriggerSend)
        self.senders: List[Any] = []  # a Python module's v1.1 senders, from a worker (python/senders.py)

    def __repr__(self) -> str:
        return (f"FileResult({self.path!r}, {self.kind!r}, candidate={self.candidate}, "
                f"findings={len(self.findings)}, errors={self.errors!r})")


class RunStats:
    def __init__(self) -> None:
        self.files = 0  # files read and pre-filtered
        self.candidates = 0
        self.findings = 0
        self.fixable = 0  # findings `fix` rewrites
        self.unsafe_fixable = 0  # findings only `fix --unsafe-fixes` rewrites
        self.usage = 0  # findings among `findings` read from a usage record (check --usage)
        self.suppressed = 0
        self.errors = 0  # problems, in files and in discovery
        self.excluded = 0
        self.ignored = 0
        self.workers = 0  # processes used to analyse (0: analysed in this process)

    def __repr__(self) -> str:
        return f"RunStats({vars(self)!r})"


class CheckRun:
    def __init__(
        self,
        options: CheckOptions,
        selection: Optional[RuleSelection] = None,
        stdin: Optional[bytes] = None,
        progress: Optional[Callable[[str, int, int], None]] = None,
    ) -> None:
        self.options = options
        self.selection = selection or options.selection()
        self.stdin = stdin
        self.progress = progress
        self.stats = RunStats()
        self.discovery: Optional[Discovery] = None
        self.run_checks: Any = None  # run_checks.RunChecks, once candidates were analysed (fix asks it for its edits)

    def _discover(self) -> List[SourceFile]:
        paths = [p for p in self.options.paths if p != STDIN]
        self.discovery = discover(paths, self.options.excludes(), self.options.respect_gitignore)
        self.stats.excluded = self.discovery.excluded
        self.stats.ignored = self.discovery.ignored
        return self.discovery.files

    def results(self) -> Iterator[FileResult]:
        _set_project_roots(())  # nothing of an earlier run in this process (its senders) carries over
        files = self._discover()
        assert self.discovery is not None
        for problem in self.discovery.problems:
            self.stats.errors += 1
            yield FileResult(problem.path, "", errors=[problem.message])
        for path in self.discovery.leftovers:
            yield self._leftover(path)
        kinds = set(available_kinds())
        candidates: List[Tuple[FileResult, bytes]] = []
        total = len(files) + (1 if STDIN in self.options.paths else 0)
        done = 0
        held: List[FileResult] = []  # dropped Python files: they may call a sender the candidates define
        for item in self._read_all(files, kinds):
            done += 1
            result, data = item
            if data is not None:
                candidates.append((result, data))
            elif result.kind == PYTHON and not result.errors and not result.notes and os.path.isfile(result.path):
                held.append(result)
            else:
                yield self._count(result)
            if self.progress is not None:
                self.progress("checking", done, total)
        if candidates:
            for index, result in enumerate(self._analyse(candidates), start=1):
                if self.progress is not None:
                    self.progress("analysing", index, len(candidates))
                yield self._count(result)
        for result in self._callers(held):
            yield self._count(result)

    def _callers(self, held: List[FileResult]) -> Iterator[FileResult]:
        """The dropped Python files, each analysed when an import line names a module that holds a v1.1
        sender the candidates' analysis found (python/senders.py): such a file names no CircleCI route
        itself. A run whose candidates hold no sender reads nothing again."""
        modules = _project.sender_modules() if _project is not None and held else []
        if not modules:
            yield from held
            return
        from circleci_v2.rules import load_catalogue

        imports = _import_lines(modules)
        catalogue = load_catalogue()
        for result in held:
            try:
                data = read_bytes(result.path)
            except SourceError:
                yield result  # read once already; a file that vanished since is not this run's problem
                continue
            if not imports(data):
                yield result
                continue
            analysed = analyse_candidate(FileResult(result.path, result.kind), data, catalogue, self.selection)
            if not analysed.findings:
                yield result  # its import named another module of that name, or its calls send nothing: as before
                continue
            analysed.candidate, analysed.outside = True, result.outside
            self.stats.candidates += 1
            yield decide_fixes(analysed, catalogue, keep_plans=self.options.keep_sites)

    def _leftover(self, path: str) -> FileResult:
        """A temporary file of an interrupted write: never read; fix removes it once no writer is left."""
        result = FileResult(path, "")
        if self.options.remove_leftovers:
            from .temporaries import remove_stale

            if remove_stale(path):
                result.notes.append("removed leftover temporary file of an interrupted `circleci-v2 fix`")
                return result
        result.notes.append("leftover temporary file of an interrupted `circleci-v2 fix`: not read "
                            "(the next `circleci-v2 fix` removes it once no fix is running)")
        return result

    def _read_all(self, files: List[SourceFile], kinds: set) -> Iterator[Tuple[FileResult, Optional[bytes]]]:
        """(result, bytes of a candidate, or None when the file stops here)."""
        if STDIN in self.options.paths:
            name = self.options.stdin_filename or STDIN
            kind = kind_of(os.path.basename(name)) if self.options.stdin_filename else "python"
            data = self.stdin if self.stdin is not None else sys.stdin.buffer.read()
            result = FileResult(name, kind or SHEBANG)
            if result.kind != SHEBANG and result.kind not in kinds:
                result.notes.append(f"skipped: no analyser for {result.kind} files is installed")
                yield result, None
            else:
                yield self._prefilter(result, data, kinds, explicit=True)
        for f in files:
            if f.kind != SHEBANG and f.kind not in kinds:
                continue  # no analyser installed for this kind
            try:
                data = read_bytes(f.path)
            except SourceError as exc:
                yield FileResult(f.path, f.kind, errors=[str(exc)]), None
                continue
            result = FileResult(f.path, f.kind)
            result.outside = f.outside
            yield self._prefilter(result, data, kinds, f.explicit)

    def _prefilter(
        self, result: FileResult, data: bytes, kinds: set, explicit: bool
    ) -> Tuple[FileResult, Optional[bytes]]:
        if result.kind == SHEBANG:
            kind = kind_from_shebang(data)
            if kind is None or kind not in kinds:
                if explicit:
                    result.notes.append("skipped: not a kind of file circleci-v2 checks (no known suffix or #! line)")
                return result, None
            result.kind = kind
        self.stats.files += 1
        if is_candidate(data):
            result.candidate = True
            return result, data
        return result, None

    def _count(self, result: FileResult) -> FileResult:
        self.stats.errors += len(result.errors)
        self.stats.findings += len(result.findings)
        self.stats.fixable += sum(1 for f in result.findings if f.fix == "safe")
        self.stats.unsafe_fixable += sum(1 for f in result.findings if f.fix == "unsafe")
        self.stats.suppressed += result.suppressed
        return result

    def _analyse(self, candidates: List[Tuple[FileResult, bytes]]) -> Iterator[FileResult]:
        from circleci_v2.rules import load_catalogue

        self.stats.candidates = len(candidates)
        catalogue = load_catalogue()
        jobs = self.options.jobs or (os.cpu_count() or 1)
        size = sum(len(data) for _, data in candidates)
        workers = min(jobs, len(candidates))
        # rules over every file's analysis (CCI140: the parameters the triggers send vs the config)
        from .run_checks import RunChecks

        checks = RunChecks(self.options, self.selection, catalogue)
        self.run_checks = checks  # fix --unsafe-fixes edits what they saw (the configs)
        _set_project_roots([p for p in self.options.paths if p != STDIN and os.path.isdir(p)] + [os.getcwd()])
        if workers < 2 or size < PARALLEL_MIN_BYTES or self.options.keep_sites:
            for result, data in candidates:
                result = analyse_candidate(result, data, catalogue, self.selection)
                # the file's own findings are decided first: a run check's are settled by its own fix
                yield checks.apply(decide_fixes(result, catalogue, keep_plans=self.options.keep_sites))
        else:
            self.stats.workers = workers
            # the workers decide the fixes (they hold the sites)
            project = _project_modules()
            for result in _analyse_in_pool(candidates, workers, self.selection, _project_roots):
                if result.kind == PYTHON:  # the senders a worker found, for the dropped files' pass
                    project.add_senders(result.path, result.senders)
                yield checks.apply(result)
        for path, kind, message in checks.problems():
            yield FileResult(path, kind, errors=[message])


def _import_lines(modules: Sequence[str]) -> Callable[[bytes], bool]:
    """Whether a file's import statements name one of these module files (by its last name).

    A literal search for `import` and a look at its line: about 4x faster than one regex anchored at line
    starts (bench/check's planted corpus: 40 ms against 200-290 ms for its 12 MB). A statement that goes on
    over lines, `from pkg import (` up to its `)` or `from pkg import \\` and the next line, is taken whole
    by the same search, so a file of one-line imports pays no Python step more (a backslash after some of
    the names, `import a, \\`, is read up to that line only)."""
    import re

    names = {(os.path.basename(os.path.dirname(m)) if os.path.basename(m) == "__init__.py"
              else os.path.splitext(os.path.basename(m))[0]).encode("utf-8") for m in modules}
    keyword = re.compile(rb"import(?:[ \t]*\([^)]*|[ \t]*\\\r?\n[^\n]*|[ \t\\])")
    word = re.compile(rb"\w+")

    def names_one(data: bytes) -> bool:
        for hit in keyword.finditer(data):
            start = data.rfind(b"\n", 0, hit.start()) + 1
            end = data.find(b"\n", hit.end())
            line = data[start:end if end >= 0 else len(data)].lstrip()
            if line.startswith((b"import", b"from")) and not names.isdisjoint(word.findall(line)):
                return True
        return False

    return names_one


def analyse_candidate(result: FileResult, data: bytes, catalogue: Any, selection: RuleSelection) -> FileResult:
    """Decode and analyse one candidate; problems become one-line errors, never exceptions."""
    from .suppress import apply_suppressions

    try:
        result.source = decode(data, result.kind)
    except SourceError as exc:
        result.errors.append(str(exc))
        return result
    try:
        analyser = analyser_for(result.kind)
        if _takes_records(analyser):
            findings = analyser(result.source.text, result.path, catalogue, result.kind,
                                records=result.records)  # type: ignore[call-arg]
        else:
            findings = analyser(result.source.text, result.path, catalogue, result.kind)
    except SyntaxError as exc:
        result.errors.append(_syntax_problem(exc))
        findings = getattr(exc, "findings", None) or []  # sites read from the tokens (Python 2)
        if not findings:
            return result
    except RecursionError:
        result.errors.append("too deeply nested to analyse (recursion limit reached)")
        return result
    except Exception as exc:  # an analyser bug must not stop the run over the other files
        result.errors.append(
            f"internal error in the {result.kind} analyser: {type(exc).__name__}: {exc} "
            "(please report it with this file)"
        )
        return result
    findings = [f for f in findings if selection.enabled(f.rule_id)]
    result.findings, result.suppressed = apply_suppressions(findings, result.source.text,
                                                            registry.get(result.kind).comments)
    result.findings.sort(key=lambda f: f.sort_key)
    return result


def decide_fixes(result: FileResult, catalogue: Any, keep_plans: bool = False) -> FileResult:
    """Each finding's `fix` becomes what `fix` does with it: one decision for check and fix (fix/decide.py)."""
    if result.findings and result.source is not None and not result.errors:
        from .fix.decide import decide

        try:
            decide(result, catalogue, keep_plans)
        except Exception as exc:  # a fixer bug must not stop check: nothing in this file is promised as fixable
            from dataclasses import replace

            why = f"internal error in the fixer: {type(exc).__name__}: {exc} (please report it with this file)"
            result.findings = [replace(f, fix="manual", reason=f.reason or why) for f in result.findings]
            result.plans = None
            result.notes.append(why)
    return result


def _syntax_problem(exc: SyntaxError) -> str:
    where = f" at line {exc.lineno}" if exc.lineno else ""
    if exc.lineno and exc.offset:
        where += f", column {exc.offset}"
    message = exc.msg or "invalid syntax"
    return f"syntax error{where}: {message}"


# Worker state, set in each worker process by _init_worker.
_worker_selection: Optional[RuleSelection] = None


def _init_worker(selection: RuleSelection, roots: Sequence[str] = ()) -> None:
    global _worker_selection
    _worker_selection = selection
    _set_project_roots(roots)  # this process reads the project's modules for itself


def _work(item: Tuple[FileResult, bytes]) -> FileResult:
    from circleci_v2.rules import load_catalogue

    result, data = item
    assert _worker_selection is not None
    catalogue = load_catalogue()
    result = decide_fixes(analyse_candidate(result, data, catalogue, _worker_selection), catalogue)
    # `site` holds ast nodes: heavy to send back and only the fixer needs them
    from dataclasses import replace

    result.findings = [replace(f, site=None) for f in result.findings]
    if result.kind == PYTHON and _project is not None:
        result.senders = _project.known_senders(result.path)  # for the run's index in the main process
    return result


def _analyse_in_pool(
    candidates: List[Tuple[FileResult, bytes]], workers: int, selection: RuleSelection, roots: Sequence[str] = ()
) -> Iterator[FileResult]:
    import multiprocessing

    # fork shares the catalogue already loaded here; elsewhere each worker loads it once
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    ordered = sorted(candidates, key=lambda c: -len(c[1]))  # largest first: better balance
    with context.Pool(workers, initializer=_init_worker, initargs=(selection, tuple(roots))) as pool:
        yield from pool.imap_unordered(_work, ordered, chunksize=1)
