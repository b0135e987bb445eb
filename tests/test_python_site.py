"""The contract with the CLI and the fixer: Finding positions, order, and the PythonCallSite evidence."""
from __future__ import annotations

import ast
import subprocess
import sys
import textwrap

import pytest

from circleci_v2.migrate.findings import Finding
from circleci_v2.migrate.python import analyse
from circleci_v2.migrate.python.finding_site import PythonCallSite
from circleci_v2.rules import load_catalogue, placeholder_index

CATALOGUE = load_catalogue()


def run(code: str):
    return analyse(textwrap.dedent(code), "pkg/mod.py", CATALOGUE)


def test_findings_are_sorted_and_carry_rule_data():
    code = """
        import requests
        from circleci.api import Api
        requests.delete("https://circleci.com/api/v1.1/project/github/a/b/build-cache")
        Api(t).trigger_build("a", "b")
        """
    found = run(code)
    assert found == sorted(found, key=lambda f: f.sort_key)
    assert [f.rule_id for f in found] == ["CCI115", "CCI106", "CCI120", "CCI110"]
    for f in found:
        rule = CATALOGUE[f.rule_id]
        assert isinstance(f, Finding) and f.path == "pkg/mod.py" and f.source == "static"
        assert f.severity == rule.severity
        assert isinstance(f.site, PythonCallSite)
        assert f.to_dict()["rule"] == f.rule_id


def test_one_finding_per_rule_and_site():
    code = 'import os\nos.system("curl -X POST https://circleci.com/api/v1.1/project/github/a/b/tree/main; ' \
           'curl -X POST https://circleci.com/api/v1.1/project/github/a/b/tree/dev")\n'
    found = analyse(code, "t.py", CATALOGUE)
    assert sorted(f.rule_id for f in found) == ["CCI102", "CCI120"]


def test_columns_are_characters_not_bytes():
    code = 'é = "ü"; import requests; requests.post("https://circleci.com/api/v1.1/project/github/a/b/tree/m", headers={"Accept": "x"})\n'
    [f] = analyse(code, "t.py", CATALOGUE)
    start = code.index("requests.post")
    assert (f.line, f.column, f.end_line, f.end_column) == (1, start + 1, 1, len(code.rstrip("\n")) + 1)


def test_multiline_call_span():
    code = 'import requests\nr = requests.post(\n    "https://circleci.com/api/v1.1/project/github/a/b/build",\n    headers={"Accept": "x"},\n)\n'
    [f] = analyse(code, "t.py", CATALOGUE)
    assert (f.line, f.column, f.end_line, f.end_column) == (2, 5, 5, 2)


def test_crlf_and_bom_sources():
    code = '\ufeffimport requests\r\nrequests.post("https://circleci.com/api/v1.1/project/github/a/b/build", headers={"Accept": "x"})\r\n'
    [f] = analyse(code, "t.py", CATALOGUE)
    assert (f.rule_id, f.line, f.column) == ("CCI103", 2, 1)


def test_call_index_is_the_ordinal_among_calls_sorted_by_start_then_decreasing_end():
    code = textwrap.dedent("""
        import requests
        print(len("x"))
        requests.post(str("https://circleci.com/api/v1.1/project/github/a/b/build"), headers=dict(Accept="x")).json()
        """)
    [f] = analyse(code, "t.py", CATALOGUE)
    calls = sorted((n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Call)),
                   key=lambda c: (c.lineno, c.col_offset, -c.end_lineno, -c.end_col_offset))
    assert f.site.call_index == 3  # print, len, .json() (encloses the post), requests.post
    assert ast.dump(calls[f.site.call_index]) == ast.dump(f.site.call)
    assert isinstance(f.site.call, ast.Call) and f.site.node is f.site.call


def test_site_fields_for_a_request():
    code = """
        import requests
        BASE = "https://circleci.com/api/v1.1"
        def trigger(org, repo, branch):
            return requests.post(f"{BASE}/project/github/{org}/{repo}/tree/{branch}",
                                 json={"build_parameters": {}}, params={"x": 1},
                                 headers={"Accept": "application/json"})
        """
    [f] = run(code)
    s = f.site
    assert (s.library, s.verb, s.url_arg) == ("requests", "POST", 0)
    assert s.match.rule.id == "CCI102" and s.match.match.params["vcs"] == "github"
    assert s.url.via_names and isinstance(s.url.node, ast.JoinedStr)
    # each unresolved part keeps its placeholder and the expression it came from
    unresolved = [p for p in s.url.parts if p.placeholder is not None]
    assert [p.node.id for p in unresolved] == ["org", "repo", "branch"]
    assert [placeholder_index(p.placeholder) for p in unresolved] == [0, 1, 2]
    assert [placeholder_index(s.match.match.params[k]) for k in ("user", "project", "branch")] == [0, 1, 2]
    assert "".join(p.text if p.text is not None else p.placeholder for p in s.url.parts) == s.url.url
    literal_base = s.url.parts[0]
    assert literal_base.text == "https://circleci.com/api/v1.1" and isinstance(literal_base.node, ast.Constant)
    assert literal_base.node.lineno == 3  # the constant's own line: the fixer can see where the base lives
    assert ast.unparse(s.headers_node) == "{'Accept': 'application/json'}" and s.has_accept_header is True
    assert ast.unparse(s.body_node) == "{'build_parameters': {}}"
    assert ast.unparse(s.params_node) == "{'x': 1}"


def test_site_for_an_unresolved_verb_and_a_verb_node():
    code = """
        import requests
        def send(method):
            requests.request(method, "https://circleci.com/api/v1.1/project/github/a/b/tree/x", headers={"Accept": "a"})
        """
    [f] = run(code)
    assert f.site.verb is None and isinstance(f.site.verb_node, ast.Name) and f.site.url_arg == 1


def test_literal_template_fields_are_placeholders():
    code = 'import requests\nrequests.post("https://circleci.com/api/v1.1/project/{vcs}/{user}/{project}/{build_num}/retry", headers={"Accept": "a"})\n'
    [f] = analyse(code, "t.py", CATALOGUE)
    assert f.rule_id == "CCI104"
    fields = [p.text for p in f.site.url.parts if p.placeholder is not None]
    assert fields == ["{vcs}", "{user}", "{project}", "{build_num}"]


@pytest.mark.parametrize("code", ["def f(:\n", "x = (\n", "\x00", "print 'hello'\n"])
def test_unparsable_code_raises_syntax_error(code):
    with pytest.raises(SyntaxError):
        analyse(code, "bad.py", CATALOGUE)


def test_empty_and_comment_only_files():
    assert analyse("", "e.py", CATALOGUE) == []
    assert analyse("# circleci /api/v1.1\n", "c.py", CATALOGUE) == []


def test_deeply_nested_concatenation_does_not_crash():
    parts = ['"https://circleci.com/api/v1.1"', '"/project/github/a/b/build"'] + ['""'] * 900
    code = "import requests\nrequests.post(" + " + ".join(parts) + ", headers={'Accept': 'a'})\n"
    assert [f.rule_id for f in analyse(code, "t.py", CATALOGUE)] == ["CCI103"]
    deep = "import requests\nrequests.post(" + "(" * 150 + "u" + ")" * 150 + ")\n"
    assert analyse(deep, "t.py", CATALOGUE) == []


def test_recursive_and_circular_definitions_terminate():
    code = """
        import requests
        a = b
        b = a + "/x"
        def f(url):
            return f(url + "/y")
        requests.post(a)
        requests.post(f("https://circleci.com/api/v1.1"))
        x = "https://circleci.com/api/v1.1"
        x = x + "/project/github/a/b/build"
        requests.post(x, headers={"Accept": "a"})
        """
    assert [f.rule_id for f in run(code)] == ["CCI103"]


def test_check_never_imports_libcst():
    code = (
        "import sys\n"
        "from circleci_v2.migrate.python import analyse\n"
        "from circleci_v2.rules import load_catalogue\n"
        "analyse(\"import requests\\nrequests.post('https://circleci.com/api/v1.1/project/github/a/b/build')\\n\", "
        "'t.py', load_catalogue())\n"
        "print('libcst' in sys.modules, 'requests' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_generated_programs_never_crash():
    """Whatever valid Python hypothesmith builds, the analyser returns findings or raises SyntaxError."""
    hypothesis = pytest.importorskip("hypothesis")
    hypothesmith = pytest.importorskip("hypothesmith")

    @hypothesis.settings(max_examples=25, deadline=None, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(hypothesmith.from_node())
    def check(source):
        try:
            found = analyse(source, "generated.py", CATALOGUE)
        except SyntaxError:
            return
        assert all(isinstance(f, Finding) for f in found)

    check()
