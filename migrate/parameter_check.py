"""The .circleci/config.yml cross-check (rule CCI140): pipeline parameters the config does not declare.

v1.1 `build_parameters` were environment variables that needed no declaration;
v2 pipeline `parameters` must each be declared under the config's top-level
`parameters:`, or API v2 refuses the trigger. The analysers record what each
trigger sends while they analyse a file (trigger_sends.TriggerSend: a v1.1
trigger's build_parameters, which `fix --unsafe-fixes` turns into parameters,
or an already migrated v2 trigger's parameters); this check reads those
records, reads the project's config and reports every name it does not
declare, with the stanza to add; the type and default are guessed from the
value passed (boolean, integer, else string). It analyses no file itself.

It is a run check (run_checks.py): `check` hands it every analysed file and
it only reads the config; `fix --unsafe-fixes` asks it for the config edit
(fix/circleci_config_yml.py). Each trigger's config is `--circleci-config PATH`
(or SLUG=PATH for the project it names), else the closest
`.circleci/config.yml` (or .yaml) above its file, up to the repository root
(config_plan.ConfigTargets).
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .findings import HIGH, Finding
from .pipeline_parameters import (  # noqa: F401 (names this module's importers read here)
    CONFIG_NAMES, NEUTRAL_DEFAULTS, RULE_ID, _UNKNOWN, ConfigProblem, ParameterUse, find_config, neutral_default,
    parameter_type, typed_value, job_parameter, pipeline_parameter_name)
from .trigger_sends import TriggerSend


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

    def findings(self, sends: Iterable[TriggerSend]) -> List[Finding]:
        """CCI140 for the parameters these trigger sends (the analysers' records of one file) pass by name."""
        uses = [use for send in sends for use in send.parameters]
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


class ParameterRunCheck:
    """CCI140 as a run check (run_checks.py): reads every analysed file's trigger sends, in the main process.

    The config is read once, when the first file passes a parameter by name. A
    config that cannot be read is one problem, reported once (the run exits 2).
    """

    rule_ids = (RULE_ID,)

    def __init__(self, options: Any, catalogue: Any) -> None:
        start = next((p for p in options.paths if p != "-"), ".")
        self.check = ParameterCheck(options.circleci_config, start=start, catalogue=catalogue,
                                    by_slug=options.circleci_configs)
        self.catalogue = catalogue
        self.problem: Optional[Tuple[str, str]] = None  # (config path, message)

    def findings(self, result: Any) -> List[Finding]:
        """The CCI140 findings of one analysed file (run.FileResult), from its records."""
        if self.problem is not None or result.source is None or result.errors:
            return []
        sends = [r for r in result.records if isinstance(r, TriggerSend)]
        if not sends:
            return []
        try:
            return self.check.findings(sends)
        except ConfigProblem as exc:
            self.problem = (self.check.config_path() or "", str(exc))
            return []

    def problems(self) -> List[Tuple[str, str, str]]:
        """(path, kind, message) of each problem of the run: the config that could not be read."""
        if self.problem is None:
            return []
        return [(self.problem[0], "yaml", self.problem[1].split(": ", 1)[-1])]

    def project_fix(self, unsafe: bool, from_stdin: bool) -> Any:
        """fix's half: the configs edited (--unsafe-fixes) and the CCI140 findings they settle."""
        from .fix.circleci_config_yml import ConfigFix

        return ConfigFix(self.check, unsafe, from_stdin, self.catalogue)
