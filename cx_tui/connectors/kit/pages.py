"""Pagination as async iterators that the caller caps, and running requests side by side.

`pages` yields page after page until there is no next one or `max_pages` were read; the caller
caps further by breaking out (inside `contextlib.aclosing`). `collect` is the common use: read
pages, gather their items, stop at a limit. `gather_all` runs requests concurrently and, on
the first error, cancels the rest and raises that error (not a group).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar, overload

from cx_tui.connectors.base import BadResponse

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741 - an item, beside T for a page
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")
E = TypeVar("E")
F = TypeVar("F")


async def pages(
    fetch: Callable[[str | None], Awaitable[T]],
    next_cursor: Callable[[T], str | None],
    *,
    max_pages: int,
) -> AsyncGenerator[T, None]:
    """Yield pages until there is no next one or `max_pages` were read.

    The caller caps further by breaking out (use `contextlib.aclosing`).

    Args:
        fetch: Reads the page at a cursor (None for the first).
        next_cursor: The cursor of the page after this one, or None.
        max_pages: Upper bound on requests.
    """
    cursor: str | None = None
    for _ in range(max_pages):
        page = await fetch(cursor)
        yield page
        cursor = next_cursor(page)
        if not cursor:
            return


async def every_item(
    fetch: Callable[[str | None], Awaitable[T]],
    next_cursor: Callable[[T], str | None],
    items: Callable[[T], list[I]],
    *,
    max_pages: int,
    what: str,
) -> list[I]:
    """Every item of every page: for look-ups that must not miss one (a delivery marker).

    Raises:
        BadResponse: more than `max_pages` pages (the answer would be partial, so none is
            given: a caller deciding "not there, write it" must never read half the list).
    """
    cursor: str | None = None
    found: list[I] = []
    for _ in range(max_pages):
        page = await fetch(cursor)
        found += items(page)
        cursor = next_cursor(page)
        if not cursor:
            return found
    raise BadResponse(f"{what}: more than {max_pages} pages; cx-tui cannot check them all")


async def collect(
    fetch: Callable[[str | None], Awaitable[T]],
    next_cursor: Callable[[T], str | None],
    items: Callable[[T], list[I]],
    *,
    max_pages: int,
    limit: int | None = None,
) -> list[I]:
    """The items of successive pages, at most `limit` of them (no further page is read once
    `limit` items are in hand).

    Args:
        fetch, next_cursor, max_pages: As for `pages`.
        items: The items of one page (validated: raise `BadResponse` on a bad shape).
        limit: Most items wanted; None for all that `max_pages` pages hold.
    """
    found: list[I] = []
    async with contextlib.aclosing(pages(fetch, next_cursor, max_pages=max_pages)) as results:
        async for page in results:
            found += items(page)
            if limit is not None and len(found) >= limit:
                break
    return found if limit is None else found[:limit]


@overload
async def gather_all(a: Awaitable[A], b: Awaitable[B], /) -> tuple[A, B]: ...
@overload
async def gather_all(a: Awaitable[A], b: Awaitable[B], c: Awaitable[C], /) -> tuple[A, B, C]: ...
@overload
async def gather_all(
    a: Awaitable[A], b: Awaitable[B], c: Awaitable[C], d: Awaitable[D], e: Awaitable[E], /
) -> tuple[A, B, C, D, E]: ...
@overload
async def gather_all(
    a: Awaitable[A],
    b: Awaitable[B],
    c: Awaitable[C],
    d: Awaitable[D],
    e: Awaitable[E],
    f: Awaitable[F],
    /,
) -> tuple[A, B, C, D, E, F]: ...
@overload
async def gather_all(*awaitables: Awaitable[T]) -> tuple[T, ...]: ...
async def gather_all(*awaitables: Awaitable[Any]) -> tuple[Any, ...]:
    """Run concurrently; on the first error cancel the rest and raise that error (not a group)."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    try:
        return tuple(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
