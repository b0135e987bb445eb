#!/usr/bin/env bash
# Start a CircleCI build of a branch (the release checklist's "deploy" step).
#
#   CIRCLE_TOKEN=... scripts/deploy.sh [BRANCH]
set -euo pipefail

: "${CIRCLE_TOKEN:?set CIRCLE_TOKEN to a CircleCI API token}"
CIRCLECI_HOST="${CIRCLECI_HOST:-https://circleci.com}"
ORG="${ORG:-acme}"
REPO="${REPO:-storefront}"
BRANCH="${1:-$(git rev-parse --abbrev-ref HEAD)}"
reply="$(mktemp)"
trap 'rm -f "$reply"' EXIT

echo "Triggering a CircleCI build of $ORG/$REPO@$BRANCH"
status=$(curl -sS -o "$reply" -w '%{http_code}' -X POST \
  -H "Accept: application/json" \
  "$CIRCLECI_HOST/api/v1.1/project/github/$ORG/$REPO/tree/$BRANCH?circle-token=$CIRCLE_TOKEN")

if [ "$status" != "200" ] && [ "$status" != "201" ]; then
  echo "CircleCI answered HTTP $status:" >&2
  cat "$reply" >&2
  exit 1
fi
echo "Triggered."
