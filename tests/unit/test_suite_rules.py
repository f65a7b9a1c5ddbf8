"""The rules tests/conftest.py holds every run of the suite to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import pytest_collection_modifyitems


@dataclass
class _Item:
    nodeid: str
    markers: dict[str, Any] = field(default_factory=dict)

    def get_closest_marker(self, name: str) -> Any:
        return self.markers.get(name)


def test_slow_tests_go_first_each_part_in_collected_order() -> None:
    items: list[Any] = [_Item("a"), _Item("b", {"slow": True}), _Item("c"), _Item("d", {"slow": 1})]
    pytest_collection_modifyitems(items)
    assert [item.nodeid for item in items] == ["b", "d", "a", "c"]


def test_two_tests_with_one_node_id_stop_the_run() -> None:
    with pytest.raises(pytest.UsageError, match="share a node id"):
        pytest_collection_modifyitems([_Item("t[x]"), _Item("t[x]")])  # type: ignore[list-item]


def test_an_xdist_group_is_refused_as_it_would_group_nothing() -> None:
    grouped = _Item("t", {"xdist_group": pytest.mark.xdist_group("g").mark})
    with pytest.raises(pytest.UsageError, match="once_per_run"):
        pytest_collection_modifyitems([grouped])  # type: ignore[list-item]
