"""`python -m circleci_v2.migrate`: the same as the `circleci-v2` command."""
from circleci_v2.migrate.cli import main

if __name__ == "__main__":
    main()
