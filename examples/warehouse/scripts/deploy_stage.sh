#!/usr/bin/env bash
# Run only the deploy job of the warehouse, to the stage environment (the #deploys bot calls this).
#
#   CIRCLE_TOKEN=... scripts/deploy_stage.sh [BRANCH]
set -euo pipefail

: "${CIRCLE_TOKEN:?set CIRCLE_TOKEN to a CircleCI API token}"
CIRCLECI_HOST="${CIRCLECI_HOST:-https://circleci.com}"
BRANCH="${1:-main}"

curl -fsS -o /dev/null -X POST \
  "$CIRCLECI_HOST/api/v1.1/project/github/acme/warehouse/tree/$BRANCH?circle-token=$CIRCLE_TOKEN" \
  -d "build_parameters[CIRCLE_JOB]=deploy" \
  -d "build_parameters[DEPLOY_ENV]=stage"
echo "Deploy of $BRANCH to stage requested."
