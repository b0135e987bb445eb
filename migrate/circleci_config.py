"""The .circleci/config.yml cross-check (rule CCI140): pipeline parameters the config does not declare.

v1.1 `build_parameters` were environment variables that needed no declaration;
v2 pipeline `parameters` must each be declared under the config's top-level
`parameters:`, or API v2 refuses the trigger. Where code passes parameters
with literal names (a v1.1 trigger's build_parameters, which `fix
--unsafe-fixes` turns into parameters, or an already migrated v2 trigger's
parameters), this module reads the project's config and reports every name it
does not declare, with the stanza to add; the type and default are guessed
from the value passed (boolean, integer, else string).

`check` only reads the config; `fix --unsafe-fixes` edits it (fix/config.py).
Each trigger's config is `--circleci-config PATH` (or SLUG=PATH for the project
it names), else the closest `.circleci/config.yml` (or .yaml) above its file, up
to the repository root (config_plan.ConfigTargets).
"""
from __future__ import annotations

import ast
import json
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .findings import HIGH, Finding
from .pipeline_parameters import (  # noqa: F401 (names this module's importers read here)
    CONFIG_NAMES, NEUTRAL_DEFAULTS, RULE_ID, _UNKNOWN, ParameterUse, find_config, neutral_default, parameter_type, typed_value,
    job_parameter, pipeline_parameter_name)

# Text that must be in a file for it to pass parameters at all (cheap test before any parsing).
_MARKERS = ("build_parameters", "parameters")


class ConfigProblem(Exception):
    """The config cannot be read. str(error) is one line naming the file."""


# ---- types and stanzas ------------------------------------------------------------------------------

def _yaml_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps("" if value is _UNKNOWN or value is None else str(value))


def render_stanza(uses: Iterable[ParameterUse], indent: str = "  ") -> str:
    """The `parameters:` block to add to the config (one entry per name, typed by the first value seen)."""
    seen: Dict[str, Any] = {}
    for use in uses:
        seen.setdefault(use.name, use.value)
    lines = ["parameters:"]
    for name, value in seen.items():
        kind = parameter_type(value)
        lines.append(f"{indent}{name}:")
        lines.append(f"{indent * 2}type: {kind}")
        lines.append(f"{indent * 2}default: {_yaml_scalar(neutral_default(kind))}")
    return "\n".join(lines) + "\n"


def inline_stanza(use: ParameterUse) -> str:
    kind = parameter_type(use.value)
    return f"{use.name}: {{type: {kind}, default: {_yaml_scalar(neutral_default(kind))}}}"


# ---- which project a trigger targets --------------------------------------------------------------------

_PROJECT_URL = re.compile(r"/api/(v1\.1|v1|v2)/project/([^/?#]+)/([^/?#]+)(?:/([^/?#]+))?")
_PLACEHOLDER = re.compile("[\ue000-\uf8ff]")


def project_of_url(text: str) -> Optional[str]:
    """The v2 slug a trigger URL names (gh/acme/app), or None when a part of it is not literal."""
    from circleci_v2.rules.endpoints import v2_project_slug

    m = _PROJECT_URL.search(text)
    if m is None:
        return None
    version, a, b, c = m.groups()
    parts = (a, b, c) if version != "v1" else ("github", a, b)
    if any(p is None or _PLACEHOLDER.search(p) for p in parts):
        return None
    return v2_project_slug(*parts)  # type: ignore[arg-type]


def _python_url_text(node: Optional[ast.AST]) -> Optional[str]:
    """A URL expression as text, with a placeholder for each part the code computes."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "\ue000"
                       for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _python_url_text(node.left), _python_url_text(node.right)
        return (left if left is not None else "\ue000") + (right if right is not None else "\ue000")
    return None


def _python_call_project(call: ast.Call) -> Optional[str]:
    """The project a call sends to: its URL argument, or a legacy client's (username, project) arguments."""
    url = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "url"), None)
    text = _python_url_text(url)
    if text is not None and "/project/" in text:
        return project_of_url(text)
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else ""
    if name in ("trigger_build", "trigger") and len(call.args) >= 2 and all(
            isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args[:2]):
        vcs = next((k.value.value for k in call.keywords if k.arg == "vcs_type" and isinstance(k.value, ast.Constant)),
                   "github")
        return project_of_url(f"/api/v1.1/project/{vcs}/{call.args[0].value}/{call.args[1].value}")
    return None


# ---- the config -------------------------------------------------------------------------------------




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
        return python_uses(source, path, catalogue)
    return text_uses(source, path, kind, catalogue)


def text_uses(source: str, path: str, kind: str, catalogue: Any = None) -> List[ParameterUse]:
    from circleci_v2.rules import load_catalogue

    from .text.analyser import LineIndex, iter_requests, url_of
    from .text.finding_site import TextSite
    from .text.trigger import Plan, _body, is_trigger

    catalogue = catalogue or load_catalogue()
    if source.startswith("\ufeff"):
        source = source[1:]
    lines = LineIndex(source)
    uses: List[ParameterUse] = []
    v2_trigger = _v2_trigger_url(catalogue)
    for seg, commands, env, req in iter_requests(source, kind):
        url = url_of(seg, env, req)
        trigger = any(is_trigger(m.rule) for m in catalogue.match_request(req.verb, url.text)[:1])
        v2 = req.verb in ("POST", None) and v2_trigger.search(url.text) is not None
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
        slug = project_of_url(url.text)
        for name, items in params:
            uses.append(ParameterUse(path, line, col, end_line, end_col, name, _item_value(items),
                                     "parameters" if v2 else "build_parameters", slug))
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


def python_uses(source: str, path: str, catalogue: Any = None) -> List[ParameterUse]:
    """Dict literals under "build_parameters", "parameters" of a v2 trigger, and circleclient keywords."""
    from circleci_v2.rules import load_catalogue

    pipeline_words = _v2_trigger_tails(catalogue or load_catalogue())
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
            uses.append(ParameterUse(path, *position(key), key.value, _python_value(value), origin,
                                     project.get(id(d))))

    def add_keyword(kw: ast.keyword, origin: str, slug: Optional[str]) -> None:
        if kw.arg is None or id(kw) in seen:
            return
        seen.add(id(kw))
        uses.append(ParameterUse(path, *position(kw), kw.arg, _python_value(kw.value), origin, slug))

    pipeline_calls = set()
    project: Dict[int, Optional[str]] = {}  # id(dict node) -> the slug of the call it is sent with
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if _mentions_pipeline(node, pipeline_words):
                for arg in list(node.args) + [k.value for k in node.keywords]:
                    pipeline_calls.add(id(arg))
            slug = _python_call_project(node)
            if slug is not None:
                for arg in list(node.args) + [k.value for k in node.keywords]:
                    for inner in ast.walk(arg):
                        if isinstance(inner, ast.Dict):
                            project.setdefault(id(inner), slug)
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
                    add_keyword(kw, "build_parameters", _python_call_project(node))
    uses.sort(key=lambda u: (u.line, u.column))
    return uses


def _v2_trigger_rules(catalogue: Any) -> List[Any]:
    """The rules whose replacement is the v2 pipeline trigger, with its path."""
    from .text.trigger import is_trigger

    return [r for r in catalogue if is_trigger(r) and r.has_v2_path]


def _v2_trigger_url(catalogue: Any) -> "re.Pattern[str]":
    """A v2 trigger URL, from the trigger rules' v2 paths; also its /run form, the newer v2 trigger
    that takes the same parameters (no rule rewrites to it, but code already on v2 may call it)."""
    paths = sorted({r.v2_path_pattern() for r in _v2_trigger_rules(catalogue)})
    return re.compile("(?:" + "|".join(paths) + r")(?:/run)?/?(?:[?#]|$)")


def _v2_trigger_tails(catalogue: Any) -> Tuple[str, ...]:
    """The literal end of each v2 trigger path ("/pipeline"): a URL string holding one is a trigger's."""
    return tuple(sorted({re.split(r"\}", r.replacement.path)[-1] for r in _v2_trigger_rules(catalogue)}))


def _mentions_pipeline(call: ast.Call, words: Sequence[str]) -> bool:
    for arg in list(call.args[:1]) + [k.value for k in call.keywords if k.arg == "url"]:
        for node in ast.walk(arg):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and any(w in node.value for w in words):
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
    """Reports CCI140 for the files of one run, reading each config once, on the first parameter sent to it.

    Each use is checked against the config of the project it targets
    (config_plan.ConfigTargets): `config_path` (--circleci-config PATH), a
    `by_slug` config (--circleci-config SLUG=PATH), or the one found above the
    file. A trigger of another project whose config is not here is reported
    with low confidence: what that config declares is not known.
    """

    def __init__(self, config_path: Optional[str] = None, start: str = ".", catalogue: Any = None,
                 by_slug: Optional[Dict[str, str]] = None) -> None:
        from .config_plan import ConfigTargets

        self.explicit = config_path
        self.start = start
        self.catalogue = catalogue
        self.targets = ConfigTargets(config_path, by_slug, start)
        self._declared: Dict[str, DeclaredParameters] = {}
        self.problem: Optional[str] = None  # set when the config could not be read (reported once)
        self.uses: List[ParameterUse] = []
        self.missing: List[ParameterUse] = []
        self._failed: Optional[str] = None

    def config_path(self) -> Optional[str]:
        return self._failed or (self.explicit if self.explicit else find_config(self.start))

    def declared_at(self, path: str) -> DeclaredParameters:
        """A config's declarations, read once. Raises ConfigProblem."""
        key = os.path.abspath(path)
        if key not in self._declared:
            try:
                self._declared[key] = read_declared(path)
            except ConfigProblem:
                self._failed = path
                raise
        return self._declared[key]

    def declared(self) -> Optional[DeclaredParameters]:
        """The default config's declarations; None when there is none. Raises ConfigProblem."""
        path = self.explicit if self.explicit else find_config(self.start)
        return self.declared_at(path) if path is not None else None

    def findings(self, source: str, path: str, kind: str) -> List[Finding]:
        uses = parameter_uses(source, path, kind, self.catalogue)
        if not uses:
            return []
        self.uses.extend(uses)
        out: List[Finding] = []
        for use in uses:
            config, slug = self.targets.target(use)
            if config is not None:
                out.extend(self.report([use], self.declared_at(config)))
            elif slug is not None:
                out.extend(self.report_other(use, slug))
        return out

    def _rule(self) -> Any:
        from circleci_v2.rules import load_catalogue

        return (self.catalogue or load_catalogue())[RULE_ID]

    def _finding(self, use: ParameterUse, name: str, config: str, reason: Optional[str], fix: str,
                 confidence: str) -> Finding:
        rule = self._rule()
        shown = ParameterUse(use.path, use.line, use.column, use.end_line, use.end_column, name, use.value,
                             use.origin, use.slug)
        if name != use.name:
            shown.value = ""
        message = (rule.message.replace("{parameter}", name).replace("{config}", config)
                   .replace("{stanza}", inline_stanza(shown)))
        return Finding(rule_id=rule.id, path=use.path, line=use.line, column=use.column, end_line=use.end_line,
                       end_column=use.end_column, message=message, severity=rule.severity, fix=fix,
                       confidence=confidence, reason=reason, site=use)

    def report(self, uses: Sequence[ParameterUse], declared: DeclaredParameters) -> List[Finding]:
        jp = job_parameter(self.catalogue)
        out: List[Finding] = []
        config = _display(declared.path)
        for use in uses:
            name = jp.pipeline_parameter if (use.origin == "build_parameters"
                                             and use.name == jp.build_parameter) else use.name
            if name in declared.names:
                continue
            self.missing.append(use)
            reason = None
            if declared.version is not None and declared.version not in ("2.1",):
                reason = f"{config} says version {declared.version}; pipeline parameters need version: 2.1"
            out.append(self._finding(use, name, config, reason, "unsafe", HIGH))
        return out

    def report_other(self, use: ParameterUse, slug: str) -> List[Finding]:
        from .findings import LOW

        self.missing.append(use)
        name = pipeline_parameter_name(use.name, self.catalogue) if use.origin == "build_parameters" else use.name
        reason = (f"the trigger targets {slug}, whose config is not in this tree: check and edit it with "
                  f"--circleci-config {slug}=PATH/TO/.circleci/config.yml")
        return [self._finding(use, name, f"the config of {slug}", reason, "manual", LOW)]


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

    def __init__(self, config_path: Optional[str], paths: Sequence[str], selection: Any, catalogue: Any,
                 by_slug: Optional[Dict[str, str]] = None) -> None:
        start = next((p for p in paths if p != "-"), ".")
        self.check = ParameterCheck(config_path, start=start, catalogue=catalogue, by_slug=by_slug)
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
