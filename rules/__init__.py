"""circleci_v2.rules: the CircleCI v1.1 to v2 mapping as data.

One YAML file per rule under rules/catalogue/, validated against
rules/schema.json. The linter, the codemod, the shim and the docs read the
catalogue through this package and keep no table of their own.

Importing this package is cheap: yaml and jsonschema are imported only when the
catalogue is first loaded.
"""
from .endpoints import (
    PLACEHOLDER,
    EndpointMatch,
    PathTemplate,
    V1Url,
    has_placeholder,
    placeholder,
    placeholder_index,
    split_v1_url,
    v2_project_slug,
)
from .loader import CATALOGUE_DIR, SCHEMA_PATH, SPEC_PATH, RuleError, load_catalogue, load_rules, parse_rule
from .model import Catalogue, ClientMethod, Endpoint, Example, FieldMapping, ImportMapping, Replacement, Rule, RuleMatch

__all__ = [
    "CATALOGUE_DIR", "SCHEMA_PATH", "SPEC_PATH", "PLACEHOLDER",
    "Catalogue", "ClientMethod", "Endpoint", "EndpointMatch", "Example", "FieldMapping", "ImportMapping",
    "PathTemplate", "Replacement", "Rule", "RuleError", "RuleMatch", "V1Url",
    "has_placeholder", "placeholder", "placeholder_index",
    "load_catalogue", "load_rules", "parse_rule", "split_v1_url", "v2_project_slug",
]
