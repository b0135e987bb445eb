"""circleci_v2.shim.emulator: a local CircleCI v2 (and v1.1) service, checked against the official spec.

    from circleci_v2.shim.emulator import Emulator

The pytest plugin (pytest_plugin.py) gives tests the `circleci_emulator` fixture.
"""
from .clock import Clock
from .emulator import DEFAULT_TOKEN, Emulator
from .faults import Fault, Faults
from .recording import Call
from .seed import SeedError

__all__ = ["Call", "Clock", "DEFAULT_TOKEN", "Emulator", "Fault", "Faults", "SeedError"]
