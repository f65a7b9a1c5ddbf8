"""`kling.models`: what each Kling model can do, read from the spec's `x-kling-models`.

No network: the map ships inside the package with the spec. The same checks run before every
create (`validate_body`), so what `kling.models.get(...)` shows is what the client enforces.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from .._kind_names import user_kind
from ._capabilities import Capabilities, kind_capabilities, known_kinds

__all__ = ["ModelInfo", "Models"]


@dataclass(frozen=True)
class ModelInfo:
    """One model across the task kinds that take it.

    Attributes:
        name: Kling's model name (`kling-v2-6`).
        kinds: task kind -> what the model can do there, in the map's order.
    """

    name: str
    kinds: Mapping[str, Capabilities]

    def __getitem__(self, kind: str) -> Capabilities:
        """What the model can do for one kind (`info["image2video"]`).

        Raises:
            KeyError: the model does not serve that kind (the message lists the ones it does).
        """
        try:
            return self.kinds[_kind_name(kind)]
        except KeyError:
            served = ", ".join(map(user_kind, self.kinds))
            raise KeyError(f"{self.name} does not do {kind}; it does {served}") from None

    def __iter__(self) -> Iterator[Capabilities]:
        return iter(self.kinds.values())


def _kind_name(kind: str) -> str:
    return kind.replace("-", "_")


class Models:
    """What each model supports (modes, durations, sound, camera control, ...), per task kind.

    The same object serves `Kling` and `AsyncKling`: nothing here waits on the network.
    """

    def kinds(self) -> list[str]:
        """The task kinds that take a model, in the map's order."""
        return list(known_kinds())

    def list(self, kind: str | None = None) -> list[Capabilities]:
        """Every model the map knows, one entry per (kind, model).

        Args:
            kind: only this task kind (`text2video`; `multi-image2image` works too).

        Returns:
            The entries, in the map's order (oldest model first within a kind).

        Raises:
            ValueError: `kind` is not a kind that takes a model (the message lists them).
        """
        kinds = known_kinds()
        if kind is not None:
            wanted = _kind_name(kind)
            if wanted not in kinds:
                raise ValueError(
                    f"{kind!r} is not a task kind with models; the kinds are "
                    f"{', '.join(map(user_kind, kinds))}"
                )
            kinds = (wanted,)
        return [caps for name in kinds for caps in kind_capabilities(name).values()]

    def get(self, name: str) -> ModelInfo:
        """One model, with what it can do for each kind that takes it.

        Args:
            name: Kling's model name, e.g. `kling-v2-6`.

        Returns:
            A `ModelInfo`; `info["image2video"].sound_modes` is `("pro",)` for kling-v2-6.

        Raises:
            KeyError: the map does not list the model (the message suggests a close name).
                Such a model can still be used: the client sends it unchecked.
        """
        found = {
            kind: kind_capabilities(kind)[name]
            for kind in known_kinds()
            if name in kind_capabilities(kind)
        }
        if not found:
            names = sorted({caps.name for caps in self.list()})
            close = difflib.get_close_matches(name, names, n=1)
            hint = f"; did you mean {close[0]}?" if close else f"; known: {', '.join(names)}"
            raise KeyError(f"{name} is not in the capability map{hint}")
        return ModelInfo(name, found)

    def __repr__(self) -> str:
        return f"Models(kinds={list(known_kinds())!r})"
