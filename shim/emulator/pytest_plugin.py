"""pytest plugin: a CircleCI emulator per test.

Installed with circleci-v2 (entry point `circleci_v2_emulator`), so any test
suite can use:

    def test_deploy(circleci_emulator):
        circleci_emulator.add_project("gh/acme/app", config=CONFIG)
        run_my_script(base_url=circleci_emulator.url, token=circleci_emulator.token)
        assert circleci_emulator.calls[-1].operation_id == "triggerPipeline"

    def test_slow_service(circleci_emulator_factory):
        emu = circleci_emulator_factory(workflow_delay=0.05, cutover=True)

Both fixtures fail the test at teardown if the emulator answered something
that breaks the v2 spec (a bug in the emulator, never in the code under test).
Requests the code under test got wrong stay in `emu.invalid_calls` for the
test to assert on: `emu.assert_valid()` checks both.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterator, List

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from .emulator import Emulator

# The plugin loads in every pytest session where circleci-v2 is installed, so the
# emulator itself (about 35 ms of imports) is imported only when a test asks for it.


def _check_responses(emulators: List["Emulator"]) -> None:
    for emu in emulators:
        emu.assert_valid(requests=False, responses=True)


@pytest.fixture
def circleci_emulator_factory() -> Iterator[Callable[..., "Emulator"]]:
    """Start emulators with custom options (Emulator's keyword arguments); all stop after the test."""
    from .emulator import Emulator

    started: List[Emulator] = []

    def make(**options: Any) -> Emulator:
        emu = Emulator(**options).start()
        started.append(emu)
        return emu

    try:
        yield make
    finally:
        for emu in started:
            emu.stop()
    _check_responses(started)


@pytest.fixture
def circleci_emulator(circleci_emulator_factory: Callable[..., "Emulator"]) -> "Emulator":
    """A started emulator with default options (token "test-token", no delays)."""
    return circleci_emulator_factory()
