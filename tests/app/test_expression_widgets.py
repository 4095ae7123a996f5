"""The Expression Lab's text helpers: hostile text shown literally, tensors formatted briefly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from widgets.expression import escape_markdown, format_tensor, message_markdown

HOSTILE = "<img src=x onerror=alert(1)> [link](javascript:alert(1)) **bold** $x$ :red[hi]"


def _unescape(text: str) -> str:
    """What the markdown shows: escapes undone, and a code span's content as it is (escaping puts
    what GFM would link, a URL or an email address, in one)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "`" and "`" in text[i + 1 :]:
            end = text.index("`", i + 1)
            out.append(text[i + 1 : end])
            i = end + 1
            continue
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out)


def test_escape_markdown_neutralises_markup() -> None:
    escaped = escape_markdown(HOSTILE)
    for raw in ("](", "**", "$x$", ":red["):
        assert raw not in escaped
    assert r"\<img" in escaped  # a literal "<", never the start of a tag
    assert _unescape(escaped) == HOSTILE


@given(st.text(max_size=200))
def test_escaping_loses_nothing(text: str) -> None:
    assert _unescape(escape_markdown(text)) == text


def test_message_markdown_keeps_code_spans_and_escapes_the_rest() -> None:
    assert message_markdown("name `x_1` is *not* defined") == r"name `x_1` is \*not\* defined"
    # An odd number of backticks makes no code span: everything is escaped.
    assert message_markdown("a ` [b](c)") == r"a \` \[b\]\(c\)"
    assert "](" not in message_markdown("`ok` " + HOSTILE)


def test_format_tensor_small_large_and_grad_free() -> None:
    small = {"shape": [2], "dtype": "float32", "value": [1.0, 0.123456]}
    assert format_tensor(small) == "[1, 0.1235]  (2, float32)"
    big = {"shape": [10, 10], "dtype": "float64", "summary": {"min": 0.0, "max": 99.0}}
    assert format_tensor(big) == "tensor of 10×10 float64: min 0, max 99"
    assert format_tensor({"shape": [], "dtype": "int64", "value": 3}) == "3  (scalar, int64)"
