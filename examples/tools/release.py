#!/usr/bin/env python3
"""Cut a release: tag the build on CircleCI and start the release pipeline.

    CIRCLE_TOKEN=... tools/release.py 2024.06.1 [--dry-run]

The release workflow builds version tags such as 2024.06.1 (see .circleci/config.yml).
"""
import argparse
import os
import re
import sys

from circleci.api import Api

ORG = "acme"
REPO = "storefront"
VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Start the release pipeline for a version tag.")
    parser.add_argument("version", help="the version tag, e.g. 2024.06.1")
    parser.add_argument("--dry-run", action="store_true", help="print what would happen")
    args = parser.parse_args(argv)

    if not VERSION.match(args.version):
        parser.error(f"not a release version: {args.version!r} (expected YEAR.MONTH.N)")
    token = os.environ.get("CIRCLE_TOKEN")
    if not token:
        parser.error("set CIRCLE_TOKEN to a CircleCI API token")
    if args.dry_run:
        print(f"would trigger the release of {args.version}")
        return 0
    host = os.environ.get("CIRCLECI_HOST", "https://circleci.com")
    api = Api(token, url=host + "/api/v1.1")
    api.trigger_build(ORG, REPO, tag=args.version)
    print(f"Release {args.version} started")
    return 0


if __name__ == "__main__":
    sys.exit(main())
