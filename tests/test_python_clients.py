"""Legacy CircleCI client packages: calls only when the receiver provably comes from them."""
from __future__ import annotations

import textwrap

import pytest

from circleci_v2.migrate.python import analyse
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()


def clients(code: str):
    return [(f.line, f.rule_id, f.confidence) for f in analyse(textwrap.dedent(code), "t.py", CATALOGUE)
            if CATALOGUE[f.rule_id].kind == "client"]


def imports(code: str):
    return [(f.line, f.rule_id, f.message) for f in analyse(textwrap.dedent(code), "t.py", CATALOGUE)
            if CATALOGUE[f.rule_id].kind == "import"]


def test_plain_import_instance_and_message():
    code = """
        from circleci.api import Api
        api = Api(token)
        api.trigger_build("acme", "app", branch="main")
        api.get_build_info("acme", "app", 1)
        """
    [f] = [f for f in analyse(textwrap.dedent(code), "t.py", CATALOGUE) if f.rule_id == "CCI110"]
    assert (f.line, f.column, f.confidence, f.fix) == (4, 1, "high", "safe")
    assert f.message.startswith("circleci.api.Api.trigger_build posts to the removed v1.1 trigger endpoint")
    assert f.site.library == "client" and f.site.client.method == "trigger_build"
    assert f.site.call is not None and f.site.call_index >= 0


@pytest.mark.parametrize("code, expected", [
    ("from circleci.api import Api as CircleApi\nCircleApi(t).get_recent_builds()\n", [(2, "CCI113", "high")]),
    ("import circleci.api\ncircleci.api.Api(t).clear_cache('a', 'b')\n", [(2, "CCI112", "high")]),
    ("import circleci.api as cc\ncc.Api(t).retry_build('a', 'b', 1)\n", [(2, "CCI111", "high")]),
    ("from circleci import api\napi.Api(t).trigger_build('a', 'b')\n", [(2, "CCI110", "high")]),
    ("from pycircleci.api import Api\nApi(t).trigger_build('a', 'b')\n", [(2, "CCI110", "high")]),
    ("from circleci.experimental import Experimental\nExperimental(t).retry_no_cache('a', 'b', 1)\n",
     [(2, "CCI114", "high")]),
    ("from circleclient import circleclient\nc = circleclient.CircleClient(t)\nc.build.trigger('o', 'r', 'main')\n"
     "c.cache.clear('o', 'r')\nc.build.recent_all_projects()\nc.build.retry('o', 'r', 1)\nc.build.status('o', 'r', 1)\n",
     [(3, "CCI110", "high"), (4, "CCI112", "high"), (5, "CCI113", "high"), (6, "CCI111", "high")]),
    ("import circleclient\ncircleclient.CircleClient(t).build.trigger('o', 'r', 'main')\n", [(2, "CCI110", "high")]),
])
def test_import_forms(code, expected):
    assert clients(code) == expected


def test_instances_in_attributes_properties_annotations_and_factories():
    code = """
        from circleci.api import Api
        from circleci.experimental import Experimental

        def make():
            return Api(token)

        class Deployer:
            def __init__(self, token):
                self.api = Api(token)
                self._exp = None

            def go(self):
                self.api.trigger_build("a", "b")

            @property
            def exp(self):
                if self._exp is None:
                    self._exp = Experimental(token)
                return self._exp

            def nocache(self):
                self.exp.retry_no_cache("a", "b", 1)

        def annotated(circle: Api):
            circle.clear_cache("a", "b")

        make().get_recent_builds()
        """
    assert clients(code) == [(14, "CCI110", "high"), (23, "CCI114", "high"), (26, "CCI112", "high"),
                             (28, "CCI113", "high")]


def test_bound_methods_passed_uncalled():
    code = """
        from circleci.api import Api
        api = Api(token)
        fn = api.retry_build
        fn("a", "b", 1)
        executor.submit(api.trigger_build, "a", "b")
        """
    findings = [f for f in analyse(textwrap.dedent(code), "t.py", CATALOGUE) if f.rule_id in ("CCI110", "CCI111")]
    assert [(f.line, f.column, f.rule_id) for f in findings] == [(4, 6, "CCI111"), (6, 17, "CCI110")]
    for f in findings:
        assert f.site.call is None and f.site.call_index == -1 and isinstance(f.site.node, __import__("ast").Attribute)


def test_subclass_of_a_legacy_client_inherits_its_methods():
    code = """
        from circleci.api import Api
        class ApiV1(Api):
            def extra(self):
                return self.retry_build("a", "b", 2)
            def clear_cache(self, user, project):
                return None
        ApiV1(t).trigger_build("a", "b")
        ApiV1(t).clear_cache("a", "b")
        """
    assert clients(code) == [(5, "CCI111", "high"), (8, "CCI110", "high")]


def test_unbound_method_read_from_the_class():
    code = """
        from circleci.api import Api
        Api.trigger_build(api, "a", "b")
        """
    assert clients(code) == [(3, "CCI110", "high")]


@pytest.mark.parametrize("code", [
    "class Deployer:\n    def trigger_build(self, b):\n        return b\nDeployer().trigger_build('main')\n",
    "class Api:\n    def trigger_build(self):\n        pass\nApi().trigger_build()\n",
    "x.trigger_build()\nself.api.retry_build(1)\n",
    "def f(api):\n    api.trigger_build('a', 'b')\n",
    "cache = {}\ncache.clear()\n",
    "from pycircleci.api import Api\nApi(t).get_project_pipelines('a', 'b')\n",
    "import mylib\nmylib.Api(t).trigger_build('a', 'b')\n",
])
def test_not_a_legacy_client(code):
    assert clients(code) == []


def test_receiver_depending_on_a_branch_is_low():
    code = """
        from circleci.api import Api
        from circleci_v2.shim.circleci import Api as NewApi
        def go(legacy):
            client = Api(t) if legacy else NewApi(t)
            client.trigger_build("a", "b")
        """
    [(line, rule, confidence)] = clients(code)
    assert (line, rule, confidence) == (6, "CCI110", "low")


def test_import_rule_messages_and_modules():
    code = """
        import circleci.api
        from circleci.error import CircleCIException
        from circleci import api
        from pycircleci.api import Api, CIRCLE_TOKEN
        import circleclient.circleclient as cc
        from circleclient import circleclient
        import circleci_v2.shim.circleci
        from . import circleci
        import circleci_tools
        """
    found = imports(code)
    assert [line for line, _, _ in found] == [2, 3, 4, 5, 6, 7]
    assert found[0][2].startswith("circleci.api speaks API v1.1")
    assert "circleci_v2.shim.circleci" in found[0][2]
    assert found[3][2].startswith("pycircleci.api speaks") and "circleci_v2.shim.pycircleci" in found[3][2]
    assert found[4][2].startswith("circleclient.circleclient speaks")
    assert all("{" not in message for _, _, message in found)


def test_import_site_points_at_the_statement():
    code = "import os\nfrom circleci.api import (\n    Api,\n)\n"
    [f] = analyse(code, "t.py", CATALOGUE)
    assert (f.rule_id, f.line, f.end_line, f.confidence, f.fix) == ("CCI115", 2, 4, "high", "safe")
    assert f.site.import_node is f.site.node and f.site.call is None
