"""What a task cost: units and balance as Decimals; "not reported" is None, never 0."""

from __future__ import annotations

from decimal import Decimal

from haoee_kling import Task, task_cost
from tests.unit.conftest import example


def test_units_and_balance_are_read_from_a_task_model() -> None:
    data = example("TaskSucceedExtendedVideo")["data"]
    cost = task_cost(Task.from_dict(data))
    assert cost.units == Decimal("1")
    assert cost.balance == Decimal("1.40")
    assert cost.list_price == Decimal("2.00")
    assert cost.describe() == "1 units, balance 1.40 (list price 2.00)"


def test_a_task_without_deductions_is_not_reported_never_zero() -> None:
    cost = task_cost(Task.from_dict({"task_id": "1", "task_status": "succeed"}))
    assert cost.units is None
    assert cost.balance is None
    assert not cost.reported
    assert cost.describe() == "not reported"
    assert cost.to_dict() == {"units": None, "balance": None, "list_price": None}


def test_plain_json_and_odd_values() -> None:
    assert task_cost({"final_unit_deduction": "0.05"}).units == Decimal("0.05")
    assert task_cost({"final_unit_deduction": "0"}).units == Decimal("0")
    assert task_cost({"final_unit_deduction": "lots"}).units is None
    assert task_cost({"final_unit_deduction": "NaN"}).units is None
    assert task_cost({"final_unit_deduction": True}).units is None
    assert task_cost({"final_balance_deduction": "1.0"}).balance is None
    assert task_cost({"final_unit_deduction": "0.4"}).describe() == "0.4 units"
