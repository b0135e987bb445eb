"""Settings from pyproject.toml, table [tool.circleci-v2].

    [tool.circleci-v2]
    select = ["CCI1"]
    ignore = ["CCI13", "CCI141", "CCI142", "CCI143"]   # the information-only rules
    exclude = ["legacy/", "*.generated.py"]      # replaces the default excludes
    extend-exclude = ["vendor/"]                 # added to them
    output-format = "text"                       # text | json | sarif | github
    respect-gitignore = true
    jobs = 0                                     # 0: one process per core
    unsafe-fixes = false                         # used by `fix`

The file is the closest pyproject.toml with that table, searching from the
current folder upwards, or the one given with --config. Command-line options
win over the file. An unknown key or a wrong type is an error naming the file
and the key.
"""
from __future__ import annotations

import os
import re
import sys
from typing import Any, Callable, Dict, Optional, Pattern, Tuple

TABLE = "circleci-v2"
OUTPUT_FORMATS = ("text", "json", "sarif", "github")


class ConfigError(ValueError):
    """Invalid configuration; the message names the file and the key."""


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


# key -> (check, what it must be)
_KEYS: Dict[str, Tuple[Callable[[Any], bool], str]] = {
    "select": (_str_list, "a list of rule ids or prefixes"),
    "ignore": (_str_list, "a list of rule ids or prefixes"),
    "exclude": (_str_list, "a list of gitignore-style patterns"),
    "extend-exclude": (_str_list, "a list of gitignore-style patterns"),
    "output-format": (lambda v: v in OUTPUT_FORMATS, "one of " + ", ".join(OUTPUT_FORMATS)),
    "respect-gitignore": (lambda v: isinstance(v, bool), "true or false"),
    "jobs": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a whole number >= 0"),
    "unsafe-fixes": (lambda v: isinstance(v, bool), "true or false"),
    "add-todo": (lambda v: isinstance(v, bool), "true or false"),
    "circleci-config": (lambda v: isinstance(v, str) or _str_list(v),
                        "[SLUG=]PATH to a .circleci/config.yml, or a list of them"),
    "fail-on": (lambda v: v in ("error", "warning", "info"), "one of error, warning, info"),
}


class FileConfig:
    """The [tool.circleci-v2] table of one pyproject.toml (empty when there is none)."""

    def __init__(self, path: Optional[str] = None, values: Optional[Dict[str, Any]] = None) -> None:
        self.path = path  # the pyproject.toml read, None when there is none
        self.values: Dict[str, Any] = dict(values or {})

    def __repr__(self) -> str:
        return f"FileConfig(path={self.path!r}, values={self.values!r})"

    @property
    def folder(self) -> str:
        return os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)


# Our table is the key `circleci-v2` under `tool`: [tool.circleci-v2], [tool."circleci-v2"],
# `tool.circleci-v2.select = ...`, or `circleci-v2 = {...}` inside [tool]. A pyproject.toml that only
# names the package (the project's name, a dependency such as "circleci-v2>=0.1") shows none of these
# shapes and is not parsed: tomllib costs about 2 ms, a twentieth of a pre-commit hook's run.
# A false match only costs the parse.
_TABLE_KEY = rb"""tool["']?[ \t]*\.[ \t]*["']?circleci-v2|circleci-v2["']?[ \t]*(?:\.|=(?!=))"""
_table_key: Optional[Pattern[bytes]] = None


def may_hold_table(data: bytes) -> bool:
    """False when the bytes of a pyproject.toml cannot hold a [tool.circleci-v2] table (checked before parsing)."""
    global _table_key
    if b"circleci-v2" not in data:
        return False
    if _table_key is None:
        _table_key = re.compile(_TABLE_KEY)
    return _table_key.search(data) is not None


def _load_toml(data: bytes, path: str) -> Dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not valid UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def read_config(path: str, required: bool = True) -> FileConfig:
    """Read [tool.circleci-v2] from `path`; with required=False a file without the table gives None values."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if not may_hold_table(data):  # skip the TOML parse for the common case
        if required:
            raise ConfigError(f"{path}: no [tool.{TABLE}] table")
        return FileConfig()
    document = _load_toml(data, path)
    tool = document.get("tool", {})
    table = tool.get(TABLE) if isinstance(tool, dict) else None
    if table is None:
        if required:
            raise ConfigError(f"{path}: no [tool.{TABLE}] table")
        return FileConfig()
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: tool.{TABLE} must be a table")
    for key, value in table.items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{path}: [tool.{TABLE}] unknown key {key!r} (known: {known})")
        check, expected = _KEYS[key]
        if not check(value):
            raise ConfigError(f"{path}: [tool.{TABLE}] {key} must be {expected}, not {value!r}")
    return FileConfig(path=path, values=dict(table))


def find_config(start: Optional[str] = None) -> FileConfig:
    """The closest pyproject.toml with a [tool.circleci-v2] table, from `start` (the cwd) upwards."""
    folder = os.path.abspath(start or os.getcwd())
    while True:
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.isfile(candidate):
            config = read_config(candidate, required=False)
            if config.path is not None:
                return config
        parent = os.path.dirname(folder)
        if parent == folder:
            return FileConfig()
        folder = parent
