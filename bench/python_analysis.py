#!/usr/bin/env python3
"""The Python analyser per candidate file, as a ratio to a bare libcst.parse_module of the same text.

    .venv/bin/python bench/python_analysis.py

Two kinds of candidate, built in memory (nothing is written):
  dense   small files where almost every line is a v1.1 call in a tricky form
          (dispatch tables, wrappers, several libraries): the analyser's worst case per byte
  large   big standard-library modules with one planted v1.1 call appended:
          what a real repository's candidate looks like

Both sides run in this process, best of 7 each, alternating. Target (issue 2, item 7): analysis
<= 1.5x a bare libcst parse per candidate. bench/check measures the whole command.
"""
from __future__ import annotations

import os
import statistics
import sys
import sysconfig
import time
from typing import Callable, Dict, List, Tuple

DENSE = {
    "dispatch and verbs": '''
import requests
BASE = "https://circleci.com/api/v1.1/project/github/acme/app"
ROUTES = {"trigger": ("POST", BASE + "/tree/main"), "builds": ("GET", BASE + "/tree/main")}
SEND = {"POST": requests.post, "GET": requests.get}
def go(action):
    method, url = ROUTES[action]
    return requests.request(method, url, headers={"Accept": "application/json"})
def send(v, branch):
    return SEND[v](f"{BASE}/tree/{branch}")
def verb(name):
    return getattr(requests, name)(BASE + "/tree/main")
go("trigger")
''',
    "wrappers and sessions": '''
import os
import requests
class CircleCI:
    BASE = os.environ.get("CIRCLE_URL", "https://circleci.com/api/v1.1")
    def __init__(self, token):
        self.session = requests.Session()
        self.session.headers.update({"Circle-Token": token})
    def _call(self, method, path, **kw):
        return self.session.request(method, self.BASE + path, **kw)
    def trigger(self, org, repo, branch):
        return self._call("POST", f"/project/github/{org}/{repo}/tree/{branch}", json={})
    def retry(self, org, repo, n):
        return self._call("POST", "/project/github/%s/%s/%d/retry" % (org, repo, n))
    def clear(self, org, repo):
        return self._call("DELETE", "/project/github/{}/{}/build-cache".format(org, repo))
    def recent(self):
        return self._call("GET", "/recent-builds?limit=30")
''',
    "libraries": '''
import http.client, subprocess, urllib.request
import httpx, aiohttp
async def main(token):
    async with httpx.AsyncClient(base_url="https://circleci.com/api/v1.1") as c:
        await c.post("/project/github/acme/app/tree/main")
    async with aiohttp.ClientSession() as s:
        await s.delete("https://circleci.com/api/v1.1/project/github/acme/app/build-cache")
conn = http.client.HTTPSConnection("circleci.com")
conn.request("POST", "/api/v1.1/project/github/acme/app/build", body="{}")
urllib.request.urlopen("https://circleci.com/api/v1.1/project/github/acme/app/1/retry", b"{}")
subprocess.run(["curl", "-X", "POST", "https://circleci.com/api/v1.1/project/github/acme/app/tree/main"])
''',
    "legacy clients": '''
from circleci.api import Api
from circleclient import circleclient
class Deployer:
    def __init__(self, token):
        self.api = Api(token)
        self.cc = circleclient.CircleClient(token)
    def go(self):
        self.api.trigger_build("acme", "app", branch="main")
        self.cc.build.trigger("acme", "app", "main")
        return run_later(self.api.retry_build)
''',
}
PLANT = '\nimport requests\nrequests.post(f"https://circleci.com/api/v1.1/project/github/{org}/{repo}/tree/{b}")\n'
LARGE = ("argparse.py", "subprocess.py", "typing.py", "tarfile.py", "email/_header_value_parser.py")


def best_of(fn: Callable[[], object], n: int = 7) -> float:
    best = float("inf")
    for _ in range(n):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    import libcst

    from circleci_v2.migrate.python import analyse
    from circleci_v2.rules import load_catalogue

    catalogue = load_catalogue()
    stdlib = sysconfig.get_paths()["stdlib"]
    sources: List[Tuple[str, str, str]] = [("dense", name, text) for name, text in DENSE.items()]
    for rel in LARGE:
        path = os.path.join(stdlib, rel)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                sources.append(("large", rel, fh.read() + PLANT))
    from importlib.metadata import version

    print(f"python {sys.version.split()[0]}, libcst {version('libcst')}")
    ratios: Dict[str, List[float]] = {"dense": [], "large": []}
    for kind, name, text in sources:
        found = len(analyse(text, name, catalogue))
        ours = best_of(lambda: analyse(text, name, catalogue))
        cst = best_of(lambda: libcst.parse_module(text))
        ratios[kind].append(ours / cst)
        print(f"  {kind:5} {name:32} {len(text) / 1024:6.1f} KB  {found:2} findings  analyse {ours * 1000:6.2f} ms"
              f"  libcst {cst * 1000:6.2f} ms  ratio {ours / cst:4.2f}x")
    for kind, values in ratios.items():
        if values:
            print(f"{kind}: median {statistics.median(values):.2f}x, max {max(values):.2f}x a bare libcst parse"
                  " (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
