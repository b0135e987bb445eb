"""circleci_v2.migrate.python: finds CircleCI API v1.1 calls in Python source with `ast`.

`analyze(source, path, catalogue)` is the whole interface; see analyze.py.
libcst is never imported here: `check` stays cheap (see docs/design.md).
"""
from .analyze import analyze

__all__ = ["analyze"]
