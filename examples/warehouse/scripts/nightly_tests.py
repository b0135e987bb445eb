#!/usr/bin/env python3
"""Ask CircleCI for a warehouse build with the slow tests (run from cron every night).

    CIRCLE_TOKEN=... scripts/nightly_tests.py [--branch main]
"""
import argparse
import os
import sys

import requests

HOST = os.environ.get("CIRCLECI_HOST", "https://circleci.com")


def request_extra_tests(token, branch):
    response = requests.post(
        f"{HOST}/api/v1.1/project/github/acme/warehouse/tree/{branch}",
        json={"build_parameters": {"RUN_EXTRA_TESTS": "true"}},
        headers={"Circle-Token": token, "Accept": "application/json"},
        timeout=30,
    )
    response.raise_for_status()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branch", default="main")
    args = parser.parse_args(argv)
    token = os.environ.get("CIRCLE_TOKEN")
    if not token:
        parser.error("set CIRCLE_TOKEN to a CircleCI API token")
    try:
        request_extra_tests(token, args.branch)
    except requests.RequestException as exc:
        print(f"trigger failed: {exc}", file=sys.stderr)
        return 1
    print(f"Nightly tests of {args.branch} requested.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
