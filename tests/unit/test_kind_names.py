"""Task kinds: one spelling shown, every spelling read, and a near miss named."""

from __future__ import annotations

import pytest

from haoee_kling import KlingError, UnknownKindError
from haoee_kling._kind_names import kind_names, namespace_of, spec_kind, suggest, user_kind


@pytest.mark.parametrize(
    ("typed", "spec", "shown", "namespace"),
    [
        ("text2video", "text2video", "text2video", "text2video"),
        ("text-to-audio", "text_to_audio", "text-to-audio", "text_to_audio"),
        ("text_to_audio", "text_to_audio", "text-to-audio", "text_to_audio"),
        ("elements", "advanced_custom_element", "elements", "elements"),
        ("advanced_custom_element", "advanced_custom_element", "elements", "elements"),
        ("advanced-custom-element", "advanced_custom_element", "elements", "elements"),
        ("multi_image2video", "multi_image2video", "multi-image2video", "multi_image2video"),
    ],
)
def test_every_spelling_reads_as_the_spec_kind_and_shows_as_the_command(
    typed: str, spec: str, shown: str, namespace: str
) -> None:
    assert spec_kind(typed) == spec
    assert user_kind(typed) == shown
    assert namespace_of(typed) == namespace


def test_the_shown_names_are_the_commands_names() -> None:
    from haoee_kling.cli._kinds import KINDS

    assert list(kind_names()) == list(KINDS)
    assert all(name == name.lower() and "_" not in name for name in kind_names())


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("Text2Video", "did you mean 'text2video'?"),  # only the case differs: that one alone
        ("text2vidoe", "did you mean 'text2video'?"),
        ("Text_To_Audio", "did you mean 'text-to-audio'?"),
        ("nothing-like-it", "the kinds are elements, advanced-lip-sync, "),
    ],
)
def test_an_unknown_kind_says_what_was_meant(typed: str, says: str) -> None:
    with pytest.raises(UnknownKindError) as caught:
        spec_kind(typed)
    assert str(caught.value).startswith(f"unknown task kind '{typed}'; ")
    assert says in str(caught.value)
    assert isinstance(caught.value, KlingError)
    assert isinstance(caught.value, ValueError)


def test_an_unknown_name_is_shown_as_it_came() -> None:
    assert user_kind("no-such-kind") == "no-such-kind"
    assert suggest("xyz", ["text2video"]) == ""
