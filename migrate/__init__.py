"""circleci_v2.migrate: the linter (check) and codemod (fix) for CircleCI API v1.1 code."""
