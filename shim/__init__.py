"""circleci_v2.shim: run v1.1 code on CircleCI API v2 (transport, v2 client, drop-ins, emulator)."""
import sys as _sys

from . import v2_replies as _v2_replies

# `circleci_v2.shim.types` is where the README first documented the reply TypedDicts; the module is
# v2_replies now (a module named `types` reads like the standard library's), and the old path stays.
_sys.modules.setdefault(__name__ + ".types", _v2_replies)
