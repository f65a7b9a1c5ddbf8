"""The frozen config and the NOT_GIVEN sentinel."""

from __future__ import annotations

import pytest

from haoee_kling import NOT_GIVEN, ConfigurationError, Kling, NotGiven
from haoee_kling._config import Config, given
from haoee_kling.plans._retries import RetryPolicy


def test_not_given_is_a_falsy_singleton_distinct_from_none() -> None:
    assert NotGiven() is NOT_GIVEN
    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert given(NOT_GIVEN, 5) == 5
    assert given(None, 5) is None


def test_copy_changes_only_what_is_given_and_keeps_the_original() -> None:
    config = Config("https://x", "haoee", 60.0, RetryPolicy(), 900.0, None, None)
    copy = config.copy(max_retries=0, wait_timeout=None)
    assert (copy.timeout, copy.retry.max_retries, copy.wait_timeout) == (60.0, 0, None)
    assert config.retry.max_retries == 2
    with pytest.raises(ConfigurationError):
        config.copy(timeout=0)


@pytest.mark.parametrize(
    ("url", "backend", "says"),
    [
        ("maas.haoee.com/kling", "haoee", "no scheme: use 'https://maas.haoee.com/kling'"),
        ("localhost:4010/kling", "haoee", "no scheme: use 'http://localhost:4010/kling'"),
        ("ftp://maas.haoee.com/kling", "haoee", "must be http or https (got 'ftp')"),
        ("https:///kling", "haoee", "no host"),
        ("https://gw.example.org/kling?region=cn", "haoee", "must not have a query string"),
        ("https://gw.example.org:99999/kling", "haoee", "port"),
        ("https://maas.haoee.com/kling/v1", "haoee", "without /v1"),
        ("https://maas.haoee.com", "haoee", "under /kling: use 'https://maas.haoee.com/kling'"),
        ("https://api-singapore.klingai.com/v1", "kling", "without /v1"),
    ],
)
def test_a_bad_base_url_fails_at_construction_naming_the_variable(
    url: str, backend: str, says: str
) -> None:
    variable = "HAOEE_BASE_URL" if backend == "haoee" else "KLING_BASE_URL"
    with pytest.raises(ConfigurationError) as caught:
        Kling("some-key-123456", base_url=url, backend=backend)
    assert says in str(caught.value)
    assert f"Set {variable} or pass base_url=..." in str(caught.value)


def test_the_environment_variable_is_checked_the_same_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HAOEE_BASE_URL", "maas.haoee.com/kling")
    with pytest.raises(ConfigurationError, match="HAOEE_BASE_URL"):
        Kling("some-key-123456")


def test_credentials_in_a_base_url_are_refused_and_never_echoed() -> None:
    with pytest.raises(ConfigurationError) as caught:
        Kling("some-key-123456", base_url="https://me:hunter2-pass@gw.example.org/kling")
    assert "hunter2" not in str(caught.value)
    assert "user name or password" in str(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://maas.haoee.com/kling",
        "https://maas.haoee.com/kling/",
        "http://127.0.0.1:4010/kling",
        "http://[::1]:4010/kling",
        "https://gw.example.org",  # another host may serve the API anywhere
    ],
)
def test_good_base_urls_are_accepted(url: str) -> None:
    with Kling("some-key-123456", base_url=url) as kling:
        assert kling.config.base_url == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("http://gateway.internal.example:8080/kling", True),
        ("http://10.0.0.7/kling", True),
        ("http://127.0.0.1:8080/kling", False),
        ("http://127.8.0.1/kling", False),
        ("http://localhost/kling", False),
        ("http://[::1]:9000/kling", False),
        ("https://gateway.example.org/kling", False),
    ],
)
def test_a_plain_http_base_url_to_another_machine_is_warned_about_once(
    url: str, warned: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("WARNING", logger="haoee_kling"):
        Kling(api_key="k-0123456789", base_url=url)
        Kling(api_key="k-0123456789", base_url=url)
    said = [r for r in caplog.records if "travels unencrypted" in r.getMessage()]
    assert len(said) == (1 if warned else 0)
