"""Client settings from the environment (and the command line): read, checked, named.

`HAOEE_TIMEOUT`, `HAOEE_MAX_RETRIES`, `HAOEE_POLL_INTERVAL` and `HAOEE_WAIT_TIMEOUT` set what
the constructor's `timeout`, `max_retries`, `poll_policy` and `wait_timeout` set; an argument
wins over its variable. Each value is text, read here and checked by the same rules as the
arguments (`_config`), so a bad one fails when the client is built, naming the variable (or
the command-line option) and the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._config import deadline_problem, retries_problem, seconds_problem
from ._errors import ConfigurationError
from .plans._polling import PollPolicy

__all__ = ["SETTINGS", "Setting", "from_environment", "poll_every", "read_setting"]


@dataclass(frozen=True)
class Setting:
    """One setting that text can give.

    Attributes:
        argument: the constructor argument it fills (`timeout`).
        variable: the environment variable (`HAOEE_TIMEOUT`).
        option: the `kling` option (`--request-timeout`).
        whole: a whole number (retries) rather than seconds.
        none: the word that means "no value" (`none`: a wait without a deadline), or "".
        rule: the check, from `_config`.
    """

    argument: str
    variable: str
    option: str
    whole: bool
    none: str
    rule: Callable[[Any], str | None]


SETTINGS = (
    Setting("timeout", "HAOEE_TIMEOUT", "--request-timeout", False, "", seconds_problem),
    Setting("max_retries", "HAOEE_MAX_RETRIES", "--max-retries", True, "", retries_problem),
    Setting("poll_interval", "HAOEE_POLL_INTERVAL", "--poll-interval", False, "", seconds_problem),
    Setting(
        "wait_timeout", "HAOEE_WAIT_TIMEOUT", "--wait-timeout", False, "none", deadline_problem
    ),
)
"""Every setting text can give, in the README's order."""


def read_setting(setting: Setting, text: str, source: str) -> Any:
    """The value of a setting written as text.

    Args:
        setting: which setting.
        text: what the environment or the command line holds.
        source: what to name in an error (the variable, or the option).

    Raises:
        ConfigurationError: not a number, or against the setting's rule; the message names
            `source`, the rule and what was given.
    """
    word = text.strip()
    if setting.none and word.lower() == setting.none:
        return None
    try:
        value: Any = int(word) if setting.whole else float(word)
    except ValueError:
        kind = "a whole number" if setting.whole else "a number of seconds"
        none = f" or '{setting.none}'" if setting.none else ""
        raise ConfigurationError(f"{source}: must be {kind}{none} (got {text!r})") from None
    problem = setting.rule(value)
    if problem is not None:
        raise ConfigurationError(f"{source}: {problem} (got {text!r})")
    return value


def from_environment(env: Mapping[str, str]) -> dict[str, Any]:
    """The settings the environment gives (unset and empty variables left out), by argument.

    Raises:
        ConfigurationError: a variable holds a bad value (see `read_setting`).
    """
    found: dict[str, Any] = {}
    for setting in SETTINGS:
        text = env.get(setting.variable, "")
        if text.strip():
            found[setting.argument] = read_setting(setting, text, setting.variable)
    return found


def poll_every(seconds: float) -> PollPolicy:
    """The polling schedule of a fixed interval: first poll and every next one `seconds` apart."""
    return PollPolicy(first=seconds, interval=seconds, jitter=min(0.25, seconds / 4))
