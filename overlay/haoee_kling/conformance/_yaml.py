"""Read an OpenAPI document written in YAML the way YAML 1.2 tools do.

PyYAML implements YAML 1.1, where unquoted ON/OFF/yes/no are booleans; the generator, Spectral
and Redocly read YAML 1.2, where only true/false are. A spec given to `kling conformance --spec`
must mean what those tools read in it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["Yaml12Loader", "load_yaml"]

_BOOL = "tag:yaml.org,2002:bool"


# libyaml's parser where PyYAML has it (six times faster on the spec); the same safe
# constructor and the resolvers below either way.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Yaml12Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """SafeLoader with YAML 1.2 booleans (true/false only)."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(text: str) -> Any:
    """The YAML document in ``text`` as plain Python data, with YAML 1.2 booleans."""
    return yaml.load(text, Loader=Yaml12Loader)
