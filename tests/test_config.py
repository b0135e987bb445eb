"""[tool.circleci-v2] in pyproject.toml: every TOML spelling of the table is read; a file that only names
the package (its own name, a dependency) is not parsed at all (tomllib is a twentieth of a hook run)."""
from __future__ import annotations

import pytest

from circleci_v2.migrate.pyproject_settings import ConfigError, find_config, may_hold_table, read_config

from clirun import run_python, write

TABLES = {
    "header": '[tool.circleci-v2]\nselect = ["CCI1"]\n',
    "quoted header": '[tool."circleci-v2"]\nselect = ["CCI1"]\n',
    "spaced header": "[ tool . 'circleci-v2' ]  # ours\nselect = [\"CCI1\"]\n",
    "inside [tool]": '[tool]\ncircleci-v2 = { select = ["CCI1"] }\n',
    "dotted keys": 'tool.circleci-v2.select = ["CCI1"]\n',
    "quoted dotted keys": '"tool"."circleci-v2".select = ["CCI1"]\n',
    "inline": 'tool = { circleci-v2 = { select = ["CCI1"] } }\n',
    "after other tools": '[tool.ruff]\nline-length = 100\n\n[tool.circleci-v2]\nselect = ["CCI1"]\n',
}

NAMES_ONLY = (
    '[project]\nname = "circleci-v2-user"\n'
    'dependencies = ["circleci-v2>=0.1", "circleci-v2==0.1.0", "circleci-v2[emulator]", "circleci-v2"]\n'
    '# we run circleci-v2 check in CI\n'
)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_spelling_of_the_table_is_read(tmp_path, name):
    path = write(tmp_path, "pyproject.toml", TABLES[name])
    assert may_hold_table(path.read_bytes())
    config = read_config(str(path))
    assert config.get("select") == ["CCI1"] and config.path == str(path)
    assert find_config(str(tmp_path)).get("select") == ["CCI1"]


def test_a_file_that_only_names_the_package_has_no_table(tmp_path):
    path = write(tmp_path, "pyproject.toml", NAMES_ONLY)
    assert not may_hold_table(path.read_bytes())
    assert find_config(str(tmp_path)).path is None
    with pytest.raises(ConfigError, match="no \\[tool.circleci-v2\\] table"):
        read_config(str(path))


def test_a_file_that_only_names_the_package_is_not_parsed(tmp_path):
    write(tmp_path, "pyproject.toml", NAMES_ONLY)
    code = ("import sys\nfrom circleci_v2.migrate.pyproject_settings import find_config\n"
            "config = find_config()\n"
            "print(config.path, 'tomllib' in sys.modules or 'tomli' in sys.modules)\n")
    proc = run_python(code, cwd=tmp_path)
    assert proc.stdout.strip() == "None False", proc.stdout + proc.stderr


def test_a_broken_table_is_still_an_error(tmp_path):
    path = write(tmp_path, "pyproject.toml", '[tool.circleci-v2\nselect = ["CCI1"]\n')
    with pytest.raises(ConfigError, match="invalid TOML"):
        find_config(str(tmp_path))
    assert str(path) in str(pytest.raises(ConfigError, read_config, str(path)).value)
