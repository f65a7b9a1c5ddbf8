"""The error tree: one root, classes chosen by the spec's business-code table."""

from __future__ import annotations

import re

import pytest

import haoee_kling
from haoee_kling import _errors
from haoee_kling._errors import error_class, error_codes
from haoee_kling.check._validation import Problem


def test_every_error_class_derives_from_the_one_root_and_is_drawn_in_the_docstring() -> None:
    classes = [
        getattr(_errors, n)
        for n in _errors.__all__
        if isinstance(getattr(_errors, n), type) and issubclass(getattr(_errors, n), Exception)
    ]
    assert len(classes) == 22
    for cls in classes:
        assert issubclass(cls, haoee_kling.KlingError)
        assert cls.__name__ in (_errors.__doc__ or "")
        assert getattr(haoee_kling, cls.__name__) is cls


def test_errors_defined_elsewhere_are_drawn_in_the_tree_too() -> None:
    # Batch errors live beside the batch code; the tree still shows every error a user catches.
    exported = [getattr(haoee_kling, n) for n in haoee_kling.__all__]
    errors = [e for e in exported if isinstance(e, type) and issubclass(e, haoee_kling.KlingError)]
    assert {e.__name__ for e in errors} >= {"BatchError", "InvalidJobsError"}
    for error in errors:
        assert re.search(rf"(── |^){error.__name__}\b", _errors.__doc__ or "", re.M), error.__name__


@pytest.mark.parametrize(
    ("code", "status", "expected", "retryable"),
    [
        (1000, 401, _errors.AuthenticationError, False),
        (1004, 401, _errors.AuthenticationError, False),
        (1101, 429, _errors.AccountError, False),
        (1103, 403, _errors.PermissionDeniedError, False),
        (1201, 400, _errors.BadRequestError, False),
        (1203, 404, _errors.NotFoundError, False),
        (1301, 400, _errors.PolicyError, False),
        (1304, 429, _errors.PolicyError, False),
        (1302, 429, _errors.RateLimitError, True),
        (1303, 429, _errors.ConcurrencyLimitError, True),
        (5000, 500, _errors.ServerError, True),
        (5002, 504, _errors.ServerError, True),
    ],
)
def test_a_business_code_picks_its_class_and_retryability_from_the_spec_table(
    code: int, status: int, expected: type, retryable: bool
) -> None:
    assert error_codes()[code].http == status
    assert error_class(status, code) == (expected, retryable)


@pytest.mark.parametrize(
    ("status", "expected", "retryable"),
    [
        (400, _errors.BadRequestError, False),
        (401, _errors.AuthenticationError, False),
        (403, _errors.PermissionDeniedError, False),
        (404, _errors.NotFoundError, False),
        (410, _errors.NotFoundError, False),
        (408, _errors.ServerError, True),
        (429, _errors.RateLimitError, True),
        (502, _errors.ServerError, True),
        (520, _errors.ServerError, True),
        (409, _errors.BadRequestError, False),
        (413, _errors.BadRequestError, False),
        (200, _errors.UnexpectedResponseError, False),
        (302, _errors.UnexpectedResponseError, False),
    ],
)
def test_an_unknown_code_falls_back_on_the_http_status(
    status: int, expected: type, retryable: bool
) -> None:
    assert error_class(status, 4242) == (expected, retryable)


def test_the_spec_table_covers_every_code_of_the_reference() -> None:
    assert sorted(error_codes()) == [
        1000,
        1001,
        1002,
        1003,
        1004,
        1100,
        1101,
        1102,
        1103,
        1200,
        1201,
        1202,
        1203,
        1300,
        1301,
        1302,
        1303,
        1304,
        5000,
        5001,
        5002,
    ]


def test_an_error_names_status_code_request_id_and_the_task_it_concerns() -> None:
    error = _errors.ServerError(
        "internal error", status_code=500, code=5000, request_id="req-1", retryable=True
    )
    error.attach(task_id="842", external_task_id="hk-1")
    error.attach(task_id="other")
    assert error.task_id == "842"
    assert str(error) == (
        "internal error (task_id=842, external_task_id=hk-1) "
        "[HTTP 500, code 5000, request_id req-1]"
    )


def test_invalid_request_lists_every_problem() -> None:
    error = _errors.InvalidRequestError(
        [
            Problem("prompt", "maxLength", "prompt: too long"),
            Problem("image", "file", "image: no such file: x"),
        ]
    )
    assert error.problems[1].rule == "file"
    assert "2 problem(s)" in str(error)
    assert "  - image: no such file: x" in str(error)


def test_task_errors_carry_task_id_kind_and_last_status() -> None:
    error = _errors.WaitTimeoutError(
        "late", task_id="842", kind="text2video", last_status="processing"
    )
    assert (error.task_id, error.kind, error.last_status) == ("842", "text2video", "processing")
    assert isinstance(error, _errors.TaskError)
