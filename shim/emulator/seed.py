"""Seed files: the projects (and their history) an emulator starts with.

A seed is YAML or JSON:

    projects:
      gh/acme/app:                       # or a list of entries with `slug:`
        config: |                        # .circleci/config.yml text, or
        config_file: .circleci/config.yml   # a path relative to the seed file
        parameters: {extra: {type: string}} # declared on top of the config's
        default_branch: main
        job_outcomes: {test: [failed, success]}
        job_durations: {build: 30}
        env_vars: {DEPLOY_KEY: secret}
        artifacts: {build: [dist/app.tar.gz]}
        tests: {test: [{name: test_ok, classname: tests.test_app, result: success}]}
        pipelines:                       # finished runs, e.g. for Insights
          - {branch: main, created_at: 2d ago, outcomes: {test: failed}, durations: {build: 60}}

Errors name the seed file and the entry, and are raised as SeedError.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Protocol

from .clock import Clock, parse_time
from .project_config import ConfigError


class Seeded(Protocol):
    """What a seed is applied to: the Emulator (emulator.py imports this module, never the reverse)."""

    clock: Clock

    def add_project(self, slug: str, config: Any = None, parameters: Any = None, **options: Any) -> Any: ...

    def add_pipeline(self, slug: str, **options: Any) -> Any: ...

PROJECT_KEYS = {"slug", "config", "config_file", "parameters", "default_branch", "job_outcomes",
                "job_durations", "env_vars", "artifacts", "tests", "pipelines"}
PIPELINE_KEYS = {"branch", "tag", "created_at", "parameters", "outcomes", "durations", "actor", "revision"}


class SeedError(ValueError):
    """A seed file cannot be used; the message names the file and the entry."""


def read_seed(path: str) -> Dict[str, Any]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(f"{path}: cannot read seed file: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # json and yaml raise many error types
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SeedError(f"{path}: not valid {'JSON' if p.suffix.lower() == '.json' else 'YAML'}: {first}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SeedError(f"{path}: a seed file must hold a mapping with `projects:`")
    unknown = set(data) - {"projects"}
    if unknown:
        raise SeedError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    return data


def _entries(path: str, projects: Any) -> List[Dict[str, Any]]:
    if projects is None:
        return []
    if isinstance(projects, Mapping):
        out = []
        for slug, spec in projects.items():
            spec = dict(spec or {})
            spec["slug"] = slug
            out.append(spec)
        return out
    if isinstance(projects, list) and all(isinstance(e, Mapping) for e in projects):
        return [dict(e) for e in projects]
    raise SeedError(f"{path}: projects: must be a mapping of slug to project, or a list of projects")


def apply_seed(emulator: Seeded, path: str) -> None:
    """Add the seed's projects and history to an emulator."""
    data = read_seed(path)
    base = Path(path).resolve().parent
    for i, entry in enumerate(_entries(path, data.get("projects"))):
        where = f"{path}: projects[{entry.get('slug', i)}]"
        unknown = set(entry) - PROJECT_KEYS
        if unknown:
            raise SeedError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
        if "slug" not in entry:
            raise SeedError(f"{where}: slug is required")
        config = entry.get("config")
        if entry.get("config_file"):
            cfg_path = base / str(entry["config_file"])
            try:
                config = cfg_path.read_text(encoding="utf-8")
            except OSError as exc:
                raise SeedError(f"{where}: config_file {cfg_path}: {exc.strerror or exc}") from None
        try:
            emulator.add_project(
                str(entry["slug"]), config=config, parameters=entry.get("parameters"),
                default_branch=str(entry.get("default_branch", "main")),
                job_outcomes=entry.get("job_outcomes"), job_durations=entry.get("job_durations"),
                env_vars=entry.get("env_vars"), artifacts=entry.get("artifacts"), tests=entry.get("tests"),
            )
        except (ValueError, ConfigError, TypeError) as exc:
            raise SeedError(f"{where}: {exc}") from None
        for n, run in enumerate(entry.get("pipelines") or []):
            run_where = f"{where}.pipelines[{n}]"
            if not isinstance(run, Mapping):
                raise SeedError(f"{run_where}: must be a mapping")
            unknown = set(run) - PIPELINE_KEYS
            if unknown:
                raise SeedError(f"{run_where}: unknown key(s): {', '.join(sorted(unknown))}")
            try:
                at = parse_time(run["created_at"], emulator.clock.now()) if "created_at" in run else None
                emulator.add_pipeline(str(entry["slug"]), branch=run.get("branch"), tag=run.get("tag"),
                                      parameters=run.get("parameters"), created_at=at,
                                      outcomes=run.get("outcomes"), durations=run.get("durations"),
                                      revision=run.get("revision"))
            except (ValueError, TypeError, LookupError) as exc:
                raise SeedError(f"{run_where}: {exc}") from None
