#!/usr/bin/env python3
"""Retry a failed CircleCI build by number (flaky browser tests, mostly).

    CIRCLE_TOKEN=... scripts/retry_build.py 4821
"""
import argparse
import os
import sys

import requests

HOST = os.environ.get("CIRCLECI_HOST", "https://circleci.com")
PROJECT_URL = HOST + "/api/v1.1/project/github/acme/storefront"


def main(argv=None):
    parser = argparse.ArgumentParser(description="Retry a CircleCI build.")
    parser.add_argument("build_num", type=int, help="the build number shown in the CircleCI UI")
    args = parser.parse_args(argv)

    token = os.environ.get("CIRCLE_TOKEN")
    if not token:
        parser.error("set CIRCLE_TOKEN to a CircleCI API token")
    response = requests.post(
        f"{PROJECT_URL}/{args.build_num}/retry",
        headers={"Circle-Token": token, "Accept": "application/json"},
        timeout=30,
    )
    if response.status_code != 200:
        print(f"retry of build {args.build_num} failed: HTTP {response.status_code}", file=sys.stderr)
        return 1
    build = response.json()
    print(f"Retrying as build {build['build_num']}: {build['build_url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
