"""Batching: ids cut into a vendor's batch size, each batch read side by side.

A batch endpoint (HubSpot's batch reads, Zendesk's `show_many`) takes at most so many ids a
request; `in_batches` sends one request per `size` ids, all at once, and returns the results in
the order of the ids' batches. One round trip however many ids there are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from cx_tui.connectors.kit.pages import gather_all

K = TypeVar("K")
T = TypeVar("T")


def batches(ids: Sequence[K], size: int) -> list[Sequence[K]]:
    """`ids` cut into runs of at most `size`, in order (none for no ids)."""
    if size < 1:
        raise ValueError("a batch holds at least one id")
    return [ids[start : start + size] for start in range(0, len(ids), size)]


async def in_batches(
    ids: Sequence[K], size: int, read: Callable[[Sequence[K]], Awaitable[list[T]]]
) -> list[T]:
    """`read` of each batch of at most `size` ids, side by side; their results joined in order.

    No request for no ids. The first error cancels the other batches and is raised.
    """
    parts = await gather_all(*(read(chunk) for chunk in batches(ids, size)))
    return [item for part in parts for item in part]
