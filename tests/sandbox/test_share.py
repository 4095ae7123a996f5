"""Share links: programs survive the URL; hostile ``code`` values give a clear ShareLinkError."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphlab.sandbox.share import (
    MAX_PARAM_CHARS,
    MAX_PROGRAM_CHARS,
    ShareLinkError,
    decode_program,
    encode_program,
    program_from_link,
)

PROGRAM_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\r") | st.just("\n"),
    max_size=300,
)


@given(PROGRAM_TEXT)
def test_round_trip(source: str) -> None:
    encoded = encode_program(source)
    assert all(c.isalnum() or c in "-_" for c in encoded)  # URL-safe, no padding
    assert decode_program(encoded) == source


def test_plain_text_is_accepted_as_typed() -> None:
    assert decode_program("y = x * x") == "y = x * x"
    assert decode_program("x = 1\r\ny = 2") == "x = 1\ny = 2"
    # Looks like base64 but does not decode to text: it is taken as typed.
    assert decode_program("abcd") == "abcd"


@pytest.mark.parametrize(
    "value, message",
    [
        (None, "not text"),
        (["a"], "not text"),
        ("A" * (MAX_PARAM_CHARS + 1), "too long"),
        ("x" * (MAX_PROGRAM_CHARS + 1), "limit is 2,000"),
        (encode_program("y" * (MAX_PROGRAM_CHARS + 1)), "limit is 2,000"),
        ("x = 1\x00", "U+0000"),
        ("\x1b[31m", "U+001B"),
        ("x = '\x85'", "U+0085"),
    ],
)
def test_hostile_values_raise_a_clear_error(value: object, message: str) -> None:
    with pytest.raises(ShareLinkError, match=message.replace("+", r"\+")):
        decode_program(value)


@given(st.text(max_size=500))
def test_any_text_decodes_or_raises_share_link_error(value: str) -> None:
    try:
        source = decode_program(value)
    except ShareLinkError:
        return
    assert len(source) <= MAX_PROGRAM_CHARS


def test_a_pasted_link_gives_its_program_whole_address_or_value_alone() -> None:
    code = encode_program("y = x * x\n")
    assert (
        program_from_link(f"  https://demo.example/step_through?code={code}&x=1 ") == "y = x * x\n"
    )
    assert program_from_link(code) == "y = x * x\n"
    assert program_from_link("y = 2 * 3") == "y = 2 * 3"


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("   ", "empty"),
        (None, "not text"),
        ("https://demo.example/?code=" + "a" * 50_000, "too long"),
        ("a" * 20_000, "too long"),
    ],
)
def test_a_pasted_link_that_cannot_hold_a_program_says_why(link, message) -> None:
    with pytest.raises(ShareLinkError, match=message):
        program_from_link(link)
