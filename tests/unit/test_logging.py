"""Redaction: keys, JWTs and signed URLs never leave the client in any text."""

from __future__ import annotations

import logging

import pytest

from haoee_kling._logging import RedactingFilter, Secret, configure_logging, redact, setup_logging

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhayJ9.c2lnbmF0dXJlLXBhcnQ"


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("Authorization: Bearer sk-abcdef123456", "sk-abcdef123456"),
        (f"token {JWT} expired", JWT),
        ("api_key=abc123def456&x=1", "abc123def456"),
        ('{"secret_key": "s3cr3t-value"}', "s3cr3t-value"),
        ("GET https://cdn.example.org/v.mp4?sign=abc&expires=1 done", "sign=abc"),
    ],
)
def test_redact_masks_headers_jwts_key_pairs_and_signed_query_strings(
    text: str, hidden: str
) -> None:
    assert hidden not in redact(text)
    assert "[REDACTED]" in redact(text)


def test_a_secret_hides_itself_and_is_masked_wherever_it_appears() -> None:
    secret = Secret("plain-key-0123456789")
    assert "plain" not in repr(secret)
    assert "plain" not in str(secret)
    assert secret.get() == "plain-key-0123456789"
    assert redact("oops plain-key-0123456789 leaked") == "oops [REDACTED] leaked"
    assert secret == Secret("plain-key-0123456789")
    assert hash(secret) == hash("plain-key-0123456789")


def test_the_filter_rewrites_records_with_arguments_and_tracebacks() -> None:
    record = logging.LogRecord(
        "haoee_kling", logging.INFO, __file__, 1, "sent %s", (f"Bearer {JWT}",), None
    )
    try:
        raise ValueError(f"failed with {JWT}")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record)
    assert JWT not in record.getMessage()
    assert JWT not in (record.exc_text or "")


def test_a_record_is_redacted_once_unless_its_message_changes_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The record factory, the logger and the handler each pass a record through the filter:
    the message it wrote is not redacted again, but one changed since (by another filter) is."""
    from haoee_kling import _logging

    calls: list[str] = []

    def counted(text: str) -> str:
        calls.append(text)
        return redact(text)

    monkeypatch.setattr(_logging, "redact", counted)
    record = logging.LogRecord(
        "haoee_kling", logging.INFO, __file__, 1, "sent %s", (f"Bearer {JWT}",), None
    )
    for _ in range(3):
        assert RedactingFilter().filter(record)
    assert len(calls) == 1
    assert JWT not in record.getMessage()
    record.msg = f"{record.msg} then token={JWT}"
    assert RedactingFilter().filter(record)
    assert len(calls) == 2
    assert JWT not in record.getMessage()
    record.args = (JWT,)  # arguments put back: merged and redacted again
    record.msg = "%s"
    assert RedactingFilter().filter(record)
    assert JWT not in record.getMessage()


def test_bad_format_arguments_do_not_break_logging() -> None:
    record = logging.LogRecord("haoee_kling", logging.INFO, __file__, 1, "%d", ("x",), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "%d"


def test_configure_logging_sets_the_level_and_one_redacting_handler() -> None:
    logger = logging.getLogger("haoee_kling")
    setup_logging()
    configure_logging("debug")
    configure_logging("info")
    assert logger.level == logging.INFO
    handlers = [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    assert len(handlers) == 1
    assert any(isinstance(f, RedactingFilter) for f in logging.getLogger("httpx").filters)
    logger.removeHandler(handlers[0])
    logger.setLevel(logging.NOTSET)


@pytest.mark.parametrize(
    "text",
    [
        "no haoee API key: pass api_key=... or set HAOEE_API_KEY",
        "send Authorization: Bearer <haoee key> and a ModelName header",
        "the header carries a bearer token; basic auth is not accepted",
        "export HAOEE_API_KEY=$HAOEE_API_KEY or api_key=${KLING_API_KEY}",
        "api_key=*** and secret_key=\u2026 stand for your own values",
    ],
)
def test_help_texts_and_placeholders_are_never_rewritten(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer sk-abcdef123456", "Authorization: Bearer [REDACTED]"),
        ("authorization: raw-key-98765", "authorization: [REDACTED]"),
        ("pass api_key=sk-live-42 please", "pass api_key=[REDACTED] please"),
        ("token: $lowercase-is-not-a-variable", "token: [REDACTED]"),
    ],
)
def test_values_are_masked_and_their_names_kept(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_a_mask_already_in_the_text_survives_a_key_that_is_part_of_it() -> None:
    # A test key "REDACTED" once turned every later "[REDACTED]" into "[[REDACTED]]".
    from haoee_kling._logging import Secret

    Secret("REDACTED")  # registers it, as a client built with that key does
    assert redact("http://[REDACTED]@proxy:3128") == "http://[REDACTED]@proxy:3128"
    assert redact("key REDACTED") == "key [REDACTED]"
