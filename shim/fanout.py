"""Independent v2 reads made side by side, a few at a time.

v1.1 answered some questions in one request that v2 answers in one request per
pipeline or per workflow (recent builds: the workflows of each pipeline, the
jobs of each workflow). Made one after another, those requests cost one round
trip each; here up to WIDTH run at once on one shared pool of threads, so a
fan-out costs about one round trip per WIDTH requests.

Kept small on purpose, for the service's rate limit: the pool has WIDTH - 1
threads for the whole process (each caller makes one read itself), and after
a 429 (seen by the client's transport in the last RATE_LIMIT_MEMORY seconds)
the reads go one by one again, each still retried by the transport as it
honours Retry-After.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Callable, List, Optional, Sequence, TypeVar

from .client import CircleCIClient

__all__ = ["WIDTH", "RATE_LIMIT_MEMORY", "fan_out"]

T = TypeVar("T")
R = TypeVar("R")

WIDTH = 4  # set to 1 for one request at a time; read on each call, the pool is sized on first use
RATE_LIMIT_MEMORY = 60.0

_pool: Optional[ThreadPoolExecutor] = None
_pool_lock = threading.Lock()


def _forget_pool() -> None:
    """In a forked child the pool's threads are gone: start a new pool on first use there."""
    global _pool, _pool_lock
    _pool, _pool_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # WIDTH - 1 threads: the calling thread makes one of the requests itself.
            _pool = ThreadPoolExecutor(max_workers=WIDTH - 1, thread_name_prefix="circleci-v2-fan-out")
        return _pool


def fan_out(client: CircleCIClient, read: Callable[[T], R], items: Sequence[T]) -> List[R]:
    """[read(item) for item in items], with up to WIDTH reads in flight; results in the order of items.

    The first error raised by a read is raised here, after the reads already
    started have finished; reads not yet started are cancelled.
    """
    if WIDTH <= 1 or len(items) <= 1 or client.transport.rate_limited_within(RATE_LIMIT_MEMORY):
        return [read(item) for item in items]
    pool = _shared_pool()
    futures: List[Future] = [pool.submit(read, item) for item in items[1:]]
    try:
        results = [read(items[0])]
        for future in futures:
            results.append(future.result())
    except BaseException:
        _settle(futures)
        raise
    return results


def _settle(futures: Sequence[Future]) -> None:
    """Cancel the reads not started yet and wait for the others, so none outlives the call."""
    for future in futures:
        future.cancel()
    wait(futures)
