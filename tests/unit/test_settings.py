"""Settings from the environment and the command line: checked by the arguments' rules, and
every bad value named by where it came from."""

from __future__ import annotations

import pytest

from haoee_kling import ConfigurationError, Kling
from haoee_kling._settings import SETTINGS, from_environment, read_setting
from haoee_kling.http._proxies import proxy_for, shown_proxy
from haoee_kling.plans._polling import PollPolicy

KEY = "some-key-123456"


def test_each_variable_sets_its_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAOEE_TIMEOUT", "12.5")
    monkeypatch.setenv("HAOEE_MAX_RETRIES", "0")
    monkeypatch.setenv("HAOEE_POLL_INTERVAL", "3")
    monkeypatch.setenv("HAOEE_WAIT_TIMEOUT", "120")
    with Kling(KEY) as kling:
        config = kling.config
    assert (config.timeout, config.retry.max_retries, config.wait_timeout) == (12.5, 0, 120.0)
    assert config.poll_policy is not None
    assert (config.poll_policy.first, config.poll_policy.interval) == (3.0, 3.0)


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAOEE_TIMEOUT", "12.5")
    monkeypatch.setenv("HAOEE_MAX_RETRIES", "7")
    monkeypatch.setenv("HAOEE_POLL_INTERVAL", "3")
    monkeypatch.setenv("HAOEE_WAIT_TIMEOUT", "none")
    policy = PollPolicy(first=1.0, interval=2.0)
    with Kling(KEY, timeout=5, max_retries=1, poll_policy=policy, wait_timeout=60) as kling:
        config = kling.config
    assert (config.timeout, config.retry.max_retries, config.wait_timeout) == (5, 1, 60)
    assert config.poll_policy is policy


def test_without_variables_the_defaults_stand(monkeypatch: pytest.MonkeyPatch) -> None:
    for setting in SETTINGS:
        monkeypatch.delenv(setting.variable, raising=False)
    monkeypatch.setenv("HAOEE_TIMEOUT", "  ")  # blank is unset
    with Kling(KEY) as kling:
        config = kling.config
    assert (config.timeout, config.retry.max_retries, config.poll_policy) == (60.0, 2, None)


def test_none_is_a_wait_without_a_deadline() -> None:
    assert from_environment({"HAOEE_WAIT_TIMEOUT": "None"}) == {"wait_timeout": None}


@pytest.mark.parametrize(
    ("variable", "text", "rule"),
    [
        ("HAOEE_TIMEOUT", "nan", "must be a finite number of seconds > 0"),
        ("HAOEE_TIMEOUT", "inf", "must be a finite number of seconds > 0"),
        ("HAOEE_TIMEOUT", "-1", "must be a finite number of seconds > 0"),
        ("HAOEE_TIMEOUT", "0", "must be a finite number of seconds > 0"),
        ("HAOEE_TIMEOUT", "ten", "must be a number of seconds"),
        ("HAOEE_MAX_RETRIES", "-1", "must be a whole number >= 0"),
        ("HAOEE_MAX_RETRIES", "2.5", "must be a whole number"),
        ("HAOEE_POLL_INTERVAL", "NaN", "must be a finite number of seconds > 0"),
        ("HAOEE_WAIT_TIMEOUT", "-5", "or None for no deadline"),
        ("HAOEE_WAIT_TIMEOUT", "forever", "must be a number of seconds or 'none'"),
    ],
)
def test_a_bad_value_fails_at_construction_naming_the_variable_and_the_rule(
    monkeypatch: pytest.MonkeyPatch, variable: str, text: str, rule: str
) -> None:
    monkeypatch.setenv(variable, text)
    with pytest.raises(ConfigurationError) as caught:
        Kling(KEY)
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert rule in message
    assert f"(got '{text}')" in message


def test_an_option_is_named_as_typed() -> None:
    [timeout] = [s for s in SETTINGS if s.argument == "timeout"]
    with pytest.raises(ConfigurationError, match=r"^--request-timeout: .* \(got 'nan'\)$"):
        read_setting(timeout, "nan", timeout.option)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0, True])
def test_the_arguments_break_the_same_rules(value: float) -> None:
    with pytest.raises(ConfigurationError, match="wait_timeout must be a finite number"):
        Kling(KEY, wait_timeout=value)


# ------------------------------------------------------------------------------ proxies


def test_a_proxy_is_shown_without_its_credentials() -> None:
    assert shown_proxy("http://user:pa55@proxy.example:3128") == (
        "http://[REDACTED]@proxy.example:3128"
    )
    assert shown_proxy("http://proxy.example:3128") == "http://proxy.example:3128"


def test_the_proxy_of_a_request_is_found_as_httpx_finds_it() -> None:
    env = {"HTTPS_PROXY": "http://u:p@proxy:3128", "http_proxy": "http://plain:8080"}
    assert proxy_for("https://maas.haoee.com/kling/v1/x", env) == (
        "HTTPS_PROXY",
        "http://[REDACTED]@proxy:3128",
    )
    assert proxy_for("http://127.0.0.1:4010/kling", env) == ("http_proxy", "http://plain:8080")
    assert proxy_for("https://maas.haoee.com/x", {"ALL_PROXY": "socks5://s:1080"}) == (
        "ALL_PROXY",
        "socks5://s:1080",
    )
    assert proxy_for("https://maas.haoee.com/x", {**env, "NO_PROXY": ".haoee.com"}) is None
    assert proxy_for("https://maas.haoee.com/x", {**env, "no_proxy": "*"}) is None
    assert proxy_for("https://maas.haoee.com/x", {}) is None
