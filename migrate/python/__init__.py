"""circleci_v2.migrate.python: finds CircleCI API v1.1 calls in Python source with `ast`.

`analyse(source, path, catalogue)` is the whole interface; see analyse.py.
libcst is never imported here: `check` stays cheap (see docs/design.md).
"""
from .analyser import analyse

__all__ = ["analyse"]
