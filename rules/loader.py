"""Load and validate the rule catalogue (rules/catalogue/*.yaml).

Every file is checked against rules/schema.json and against the rest of the
catalogue (unique ids and names, file named after its id). Errors name the file
and the field, so a rule author never has to read a traceback.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

from .endpoints import LEGACY_VERSIONS, PathTemplate
from .model import (
    Catalogue,
    ClientArgument,
    ClientMethod,
    Endpoint,
    Example,
    FieldMapping,
    ImportMapping,
    Replacement,
    Rule,
)

RULES_DIR = Path(__file__).resolve().parent
CATALOGUE_DIR = RULES_DIR / "catalogue"
SCHEMA_PATH = RULES_DIR / "schema.json"
SPEC_PATH = RULES_DIR / "spec" / "circleci-v2-openapi.json"


class RuleError(ValueError):
    """A rule file is invalid. The message names the file and the field."""

    def __init__(self, path: os.PathLike, message: str, field: str = "") -> None:
        self.path = str(path)
        self.field = field
        where = f"{self.path}: {field}: " if field else f"{self.path}: "
        super().__init__(where + message)


def _yaml_load(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


@functools.lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _field_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def parse_rule(path: Path, text: Optional[str] = None, validate: bool = True) -> Rule:
    """Parse one rule file, validating it against the schema unless told it already was."""
    try:
        text = path.read_text(encoding="utf-8") if text is None else text
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(path, f"cannot read: {exc}") from None
    try:
        data = _yaml_load(text)
    except Exception as exc:  # yaml.YAMLError and its many subclasses
        raise RuleError(path, f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RuleError(path, "a rule file must hold a mapping")
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path)) if validate else []
    if errors:
        err = errors[0]
        raise RuleError(path, err.message, _field_path(err.absolute_path))
    stem_id = path.name.split("-", 1)[0]
    if path.suffix == ".yaml" and stem_id != data["id"]:
        raise RuleError(path, f"file name must start with the rule id {data['id']}", "id")
    return _build_rule(path, data)


def _build_rule(path: Path, data: Dict[str, Any]) -> Rule:
    endpoints = []
    for i, ep in enumerate(data.get("endpoints", [])):
        try:
            template = PathTemplate(ep["path"])
        except ValueError as exc:
            raise RuleError(path, str(exc), f"endpoints[{i}].path") from None
        endpoints.append(Endpoint(ep["method"], ep["path"], template))
    clients = tuple(
        ClientMethod(c["module"], c["class"], c["method"], c.get("attribute"), c.get("drop_in"),
                     tuple(ClientArgument(role, a.get("position"), a.get("keyword"))
                           for role, a in c.get("arguments", {}).items()))
        for c in data.get("clients", [])
    )
    imports = tuple(ImportMapping(i["module"], i["drop_in"]) for i in data.get("imports", []))
    body = tuple(
        FieldMapping(name, f["action"], f["note"], f.get("to"), f.get("from", "body"))
        for name, f in data.get("body", {}).items()
    )
    rep = data["replacement"]
    replacement = Replacement(tuple(rep["operations"]), rep["summary"], rep.get("method"), rep.get("path"))
    kind = data["kind"]
    if kind == "endpoint" and not endpoints:
        raise RuleError(path, "an endpoint rule needs at least one endpoint", "endpoints")
    if kind == "client" and not clients:
        raise RuleError(path, "a client rule needs at least one client method", "clients")
    if kind == "request" and "request" not in data:
        raise RuleError(path, "a request rule needs `request: {check: ...}`", "request")
    if kind == "import" and not imports:
        raise RuleError(path, "an import rule needs at least one import", "imports")
    for i, ep in enumerate(endpoints):
        if ep.template.version in LEGACY_VERSIONS:
            continue
        # v2 is where code is going: only a property of any request (a token in the query
        # string) is worth reporting there, never a route
        if kind != "request":
            raise RuleError(path, f"only a request rule may name a {ep.template.version} endpoint",
                            f"endpoints[{i}].path")
        if not data.get("markers"):
            # the pre-filter derives /api/v1 from v1.1 endpoints; /api/v2 alone would admit every v2 client
            raise RuleError(path, f"a rule that covers {ep.template.version} URLs needs `markers` that "
                                  "select the files it can fire in", "markers")

    def examples(key: str) -> tuple:
        return tuple(
            Example(
                code=e["code"],
                language=e.get("language", "python"),
                name=e.get("name"),
                fixed=e.get("fixed"),
                fixed_unsafe=e.get("fixed_unsafe"),
                confidence=e.get("confidence", "high"),
                note=e.get("note"),
            )
            for e in data["examples"].get(key, [])
        )

    return Rule(
        id=data["id"],
        name=data["name"],
        title=data["title"],
        severity=data["severity"],
        kind=kind,
        fix=data["fix"],
        message=data["message"].strip(),
        guidance=data["guidance"].strip(),
        replacement=replacement,
        deprecated=bool(data.get("deprecated", kind != "request")),
        endpoints=tuple(endpoints),
        clients=clients,
        imports=imports,
        body=body,
        reply=dict(data.get("reply", {})),
        shim=dict(data.get("shim", {})),
        markers=tuple(data.get("markers", [])),
        request_check=data.get("request", {}).get("check"),
        request_without_base=bool(data.get("request", {}).get("without_base", False)),
        config=dict(data.get("config", {})),
        references=tuple(data.get("references", [])),
        valid_examples=examples("valid"),
        invalid_examples=examples("invalid"),
        source_file=str(path),
    )


def catalogue_digest(texts: Dict[Path, bytes]) -> str:
    """SHA-256 of the schema and the rule files (names and bytes): what markers.py records."""
    digest = hashlib.sha256(SCHEMA_PATH.read_bytes())
    for path in sorted(texts):
        digest.update(path.name.encode() + b"\0" + texts[path] + b"\0")
    return digest.hexdigest()


def load_rules(paths: Sequence[Path], trusted_digest: Optional[str] = None) -> Catalogue:
    """Load the given rule files into a catalogue, checking them against each other.

    Every file is validated against the schema, except when the files and the
    schema are byte for byte those recorded as validated (`trusted_digest`, from
    the generated markers.py): then the 50 ms of jsonschema are skipped.
    """
    texts: Dict[Path, bytes] = {}
    for path in sorted(paths):
        try:
            texts[path] = path.read_bytes()
        except OSError as exc:
            raise RuleError(path, f"cannot read: {exc.strerror or exc}") from None
    validate = trusted_digest is None or catalogue_digest(texts) != trusted_digest
    rules: List[Rule] = []
    ids: Dict[str, Path] = {}
    names: Dict[str, Path] = {}
    for path, raw in texts.items():
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RuleError(path, f"not UTF-8: {exc}") from None
        rule = parse_rule(path, text, validate=validate)
        if rule.id in ids:
            raise RuleError(path, f"duplicate id, also in {ids[rule.id]}", "id")
        if rule.name in names:
            raise RuleError(path, f"duplicate name, also in {names[rule.name]}", "name")
        ids[rule.id] = path
        names[rule.name] = path
        rules.append(rule)
    return Catalogue(rules)


@functools.lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The bundled catalogue, loaded once per process."""
    from .markers import __dict__ as generated

    return load_rules(sorted(CATALOGUE_DIR.glob("*.yaml")), trusted_digest=generated.get("CATALOGUE_DIGEST"))
