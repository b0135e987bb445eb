"""A finding `fix` leaves for a person is explained the same way by the Python fixer and the text fixer."""
from __future__ import annotations

from clirun import run_cli, write

URL = "https://circleci.com/api/v1.1/project/github/acme/app/build-cache"


def test_a_call_with_no_v2_equivalent_is_left_with_one_reason_in_python_and_shell(tmp_path):
    accept = '{"Accept": "application/json"}'
    write(tmp_path, "clear.py", f'import requests\n\nrequests.delete("{URL}", headers={accept})\n')
    write(tmp_path, "clear.sh", f'#!/bin/sh\n\ncurl -X DELETE -H "Accept: application/json" {URL}\n')
    proc = run_cli("fix", "--diff", ".", cwd=tmp_path)
    left = {line.split(":", 1)[0]: line.split(" [manual] ", 1)[1] for line in (proc.stdout + proc.stderr).splitlines()
            if " CCI106 [manual] " in line}
    assert set(left) == {"clear.py", "clear.sh"}, proc.stdout + proc.stderr
    assert left["clear.py"] == left["clear.sh"]
    assert left["clear.py"].startswith("no automatic rewrite: no v2 equivalent (caches are immutable")
