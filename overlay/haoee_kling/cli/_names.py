"""Problems in the words the user typed: spec names become option names.

The overlay reports a bad request with the spec's field names (`down_expansion_ratio: is
required`); on the command line the same problem reads `--down-expansion-ratio: is required`.
Parameters (`--page-size`, TASK_ID) are checked here against the spec's limits before any
request is sent, with the overlay's own validator.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .._errors import InvalidRequestError
from ..check._validation import Problem, validate_parameters

__all__ = ["OptionProblem", "check_parameters", "option_problems"]


@dataclass(frozen=True)
class OptionProblem:
    """One problem with the user's input, as the command line reports it.

    Attributes:
        field: the spec's name of the field or parameter (`down_expansion_ratio`, `pageSize`).
        option: what the user typed for it (`--down-expansion-ratio`, `TASK_ID`), or "" when
            no option stands for it (a rule about the whole request).
        rule: the JSON Schema keyword or `x-kling-rules` id that failed.
        message: the sentence, naming options rather than spec fields.
    """

    field: str
    option: str
    rule: str
    message: str


def _renamer(names: Mapping[str, str]) -> Callable[[str], str]:
    if not names:
        return lambda text: text
    # Longest first, and never inside a longer word or an option already written
    # (`prompt` must not touch `negative_prompt` or `--negative-prompt`).
    alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    pattern = re.compile(rf"(?<![\w.-])({alternatives})(?!\w)")
    return lambda text: pattern.sub(lambda match: names[match.group(1)], text)


def _option_of(field: str, names: Mapping[str, str]) -> str:
    found = []
    for part in filter(None, (p.strip() for p in field.split(","))):
        # `image_list[0].image_url` is about --image-list: the longest name it starts with.
        base = max(
            (n for n in names if part == n or part.startswith((f"{n}[", f"{n}."))),
            key=len,
            default=None,
        )
        if base is not None and names[base] not in found:
            found.append(names[base])
    return ", ".join(found)


def option_problems(problems: Sequence[Problem], names: Mapping[str, str]) -> list[OptionProblem]:
    """The problems with option names in place of spec names.

    Args:
        problems: from the overlay's validation (`InvalidRequestError.problems`).
        names: spec field or parameter -> what the user typed (`{"input.mode": "--mode"}`).

    Returns:
        One OptionProblem per problem, in the same order.
    """
    rename = _renamer(names)
    return [
        OptionProblem(p.field, _option_of(p.field, names), p.rule, rename(p.message))
        for p in problems
    ]


def check_parameters(operation_id: str, values: Mapping[str, Mapping[str, object]]) -> None:
    """Check path and query parameters against the spec's limits before anything is sent.

    Args:
        operation_id: the operation about to be called (`listText2Video`).
        values: `{"query": {"pageSize": 600}, "path": {"task_id": "..."}}`; values are sent
            as text, so they are checked as text, the way the server reads them.

    Raises:
        InvalidRequestError: a parameter breaks a limit of the spec (`pageSize` 1-500, ...).
    """
    wire = {where: {k: str(v) for k, v in given.items()} for where, given in values.items()}
    problems = validate_parameters(operation_id, wire)
    if problems:
        raise InvalidRequestError(problems)
