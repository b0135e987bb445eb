"""Lazy iteration over the pages of a v2 list operation.

Every v2 list replies `{"items": [...], "next_page_token": "..." | null}`; the
next page is asked for with `?page-token=`. Page sizes are fixed by the
service, so a cap is the only way to bound the work: max_items and max_pages.
Nothing is fetched until the first item is asked for.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Callable, Deque, Generic, Iterator, List, Mapping, Optional, TypeVar

from .errors import InvalidResponse

__all__ = ["PageIterator"]

T = TypeVar("T")

Fetch = Callable[[Optional[str]], Mapping[str, Any]]


class PageIterator(Generic[T]):
    """Iterates over the items of every page, fetching each page when it is needed.

    `fetch(token)` returns one page (token None for the first). After iterating,
    `next_page_token` is where a later call could resume (None at the end),
    and `pages_fetched` counts the requests made.
    """

    def __init__(self, fetch: Fetch, *, max_items: Optional[int] = None,
                 max_pages: Optional[int] = None, page_token: Optional[str] = None,
                 operation_id: Optional[str] = None) -> None:
        if max_items is not None and max_items < 0:
            raise ValueError("max_items must be 0 or more")
        if max_pages is not None and max_pages < 0:
            raise ValueError("max_pages must be 0 or more")
        self._fetch = fetch
        self._max_items = max_items
        self._max_pages = max_pages
        self._buffer: Deque[T] = deque()
        self._seen_tokens = set()
        self._started = False
        self._exhausted = False
        self.operation_id = operation_id
        self.next_page_token: Optional[str] = page_token
        self.pages_fetched = 0
        self.items_returned = 0

    def __iter__(self) -> "PageIterator[T]":
        return self

    def __next__(self) -> T:
        if self._max_items is not None and self.items_returned >= self._max_items:
            raise StopIteration
        while not self._buffer:
            page = self._next_page()
            if page is None:
                raise StopIteration
            self._buffer.extend(page)
        self.items_returned += 1
        return self._buffer.popleft()

    def pages(self) -> Iterator[List[T]]:
        """Iterate page by page instead (max_pages applies; max_items does not)."""
        while True:
            page = self._next_page()
            if page is None:
                return
            yield page

    def _next_page(self) -> Optional[List[T]]:
        if self._exhausted or (self._started and self.next_page_token is None):
            self._exhausted = True
            return None
        if self._max_pages is not None and self.pages_fetched >= self._max_pages:
            return None
        token = self.next_page_token
        self._started = True
        reply = self._fetch(token)
        self.pages_fetched += 1
        items = reply.get("items") if isinstance(reply, Mapping) else None
        if not isinstance(items, list):
            raise InvalidResponse("the reply of a list operation has no `items` list",
                                  operation_id=self.operation_id)
        following = reply.get("next_page_token") or None
        if following is not None:
            # A service that hands out the same token again would loop forever.
            if following in self._seen_tokens or following == token:
                raise InvalidResponse(f"the service returned page token {following!r} twice",
                                      operation_id=self.operation_id)
            self._seen_tokens.add(following)
        self.next_page_token = following
        return items

    def __repr__(self) -> str:
        state = "done" if self._exhausted else f"{self.pages_fetched} pages fetched"
        return f"<PageIterator {self.operation_id or ''} {state}>"
