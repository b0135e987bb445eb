"""What the emulator reads from a project's .circleci/config.yml.

Only what the service itself needs before any job runs: the declared pipeline
parameters with their types and defaults (a trigger passing an undeclared or
mistyped one errors), the workflows with their jobs, `requires:` and
`when:`/`unless:` conditions (what a trigger creates; conditions.py evaluates
them), and each job's `environment:` (resolved per pipeline, so a test can see
what a job would read). Everything else in the config is kept as text and
served back by getPipelineConfigById.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

DEFAULT_WORKFLOW = "workflow"
DEFAULT_JOB = "build"


class ConfigError(ValueError):
    """The config text is not a YAML mapping the emulator can read."""


@dataclass(frozen=True)
class JobSpec:
    name: str
    requires: Tuple[str, ...] = ()
    type: str = "build"  # "build" or "approval"


@dataclass(frozen=True)
class WorkflowSpec:
    name: str
    jobs: Tuple[JobSpec, ...]
    when: Any = None  # a logic statement, as written (None: always)
    unless: Any = None


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    type: str = "string"
    default: Any = None
    enum: Optional[Tuple[Any, ...]] = None


@dataclass
class ProjectConfig:
    source: str
    parameters: Dict[str, ParameterSpec] = field(default_factory=dict)
    workflows: List[WorkflowSpec] = field(default_factory=list)
    environments: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # job -> its `environment:` as written


def default_workflows() -> List[WorkflowSpec]:
    """One workflow with one job: what a project without a config.yml gets."""
    return [WorkflowSpec(DEFAULT_WORKFLOW, (JobSpec(DEFAULT_JOB),))]


def _parameters(raw: Any) -> Dict[str, ParameterSpec]:
    out: Dict[str, ParameterSpec] = {}
    if raw is None:
        return out
    if isinstance(raw, (list, tuple)):  # a plain list of names
        return {str(n): ParameterSpec(str(n)) for n in raw}
    if not isinstance(raw, Mapping):
        raise ConfigError("`parameters:` must be a mapping")
    for name, spec in raw.items():
        if isinstance(spec, Mapping):
            enum = spec.get("enum")
            out[str(name)] = ParameterSpec(
                str(name), str(spec.get("type", "string")), spec.get("default"),
                tuple(enum) if isinstance(enum, (list, tuple)) else None,
            )
        else:
            out[str(name)] = ParameterSpec(str(name))
    return out


def _job(entry: Any) -> JobSpec:
    if isinstance(entry, str):
        return JobSpec(entry)
    if isinstance(entry, Mapping) and len(entry) == 1:
        (job, opts), = entry.items()
        opts = opts if isinstance(opts, Mapping) else {}
        requires = opts.get("requires") or ()
        if isinstance(requires, str):
            requires = (requires,)
        names: List[str] = []
        for r in requires:
            # 2.1 also allows {job: [statuses]}; only the name matters here
            names.extend(r.keys() if isinstance(r, Mapping) else [r])
        return JobSpec(str(opts.get("name", job)), tuple(str(n) for n in names), str(opts.get("type", "build")))
    raise ConfigError(f"cannot read workflow job entry {entry!r}")


def _workflows(raw: Any) -> List[WorkflowSpec]:
    if raw is None:
        return []
    if not isinstance(raw, Mapping):
        raise ConfigError("`workflows:` must be a mapping")
    out = []
    for name, body in raw.items():
        if name == "version" or not isinstance(body, Mapping):
            continue
        jobs = tuple(_job(j) for j in (body.get("jobs") or ()))
        if jobs:
            out.append(WorkflowSpec(str(name), jobs, body.get("when"), body.get("unless")))
    return out


def parse_config(text: Optional[str], parameters: Optional[Any] = None) -> ProjectConfig:
    """Read config.yml text. `parameters` (names, or a name -> spec mapping) adds declarations."""
    import yaml

    source = text or ""
    data: Any = {}
    if source.strip():
        try:
            data = yaml.safe_load(source)
        except yaml.YAMLError as exc:
            raise ConfigError(f"config.yml is not valid YAML: {exc}") from None
        if not isinstance(data, Mapping):
            raise ConfigError("config.yml must hold a mapping")
    declared = _parameters(data.get("parameters"))
    declared.update(_parameters(parameters))
    workflows = _workflows(data.get("workflows"))
    if not workflows and isinstance(data.get("jobs"), Mapping) and data["jobs"]:
        # a 2.0 config without workflows runs its `build` job (or the first one)
        jobs = data["jobs"]
        workflows = [WorkflowSpec(DEFAULT_WORKFLOW, (JobSpec("build" if "build" in jobs else str(next(iter(jobs)))),))]
    return ProjectConfig(source=source, parameters=declared, workflows=workflows or default_workflows(),
                         environments=_environments(data.get("jobs")))


def _environments(jobs: Any) -> Dict[str, Dict[str, Any]]:
    out: Dict[str, Dict[str, Any]] = {}
    if not isinstance(jobs, Mapping):
        return out
    for name, body in jobs.items():
        env = body.get("environment") if isinstance(body, Mapping) else None
        if isinstance(env, Mapping):
            out[str(name)] = {str(k): v for k, v in env.items()}
        elif isinstance(env, (list, tuple)):  # the list form: - NAME=value
            out[str(name)] = dict(str(e).split("=", 1) for e in env if "=" in str(e))
    return out


def parameter_values(declared: Mapping[str, ParameterSpec], given: Mapping[str, Any]) -> Dict[str, Any]:
    """What each declared parameter is in this pipeline: the value sent, else its default."""
    values = {name: spec.default for name, spec in declared.items()}
    values.update(given)
    return values


def check_parameters(declared: Mapping[str, ParameterSpec], given: Mapping[str, Any]) -> List[str]:
    """The config errors a trigger's parameters cause, worded as the service words them."""
    errors = []
    unexpected = [k for k in given if k not in declared]
    if unexpected:
        errors.append("Unexpected argument(s): " + ", ".join(unexpected))
    for name, value in given.items():
        spec = declared.get(name)
        if spec is None:
            continue
        if spec.type == "boolean" and not isinstance(value, bool):
            errors.append(f"Expected a boolean for pipeline parameter {name}, got {value!r}")
        elif spec.type == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
            errors.append(f"Expected an integer for pipeline parameter {name}, got {value!r}")
        elif spec.type == "enum" and spec.enum is not None and value not in spec.enum:
            errors.append(f"Value {value!r} for pipeline parameter {name} is not one of {list(spec.enum)}")
    return errors
