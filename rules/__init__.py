"""circleci_v2.rules: the CircleCI v1.1 to v2 mapping as data.

One YAML file per rule under rules/catalogue/, validated against
rules/schema.json. The linter, the codemod, the shim and the docs read the
catalogue through this package and keep no table of their own.

Importing this package costs nothing: its names are loaded on first use
(PEP 562), so the pre-filter can read `circleci_v2.rules.markers` without the
loader, the model, yaml or jsonschema.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "endpoints": (
        "API_ROOT", "API_VERSIONS", "V2_ROOT", "V2_VERSION", "LEGACY_API_ROOT", "LEGACY_VERSIONS", "PLACEHOLDER", "VERSIONED_ROOT_AT_END", "ApiUrl", "EndpointMatch", "PathTemplate", "has_placeholder",
        "placeholder", "placeholder_index", "split_api_url", "v2_project_slug", "v1_vcs_name", "VCS_SLUGS",
        "V1_VCS_NAMES", "V1_DEFAULT_VCS",
    ),
    "loader": ("CATALOGUE_DIR", "SCHEMA_PATH", "SPEC_PATH", "RuleError", "load_catalogue", "load_rules", "parse_rule"),
    "model": (
        "Catalogue", "ClientArgument", "ClientMethod", "Endpoint", "Example", "FieldMapping", "ImportMapping", "Replacement",
        "Rule", "RuleMatch",
    ),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))
