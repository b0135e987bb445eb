#!/usr/bin/env python3
"""Clear the project's dependency cache on CircleCI (after a bad npm publish upstream).

    CIRCLE_TOKEN=... scripts/clear_cache.py
"""
import os
import sys

import requests

HOST = os.environ.get("CIRCLECI_HOST", "https://circleci.com")


def main():
    token = os.environ.get("CIRCLE_TOKEN")
    if not token:
        print("set CIRCLE_TOKEN to a CircleCI API token", file=sys.stderr)
        return 2
    response = requests.delete(
        f"{HOST}/api/v1.1/project/github/acme/storefront/build-cache",
        headers={"Circle-Token": token, "Accept": "application/json"},
        timeout=30,
    )
    if not response.ok:
        print(f"could not clear the cache: HTTP {response.status_code}", file=sys.stderr)
        return 1
    print("Build cache cleared.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
