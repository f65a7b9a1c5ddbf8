"""What a consuming repository does with a vendored or installed copy; run as a script.

    python -I tests/vendor/consumer_check.py ROOT [--vendored] [--fake]

Run in a clean interpreter (``-I``: no PYTHONPATH, no current folder on the path). Asserts that
both packages are imported from under ROOT (``--vendored`` puts ROOT first on the path, as a
vendoring repository would), that the packaged spec is there, and makes one call with each
client: the generated client and the overlay on an `httpx.MockTransport`, and with ``--fake``
the async overlay client against the shipped fake gateway, in-process, and a sync one on its
linked clock (`create_and_wait` at once). Prints ``consumer ok``.
"""

from __future__ import annotations

import sys

ANSWER = {
    "code": 0,
    "message": "SUCCEED",
    "request_id": "r-1",
    "data": {
        "task_id": "123",
        "task_status": "succeed",
        "task_result": {"videos": [{"id": "v-1", "url": "https://cdn.example.org/v.mp4"}]},
        "created_at": 1764048000000,
        "updated_at": 1764048060000,
    },
}


def _check_imports(root: str) -> None:
    from importlib import resources

    import haoee_kling
    import haoee_kling_api

    for module in (haoee_kling, haoee_kling_api):
        assert str(module.__file__).startswith(root), f"{module.__name__} from {module.__file__}"
    assert resources.files("haoee_kling_api").joinpath("openapi.yaml").is_file()
    assert resources.files("haoee_kling_api").joinpath("py.typed").is_file()
    assert resources.files("haoee_kling").joinpath("py.typed").is_file()


def _check_mock_calls() -> None:
    import httpx

    from haoee_kling import Kling
    from haoee_kling_api import AuthenticatedClient
    from haoee_kling_api.api.videos import get_text_2_video

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == "Bearer consumer-key"
        assert request.url.path == "/kling/v1/videos/text2video/123"
        return httpx.Response(200, json=ANSWER)

    base_url = "https://maas.haoee.com/kling"
    generated = AuthenticatedClient(base_url=base_url, token="consumer-key")
    generated.set_httpx_client(
        httpx.Client(
            base_url=base_url,
            transport=httpx.MockTransport(answer),
            headers={"Authorization": "Bearer consumer-key"},
        )
    )
    parsed = get_text_2_video.sync(task_id="123", client=generated)
    assert parsed is not None
    assert parsed.to_dict() == ANSWER, parsed
    with Kling(
        api_key="consumer-key", base_url=base_url, transport=httpx.MockTransport(answer)
    ) as kling:
        assert kling.text2video.get("123").task_status == "succeed"


def _check_fake() -> None:
    import asyncio

    import httpx

    from haoee_kling import AsyncKling
    from haoee_kling.testing import FakeGateway

    async def run() -> None:
        gateway = FakeGateway()
        transport = httpx.ASGITransport(app=gateway.app)
        async with AsyncKling(
            api_key=gateway.key, base_url=gateway.base_url, transport=transport
        ) as kling:
            task = await kling.text2video.create(prompt="A fox in the snow")
            gateway.clock.advance(3600)
            done = await kling.text2video.get(task.task_id)
        assert done.task_status == "succeed", done

    asyncio.run(run())

    # The shipped linked clock: a wait of minutes returns at once, as in a consumer's test.
    from haoee_kling.testing import linked_client

    gateway = FakeGateway()
    with linked_client(gateway, "sync") as kling:
        done = kling.text2video.create_and_wait(prompt="A fox in the snow")
    assert done.task_status == "succeed", done


def main(argv: list[str]) -> int:
    """Run the checks named on the command line; return 0 when they pass."""
    root = argv[1]
    if "--vendored" in argv:
        sys.path.insert(0, root)
    _check_imports(root)
    _check_mock_calls()
    if "--fake" in argv:
        _check_fake()
    sys.stdout.write("consumer ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
