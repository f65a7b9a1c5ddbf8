"""Credentials and the ModelName header."""

from __future__ import annotations

import httpx
import jwt
import pytest

from haoee_kling import ConfigurationError, FakeClock
from haoee_kling._logging import Secret
from haoee_kling.http._auth import (
    BearerAuth,
    JwtAuth,
    default_base_url,
    make_auth,
)


def header_of(auth: httpx.Auth) -> str:
    request = httpx.Request("GET", "https://example.org")
    flow = auth.sync_auth_flow(request)
    return next(flow).headers["Authorization"]


def test_haoee_uses_the_key_argument_first_then_the_environment() -> None:
    env = {"HAOEE_API_KEY": "env-key-123456"}
    assert (
        header_of(
            make_auth(
                "haoee",
                api_key="arg-key-123456",
                access_key=None,
                secret_key=None,
                clock=FakeClock(),
                env=env,
            )
        )
        == "Bearer arg-key-123456"
    )
    assert (
        header_of(
            make_auth(
                "haoee", api_key=None, access_key=None, secret_key=None, clock=FakeClock(), env=env
            )
        )
        == "Bearer env-key-123456"
    )


@pytest.mark.parametrize(
    ("backend", "env", "variable"),
    [
        ("haoee", {}, "HAOEE_API_KEY"),
        ("kling", {}, "KLING_ACCESS_KEY"),
        ("kling", {"KLING_ACCESS_KEY": "ak-1234567890"}, "KLING_SECRET_KEY"),
        ("kling", {"KLING_SECRET_KEY": "sk-1234567890"}, "KLING_ACCESS_KEY"),
        ("openai", {}, "backend"),
    ],
)
def test_missing_credentials_name_the_variable_to_set(
    backend: str, env: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        make_auth(
            backend, api_key=None, access_key=None, secret_key=None, clock=FakeClock(), env=env
        )


def test_the_missing_key_message_reads_as_written_not_redacted() -> None:
    with pytest.raises(ConfigurationError) as caught:
        make_auth(
            "haoee", api_key=None, access_key=None, secret_key=None, clock=FakeClock(), env={}
        )
    assert str(caught.value) == "no haoee API key: pass api_key=... or set HAOEE_API_KEY"


def test_kling_ak_sk_signs_an_hs256_jwt_with_the_documented_claims() -> None:
    clock = FakeClock(wall_start=1_764_000_000.0)
    auth = make_auth(
        "kling",
        api_key=None,
        access_key=None,
        secret_key=None,
        clock=clock,
        env={"KLING_ACCESS_KEY": "ak-test-0001", "KLING_SECRET_KEY": "sk-test-0001"},
    )
    assert isinstance(auth, JwtAuth)
    token = header_of(auth).removeprefix("Bearer ")
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "JWT"}
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
        claims = jwt.decode(
            token,
            "sk-test-0001",
            algorithms=["HS256"],
            options={"verify_exp": False, "verify_nbf": False},
        )
    assert claims == {"iss": "ak-test-0001", "exp": 1_764_001_800, "nbf": 1_763_999_995}


def test_the_jwt_is_cached_and_re_signed_five_minutes_before_it_expires() -> None:
    clock = FakeClock()
    auth = JwtAuth(Secret("ak-test-0001"), Secret("sk-test-0001"), clock)
    first = auth.token()
    clock.advance(1800 - 301)
    assert auth.token() == first
    clock.advance(2)
    assert auth.token() != first


def test_a_kling_api_key_is_sent_as_bearer() -> None:
    auth = make_auth(
        "kling",
        api_key="kling-key-0001",
        access_key=None,
        secret_key=None,
        clock=FakeClock(),
        env={"KLING_ACCESS_KEY": "ignored-because-api-key"},
    )
    assert isinstance(auth, BearerAuth)
    assert header_of(auth) == "Bearer kling-key-0001"
    assert (
        header_of(
            make_auth(
                "kling",
                api_key=None,
                access_key=None,
                secret_key=None,
                clock=FakeClock(),
                env={"KLING_API_KEY": "kling-env-0001"},
            )
        )
        == "Bearer kling-env-0001"
    )


def test_auth_reprs_never_show_keys() -> None:
    auth = JwtAuth(Secret("ak-visible-0001"), Secret("sk-visible-0001"), FakeClock())
    assert "visible" not in repr(auth)
    assert "visible" not in repr(BearerAuth(Secret("sk-visible-0002")))


def test_base_urls_default_per_backend_and_follow_the_environment() -> None:
    assert default_base_url("haoee", {}) == "https://maas.haoee.com/kling"
    assert (
        default_base_url("haoee", {"HAOEE_BASE_URL": "http://127.0.0.1:9"}) == "http://127.0.0.1:9"
    )
    assert default_base_url("kling", {}) == "https://api-singapore.klingai.com"
