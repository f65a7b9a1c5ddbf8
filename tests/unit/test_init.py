"""The package root: a small facade whose `__all__` is sorted and complete."""

from __future__ import annotations

import importlib
import pkgutil

import haoee_kling


def test_the_root_all_is_sorted_and_every_name_resolves() -> None:
    assert haoee_kling.__all__ == sorted(haoee_kling.__all__, key=lambda n: (n != "NOT_GIVEN", n))
    for name in haoee_kling.__all__:
        assert getattr(haoee_kling, name) is not None


def test_every_public_class_of_the_private_modules_is_exported() -> None:
    exported = set(haoee_kling.__all__)
    for module in ("_errors", "_clock", "_polling", "_client"):
        mod = importlib.import_module(f"haoee_kling.{module}")
        for name in mod.__all__:
            if isinstance(getattr(mod, name), type) and name[0].isupper():
                assert name in exported or name == "ErrorCode", f"{module}.{name}"


def test_every_private_module_declares_all() -> None:
    for info in pkgutil.iter_modules(haoee_kling.__path__):
        if info.name.startswith("_"):
            mod = importlib.import_module(f"haoee_kling.{info.name}")
            assert isinstance(getattr(mod, "__all__", None), list), info.name
