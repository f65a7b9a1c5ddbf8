"""Elements (reusable subjects): the legacy synchronous catalogue, presets, advanced results.

Legacy `createCustomElement` answers with the element at once; `listCustomElements` pages this
key's own, newest first. Kling's presets are the spec's `PresetElementPage` example, in the
legacy shape and wrapped in succeeded tasks for `listAdvancedPresetElements`. Advanced custom
element tasks produce `advanced_element`s. Pictures are served by the fake (`/media/...`).
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

from .._spec import resolve
from ._call import JSON, Call, page
from ._clock import FAKE_EPOCH
from ._envelope import KlingError
from ._render import absolute_media
from ._specdata import preset_elements, tag_names

if TYPE_CHECKING:
    from ._gateway import FakeGateway

__all__ = [
    "advanced_element",
    "check_elements",
    "create_custom_element",
    "list_advanced_preset_elements",
    "list_custom_elements",
    "list_preset_elements",
    "owner",
    "presets",
    "tags",
]


def owner(key: str) -> str:
    """A stable creator id for a key (Kling shows the account id in `owned_by`)."""
    return str(7_000_000_000 + zlib.crc32(key.encode()) % 1_000_000_000)


def tags(body: JSON) -> list[JSON]:
    """The `tag_list` of an element, names from the spec."""
    names = tag_names()
    wanted = [item["tag_id"] for item in body.get("tag_list", [])]
    return [{"id": t, "name": names[t], "description": f"{names[t]} elements"} for t in wanted]


def check_elements(gw: FakeGateway, call: Call) -> None:
    """Every `element_list` id must be this key's element or a preset (else 404 1203).

    Only where the create's schema has `element_list`: elsewhere a field of that name is an
    unknown field, which Kling ignores (schemathesis sends them).
    """
    if "element_list" not in resolve(call.op.body_schema or {}).get("properties", {}):
        return
    wanted = [item["element_id"] for item in call.body.get("element_list", [])]
    if not wanted:
        return
    known = gw.store.element_ids(call.key, call.now) | {e["element_id"] for e in presets()}
    for element_id in wanted:
        if element_id not in known:
            raise KlingError(404, 1203, f"element not found: {element_id}")


def advanced_element(element_id: int, key: str, body: JSON) -> JSON:
    """The element an advanced custom element task makes from its create body."""
    element: JSON = {
        "element_id": element_id,
        "element_name": body["element_name"],
        "element_description": body["element_description"],
        "reference_type": body["reference_type"],
    }
    images = body.get("element_image_list")
    if body["reference_type"] == "image_refer" and images:
        refers = images.get("refer_images", [])
        element["element_image_list"] = {
            "frontal_image": f"/media/{element_id}-front.png",
            "refer_images": [
                {"image_url": f"/media/{element_id}-refer-{i}.png"} for i in range(len(refers))
            ],
        }
    if body["reference_type"] == "video_refer" and body.get("element_video_list"):
        element["element_video_list"] = {
            "refer_videos": [{"video_url": f"/media/{element_id}-refer.mp4"}]
        }
    voice = body.get("element_voice_id")
    element["element_voice_info"] = {"voice_id": voice, "owned_by": owner(key)} if voice else {}
    element.update(tag_list=tags(body), owned_by=owner(key), status="succeed")
    return element


def create_custom_element(gw: FakeGateway, call: Call) -> JSON:
    """Create a legacy element synchronously; answers with the element."""
    body, element_id = call.body, int(gw.store.next_id())
    element = {
        "element_id": element_id,
        "element_name": body["element_name"],
        "element_description": body["element_description"],
        "element_frontal_image": f"/media/{element_id}-front.png",
        "element_refer_list": [
            {"image_url": f"/media/{element_id}-refer-{i}.png"}
            for i in range(len(body["element_refer_list"]))
        ],
        "tag_list": tags(body),
        "owned_by": owner(call.key),
    }
    gw.store.add_custom_element(call.key, element)
    return absolute_media(element, call.base)


def list_custom_elements(gw: FakeGateway, call: Call) -> list[Any]:
    """One page of this key's legacy elements, newest first."""
    return absolute_media(page(gw.store.custom_elements(call.key), call), call.base)


def list_preset_elements(gw: FakeGateway, call: Call) -> list[Any]:
    """One page of Kling's preset elements (legacy shape)."""
    return absolute_media(page(presets(), call), call.base)


def list_advanced_preset_elements(gw: FakeGateway, call: Call) -> list[Any]:
    """One page of Kling's preset elements, each wrapped in a succeeded task (current shape)."""
    created = round(FAKE_EPOCH * 1000)
    tasks = []
    for element in page(presets(), call):
        advanced = {
            "element_id": element["element_id"],
            "element_name": element["element_name"],
            "element_description": element["element_description"],
            "reference_type": "image_refer",
            "element_image_list": {
                "frontal_image": element["element_frontal_image"],
                "refer_images": element["element_refer_list"],
            },
            "element_voice_info": {},
            "tag_list": element["tag_list"],
            "owned_by": "kling",
            "status": "succeed",
        }
        tasks.append(
            {
                "task_id": str(element["element_id"]),
                "task_status": "succeed",
                "task_status_msg": "",
                "task_info": {"external_task_id": None},
                "task_result": {"elements": [advanced]},
                "created_at": created,
                "updated_at": created,
            }
        )
    return absolute_media(tasks, call.base)


def presets() -> list[JSON]:
    """Kling's preset elements from the spec, with their pictures served by the fake."""
    found = []
    for element in preset_elements():
        eid = element["element_id"]
        refers = element.get("element_refer_list", [])
        found.append(
            element
            | {
                "element_frontal_image": f"/media/preset-{eid}-front.png",
                "element_refer_list": [
                    {"image_url": f"/media/preset-{eid}-refer-{i}.png"} for i in range(len(refers))
                ],
            }
        )
    return found
