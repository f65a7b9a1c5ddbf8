"""Every fault knob of the fake gateway, observed from an httpx client.

Connection-level faults are checked twice: in-process (the app raises `ConnectionDropped`, an
`httpx.RemoteProtocolError`) and over a real loopback socket with uvicorn (the TCP connection
is closed: httpx raises `RemoteProtocolError`).
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from haoee_kling.testing import (
    ConnectionDropped,
    FakeGateway,
    Fault,
    RunningServer,
    dropped_connection,
    html_error_page,
    http_error,
    malformed_json,
    parse_fault,
    slow_response,
    truncated_body,
)
from tests.e2e.fake_support import anonymous, create, error_of, get_path, read

pytest_plugins = ["haoee_kling.testing.pytest_plugin"]

T2V = "/v1/videos/text2video"


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        (http_error(429), 429, 1302),
        (http_error(429, 1303, retry_after=3), 429, 1303),
        (http_error(500), 500, 5000),
        (http_error(503, retry_after=5), 503, 5001),
        (http_error(504), 504, 5002),
    ],
)
async def test_status_faults_answer_the_kling_error_envelope(
    fake_gateway: FakeGateway, fault: Fault, status: int, code: int
) -> None:
    fake_gateway.faults.add(fault)
    async with fake_gateway.async_client() as client:
        response = await client.post(T2V, json={"prompt": "a"})
        assert error_of(response) == (status, code)
        assert response.headers.get("Retry-After") == (
            None if fault.retry_after is None else str(fault.retry_after)
        )
        # the fault was used up: the next request goes through, and the failed one stored nothing
        assert (await client.post(T2V, json={"prompt": "a"})).status_code == 200
    assert len(fake_gateway.tasks()) == 1


async def test_faults_match_by_operation_glob_and_count(fake_gateway: FakeGateway) -> None:
    fake_gateway.faults.add(
        http_error(503, match="listImage2Video", count=2),
        http_error(500, match="GET /kling/v1/videos/text2video/*", count=0),
    )
    async with fake_gateway.async_client() as client:
        assert (await client.get(T2V)).status_code == 200  # neither matches the list
        for _ in range(2):
            assert (await client.get("/v1/videos/image2video")).status_code == 503
        assert (await client.get("/v1/videos/image2video")).status_code == 200
        for _ in range(3):  # count=0 fires until cleared
            assert (await client.get(get_path("text2video", "1"))).status_code == 500
        assert len(fake_gateway.faults.pending()) == 1
        fake_gateway.faults.clear()
        assert (await client.get(get_path("text2video", "1"))).status_code == 404
    assert [f.http_status for f in fake_gateway.faults.fired] == []  # cleared with the plan


async def test_ambiguous_post_in_process_stores_the_task_then_drops(
    fake_gateway: FakeGateway,
) -> None:
    fake_gateway.faults.add(dropped_connection(match="createText2Video"))
    async with fake_gateway.async_client() as client:
        with pytest.raises(httpx.RemoteProtocolError) as caught:
            await client.post(T2V, json={"prompt": "a", "external_task_id": "order-1"})
        assert isinstance(caught.value, ConnectionDropped)
        assert caught.value.request.url.path == "/kling" + T2V
        found = await read(client, "text2video", "order-1")
    assert [task.task_id for task in fake_gateway.tasks()] == [found["task_id"]]


async def test_ambiguous_post_over_tcp_closes_the_connection(
    fake_gateway_server: RunningServer,
) -> None:
    gateway = fake_gateway_server.gateway
    gateway.faults.add(dropped_connection(match="POST /kling/v1/videos/*"))
    async with httpx.AsyncClient(
        base_url=fake_gateway_server.base_url, headers=gateway.client_headers()
    ) as client:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            await client.post(T2V, json={"prompt": "a", "external_task_id": "order-2"})
        found = await read(client, "text2video", "order-2")
    assert found["task_info"]["external_task_id"] == "order-2"
    assert len(gateway.tasks()) == 1


async def test_slow_response_over_tcp_outlasts_the_client_timeout(
    fake_gateway_server: RunningServer,
) -> None:
    gateway = fake_gateway_server.gateway
    gateway.faults.add(slow_response(0.3, match="listText2Video"))
    async with httpx.AsyncClient(
        base_url=fake_gateway_server.base_url, headers=gateway.client_headers(), timeout=0.05
    ) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get(T2V)
        assert (await client.get(T2V)).status_code == 200


async def test_slow_response_in_process_is_late_but_correct(fake_gateway: FakeGateway) -> None:
    fake_gateway.faults.add(slow_response(0.2))
    async with fake_gateway.async_client() as client:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.get(T2V), timeout=0.02)
        fake_gateway.faults.add(slow_response(0.01))
        assert (await client.get(T2V)).json()["code"] == 0


async def test_malformed_json_is_a_200_that_does_not_parse(fake_gateway: FakeGateway) -> None:
    fake_gateway.faults.add(malformed_json(match="getText2Video"))
    async with fake_gateway.async_client() as client:
        task = await create(client, "text2video", {"prompt": "a"})
        response = await client.get(get_path("text2video", task["task_id"]))
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        with pytest.raises(json.JSONDecodeError):
            response.json()


async def test_html_error_page_from_a_proxy(fake_gateway: FakeGateway) -> None:
    fake_gateway.faults.add(html_error_page(), html_error_page(504))
    async with fake_gateway.async_client() as client:
        first, second = await client.get(T2V), await client.get(T2V)
    assert first.status_code == 502
    assert second.status_code == 504
    assert first.headers["content-type"].startswith("text/html")
    assert "<html>" in first.text
    assert "502" in first.text


async def test_truncated_download_over_tcp(fake_gateway_server: RunningServer) -> None:
    gateway = fake_gateway_server.gateway
    async with httpx.AsyncClient(
        base_url=fake_gateway_server.base_url, headers=gateway.client_headers()
    ) as client:
        task = await create(client, "text2video", {"prompt": "a"})
        gateway.finish(task["task_id"])
        url = (await read(client, "text2video", task["task_id"]))["task_result"]["videos"][0]["url"]
    gateway.faults.add(truncated_body(keep=0.25))
    received = bytearray()
    headers: dict[str, str] = {}
    async with httpx.AsyncClient() as anonymous:  # media need no key
        with pytest.raises(httpx.RemoteProtocolError):
            await download(anonymous, url, received, headers)
        whole = (await anonymous.get(url)).content  # the next download is complete
    assert int(headers["content-length"]) == len(whole)
    assert 0 < len(received) < len(whole)


async def download(
    client: httpx.AsyncClient, url: str, sink: bytearray, headers: dict[str, str]
) -> None:
    """Stream `url` into `sink`, keeping the response headers even if the body breaks off."""
    async with client.stream("GET", url) as response:
        headers.update(response.headers)
        async for chunk in response.aiter_bytes():
            sink.extend(chunk)


async def test_truncated_download_in_process_raises(fake_gateway: FakeGateway) -> None:
    async with fake_gateway.async_client() as client:
        task = await create(client, "text2video", {"prompt": "a"})
        fake_gateway.finish(task["task_id"])
        url = (await read(client, "text2video", task["task_id"]))["task_result"]["videos"][0]["url"]
        fake_gateway.faults.add(truncated_body())
        async with anonymous(fake_gateway) as files:
            with pytest.raises(ConnectionDropped, match="bytes sent"):
                await files.get(url)


def test_faults_parse_from_text_and_dicts() -> None:
    fault = parse_fault("status:status=429,code=1303,retry_after=2,count=3,match=createText2Video")
    assert fault == Fault("status", "createText2Video", 3, status=429, code=1303, retry_after=2)
    assert parse_fault("drop") == Fault("drop")
    assert parse_fault("truncate:keep=0.1").keep == 0.1
    assert parse_fault("delay:seconds=2.5").seconds == 2.5
    assert Fault.from_mapping({"kind": "html", "status": "503"}).http_status == 503
    for bad in ["nope", "status:status", "status:colour=red", "status:count=x", "truncate:keep=1"]:
        with pytest.raises(ValueError, match=r"."):
            parse_fault(bad)
    with pytest.raises(ValueError, match="needs a kind"):
        Fault.from_mapping({"status": 500})
    with pytest.raises(ValueError, match="count"):
        Fault("drop", count=-1)


async def test_control_api_steers_a_server(fake_gateway_server: RunningServer) -> None:
    gateway = fake_gateway_server.gateway
    async with httpx.AsyncClient(
        base_url=fake_gateway_server.origin, headers=gateway.client_headers()
    ) as control:
        assert (await control.get("/_fake/tasks", headers={"Authorization": ""})).status_code == 401
        added = await control.post(
            "/_fake/faults", json=[{"kind": "status", "status": 503, "match": "listText2Video"}]
        )
        assert added.json()[0]["status"] == 503
        api = fake_gateway_server.base_url
        assert (await control.get(api + T2V)).status_code == 503
        assert (await control.get("/_fake/faults")).json() == []
        assert (await control.post("/_fake/faults", json={"kind": "bogus"})).status_code == 400
        await control.post("/_fake/faults", json={"kind": "drop", "count": 0})
        assert len((await control.get("/_fake/faults")).json()) == 1
        assert (await control.delete("/_fake/faults")).json() == []

        created = (await control.post(api + T2V, json={"prompt": "a"})).json()["data"]
        tasks = (await control.get("/_fake/tasks")).json()
        assert [(t["task_id"], t["task_status"]) for t in tasks] == [
            (created["task_id"], "submitted")
        ]
        now = (await control.post("/_fake/clock/advance", json={"seconds": 3600})).json()["now"]
        assert now == gateway.clock.now()
        assert (await control.get("/_fake/tasks")).json()[0]["task_status"] == "succeed"
        assert (
            await control.post("/_fake/clock/advance", json={"seconds": "x"})
        ).status_code == 400
        await control.post("/_fake/reset")
        assert (await control.get("/_fake/tasks")).json() == []
