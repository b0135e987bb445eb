"""The .circleci/config.yml cross-check (CCI140): parameters passed by code that the config does not declare.

The check reads what the analysers recorded while they analysed a file (trigger_sends.TriggerSend); the
helpers here analyse the source as `check` does, then hand the records to the check."""
from __future__ import annotations

import os
import textwrap

import pytest

from circleci_v2.migrate.parameter_check import (
    ConfigProblem,
    ParameterCheck,
    find_config,
    read_declared,
    render_stanza,
    typed_value,
)
from circleci_v2.migrate.run import analyser_for
from circleci_v2.rules import load_catalogue

CATALOGUE = load_catalogue()
CONFIG = """\
version: 2.1
# pipeline parameters the deploy scripts pass
parameters:
  deploy_env:
    type: string
    default: staging
jobs:
  build:
    docker: [{image: cimg/base:stable}]
    steps: [checkout]
"""
KIND_OF = {"python": "python", "shell": "shell", "yaml": "yaml", "makefile": "makefile"}


def _project(tmp_path, config=CONFIG):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".circleci").mkdir()
    (tmp_path / ".circleci" / "config.yml").write_text(config)
    return tmp_path


def sends_of(source, path, kind):
    """What the analyser of `kind` records for the triggers of `source`."""
    records = []
    analyser_for(kind)(source, path, CATALOGUE, kind, records=records)
    return records


def _check(tmp_path, source, kind, name="code"):
    check = ParameterCheck(start=str(tmp_path), catalogue=CATALOGUE)
    path = str(tmp_path / name)
    return check.findings(sends_of(source, path, kind)), check


def _rule_examples(which):
    rule = CATALOGUE["CCI140"]
    for i, example in enumerate(rule.valid_examples if which == "valid" else rule.invalid_examples):
        yield pytest.param(example, id=f"{which}-{i}-{example.language}")


@pytest.mark.parametrize("example", list(_rule_examples("valid")))
def test_rule_valid_examples_pass_against_a_config_declaring_deploy_env(tmp_path, example):
    _project(tmp_path)
    findings, check = _check(tmp_path, example.code, KIND_OF[example.language])
    assert check.uses, "the example passes a parameter: the check must see it"
    assert findings == []


@pytest.mark.parametrize("example", list(_rule_examples("invalid")))
def test_rule_invalid_examples_are_reported(tmp_path, example):
    _project(tmp_path)
    findings, _ = _check(tmp_path, example.code, KIND_OF[example.language])
    assert findings and {f.rule_id for f in findings} == {"CCI140"}
    for f in findings:
        assert f.fix == "unsafe" and f.severity == "error"  # fix --unsafe-fixes edits the config
        assert "{" + "parameter}" not in f.message and "{config}" not in f.message
        assert ".circleci/config.yml" in f.message


def test_message_names_parameter_config_and_stanza(tmp_path):
    _project(tmp_path)
    source = textwrap.dedent("""\
        import requests
        payload = {"branch": "main", "build_parameters": {"RUN_MIGRATIONS": True, "SHARDS": 4, "deploy_env": "prod"}}
        requests.post(URL, json=payload)
    """)
    findings, _ = _check(tmp_path, source, "python", "deploy.py")
    by_name = {f.message.split("`")[1]: f for f in findings}
    assert set(by_name) == {"RUN_MIGRATIONS", "SHARDS"}  # deploy_env is declared
    f = by_name["SHARDS"]
    assert (f.line, f.column) == (2, 75)
    assert "SHARDS: {type: integer, default: 0}" in f.message  # the default keeps a push as it was
    assert "RUN_MIGRATIONS: {type: boolean, default: false}" in by_name["RUN_MIGRATIONS"].message
    assert os.path.join(".circleci", "config.yml") in f.message


def test_stanza_guesses_types_and_keeps_defaults_neutral(tmp_path):
    # the type comes from the value sent; the default is what a job saw when nothing was sent (v1.1: unset)
    _project(tmp_path)
    source = 'curl -u "$T:" -X POST https://circleci.com/api/v1.1/project/github/a/b/tree/main ' \
             "-d 'build_parameters[RUN_E2E]=false' -d 'build_parameters[RETRIES]=3' " \
             "-d 'build_parameters[REGION]=eu-west-1' -d \"build_parameters[SHA]=$SHA\"\n"
    _, check = _check(tmp_path, source, "shell", "deploy.sh")
    assert render_stanza(check.missing) == textwrap.dedent("""\
        parameters:
          RUN_E2E:
            type: boolean
            default: false
          RETRIES:
            type: integer
            default: 0
          REGION:
            type: string
            default: ""
          SHA:
            type: string
            default: ""
    """)


@pytest.mark.parametrize("text, value", [("true", True), ("false", False), ("42", 42), ("-3", -3), ("007", "007"),
                                         ("1.5", "1.5"), ("yes", "yes"), ("", "")])
def test_typed_value(text, value):
    assert typed_value(text) == value and type(typed_value(text)) is type(value)


def test_shell_json_body_and_v2_trigger(tmp_path):
    _project(tmp_path)
    source = textwrap.dedent("""\
        #!/bin/sh
        curl -X POST "$CIRCLE_HOST/api/v2/project/gh/acme/app/pipeline" \\
          -H "Circle-Token: $CIRCLE_TOKEN" -H 'Content-Type: application/json' \\
          -d "{\\"branch\\": \\"$BRANCH\\", \\"parameters\\": {\\"deploy_env\\": \\"prod\\", \\"notify\\": true}}"
    """)
    findings, check = _check(tmp_path, source, "shell", "ship.sh")
    assert [u.name for u in check.uses] == ["deploy_env", "notify"]
    assert [f.message.split("`")[1] for f in findings] == ["notify"]
    assert findings[0].line == 2


def test_yaml_run_block(tmp_path):
    _project(tmp_path)
    source = textwrap.dedent("""\
        jobs:
          deploy:
            runs-on: ubuntu-latest
            steps:
              - name: trigger
                run: |
                  curl -u "${{ secrets.CIRCLE_TOKEN }}:" -X POST \\
                    https://circleci.com/api/v1.1/project/github/acme/app/tree/main \\
                    --data-urlencode "build_parameters[CANARY]=yes"
    """)
    findings, _ = _check(tmp_path, source, "yaml", "deploy.yml")
    assert [(f.line, f.message.split("`")[1]) for f in findings] == [(7, "CANARY")]


def test_not_a_trigger_is_not_checked(tmp_path):
    _project(tmp_path)
    source = 'curl -X POST https://example.com/hooks -d "build_parameters[X]=1"\n'
    findings, check = _check(tmp_path, source, "shell")
    assert findings == [] and check.uses == []


def test_python_shapes(tmp_path):
    _project(tmp_path)
    source = textwrap.dedent("""\
        from circleci.api import Api
        from circleclient import circleclient
        from circleci_v2.shim import CircleCI
        Api(token).trigger_build("acme", "app", params={"build_parameters": {"A": "1"}})
        circleclient.CircleClient(token).build.trigger("acme", "app", "main", B="2")
        CircleCI(token).trigger_pipeline("gh/acme/app", branch="main", parameters={"C": 3})
        requests.post(f"{HOST}/api/v2/project/{slug}/pipeline", json={"parameters": {"D": False}})
        unrelated = {"parameters": {"E": 1}}  # not a trigger
        other = {"build_parameters": {**extra}}  # names not literal
    """)
    _, check = _check(tmp_path, source, "python")
    assert [(u.name, u.value, u.origin) for u in check.uses] == [
        ("A", "1", "build_parameters"), ("B", "2", "build_parameters"), ("C", 3, "parameters"),
        ("D", False, "parameters")]


def test_no_config_means_no_findings(tmp_path):
    (tmp_path / ".git").mkdir()
    source = 'curl -u "$T:" -X POST https://circleci.com/api/v1.1/project/github/a/b -d "build_parameters[X]=1"\n'
    findings, check = _check(tmp_path, source, "shell")
    assert findings == [] and [u.name for u in check.uses] == ["X"]


def test_config_found_at_repository_root(tmp_path):
    _project(tmp_path)
    deep = tmp_path / "tools" / "deploy"
    deep.mkdir(parents=True)
    assert find_config(str(deep)) == str(tmp_path / ".circleci" / "config.yml")
    assert find_config(str(deep / "script.sh")) == str(tmp_path / ".circleci" / "config.yml")


def test_config_outside_a_repository_is_the_closest(tmp_path):
    (tmp_path / ".circleci").mkdir()
    (tmp_path / ".circleci" / "config.yaml").write_text(CONFIG)
    (tmp_path / "sub").mkdir()
    assert find_config(str(tmp_path / "sub")) == str(tmp_path / ".circleci" / "config.yaml")


def test_explicit_config_path(tmp_path):
    other = tmp_path / "ci.yml"
    other.write_text("version: 2.1\nparameters:\n  X: {type: integer, default: 1}\n")
    check = ParameterCheck(config_path=str(other), start=str(tmp_path), catalogue=CATALOGUE)
    source = 'curl -u "$T:" -X POST https://circleci.com/api/v1.1/project/github/a/b -d "build_parameters[X]=1"\n'
    assert check.findings(sends_of(source, "s.sh", "shell")) == []


@pytest.mark.parametrize("content, problem", [
    ("version: 2.1\nparameters: [a, b]\n", "`parameters:` is not a mapping"),
    ("- a\n- b\n", "not a CircleCI config"),
    ("version: 2.1\njobs: {a: [\n", "not valid YAML at line"),
    (b"\xff\xfeversion", "not UTF-8"),
])
def test_unreadable_config_is_one_line_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "config.yml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    with pytest.raises(ConfigProblem) as exc:
        read_declared(str(path))
    message = str(exc.value)
    assert message.startswith(str(path)) and problem in message and "\n" not in message


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigProblem, match="no such file"):
        read_declared(str(tmp_path / "nope.yml"))


def test_version_2_0_config_says_parameters_need_2_1(tmp_path):
    _project(tmp_path, "version: 2\njobs: {}\n")
    source = 'curl -u "$T:" -X POST https://circleci.com/api/v1.1/project/github/a/b -d "build_parameters[X]=1"\n'
    findings, _ = _check(tmp_path, source, "shell")
    assert findings and "version: 2.1" in (findings[0].reason or "")


def test_config_is_never_written(tmp_path):
    _project(tmp_path)
    config = tmp_path / ".circleci" / "config.yml"
    before = (config.read_bytes(), config.stat().st_mtime_ns)
    _check(tmp_path, 'import requests\nrequests.post(U, json={"build_parameters": {"Z": 1}})\n', "python")
    assert (config.read_bytes(), config.stat().st_mtime_ns) == before


def test_files_without_parameters_cost_nothing(tmp_path):
    assert sends_of("curl https://circleci.com/api/v1.1/me\n", "x.sh", "shell") == []


# ---- through the command line ---------------------------------------------------------------------------

TRIGGER = ('import requests\n'
           'requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main",\n'
           '              json={"build_parameters": {"RUN_E2E": "true"}},\n'
           '              headers={"Circle-Token": token, "Accept": "application/json"})\n')


def _cli(*args, cwd):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "circleci_v2.migrate", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def test_cli_reports_cci140_with_the_stanza(tmp_path):
    _project(tmp_path)
    (tmp_path / "trigger.py").write_text(TRIGGER)
    result = _cli("check", "--select", "CCI140", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    # [~]: `fix --unsafe-fixes` declares it in the config (docs/config.md)
    assert result.stdout.startswith("trigger.py:3:42: CCI140 [~] Pipeline parameter `RUN_E2E`")
    assert 'RUN_E2E: {type: string, default: ""}' in result.stdout  # a string in Python stays one


def test_cli_circleci_config_option(tmp_path):
    (tmp_path / "trigger.py").write_text(TRIGGER)
    (tmp_path / "ci.yml").write_text("version: 2.1\nparameters:\n  RUN_E2E: {type: boolean, default: false}\n")
    assert _cli("check", "--select", "CCI140", "--circleci-config", "ci.yml", "trigger.py",
                cwd=tmp_path).returncode == 0
    missing = _cli("check", "--circleci-config", "nope.yml", "trigger.py", cwd=tmp_path)
    assert missing.returncode == 2 and missing.stderr.strip() == "circleci-v2: error: --circleci-config nope.yml: no such file"


def test_cli_unreadable_config_is_one_error(tmp_path):
    (tmp_path / "trigger.py").write_text(TRIGGER)
    (tmp_path / "ci.yml").write_text("version: 2.1\nparameters: [RUN_E2E]\n")
    result = _cli("check", "--circleci-config", "ci.yml", "trigger.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "ci.yml: error: `parameters:` is not a mapping" in result.stderr and "Traceback" not in result.stderr
    ignored = _cli("check", "--ignore", "CCI140", "--circleci-config", "ci.yml", "trigger.py", cwd=tmp_path)
    assert ignored.returncode == 1 and "error" not in ignored.stderr  # not asked for: the config is not read


def test_cli_suppression_comment_silences_cci140(tmp_path):
    _project(tmp_path)
    (tmp_path / "trigger.py").write_text(TRIGGER.replace(
        '              json={"build_parameters"',
        '              # circleci-v2: ignore[CCI140] -- declared by the config generator\n'
        '              json={"build_parameters"'))
    result = _cli("check", "--select", "CCI140", ".", cwd=tmp_path)
    assert result.returncode == 0 and "1 suppressed" in result.stderr


def test_pyproject_circleci_config_key_is_read(tmp_path):
    """`circleci-config` in [tool.circleci-v2] works as the option does (paths from pyproject's folder)."""
    (tmp_path / "ci").mkdir()
    config = tmp_path / "ci" / "ci.yml"
    config.write_text("version: 2.1\nparameters:\n  OTHER: {type: boolean, default: false}\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "trigger.py").write_text(TRIGGER)
    for value in ('"ci/ci.yml"', '["ci/ci.yml"]'):
        (tmp_path / "pyproject.toml").write_text(f"[tool.circleci-v2]\ncircleci-config = {value}\n")
        undeclared = _cli("check", "--select", "CCI140", "trigger.py", cwd=tmp_path / "src")
        assert undeclared.returncode == 1 and "CCI140" in undeclared.stdout, undeclared.stdout + undeclared.stderr
    config.write_text("version: 2.1\nparameters:\n  RUN_E2E: {type: boolean, default: false}\n")
    declared = _cli("check", "--select", "CCI140", "trigger.py", cwd=tmp_path / "src")
    assert declared.returncode == 0, declared.stdout + declared.stderr
    # the command line wins over the file
    (tmp_path / "src" / "bare.yml").write_text("version: 2.1\n")
    overridden = _cli("check", "--select", "CCI140", "--circleci-config", "bare.yml", "trigger.py", cwd=tmp_path / "src")
    assert overridden.returncode == 1, overridden.stdout + overridden.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.circleci-v2]\ncircleci-config = ["gh/acme/other=missing.yml"]\n')
    missing = _cli("check", "trigger.py", cwd=tmp_path / "src")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "pyproject.toml: [tool.circleci-v2] circleci-config gh/acme/other=" in missing.stderr
    assert "missing.yml: no such file" in missing.stderr


# ---- what the analysers' own evaluation adds (the old separate walk saw only dict literals in place) ---------

def test_python_parameters_resolved_through_variables_and_constants(tmp_path):
    _project(tmp_path)
    source = textwrap.dedent("""\
        import requests
        RETRIES = 3
        DEFAULTS = {"REGION": "eu-west-1"}

        def trigger(branch):
            params = {"RETRIES": RETRIES, "deploy_env": "prod", **DEFAULTS}
            body = {"branch": branch, "build_parameters": params}
            return requests.post(f"https://circleci.com/api/v1.1/project/github/acme/app/tree/{branch}", json=body,
                                 headers={"Accept": "application/json"})
    """)
    findings, check = _check(tmp_path, source, "python")
    assert [(u.name, u.value, u.slug) for u in check.uses] == [
        ("RETRIES", 3, "gh/acme/app"), ("deploy_env", "prod", "gh/acme/app"), ("REGION", "eu-west-1", "gh/acme/app")]
    by_name = {f.message.split("`")[1]: f for f in findings}
    assert set(by_name) == {"RETRIES", "REGION"}  # deploy_env is declared
    assert "RETRIES: {type: integer, default: 0}" in by_name["RETRIES"].message  # the constant's type
    assert (by_name["RETRIES"].line, by_name["RETRIES"].column) == (6, 15)  # where the name is written


def test_python_keyword_splats_wrappers_and_json_dumps(tmp_path):
    _project(tmp_path)
    source = textwrap.dedent("""\
        import json
        import requests
        from circleclient import circleclient
        BASE = "https://circleci.com/api/v1.1"
        EXTRA = {"NIGHTLY": "true"}

        def api(method, path, **kwargs):
            return requests.request(method, BASE + path, headers={"Accept": "application/json"}, **kwargs)

        api("POST", "/project/github/acme/app/tree/main", json={"build_parameters": {"VIA_WRAPPER": 1}})
        circleclient.CircleClient(token).build.trigger("acme", "app", "main", **EXTRA)
        requests.post(BASE + "/project/github/acme/app/tree/main", data=json.dumps({"build_parameters": {"DUMPED": False}}),
                      headers={"Accept": "application/json", "Content-Type": "application/json"})
    """)
    _, check = _check(tmp_path, source, "python")
    assert [(u.name, u.value, u.origin, u.slug) for u in check.uses] == [
        ("VIA_WRAPPER", 1, "build_parameters", "gh/acme/app"), ("NIGHTLY", "true", "build_parameters", "gh/acme/app"),
        ("DUMPED", False, "build_parameters", "gh/acme/app")]


def test_each_trigger_is_one_record_with_its_rule_fields_and_project(tmp_path):
    source = textwrap.dedent("""\
        import requests
        from circleci.api import Api
        requests.post("https://circleci.com/api/v1.1/project/github/acme/app/tree/main",
                      json={"revision": "abc", "build_parameters": {"A": "1"}}, headers={"Accept": "application/json"})
        Api(token).trigger_build(ORG, "app", tag="v1", params={"build_parameters": {"B": "2"}})
        requests.post("https://circleci.com/api/v2/project/gh/acme/web/pipeline", json={"branch": "main"})
    """)
    sends = sends_of(source, str(tmp_path / "t.py"), "python")
    assert [(s.line, s.rule_id, s.fields, [u.name for u in s.parameters], s.slug) for s in sends] == [
        (3, "CCI102", ("revision",), ["A"], "gh/acme/app"),
        (5, "CCI110", ("tag",), ["B"], None),  # the user is not literal: the project is not known
    ]  # a v2 trigger without parameters is not recorded


def test_records_survive_the_worker_processes(tmp_path):
    """Parallel analysis: the records reach the main process pickled, with an unknown value still unknown."""
    import pickle

    from circleci_v2.migrate.pipeline_parameters import _UNKNOWN

    _project(tmp_path)
    (tmp_path / "a.py").write_text(TRIGGER)
    (tmp_path / "b.sh").write_text('curl -u "$T:" -X POST https://circleci.com/api/v1.1/project/github/acme/app/tree/main '
                                   '-d "build_parameters[SHA]=$SHA"\n')
    code = ("import circleci_v2.migrate.run as run\n"
            "run.PARALLEL_MIN_BYTES = 0\n"
            "from circleci_v2.migrate.cli import main\n"
            "main(['check', '--select', 'CCI140', '--jobs', '2', '.'])\n")
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert [line.split(" ", 2)[:2] for line in proc.stdout.splitlines() if "CCI140" in line] == [
        ["a.py:3:42:", "CCI140"], ["b.sh:1:1:", "CCI140"]]
    sends = sends_of((tmp_path / "b.sh").read_text(), "b.sh", "shell")
    again = pickle.loads(pickle.dumps(sends))
    assert again[0].parameters[0].value is _UNKNOWN and not again[0].parameters[0].known


def test_every_config_rule_has_a_run_check_and_only_those():
    from circleci_v2.migrate.run_checks import RUN_CHECKS

    assert set(RUN_CHECKS) == {r.id for r in CATALOGUE if r.kind == "config"}


def test_a_run_check_without_a_fix_of_its_own_is_listed_for_a_person(tmp_path):
    """The mechanism, not CCI140: a run check registered in RUN_CHECKS gets each file's records, its findings
    are reported by check and listed by fix with their reason, and no file fixer plans them."""
    (tmp_path / "trigger.py").write_text(TRIGGER)
    code = textwrap.dedent("""\
        import circleci_v2.migrate.run_checks as run_checks
        from circleci_v2.migrate.findings import Finding

        class CountingCheck:
            rule_ids = ("CCI140",)

            def __init__(self, options, catalogue):
                pass

            def findings(self, result):
                sends = [r for r in result.records if type(r).__name__ == "TriggerSend"]
                return [Finding(rule_id="CCI140", path=result.path, line=s.line, column=s.column, end_line=s.line,
                                end_column=s.column, message=f"sends {len(s.parameters)}", severity="error",
                                fix="manual", confidence="high", reason="counted") for s in sends]

            def problems(self):
                return []

            def project_fix(self, unsafe, from_stdin):
                return None

        run_checks.RUN_CHECKS = {"CCI140": "__main__:CountingCheck"}
        from circleci_v2.migrate.cli import main
        import sys
        main(sys.argv[1:])
    """)
    import subprocess
    import sys

    checked = subprocess.run([sys.executable, "-c", code, "check", "--select", "CCI140", "trigger.py"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 1, checked.stderr
    assert checked.stdout.startswith("trigger.py:2:1: CCI140 sends 1")
    fixed = subprocess.run([sys.executable, "-c", code, "fix", "trigger.py"], cwd=tmp_path, capture_output=True,
                           text=True, timeout=60)
    assert fixed.returncode == 1, fixed.stderr
    assert "trigger.py:2:1: CCI140 [manual] counted" in fixed.stdout
    assert "Traceback" not in fixed.stderr


FORM_TRIGGER = (
    "import requests\n"
    "requests.post('https://circleci.com/api/v1.1/project/github/acme/app/tree/main',\n"
    "              data={'build_parameters[RUN_E2E]': 'true', 'build_parameters[deploy_env]': 'prod'},\n"
    "              headers={'Circle-Token': token, 'Accept': 'application/json'})\n")


def test_a_form_body_s_build_parameters_are_parameters_too(tmp_path):
    """data={"build_parameters[NAME]": v}: v1.1 read the form's NAME as a build parameter, as the shim does;
    the config must declare it (deploy_env is declared, RUN_E2E is not)."""
    _project(tmp_path)
    (tmp_path / "trigger.py").write_text(FORM_TRIGGER)
    result = _cli("check", "--select", "CCI140", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("trigger.py:3:21: CCI140 [~] Pipeline parameter `RUN_E2E`"), result.stdout
    assert "deploy_env" not in result.stdout
    fixed = _cli("fix", "--unsafe-fixes", ".", cwd=tmp_path)
    # declared; what is left is the note that no job's steps read $RUN_E2E yet (a person wires it)
    assert "no job's steps read $RUN_E2E" in fixed.stdout, fixed.stdout + fixed.stderr
    assert "RUN_E2E:" in (tmp_path / ".circleci" / "config.yml").read_text()
    assert _cli("check", "--select", "CCI140", ".", cwd=tmp_path).returncode == 0


def test_form_names_read_like_the_shim_reads_them():
    from circleci_v2.rules.form_names import form_entry, form_name_path

    assert form_name_path("build_parameters[A]") == ["build_parameters", "A"]
    assert form_name_path("a[][b]") == ["a[][b]"] and form_name_path("c[]") == ["c", ""]
    assert form_entry("build_parameters[A]", "build_parameters") == "A"
    assert form_entry("build_parameters[A][B]", "build_parameters") is None
    assert form_entry("build_parameters[]", "build_parameters") is None
    assert form_entry("branch", "build_parameters") is None
