"""circleci_v2.shim: run v1.1 code on CircleCI API v2 (transport, v2 client, drop-ins, emulator)."""
