"""What a v1.1 build parameter becomes in API v2, and where a project's config is (rule CCI140).

The small shared ground of the analysers that record what a trigger sends
(trigger_sends.py), the config check (parameter_check.py), the config plan and
edit (config_plan.py, config_edit.py): it imports nothing else of migrate/,
so none of them has to import another to reach it. What the job parameter
(CIRCLE_JOB) becomes is decided in rules/job_parameter.py, for the fixers and
the shim alike; its names are re-exported here for the config check and edit.
"""
from __future__ import annotations

import os
import re
from typing import Any, Optional

from circleci_v2.rules.job_parameter import JobParameter, job_parameter, pipeline_parameter_name  # noqa: F401

RULE_ID = "CCI140"
CONFIG_NAMES = (os.path.join(".circleci", "config.yml"), os.path.join(".circleci", "config.yaml"))


class _Unknown:
    """The value of a parameter the code does not show; one object, also after pickling (the analysis of a
    worker process reaches the main process pickled, and `value is _UNKNOWN` must still hold there)."""

    def __reduce__(self) -> str:
        return "_UNKNOWN"

    def __repr__(self) -> str:
        return "<unknown>"


_UNKNOWN = _Unknown()


class ParameterUse:
    """A pipeline parameter passed by name at one place in the code."""

    __slots__ = ("path", "line", "column", "end_line", "end_column", "name", "value", "origin", "slug")

    def __init__(self, path: str, line: int, column: int, end_line: int, end_column: int, name: str,
                 value: Any, origin: str, slug: Optional[str] = None) -> None:
        self.path = path
        self.line, self.column, self.end_line, self.end_column = line, column, end_line, end_column
        self.name = name
        self.value = value  # bool, int, str, or _UNKNOWN
        self.origin = origin  # "build_parameters" (v1.1) or "parameters" (v2)
        self.slug = slug  # the v2 slug of the project the trigger targets, when the code spells it out

    @property
    def known(self) -> bool:
        """Whether the code shows the value (a literal)."""
        return self.value is not _UNKNOWN

    def __repr__(self) -> str:
        return f"ParameterUse({self.name!r}={self.value!r} at {self.path}:{self.line})"


# ---- types ----------------------------------------------------------------------------------------------

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


# The default of a declared parameter keeps what a job saw when a trigger did not send it: v1.1 left the
# variable unset, which reads as "" (a boolean or integer cannot be unset: false and 0 come closest).
NEUTRAL_DEFAULTS = {"string": "", "boolean": False, "integer": 0}


def neutral_default(type_name: str) -> Any:
    return NEUTRAL_DEFAULTS.get(type_name, "")


# ---- the config ---------------------------------------------------------------------------------------

class ConfigProblem(Exception):
    """The config cannot be read. str(error) is one line naming the file."""


def find_config(start: str) -> Optional[str]:
    """The project's config for `start` (a file or folder): the closest one above it, up to the repository root.

    A folder inside the repository with a .circleci/ of its own is another
    project's checkout (an example, a vendored project): its triggers use its config.
    """
    here = os.path.abspath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    folder = here
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                return candidate
        parent = os.path.dirname(folder)
        if os.path.exists(os.path.join(folder, ".git")) or parent == folder:
            return None
        folder = parent
