#!/usr/bin/env python3
"""Print the team's recent CircleCI builds as a table (the wall dashboard runs this every minute).

    CIRCLE_TOKEN=... scripts/recent_builds.py --limit 15
"""
import argparse
import os
import sys

from circleci.api import Api

HOST = os.environ.get("CIRCLECI_HOST", "https://circleci.com")


def format_row(build):
    subject = (build.get("subject") or "").splitlines()[0] if build.get("subject") else ""
    return "{num:>6}  {branch:<24.24}  {status:<10}  {subject:.50}".format(
        num=build["build_num"], branch=build.get("branch") or "-", status=build.get("status") or "-",
        subject=subject)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Recent CircleCI builds.")
    parser.add_argument("--limit", type=int, default=10, help="how many builds (default: 10)")
    args = parser.parse_args(argv)

    token = os.environ.get("CIRCLE_TOKEN")
    if not token:
        parser.error("set CIRCLE_TOKEN to a CircleCI API token")
    api = Api(token, url=HOST + "/api/v1.1")
    builds = api.get_recent_builds(limit=args.limit)
    print("{:>6}  {:<24}  {:<10}  {}".format("build", "branch", "status", "subject"))
    for build in builds:
        print(format_row(build))
    return 0


if __name__ == "__main__":
    sys.exit(main())
