"""Credentials.

haoee: `Authorization: Bearer <haoee key>` (its `ModelName` routing header is `_core`'s).
Kling's own hosts: an HS256 JWT signed with the SecretKey (claims `iss` = AccessKey,
`exp` = now + 1800 s, `nbf` = now - 5 s; cached and re-signed 5 minutes before it expires), or
a Kling API key. Keys are held in `Secret`, so no repr or log line shows them.

A key is read as pasted keys arrive: whitespace around it (a trailing newline from a file or a
terminal) is dropped; one that still holds whitespace, a control character or anything outside
printable ASCII cannot go in an HTTP header and is refused with a `ConfigurationError` naming
the setting (`api_key`, `HAOEE_API_KEY`, ...), never showing the key, before anything is sent.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Generator, Mapping

import httpx

from .._clock import Clock
from .._errors import ConfigurationError
from .._logging import Secret

__all__ = [
    "BACKENDS",
    "BASE_URL_VARIABLES",
    "BearerAuth",
    "JwtAuth",
    "default_base_url",
    "make_auth",
    "unsendable",
]

JWT_LIFETIME = 1800
JWT_NOT_BEFORE_SKEW = 5
JWT_REFRESH_MARGIN = 300
BACKENDS = {
    "haoee": "https://maas.haoee.com/kling",
    "kling": "https://api-singapore.klingai.com",
}
BASE_URL_VARIABLES = {"haoee": "HAOEE_BASE_URL", "kling": "KLING_BASE_URL"}
"""The environment variable that sets each backend's base URL."""


class BearerAuth(httpx.Auth):
    """Sends a fixed key as `Authorization: Bearer <key>`."""

    def __init__(self, key: Secret) -> None:
        self._key = key

    def header(self) -> str:
        """The `Authorization` value (the client's senders put it on each request's headers)."""
        return f"Bearer {self._key.get()}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the header and send."""
        request.headers["Authorization"] = self.header()
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(key=Secret('****'))"


class JwtAuth(httpx.Auth):
    """Signs Kling's HS256 JWT from an AccessKey/SecretKey pair, re-signing before expiry.

    Args:
        access_key: the AccessKey (the `iss` claim).
        secret_key: the SecretKey (the HMAC key).
        clock: wall time for the claims (tests pass a fake clock).
    """

    def __init__(self, access_key: Secret, secret_key: Secret, clock: Clock) -> None:
        self._access_key = access_key
        self._secret_key = secret_key
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Secret | None = None
        self._expires = 0.0

    def token(self) -> str:
        """The current JWT, signing a new one when none is cached or it expires within 5 min."""
        now = self._clock.wall()
        with self._lock:
            if self._token is None or now >= self._expires - JWT_REFRESH_MARGIN:
                issued = int(now)
                claims = {
                    "iss": self._access_key.get(),
                    "exp": issued + JWT_LIFETIME,
                    "nbf": issued - JWT_NOT_BEFORE_SKEW,
                }
                # PyJWT is imported here: only the official backend with AK/SK signs anything.
                import jwt
                from jwt.warnings import InsecureKeyLengthWarning

                # Kling issues the SecretKey; its length is not the caller's to choose.
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", InsecureKeyLengthWarning)
                    value = jwt.encode(
                        claims, self._secret_key.get(), algorithm="HS256", headers={"typ": "JWT"}
                    )
                self._token = Secret(value)
                self._expires = float(issued + JWT_LIFETIME)
            return self._token.get()

    def header(self) -> str:
        """The `Authorization` value: `Bearer <jwt>`, signed anew when needed."""
        return f"Bearer {self.token()}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add `Authorization: Bearer <jwt>` and send."""
        request.headers["Authorization"] = self.header()
        yield request

    def __repr__(self) -> str:
        return "JwtAuth(access_key=Secret('****'), secret_key=Secret('****'))"


def default_base_url(backend: str, env: Mapping[str, str]) -> str:
    """The base URL for a backend: `HAOEE_BASE_URL` (haoee only) or the backend's host."""
    if backend == "haoee":
        return env.get(BASE_URL_VARIABLES["haoee"]) or BACKENDS["haoee"]
    return env.get(BASE_URL_VARIABLES["kling"]) or BACKENDS["kling"]


def unsendable(value: str) -> str | None:
    """Why `value` cannot be an HTTP header value as it is, or None when it can.

    Returns:
        e.g. "a space (' ' at position 12 of 30)": the first character outside printable
        ASCII and where it is, never the value itself.
    """
    bad = next((c for c in value if not "!" <= c <= "~"), None)
    if bad is None:
        return None
    what = (
        "a space"
        if bad.isspace() and bad.isprintable()
        else "a control character"
        if not bad.isprintable()
        else "a character outside printable ASCII"
    )
    return f"{what} ({bad!a} at position {value.index(bad) + 1} of {len(value)})"


def _key(value: str | None, setting: str) -> str | None:
    """A key as given, with surrounding whitespace dropped; None when empty.

    Raises:
        ConfigurationError: the key holds inner whitespace, a control character or a
            character outside printable ASCII (the message names `setting`, not the key).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{setting} must be a string (got {type(value).__name__})")
    key = value.strip()
    problem = unsendable(key)
    if problem is not None:
        raise ConfigurationError(
            f"{setting} holds {problem}; the key is not shown: copy the key again"
        )
    return key or None


def make_auth(
    backend: str,
    *,
    api_key: str | None,
    access_key: str | None,
    secret_key: str | None,
    clock: Clock,
    env: Mapping[str, str] | None = None,
) -> BearerAuth | JwtAuth:
    """Build the auth for a backend; constructor arguments win over the environment.

    Args:
        backend: "haoee" (default) or "kling" (Kling's official hosts).
        api_key: a haoee key, or a Kling API key on the "kling" backend.
        access_key: Kling AccessKey (with `secret_key`, for a JWT).
        secret_key: Kling SecretKey.
        clock: wall time for JWT claims.
        env: the environment (default `os.environ`).

    Returns:
        An `httpx.Auth` that adds the Authorization header (`header()` gives its value).

    Raises:
        ConfigurationError: unknown backend, no credentials, or a key that cannot be sent
            (inner whitespace, control or non-ASCII characters); the message names the setting.
    """
    env = os.environ if env is None else env
    if backend == "haoee":
        key = _key(api_key, "api_key") or _key(env.get("HAOEE_API_KEY"), "HAOEE_API_KEY")
        if not key:
            raise ConfigurationError("no haoee API key: pass api_key=... or set HAOEE_API_KEY")
        return BearerAuth(Secret(key))
    if backend != "kling":
        raise ConfigurationError(f"unknown backend {backend!r}: use 'haoee' or 'kling'")
    given_key = _key(api_key, "api_key")
    ak = _key(access_key, "access_key") or (
        None if given_key else _key(env.get("KLING_ACCESS_KEY"), "KLING_ACCESS_KEY")
    )
    sk = _key(secret_key, "secret_key") or (
        None if given_key else _key(env.get("KLING_SECRET_KEY"), "KLING_SECRET_KEY")
    )
    if ak and sk:
        return JwtAuth(Secret(ak), Secret(sk), clock)
    if ak or sk:
        missing = "KLING_SECRET_KEY" if ak else "KLING_ACCESS_KEY"
        raise ConfigurationError(f"Kling AK/SK auth needs both keys: set {missing}")
    key = given_key or _key(env.get("KLING_API_KEY"), "KLING_API_KEY")
    if not key:
        raise ConfigurationError(
            "no Kling credentials: set KLING_ACCESS_KEY and KLING_SECRET_KEY, or KLING_API_KEY"
        )
    return BearerAuth(Secret(key))
