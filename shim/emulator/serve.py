"""`circleci-v2 emulator`: serve until Ctrl-C, printing the URL and the token.

Kept apart from server.py, which emulator.py builds on: the command needs the
Emulator and the seed files, and the server must not import either back.
"""
from __future__ import annotations

import sys
import time
from typing import Any, Optional

from .emulator import DEFAULT_TOKEN, Emulator
from .seed import SeedError


def main(host: str = "127.0.0.1", port: int = 0, seed: Optional[str] = None, cutover: Any = False,
         workflow_delay: float = 0.0, token: Optional[str] = None, job_duration: float = 0.0) -> int:
    """Serve until Ctrl-C, printing the URL and the token. Returns the exit code."""
    try:
        emu = Emulator(host=host, port=port, token=token or DEFAULT_TOKEN, cutover=cutover,
                       workflow_delay=workflow_delay, job_duration=job_duration, seed=seed)
    except SeedError as exc:
        print(f"circleci-v2 emulator: {exc}", file=sys.stderr)
        return 2
    try:
        emu.start()
    except OSError as exc:
        print(f"circleci-v2 emulator: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"CircleCI emulator listening on {emu.url}", flush=True)
    print(f"  v2 API:  {emu.v2_url}", flush=True)
    print(f"  token:   {emu.token}", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping", flush=True)
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
