"""Lists that follow the server's pages lazily.

The API answers a list one page at a time: a JSON array, the next page's URL in a
`Link: <…>; rel="next"` header, the total in `X-Total-Count` when the server sends it. A
`PagedList` holds the first page and fetches the next ones only as iteration reaches them:

    integrations = org.integrations.list()        # one request: the first page
    integrations.items                            # that page
    integrations.total_count                      # the total, or None if not sent
    for integration in integrations: ...          # every item, fetching pages as needed
    len(integrations)                             # the total; TypeError when it is unknown

`len()` is only as cheap as the total: pass `count=True` to list() to have the server count
(one more query there), or iterate. Indexing and `==` read every page first. Pages already
read are kept, so iterating twice asks the server again for nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, Optional, TypeVar

T = TypeVar("T")

# (JSON items, next page's query string or None, total or None)
# Evaluated at import, so Optional rather than `str | None` (Python 3.9).
Page = tuple[list[Any], Optional[str], Optional[int]]


class PagedList(Generic[T]):
    def __init__(
        self,
        first: Page,
        fetch: Callable[[str], Page],
        wrap: Callable[[Any], T],
    ) -> None:
        items, self._next, self.total_count = first
        self._fetch = fetch
        self._wrap = wrap
        self.items: list[T] = [wrap(item) for item in items]
        self._loaded: list[T] = list(self.items)

    def __repr__(self) -> str:
        total = "?" if self.total_count is None else self.total_count
        return f"PagedList(first page: {len(self.items)} items, total: {total})"

    def __iter__(self) -> Iterator[T]:
        index = 0
        while True:
            while index < len(self._loaded):
                yield self._loaded[index]
                index += 1
            if self._next is None:
                return
            self._load_next()

    def _load_next(self) -> None:
        items, self._next, total = self._fetch(self._next)
        if total is not None:
            self.total_count = total
        self._loaded.extend(self._wrap(item) for item in items)

    def __len__(self) -> int:
        if self._next is None:
            return len(self._loaded)  # every page is here
        if self.total_count is None:
            raise TypeError("The total is unknown: list(..., count=True), or iterate.")
        return self.total_count

    def __length_hint__(self) -> int:
        return self.total_count if self.total_count is not None else len(self._loaded)

    def all(self) -> list[T]:
        """Every item, reading the remaining pages."""
        return list(self)

    def __getitem__(self, index):
        return self.all()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PagedList):
            return self.all() == other.all()
        if isinstance(other, list):
            return self.all() == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]
