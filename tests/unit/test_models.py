"""`kling.models`: the capability map as Python objects, on both clients, with no network."""

from __future__ import annotations

import httpx
import pytest

from haoee_kling import AsyncKling, Kling, ModelInfo, Models

CANARY_KEY = "canary-KEY-7f3e9a1c5b2d4e6f8a0b"


def no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"kling.models must not call the network ({request.url})")


@pytest.mark.parametrize("cls", [Kling, AsyncKling])
def test_both_clients_read_the_map_without_the_network(cls: type[Kling] | type[AsyncKling]) -> None:
    transport = httpx.MockTransport(no_network)
    kling = cls(api_key=CANARY_KEY, transport=transport)
    assert isinstance(kling.models, Models)
    info = kling.models.get("kling-v2-6")
    assert isinstance(info, ModelInfo)
    assert set(info.kinds) == {"text2video", "image2video", "motion_control"}
    assert info["image2video"].sound_modes == ("pro",)
    assert info["image2video"].features["image_tail"].silent
    assert info["text2video"].model_name_header == "kling-v2-6"


def test_list_filters_by_kind_and_keeps_the_maps_order() -> None:
    models = Models()
    names = [caps.name for caps in models.list("text2video")]
    assert names[0] == "kling-v1"
    assert names[-1] == "kling-v3"
    assert [c.name for c in models.list("multi-image2image")] == ["kling-v2", "kling-v2-1"]
    kinds = {caps.kind for caps in models.list()}
    assert kinds == set(models.kinds())
    assert "omni_video" in kinds


def test_an_unknown_kind_or_model_says_what_is_known() -> None:
    models = Models()
    with pytest.raises(ValueError, match="the kinds are text2video"):
        models.list("lip_sync")
    with pytest.raises(KeyError, match="did you mean kling-v2-6"):
        models.get("kling-v2-66")
    with pytest.raises(KeyError, match="kling-v1-5 does not do text2video"):
        models.get("kling-v1-5")["text2video"]


def test_entries_say_what_each_model_supports() -> None:
    v1 = Models().get("kling-v1")["text2video"]
    assert v1.modes == ("std", "pro")
    assert v1.durations == ("5", "10")
    assert not v1.sound
    camera = v1.features["camera_control"]
    assert (camera.modes, camera.durations) == (("std",), ("5",))
    assert camera.describe() == "std; 5 s"
    v3 = Models().get("kling-v3")["image2video"]
    assert v3.durations == tuple(str(n) for n in range(3, 16))
    assert "4k" in (v3.modes or ())
    assert v3.features["elements"].supported
    assert v3.to_dict()["features"]["motion_brush"]["supported"] is False
