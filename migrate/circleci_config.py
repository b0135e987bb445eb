"""The .circleci/config.yml cross-check (rule CCI140): pipeline parameters the config does not declare.

v1.1 `build_parameters` were environment variables that needed no declaration;
v2 pipeline `parameters` must each be declared under the config's top-level
`parameters:`, or API v2 refuses the trigger. Where code passes parameters
with literal names (a v1.1 trigger's build_parameters, which `fix
--unsafe-fixes` turns into parameters, or an already migrated v2 trigger's
parameters), this module reads the project's config and reports every name it
does not declare, with the stanza to add; the type and default are guessed
from the value passed (boolean, integer, else string).

The config is only read, never written. It is `--circleci-config PATH`, or
`.circleci/config.yml` (or .yaml) at the repository root above the first path
checked, or, outside a repository, the closest folder above that has one.
"""
from __future__ import annotations

import ast
import json
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .findings import HIGH, Finding

RULE_ID = "CCI140"
CONFIG_NAMES = (os.path.join(".circleci", "config.yml"), os.path.join(".circleci", "config.yaml"))
# Text that must be in a file for it to pass parameters at all (cheap test before any parsing).
_MARKERS = ("build_parameters", "parameters")
_UNKNOWN = object()  # a parameter whose value the code does not show


class ConfigProblem(Exception):
    """The config cannot be read. str(error) is one line naming the file."""


class ParameterUse:
    """A pipeline parameter passed by name at one place in the code."""

    __slots__ = ("path", "line", "column", "end_line", "end_column", "name", "value", "origin")

    def __init__(self, path: str, line: int, column: int, end_line: int, end_column: int, name: str,
                 value: Any, origin: str) -> None:
        self.path = path
        self.line, self.column, self.end_line, self.end_column = line, column, end_line, end_column
        self.name = name
        self.value = value  # bool, int, str, or _UNKNOWN
        self.origin = origin  # "build_parameters" (v1.1) or "parameters" (v2)

    def __repr__(self) -> str:
        return f"ParameterUse({self.name!r}={self.value!r} at {self.path}:{self.line})"


# ---- types and stanzas ------------------------------------------------------------------------------

def typed_value(text: str) -> Any:
    """A form or command-line value as the pipeline parameter it most likely is: true -> True, 3 -> 3."""
    if text in ("true", "false"):
        return text == "true"
    if re.match(r"^-?[0-9]{1,18}$", text) and not (len(text) > 1 and text.lstrip("-").startswith("0")):
        return int(text)
    return text


def parameter_type(value: Any) -> str:
    """The CircleCI parameter type for a value: boolean, integer, or string (also when unknown)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    return "string"


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps("" if value is _UNKNOWN or value is None else str(value))


def render_stanza(uses: Iterable[ParameterUse], indent: str = "  ") -> str:
    """The `parameters:` block to add to the config (one entry per name, first value seen)."""
    seen: Dict[str, Any] = {}
    for use in uses:
        seen.setdefault(use.name, use.value)
    lines = ["parameters:"]
    for name, value in seen.items():
        lines.append(f"{indent}{name}:")
        lines.append(f"{indent * 2}type: {parameter_type(value)}")
        lines.append(f"{indent * 2}default: {_yaml_scalar(value)}")
    return "\n".join(lines) + "\n"


def inline_stanza(use: ParameterUse) -> str:
    return f"{use.name}: {{type: {parameter_type(use.value)}, default: {_yaml_scalar(use.value)}}}"


# ---- the config -------------------------------------------------------------------------------------

def find_config(start: str) -> Optional[str]:
    """The project's config above `start` (a file or folder): at the repository root, else the closest one."""
    here = os.path.abspath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    closest: Optional[str] = None
    folder = here
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(folder, name)
            if closest is None and os.path.isfile(candidate):
                closest = candidate
        if os.path.exists(os.path.join(folder, ".git")):
            for name in CONFIG_NAMES:
                candidate = os.path.join(folder, name)
                if os.path.isfile(candidate):
                    return candidate
            return closest
        parent = os.path.dirname(folder)
        if parent == folder:
            return closest
        folder = parent


class DeclaredParameters:
    def __init__(self, path: str, names: Dict[str, Any], version: Optional[str]) -> None:
        self.path = path
        self.names = names  # name -> its declaration (a mapping, usually with type and default)
        self.version = version


def read_declared(path: str) -> DeclaredParameters:
    """The pipeline parameters a config declares. ConfigProblem when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise ConfigProblem(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigProblem(f"{path}: is a folder, not a config file") from None
    except OSError as exc:
        raise ConfigProblem(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigProblem(f"{path}: not UTF-8 (byte {exc.start})") from None
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        config = yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigProblem(f"{path}: not valid YAML{where}: {problem}") from None
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ConfigProblem(f"{path}: not a CircleCI config (the top level is not a mapping)")
    params = config.get("parameters") or {}
    if not isinstance(params, dict):
        raise ConfigProblem(f"{path}: `parameters:` is not a mapping")
    version = config.get("version")
    return DeclaredParameters(path, {str(k): v for k, v in params.items()}, None if version is None else str(version))


# ---- where code passes parameters ---------------------------------------------------------------------

def parameter_uses(source: str, path: str, kind: str, catalogue: Any = None) -> List[ParameterUse]:
    """Pipeline parameters passed by literal name in a file of `kind`."""
    if not any(m in source for m in _MARKERS):
        return []
    if kind == "python":
        return python_uses(source, path)
    return text_uses(source, path, kind, catalogue)


def text_uses(source: str, path: str, kind: str, catalogue: Any = None) -> List[ParameterUse]:
    from circleci_v2.rules import load_catalogue

    from .text.analyze import LineIndex, iter_requests, url_of
    from .text.site import TextSite
    from .text.trigger import Plan, _body, is_trigger

    catalogue = catalogue or load_catalogue()
    if source.startswith("\ufeff"):
        source = source[1:]
    lines = LineIndex(source)
    uses: List[ParameterUse] = []
    for seg, commands, env, req in iter_requests(source, kind):
        url = url_of(seg, env, req)
        trigger = any(is_trigger(m.rule) for m in catalogue.match_request(req.verb, url.text)[:1])
        v2 = req.verb in ("POST", None) and re.search(r"/api/v2/project/[^?#]+/pipeline(?:/run)?/?(?:[?#]|$)",
                                                      url.text) is not None
        if not (trigger or v2) or not req.data:
            continue
        site = TextSite(kind=kind, segment=seg, commands=commands, env=env, request=req, url=url, match=None)
        _, params = _body(site, Plan())
        if not params:
            continue
        if seg.argv is not None:
            start, end = req.command.start, req.command.end
        else:
            first = req.command.words[req.program_index]
            start, _ = seg.source_span(first.start, first.end)
            _, end = seg.source_span(req.command.words[-1].start, req.command.words[-1].end)
        line, col = lines.position(start)
        end_line, end_col = lines.position(end)
        for name, items in params:
            uses.append(ParameterUse(path, line, col, end_line, end_col, name, _item_value(items),
                                     "parameters" if v2 else "build_parameters"))
    return uses


def _item_value(items: Sequence[Tuple[str, object]]) -> Any:
    if len(items) == 1:
        kind, value = items[0]
        if kind == "lit":
            return typed_value(str(value))
        if kind == "json" and isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                return _UNKNOWN
    if not items:
        return ""
    return _UNKNOWN


def python_uses(source: str, path: str) -> List[ParameterUse]:
    """Dict literals under "build_parameters", "parameters" of a v2 trigger, and circleclient keywords."""
    if source.startswith("\ufeff"):
        source = source[1:]
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    lines = source.splitlines()
    uses: List[ParameterUse] = []
    seen: set = set()

    def position(node: ast.AST) -> Tuple[int, int, int, int]:
        def col(line: int, offset: int) -> int:
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            return len(text.encode("utf-8")[:offset].decode("utf-8", "replace")) + 1

        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", line) or line
        return (line, col(line, getattr(node, "col_offset", 0)), end_line,
                col(end_line, getattr(node, "end_col_offset", 0) or 0))

    def add_dict(d: ast.Dict, origin: str) -> None:
        for key, value in zip(d.keys, d.values):
            if not isinstance(key, ast.Constant) or not isinstance(key.value, str) or id(key) in seen:
                continue
            seen.add(id(key))
            uses.append(ParameterUse(path, *position(key), key.value, _python_value(value), origin))

    def add_keyword(kw: ast.keyword, origin: str) -> None:
        if kw.arg is None or id(kw) in seen:
            return
        seen.add(id(kw))
        uses.append(ParameterUse(path, *position(kw), kw.arg, _python_value(kw.value), origin))

    pipeline_calls = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _mentions_pipeline(node):
            for arg in list(node.args) + [k.value for k in node.keywords]:
                pipeline_calls.add(id(arg))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = {k.value: v for k, v in zip(node.keys, node.values)
                    if isinstance(k, ast.Constant) and isinstance(k.value, str)}
            inner = keys.get("build_parameters")
            if isinstance(inner, ast.Dict):
                add_dict(inner, "build_parameters")
            inner = keys.get("parameters")
            if isinstance(inner, ast.Dict) and ("branch" in keys or "tag" in keys or id(node) in pipeline_calls):
                add_dict(inner, "parameters")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else (func.id if isinstance(func, ast.Name) else "")
            for kw in node.keywords:
                if kw.arg == "parameters" and isinstance(kw.value, ast.Dict) and "trigger" in name:
                    add_dict(kw.value, "parameters")
            # circleclient: client.build.trigger(user, project, branch, **build_params) as keywords
            if name == "trigger" and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Attribute) \
                    and func.value.attr == "build":
                for kw in node.keywords:
                    add_keyword(kw, "build_parameters")
    uses.sort(key=lambda u: (u.line, u.column))
    return uses


def _mentions_pipeline(call: ast.Call) -> bool:
    for arg in list(call.args[:1]) + [k.value for k in call.keywords if k.arg == "url"]:
        for node in ast.walk(arg):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "/pipeline" in node.value:
                return True
    return False


def _python_value(node: ast.AST) -> Any:
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _UNKNOWN
    if isinstance(value, (bool, int, str)):
        return value
    return _UNKNOWN


# ---- the check --------------------------------------------------------------------------------------------

class ParameterCheck:
    """Reports CCI140 for the files of one run, reading the config once, on the first parameter found."""

    def __init__(self, config_path: Optional[str] = None, start: str = ".", catalogue: Any = None) -> None:
        self.explicit = config_path
        self.start = start
        self.catalogue = catalogue
        self._declared: Optional[DeclaredParameters] = None
        self._loaded = False
        self.problem: Optional[str] = None  # set when the config could not be read (reported once)
        self.uses: List[ParameterUse] = []
        self.missing: List[ParameterUse] = []

    def config_path(self) -> Optional[str]:
        return self.explicit if self.explicit else find_config(self.start)

    def declared(self) -> Optional[DeclaredParameters]:
        """The config's declarations; None when there is no config. Raises ConfigProblem once."""
        if not self._loaded:
            self._loaded = True
            path = self.config_path()
            if path is not None:
                self._declared = read_declared(path)
        return self._declared

    def findings(self, source: str, path: str, kind: str) -> List[Finding]:
        uses = parameter_uses(source, path, kind, self.catalogue)
        if not uses:
            return []
        self.uses.extend(uses)
        declared = self.declared()
        if declared is None:
            return []
        return self.report(uses, declared)

    def report(self, uses: Sequence[ParameterUse], declared: DeclaredParameters) -> List[Finding]:
        from circleci_v2.rules import load_catalogue

        rule = (self.catalogue or load_catalogue())[RULE_ID]
        out: List[Finding] = []
        config = _display(declared.path)
        for use in uses:
            if use.name in declared.names:
                continue
            self.missing.append(use)
            message = (rule.message.replace("{parameter}", use.name).replace("{config}", config)
                       .replace("{stanza}", inline_stanza(use)))
            reason = None
            if declared.version is not None and declared.version not in ("2.1",):
                reason = f"{config} says version {declared.version}; pipeline parameters need version: 2.1"
            out.append(Finding(
                rule_id=rule.id, path=use.path, line=use.line, column=use.column, end_line=use.end_line,
                end_column=use.end_column, message=message, severity=rule.severity, fix="manual",
                confidence=HIGH, reason=reason, site=use,
            ))
        return out


def _display(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith(".." + os.sep + "..") else rel


class RunHook:
    """CCI140 inside a check run: called with every analysed file, in the main process.

    The config is read once, when the first file passes a parameter by name. A
    config that cannot be read is one problem, reported once (the run exits 2).
    """

    def __init__(self, config_path: Optional[str], paths: Sequence[str], selection: Any, catalogue: Any) -> None:
        start = next((p for p in paths if p != "-"), ".")
        self.check = ParameterCheck(config_path, start=start, catalogue=catalogue)
        self.enabled = selection is None or selection.enabled(RULE_ID)
        self.problem: Optional[Tuple[str, str]] = None  # (config path, message)

    def apply(self, result: Any) -> Any:
        """Add CCI140 findings (selection and suppression comments applied) to a FileResult."""
        if not self.enabled or self.problem is not None or result.source is None or result.errors:
            return result
        try:
            found = self.check.findings(result.source.text, result.path, result.kind)
        except ConfigProblem as exc:
            self.problem = (self.check.config_path() or "", str(exc))
            return result
        if found:
            from .suppress import apply_suppressions

            kept, suppressed = apply_suppressions(found, result.source.text)
            result.findings = sorted(list(result.findings) + kept, key=lambda f: f.sort_key)
            result.suppressed += suppressed
        return result
