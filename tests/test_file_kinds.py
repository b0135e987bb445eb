"""The registry of file kinds (migrate/kinds/): a new kind is one module and one line, and the hooks agree with it."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

from circleci_v2.migrate.kinds import registry
from clirun import rules_in, run_cli, run_python, write

ROOT = Path(__file__).resolve().parents[1]

# A kind of file the tool does not read: `just` recipes (https://just.systems). The module is all a new kind
# needs; the line that registers it is the `registry.add` call in PROBE.
JUSTFILE_KIND = '''
import re

from circleci_v2.migrate.kinds.file_kind import FileKind, hash_comment, pattern
from circleci_v2.migrate.kinds.shell_regions import Segment, line_spans

_RECIPE = pattern(r"^@?[A-Za-z_][\\w-]*[^:=]*:(?!=)")
_ASSIGN = pattern(r"""^(?:export[ \\t]+)?([A-Za-z_][\\w-]*)[ \\t]*:=[ \\t]*(['"])([^'"$]*)\\2[ \\t]*$""")
_INTERPOLATION = pattern(r"\\{\\{(.*?)\\}\\}")


class Justfile(FileKind):
    name = "justfile"
    file_names = ("justfile",)
    outside = "the URL is outside the recipes check reads"

    def segments(self, source):
        values = {}
        for start, end in line_spans(source):
            m = _ASSIGN.match(source[start:end])
            if m:
                values[m.group(1)] = m.group(3)
        segments, in_recipe = [], False
        for start, end in line_spans(source):
            text = source[start:end]
            if in_recipe and text[:1] in (" ", "\\t"):
                body = start + len(text) - len(text.lstrip(" \\t@-"))
                seg = Segment("justfile")
                pos = body
                for m in _INTERPOLATION.finditer(source, body, end):  # {{name}}: just's, before the shell
                    seg.add_source(source, pos, m.start())
                    name = m.group(1).strip()
                    seg.add_template(m.group(0), name, m.start(), m.end(), values.get(name))
                    pos = m.end()
                seg.add_source(source, pos, end)
                segments.append(seg.finish())
            elif text.strip() and not text.lstrip().startswith("#"):
                in_recipe = _RECIPE.match(text) is not None
        return segments

    def in_comment(self, source, line_start, hit):
        return hash_comment(source[line_start:hit])


KIND = Justfile()
'''

PROBE = (
    "import sys\n"
    "from circleci_v2.migrate.kinds import registry\n"
    "registry.add('justfile_kind')\n"
    "from circleci_v2.migrate.cli import main\n"
    "main(sys.argv[1:])\n"
)
PLAIN = "import sys\nfrom circleci_v2.migrate.cli import main\nmain(sys.argv[1:])\n"

JUSTFILE = textwrap.dedent("""\
    branch := "main"

    # start the nightly build
    nightly:
        curl -X POST -H "Accept: application/json" "https://circleci.com/api/v1.1/project/github/acme/app/tree/{{branch}}?circle-token=$CIRCLE_TOKEN"

    status: # the old status page was https://circleci.com/api/v1.1/me
        # circleci-v2: ignore[CCI137]
        curl -s "https://circleci.com/api/v1.1/me?circle-token=$CIRCLE_TOKEN"
""")


def test_a_new_kind_is_one_module_and_one_line(tmp_path):
    write(tmp_path, "justfile_kind.py", JUSTFILE_KIND)
    justfile = write(tmp_path, "justfile", JUSTFILE)

    unknown = run_python(PLAIN, "check", "justfile", cwd=tmp_path)  # without its line: not a kind read
    assert unknown.returncode == 0 and "skipped: not a kind of file" in unknown.stderr, unknown.stderr

    found = run_python(PROBE, "check", "justfile", cwd=tmp_path)
    assert found.returncode == 1, found.stdout + found.stderr
    assert "Traceback" not in found.stderr
    # the trigger on line 5 (column 5, after the indentation); the comment on line 7 holds no call; the
    # suppression comment on line 8 silences the GET /me below it, and only that rule
    assert [line.split(" ")[0:2] for line in found.stdout.splitlines() if ": CCI" in line] == [
        ["justfile:5:5:", "CCI102"], ["justfile:5:5:", "CCI121"],
        ["justfile:9:5:", "CCI120"], ["justfile:9:5:", "CCI121"]]

    fixed = run_python(PROBE, "fix", "justfile", cwd=tmp_path)  # the kind's segments are what fix rewrites too
    assert "fixed 4 finding(s) in 1 file; 0 left for a person" in fixed.stderr, fixed.stdout + fixed.stderr
    assert justfile.read_text().splitlines()[4] == (
        '    curl -X POST -H "Accept: application/json" "https://circleci.com/api/v2/project/gh/acme/app/pipeline"'
        ' -H "Circle-Token: $CIRCLE_TOKEN" -H "Content-Type: application/json" -d "{\\"branch\\": \\"{{branch}}\\"}"')
    assert rules_in(run_python(PROBE, "check", "justfile", cwd=tmp_path).stdout) == []


def test_the_hooks_pass_the_types_the_kinds_declare():
    """.pre-commit-hooks.yaml cannot import the registry: its `types_or` is kept equal to it here."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {hook["id"]: hook["types_or"] for hook in hooks} == {
        hook["id"]: registry.precommit_types() for hook in hooks}


def test_every_kind_is_found_by_what_it_declares():
    for kind in registry.kinds():
        for suffix in kind.suffixes:
            assert registry.kind_of("deploy" + suffix.upper()) == kind.name
        for name in kind.file_names:
            assert registry.kind_of(name.capitalize()) == kind.name
            assert registry.kind_of(name + ".prod") == (kind.name if kind.suffixed_names else None)
        for program in kind.shebangs:
            assert registry.kind_from_shebang(b"#!/usr/bin/env " + program.encode() + b"\n") == kind.name


# identify tags these `python`, but they hold debugger commands, not Python: reading them would report
# syntax errors in files no person means as code
NOT_READ_THOUGH_TAGGED = {".pdbrc": "pdb commands"}


def test_every_file_the_hooks_pass_is_read():
    """The hooks hand over whatever identify tags with a type in `types_or` (.zsh, .bats, .envrc, *.make):
    a file the hooks pass but discovery skips would be a v1.1 call nobody is told about."""
    extensions = pytest.importorskip("identify.extensions")  # installed with pre-commit (the test extra)
    types = set(registry.precommit_types())
    skipped = sorted(
        [f"*.{ext}" for ext, tags in extensions.EXTENSIONS.items()
         if tags & types and registry.kind_of("deploy." + ext) is None]
        + [name for name, tags in extensions.NAMES.items()
           if tags & types and name not in NOT_READ_THOUGH_TAGGED and registry.kind_of(name) is None])
    assert skipped == []


def test_shell_start_up_files_zsh_bats_and_make_files_in_a_tree_are_checked(tmp_path):
    trigger = 'curl -X POST "https://circleci.com/api/v1.1/project/github/acme/app/tree/main?circle-token=$T"\n'
    for name in ("deploy.zsh", "smoke.bats", ".envrc", "release.make", "tools/wscript"):
        write(tmp_path, name, ("release:\n\t" + trigger) if name.endswith(".make")
              else ("import subprocess\n\ndef build(ctx):\n    subprocess.run('" + trigger.strip().replace("'", '"')
                    + "', shell=True)\n") if name.endswith("wscript") else trigger)
    result = run_cli("check", "--output-format", "json", ".", cwd=tmp_path)
    found = sorted((f["path"], f["rule"]) for f in json.loads(result.stdout)["findings"] if f["rule"] == "CCI102")
    assert found == [(".envrc", "CCI102"), ("deploy.zsh", "CCI102"), ("release.make", "CCI102"),
                     ("smoke.bats", "CCI102"), ("tools/wscript", "CCI102")], result.stdout + result.stderr
