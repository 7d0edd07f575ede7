"""`kit.bounded.BoundedDict`: a connector's memo bounded in size."""

from __future__ import annotations

from cx_tui.connectors.kit.bounded import BoundedDict


def test_a_bounded_dict_drops_the_least_recently_written() -> None:
    memo: BoundedDict[str, int] = BoundedDict(2)
    memo["a"], memo["b"] = 1, 2
    memo["a"] = 3  # written again: now the newest
    memo["c"] = 4
    assert dict(memo) == {"a": 3, "c": 4}
