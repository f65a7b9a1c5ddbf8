"""Every client of a process verifies servers with one TLS context, built once per setting."""

from __future__ import annotations

import ssl
from typing import Any

import certifi
import httpx
import pytest

from haoee_kling import AsyncKling, Kling
from haoee_kling._client import _tls_context_for, tls_context


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    _tls_context_for.cache_clear()


def counting_builds(monkeypatch: pytest.MonkeyPatch) -> list[ssl.SSLContext]:
    built: list[ssl.SSLContext] = []
    real = httpx.create_ssl_context

    def build(*args: object, **kwargs: object) -> ssl.SSLContext:
        context = real(*args, **kwargs)  # type: ignore[arg-type]
        built.append(context)
        return context

    monkeypatch.setattr(httpx, "create_ssl_context", build)
    return built


def pool_context(client: httpx.Client | httpx.AsyncClient) -> object:
    """The context the client's connection pool wraps sockets with (httpx and httpcore pinned)."""
    transport: Any = client._transport
    return transport._pool._ssl_context


async def test_clients_and_their_download_clients_load_the_ca_bundle_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = counting_builds(monkeypatch)
    used = []
    for _ in range(3):
        with Kling("key", base_url="https://example.invalid/kling") as kling:
            downloads = kling._download_options(None, False)["client"]
            used += [pool_context(kling._http), pool_context(downloads)]
        async with AsyncKling("key", base_url="https://example.invalid/kling") as akling:
            downloads = akling._download_options(None, False)["client"]
            used += [pool_context(akling._http), pool_context(downloads)]
    assert len(built) == 1
    assert all(context is built[0] for context in used)
    assert built[0].verify_mode == ssl.CERT_REQUIRED  # still verifying, as httpx does
    assert built[0].check_hostname


def test_a_changed_certificate_setting_builds_a_new_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = tls_context()
    assert tls_context() is first
    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    assert tls_context() is not first


def test_a_client_given_its_own_transport_loads_no_ca_bundle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = counting_builds(monkeypatch)
    transport = httpx.MockTransport(lambda request: httpx.Response(200))
    with Kling("key", base_url="https://example.invalid/kling", transport=transport) as kling:
        kling._download_options(None, False)  # the download client, on the same transport
    assert built == []
    assert _tls_context_for.cache_info().currsize == 0
