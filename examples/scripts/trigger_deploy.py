#!/usr/bin/env python3
"""Trigger a CircleCI deploy of a branch to an environment.

Used by the #deploys Slack bot and by hand:

    CIRCLE_TOKEN=... scripts/trigger_deploy.py --branch release/2024.06 --env production

The deploy job reads DEPLOY_ENV and RUN_MIGRATIONS from its environment; they
travel as build parameters.
"""
import argparse
import os
import sys

import requests

DEFAULT_HOST = "https://circleci.com"
PROJECT = "acme/storefront"


def trigger_deploy(host, token, project, branch, env, migrate):
    org, repo = project.split("/", 1)
    response = requests.post(
        f"{host}/api/v1.1/project/github/{org}/{repo}/tree/{branch}",
        json={"build_parameters": {"DEPLOY_ENV": env, "RUN_MIGRATIONS": "true" if migrate else "false"}},
        headers={"Circle-Token": token, "Accept": "application/json"},
        timeout=30,
    )
    response.raise_for_status()
    return response


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branch", default="main", help="branch to deploy (default: main)")
    parser.add_argument("--env", default="staging", choices=["staging", "production"])
    parser.add_argument("--project", default=PROJECT, help="GitHub org/repo (default: %(default)s)")
    parser.add_argument("--no-migrations", dest="migrate", action="store_false",
                        help="skip database migrations")
    parser.add_argument("--host", default=os.environ.get("CIRCLECI_HOST", DEFAULT_HOST),
                        help="CircleCI host, for CircleCI server installs (env CIRCLECI_HOST)")
    args = parser.parse_args(argv)

    token = os.environ.get("CIRCLE_TOKEN")
    if not token:
        parser.error("set CIRCLE_TOKEN to a CircleCI API token")
    try:
        trigger_deploy(args.host, token, args.project, args.branch, args.env, args.migrate)
    except requests.RequestException as exc:
        print(f"trigger failed: {exc}", file=sys.stderr)
        return 1
    print(f"Triggered deploy of {args.project}@{args.branch} to {args.env}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
