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
    for module in ("_errors", "_clock", "plans._polling", "_client"):
        mod = importlib.import_module(f"haoee_kling.{module}")
        for name in mod.__all__:
            if isinstance(getattr(mod, name), type) and name[0].isupper():
                assert name in exported or name == "ErrorCode", f"{module}.{name}"


def test_every_private_module_declares_all() -> None:
    # The client's own modules, at the top and in its stages; the CLI, the fake and the
    # conformance runner are packages of their own.
    own = [info.name for info in pkgutil.iter_modules(haoee_kling.__path__)]
    apart = ("cli", "testing", "conformance")
    stages = [n for n in own if not n.startswith("_") and n not in apart]
    names = [n for n in own if n.startswith("_")]
    for stage in stages:
        path = importlib.import_module(f"haoee_kling.{stage}").__path__
        names += [f"{stage}.{info.name}" for info in pkgutil.iter_modules(path)]
    assert len(names) > 40
    for name in names:
        mod = importlib.import_module(f"haoee_kling.{name}")
        assert isinstance(getattr(mod, "__all__", None), list), name
