"""EDN replies for v1.1 requests sent without an Accept header.

v1.1 answers Clojure EDN unless the client asks for JSON; object keys are
keywords ({:build_num 1 :status "success"}). The writer is edn_format's
(in the `emulator` and `edn` extras); this module only turns JSON data into its EDN form.
"""
from __future__ import annotations

from typing import Any

CONTENT_TYPE = "application/edn; charset=utf-8"


def _to_edn(value: Any) -> Any:
    import edn_format

    if isinstance(value, dict):
        return {edn_format.Keyword(str(k)): _to_edn(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_edn(v) for v in value]
    return value


class EdnMissing(RuntimeError):
    """edn-format is not installed; str(error) says what to install, or how to ask for JSON instead."""


MISSING_MESSAGE = ("v1.1 answers EDN to a request without an Accept header (or with */*), and EDN needs the "
                   "edn-format package, which is not installed: pip install 'circleci-v2[emulator]' "
                   "(or send Accept: application/json).")


def dumps(value: Any) -> str:
    """EDN text for JSON-shaped data (dicts, lists, strings, numbers, booleans, None); EdnMissing without edn-format."""
    try:
        import edn_format
    except ImportError as exc:  # an install without the emulator extra
        raise EdnMissing(MISSING_MESSAGE) from exc
    return edn_format.dumps(_to_edn(value))
