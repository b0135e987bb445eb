"""Python source: its own front end (ast analysis, libcst fixes), found like every other kind."""
from __future__ import annotations

from .file_kind import FileKind


class PythonSource(FileKind):
    name = "python"
    suffixes = (".py", ".pyi", ".pyw", ".pyt", ".wsgi", ".tac", ".gyp", ".gypi")
    file_names = ("wscript",)
    shebangs = ("python", "python2", "python3", "pypy", "pypy3")  # python3.11 counts as python
    precommit_types = ("python", "pyi")
    analyser = "circleci_v2.migrate.run:analyse_python"
    planner = "circleci_v2.migrate.fix.engine:plan_source"
    # not a text container: `segments` is never asked for; a `#` comment is Python's


KIND = PythonSource()
