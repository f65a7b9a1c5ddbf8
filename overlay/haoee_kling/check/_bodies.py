"""What a call sends, checked before it is sent: request bodies and list paging.

A create's fields (or a whole request model) become one body, local media is encoded and the
body is checked against the spec's schema, rules and capability map (`_inputs.prepare_body`);
a list call's paging is checked against the spec's parameter limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._errors import InvalidRequestError
from ._inputs import prepare_body
from ._validation import Problem, validate_parameters

__all__ = ["merged_fields", "page_query", "prepare_body"]


def page_query(operation_id: str, page_num: int, page_size: int) -> dict[str, int]:
    """The paging query of a list call, checked against the spec's limits before sending.

    Raises:
        InvalidRequestError: `page_num` or `page_size` is out of range (e.g. `page_size` 600).
    """
    names = {"pageNum": "page_num", "pageSize": "page_size"}  # the wire's names -> the call's
    wire = {"pageNum": str(page_num), "pageSize": str(page_size)}
    problems = validate_parameters(operation_id, {"query": wire})
    if problems:
        raise InvalidRequestError(
            [
                Problem(
                    names.get(p.field, p.field),
                    p.rule,
                    p.message.replace(p.field, names.get(p.field, p.field), 1),
                )
                for p in problems
            ]
        )
    return {"page_num": page_num, "page_size": page_size}


def merged_fields(body: Any, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A whole body (a generated model or a dict) and keyword fields as one dict; keywords win."""
    if body is None:
        return dict(fields)
    to_dict = getattr(body, "to_dict", None)
    whole = to_dict() if callable(to_dict) else body
    if not isinstance(whole, Mapping):
        raise TypeError(f"body must be a request model or a dict, not {type(body).__name__}")
    return {**whole, **fields}
