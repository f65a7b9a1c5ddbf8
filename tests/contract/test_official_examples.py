"""Kling's own request examples pass the spec and the fake, and the client still sends no `""`.

The examples (tests/contract/official_examples.yaml, each with its source) send `""` for the
optional text fields they leave unused, which Kling takes as "not given" (openapi/README.md,
decision 39). A fake that refused them would tell people testing their own code "invalid" where
Kling says "fine".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from haoee_kling._client_state import model_name_header
from haoee_kling._spec import operation
from haoee_kling.check._inputs import prepare_body
from haoee_kling.check._validation import validate_body
from haoee_kling.testing import FakeGateway
from tests.yaml_files import read_yaml

EXAMPLES: list[dict[str, Any]] = read_yaml(
    (Path(__file__).parent / "official_examples.yaml").read_text(encoding="utf-8")
)


def _id(example: dict[str, Any]) -> str:
    return f"{example['operation']}-{EXAMPLES.index(example)}"


def test_the_examples_include_the_empty_strings_kling_sends() -> None:
    """The file holds what decision 39 is about: `""` in callback_url, external_task_id and a
    video_id beside another source."""
    bodies = [example["body"] for example in EXAMPLES]
    assert sum(body.get("callback_url") == "" for body in bodies) >= 5
    assert sum(body.get("external_task_id") == "" for body in bodies) >= 6
    assert any(body.get("video_id") == "" and body.get("voice_url") for body in bodies)


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_the_spec_accepts_the_example(example: dict[str, Any]) -> None:
    assert validate_body(example["operation"], example["body"]) == []


def _face_session(client: Any) -> tuple[str, str]:
    """A face session of the fake (advanced lip-sync names one that must exist)."""
    answer = client.post(
        "/v1/videos/identify-face", json={"video_url": "https://cdn.example.org/talk.mp4"}
    )
    assert answer.status_code == 200, answer.text
    session = answer.json()["data"]
    return session["session_id"], session["face_data"][0]["face_id"]


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_the_fake_takes_the_example(example: dict[str, Any]) -> None:
    gateway = FakeGateway()
    op = operation(example["operation"])
    body = dict(example["body"])
    with gateway.test_client() as client:
        if example.get("needs") == "face_session":
            session_id, face_id = _face_session(client)
            body["session_id"] = session_id
            body["face_choose"] = [body["face_choose"][0] | {"face_id": face_id}]
        answer = client.post(op.path, json=body, headers={"ModelName": model_name_header(op, body)})
    assert answer.status_code == 200, answer.text
    if op.kind is not None:  # a task kind: its "" external id was taken as none
        assert gateway.task(answer.json()["data"]["task_id"]).external_task_id is None


@pytest.mark.parametrize("example", EXAMPLES, ids=_id)
def test_the_client_leaves_the_empty_strings_out(example: dict[str, Any]) -> None:
    sent = prepare_body(example["operation"], example["body"])
    assert "" not in sent.values()
    assert {k for k, v in example["body"].items() if v != ""} <= set(sent)
