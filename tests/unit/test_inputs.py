"""Bad input gets a clear error before the network; local media become raw base64."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
import respx
from PIL import Image

from haoee_kling import AsyncKling, InvalidRequestError, Kling
from haoee_kling.check._inputs import detect_format, encode_media, prepare_body
from tests.unit.conftest import run

IMAGE_MEDIA = {
    "kind": "image",
    "transport": ["url", "base64"],
    "formats": ["jpg", "jpeg", "png"],
    "max_bytes": 10485760,
    "min_width": 300,
    "min_height": 300,
    "min_aspect": 0.4,
    "max_aspect": 2.5,
}


def picture(width: int, height: int, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, fmt)
    return buffer.getvalue()


def problems_of(operation_id: str, **fields: object) -> dict[str, str]:
    with pytest.raises(InvalidRequestError) as caught:
        prepare_body(operation_id, fields)
    return {p.field: p.rule for p in caught.value.problems}


def test_a_local_file_path_and_bytes_become_raw_base64(tmp_path: Path) -> None:
    data = picture(400, 300)
    (tmp_path / "cat.png").write_bytes(data)
    for value in (tmp_path / "cat.png", str(tmp_path / "cat.png"), data):
        body = prepare_body("createImage2Video", {"image": value, "prompt": "a cat"})
        assert base64.b64decode(body["image"]) == data
        assert not body["image"].startswith("data:")


def test_a_data_prefix_is_stripped_and_a_url_is_sent_as_given() -> None:
    data = picture(400, 400)
    prefixed = "data:image/png;base64," + base64.b64encode(data).decode()
    assert (
        prepare_body("createImage2Video", {"image": prefixed})["image"]
        == base64.b64encode(data).decode()
    )
    url = "https://cdn.example.org/in.png?sig=1"
    assert prepare_body("createImage2Video", {"image": url})["image"] == url


def test_nested_media_fields_are_encoded_in_every_item() -> None:
    data = picture(320, 320, "JPEG")
    body = prepare_body(
        "createMultiImage2Video",
        {"prompt": "two friends", "image_list": [{"image": data}, {"image": data}]},
    )
    assert [base64.b64decode(i["image"]) for i in body["image_list"]] == [data, data]


def test_every_problem_is_reported_together_naming_field_and_rule(tmp_path: Path) -> None:
    (tmp_path / "anim.gif").write_bytes(picture(400, 400, "GIF"))
    found = problems_of(
        "createImage2Video",
        prompt="x" * 2600,
        image=tmp_path / "anim.gif",
        image_tail=str(tmp_path / "missing.png"),
        mode="ultra",
    )
    assert found == {
        "prompt": "maxLength",
        "image": "x-kling-media.formats",
        "image_tail": "file",
        "mode": "enum",
    }


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (picture(200, 400), "x-kling-media.min_width"),
        (picture(900, 300), "x-kling-media.aspect"),
        (b"\x89PNG\r\n\x1a\n" + b"broken", "x-kling-media.formats"),
    ],
)
def test_images_are_checked_for_size_dimensions_and_aspect(data: bytes, rule: str) -> None:
    _, problems = encode_media("image", data, IMAGE_MEDIA)
    assert [p.rule for p in problems] == [rule]


def test_a_file_over_max_bytes_is_refused() -> None:
    media = {**IMAGE_MEDIA, "max_bytes": 100}
    _, problems = encode_media("image", picture(400, 400), media)
    assert [p.rule for p in problems] == ["x-kling-media.max_bytes"]


def test_url_only_fields_refuse_local_data_with_a_clear_message() -> None:
    with pytest.raises(InvalidRequestError, match="needs a public http"):
        prepare_body("createVideoToAudio", {"video_url": b"\x00\x00\x00\x18ftypmp42"})


def test_unknown_fields_and_cross_field_rules_are_reported() -> None:
    assert problems_of("createText2Video", prompt="x", promt="typo") == {"promt": "unknown-field"}
    found = problems_of(
        "createImage2Video",
        image_tail="https://cdn.example.org/t.png",
        camera_control={"type": "simple"},
    )
    assert "one-frame-control" in found.values()


@pytest.mark.parametrize(
    ("head", "fmt"),
    [
        (b"\xff\xd8\xff\xe0", "jpg"),
        (b"GIF89a", "gif"),
        (b"RIFF\0\0\0\0WAVEfmt ", "wav"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "webp"),
        (b"\0\0\0\x18ftypM4A ", "m4a"),
        (b"\0\0\0\x18ftypqt  ", "mov"),
        (b"\0\0\0\x18ftypisom", "mp4"),
        (b"ID3\x04", "mp3"),
        (b"\xff\xfb\x90", "mp3"),
        (b"\xff\xf1\x50", "aac"),
        (b"hello", None),
    ],
)
def test_formats_are_told_by_magic_bytes(head: bytes, fmt: str | None) -> None:
    assert detect_format(head) == fmt


def test_the_callers_objects_are_not_modified() -> None:
    items = [{"image": picture(320, 320)}]
    prepare_body("createMultiImage2Video", {"prompt": "p", "image_list": items})
    assert isinstance(items[0]["image"], bytes)


async def test_invalid_input_is_rejected_before_any_request(
    kling: Kling | AsyncKling, router: respx.MockRouter, tmp_path: Path
) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        await run(kling.image2video.create(image=tmp_path / "nope.png", prompt="x" * 3000))
    assert {p.field for p in caught.value.problems} == {"image", "prompt"}
    assert router.calls.call_count == 0


def test_odd_values_are_left_to_the_schema_to_report() -> None:
    assert encode_media("image", "", IMAGE_MEDIA) == ("", [])
    assert encode_media("image", 42, IMAGE_MEDIA) == (42, [])
    _, problems = encode_media("image", "A" * 65, IMAGE_MEDIA)
    assert [p.rule for p in problems] == ["base64"]


def test_generated_models_and_enums_are_accepted_as_values() -> None:
    from haoee_kling_api.models import CameraControl, Mode

    camera = CameraControl.from_dict({"type": "forward_up"})
    body = prepare_body(
        "createText2Video", {"prompt": "p", "mode": Mode("std"), "camera_control": camera}
    )
    assert body["mode"] == "std"
    assert body["camera_control"] == {"type": "forward_up"}
