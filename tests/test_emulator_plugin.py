"""The pytest plugin, as a user's own test suite sees it (pytester runs a separate session)."""
from __future__ import annotations

pytest_plugins = ["pytester"]


def test_fixtures_are_available_without_configuration(pytester):
    pytester.makepyfile(
        """
        import requests

        def test_trigger(circleci_emulator):
            emu = circleci_emulator
            emu.add_project("gh/acme/app")
            r = requests.post(emu.v2_url + "/project/gh/acme/app/pipeline",
                              headers={"Circle-Token": emu.token}, json={"branch": "main"})
            assert r.status_code == 201
            assert emu.calls[-1].operation_id == "triggerPipeline"
            emu.assert_valid()

        def test_factory(circleci_emulator_factory):
            emu = circleci_emulator_factory(token="my-token", cutover=True)
            assert emu.token == "my-token" and emu.url.startswith("http://127.0.0.1:")
            other = circleci_emulator_factory()
            assert other.url != emu.url

        def test_each_test_gets_a_fresh_emulator(circleci_emulator):
            assert circleci_emulator.calls == []
            assert circleci_emulator.state.projects == {}
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_emulators_stop_after_the_test(pytester):
    pytester.makepyfile(
        """
        import pytest
        import requests

        URLS = []

        def test_first(circleci_emulator):
            URLS.append(circleci_emulator.url)

        def test_second():
            with pytest.raises(requests.exceptions.ConnectionError):
                requests.get(URLS[0] + "/api/v2/me", timeout=2)
        """
    )
    pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_an_invalid_emulator_reply_fails_the_test_at_teardown(pytester):
    pytester.makepyfile(
        """
        import requests
        from circleci_v2.shim.emulator import routes_v2
        from circleci_v2.shim.emulator.routes_v2 import Reply

        def test_broken_reply(circleci_emulator, monkeypatch):
            monkeypatch.setitem(routes_v2.HANDLERS, "getCurrentUser", lambda ctx: Reply(200, {"id": 1}))
            requests.get(circleci_emulator.v2_url + "/me", headers={"Circle-Token": "test-token"})

        def test_invalid_request_alone_is_the_test_business(circleci_emulator):
            r = requests.get(circleci_emulator.v2_url + "/workflow/nope", headers={"Circle-Token": "test-token"})
            assert r.status_code == 400
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*invalid response to GET /api/v2/me*"])


def test_loading_the_plugin_imports_nothing_heavy():
    import subprocess
    import sys

    code = ("import sys, circleci_v2.shim.emulator.pytest_plugin; "
            "print(sorted(m for m in sys.modules if m.startswith(('circleci_v2.shim.emulator.', 'openapi_core', "
            "'requests', 'yaml', 'http.server'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['circleci_v2.shim.emulator.pytest_plugin']"
