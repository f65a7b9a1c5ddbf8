"""Recording scrubs secrets: keys, JWTs and signed media URLs never reach a cassette.

The exchange is recorded with the very settings live runs use (tests/live/secrets.py), from an
httpx.MockTransport that answers like a gateway handing out signed download URLs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import vcr  # type: ignore[import-untyped]

from tests.live.secrets import find_secrets, scrub_text, vcr_settings

ROOT = Path(__file__).resolve().parents[2]
KEY = "01J9ZQ4V8KX2M7T5R3W6Y1B0CD"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJhayJ9.c2lnbmF0dXJlLXZhbHVl"
SIGNED = (
    "https://cdn.example.org/v.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIA%2F20261125&X-Amz-Signature=0a1b2c3d4e5f60718293a4b5c6d7e8f9"
)
TASK = {
    "code": 0,
    "message": "SUCCEED",
    "request_id": "7d0c8a52-93b1-4f7e-a1c2-5e6f7a8b9c0d",
    "data": {
        "task_id": "842250903629086785",
        "task_status": "succeed",
        "task_status_msg": f"signed by {JWT} for {KEY}",
        "task_result": {
            "videos": [
                {
                    "id": "v1",
                    "url": SIGNED,
                    "watermark_url": "https://cdn.example.org/w.mp4?token=abc123",
                }
            ]
        },
        "created_at": 1764048000000,
        "updated_at": 1764048060000,
    },
}


def _gateway(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json=TASK, headers={"Set-Cookie": f"session={KEY}"})


def _record(cassette: Path, path: str) -> None:
    """GET ``path`` on haoee with the key, recorded with the live runs' settings."""
    recorder = vcr.VCR(record_mode="once", **vcr_settings(KEY))
    with (
        recorder.use_cassette(str(cassette)),
        httpx.Client(transport=httpx.MockTransport(_gateway)) as client,
    ):
        client.get(
            f"https://maas.haoee.com/kling{path}",
            headers={"Authorization": f"Bearer {KEY}", "ModelName": "kling-v1"},
        )


def test_recorded_cassette_holds_no_secret_and_still_validates(tmp_path: Path) -> None:
    """Every secret is replaced; the scrubbed answer is still JSON that matches the spec."""
    cassette = tmp_path / "recorded.yaml"
    _record(cassette, "/v1/videos/text2video/842250903629086785")
    text = cassette.read_text()
    assert find_secrets(text) == []
    for secret in (KEY, JWT, "X-Amz-Signature", "token=abc123"):
        assert secret not in text
    check = subprocess.run(
        [sys.executable, str(ROOT / "tools/validate_cassettes.py"), str(cassette)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout


def test_probes_of_undescribed_routes_are_not_recorded(tmp_path: Path) -> None:
    """A probe of a route the spec does not describe (multi-elements, R §1) stays out."""
    cassette = tmp_path / "probe.yaml"
    _record(cassette, "/v1/videos/multi-elements/1")
    assert not cassette.exists()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"Authorization: Bearer {KEY}", "Bearer token"),
        (JWT, "JWT"),
        ("sk-" + "a1B2" * 8, "sk- key"),
        ("0123456789abcdef" * 2, "long hex key"),
        (KEY, "ULID-like key"),
        (SIGNED, "signed URL query string"),
        ("https://x.example/a.png?sig=abc&se=2026", "signed URL query string"),
    ],
)
def test_each_kind_of_secret_is_found_and_scrubbed(text: str, kind: str) -> None:
    """The scan names what it found; scrubbing removes it."""
    assert kind in {finding.kind for finding in find_secrets(text)}
    assert find_secrets(scrub_text(text)) == []


@pytest.mark.parametrize(
    "text",
    [
        "842250903629086785",
        "7d0c8a52-93b1-4f7e-a1c2-5e6f7a8b9c0d",
        "https://cdn.example.org/a.png?design=1&page=2",
        "Bearer REDACTED",
        json.dumps({"model_name": "kling-v2-6", "created_at": 1764048000000}),
    ],
)
def test_ordinary_ids_and_urls_are_not_secrets(text: str) -> None:
    """Task ids, request ids and plain URLs pass the scan untouched."""
    assert find_secrets(text) == []
    assert scrub_text(text) == text
