"""circleci_v2.shim.emulator: a local CircleCI v2 (and v1.1) service, checked against the official spec.

    from circleci_v2.shim.emulator import Emulator

The pytest plugin (pytest_plugin.py) gives tests the `circleci_emulator` fixture.
Names are imported on first use: the plugin loads in every pytest session, and
importing the emulator costs about 35 ms.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "Call": ".recording",
    "Clock": ".clock",
    "DEFAULT_TOKEN": ".emulator",
    "Emulator": ".emulator",
    "Fault": ".faults",
    "Faults": ".faults",
    "SeedError": ".seed",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from .clock import Clock
    from .emulator import DEFAULT_TOKEN, Emulator
    from .faults import Fault, Faults
    from .recording import Call
    from .seed import SeedError


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_EXPORTS))
