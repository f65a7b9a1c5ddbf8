"""What a task cost: the units and the balance Kling reports having deducted.

Kling reports `final_unit_deduction` (resource-pack units, a decimal string such as `"0.4"`) and,
in the newest docs, `final_balance_deduction` (`{quota, list_price}`, decimal strings) when the
account balance paid. Either may be missing (older answers, gateways, tasks still running):
that is "not reported", None here, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["Cost", "task_cost", "total_cost"]


@dataclass(frozen=True)
class Cost:
    """What one task cost, as reported.

    Attributes:
        units: resource-pack units deducted; None when not reported.
        balance: cash charged from the balance after discounts (`quota`); None when not reported.
        list_price: the list price of that charge; None when not reported.
    """

    units: Decimal | None
    balance: Decimal | None = None
    list_price: Decimal | None = None

    @property
    def reported(self) -> bool:
        """Whether the answer said anything about the cost."""
        return any(v is not None for v in (self.units, self.balance, self.list_price))

    def describe(self) -> str:
        """`0.4 units`, `0.4 units, balance 1.40 (list price 2.00)` or `not reported`."""
        if not self.reported:
            return "not reported"
        parts = [f"{self.units} units" if self.units is not None else "units not reported"]
        if self.balance is not None:
            price = f" (list price {self.list_price})" if self.list_price is not None else ""
            parts.append(f"balance {self.balance}{price}")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, str | None]:
        """Plain JSON data; the numbers stay decimal strings, so nothing is rounded."""
        return {
            "units": _text(self.units),
            "balance": _text(self.balance),
            "list_price": _text(self.list_price),
        }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or not isinstance(value, str | int | float):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _field(task: Any, name: str) -> Any:
    if isinstance(task, Mapping):
        return task.get(name)
    value = getattr(task, name, None)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    # The generated models' UNSET is not a value a caller gave; treat it as absent.
    return value if isinstance(value, str | int | float | Mapping) else None


def task_cost(task: Any) -> Cost:
    """The cost a task (or an identify-face answer) reports.

    Args:
        task: a `Task`, or its JSON as a dict.

    Returns:
        A `Cost`; each amount is None when the answer does not carry it (never 0 for "absent").
    """
    balance = _field(task, "final_balance_deduction")
    balance = balance if isinstance(balance, Mapping) else {}
    return Cost(
        units=_decimal(_field(task, "final_unit_deduction")),
        balance=_decimal(balance.get("quota")),
        list_price=_decimal(balance.get("list_price")),
    )


def total_cost(tasks: Iterable[Any]) -> Cost:
    """What many tasks cost together: each amount summed over the tasks that report it, and
    None ("not reported") when none of them does."""
    costs = [task_cost(task) for task in tasks]

    def summed(values: list[Decimal | None]) -> Decimal | None:
        known = [v for v in values if v is not None]
        return sum(known, Decimal(0)) if known else None

    return Cost(
        units=summed([c.units for c in costs]),
        balance=summed([c.balance for c in costs]),
        list_price=summed([c.list_price for c in costs]),
    )
