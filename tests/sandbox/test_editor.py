"""The program editor's data: the length limit's sentence, the marks an error leaves, new events.

The sandbox itself is the oracle for the marks: for real programs it refuses, the marked range
is the name its message quotes.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphlab.lessons.dynamic import max_body_chars
from graphlab.sandbox import (
    EditorEvent,
    ExpressionError,
    Limits,
    editor_event,
    error_marks,
    evaluate,
    length_problem,
)
from graphlab.sandbox.editor import MARK_CLASS

LIMIT = Limits().max_source_chars


# -- the limit -------------------------------------------------------------------------------
def test_a_program_up_to_the_limit_is_accepted() -> None:
    assert length_problem("", LIMIT) is None
    assert length_problem("a" * LIMIT, LIMIT) is None


@pytest.mark.parametrize("length", [LIMIT + 1, 3_000, 5 * 2**20])
def test_a_longer_program_is_refused_naming_its_length_and_the_limit(length: int) -> None:
    start = time.perf_counter()
    message = str(length_problem("a" * length, LIMIT))  # English; `.template` translates
    assert time.perf_counter() - start < 0.1  # a 5 MB paste costs nothing to refuse
    assert message == (
        f"Your program has {length:,} characters; the limit is 2,000. "
        "It was not run: shorten it, then press Run."
    )


def test_dynamic_graphs_names_its_own_limit() -> None:
    limit = max_body_chars(Limits())
    assert f"the limit is {limit:,}." in str(length_problem("a" * (limit + 1), limit))


# -- error marks -----------------------------------------------------------------------------
def _error(source: str) -> dict:
    with pytest.raises(ExpressionError) as caught:
        evaluate(source)
    return caught.value.to_dict()


def _marked(source: str, marks: dict) -> str:
    (marker,) = marks["markers"]
    line = source.split("\n")[marker["startRow"]]
    return line[marker["startCol"] : marker["endCol"]]


@pytest.mark.parametrize(
    "source, quoted",
    [
        ("y = _secret_ * 2", "_secret_"),
        ("x = torch.ones(2)\ny = x.numpy()", "x.numpy"),
        ("import os", "import"),
        ("x = torch.ones(2)\nfor i in range(3):\n    y = open(x)", "open"),
    ],
)
def test_the_marked_range_is_what_the_sandbox_complains_about(source: str, quoted: str) -> None:
    error = _error(source)
    marks = error_marks(error, source)
    assert _marked(source, marks) == quoted
    (note,) = marks["annotations"]
    assert note == {
        "row": error["line"] - 1,
        "column": error["col"] - 1,
        "type": "error",
        "text": f"Line {error['line']}, column {error['col']}: {error['message']}",
    }
    assert marks["markers"][0]["className"] == MARK_CLASS


def test_an_error_without_a_column_marks_its_whole_line() -> None:
    marks = error_marks({"line": 2, "message": "no grad"}, "x = 1\ny = x * 2\n")
    assert marks["markers"] == [
        {"startRow": 1, "startCol": 0, "endRow": 1, "endCol": 9,
         "className": MARK_CLASS, "type": "fullLine"}
    ]  # fmt: skip
    assert marks["annotations"][0]["text"] == "Line 2: no grad"


def test_a_column_at_the_end_of_its_line_marks_the_line() -> None:
    source = "x = (1,"  # "never closed": Python points just past the last character
    marks = error_marks({"line": 1, "col": len(source) + 1, "message": "m"}, source)
    assert marks["markers"][0]["type"] == "fullLine"
    assert marks["markers"][0]["endCol"] == len(source)


def test_a_line_past_the_end_marks_the_last_line() -> None:
    marks = error_marks({"line": 9, "col": 3, "message": "unexpected end"}, "x = 1\ny = (")
    assert marks["annotations"][0]["row"] == 1
    assert marks["markers"][0]["type"] == "fullLine"


def test_columns_are_counted_as_javascript_counts_them() -> None:
    source = "s = '\N{GRINNING FACE}' + q"  # one character for Python, two for the editor
    marks = error_marks({"line": 1, "col": source.index("q") + 1, "message": "m"}, source)
    (marker,) = marks["markers"]
    assert (marker["startCol"], marker["endCol"]) == (len(source), len(source) + 1)


@pytest.mark.parametrize(
    "error",
    [
        None,
        {},
        {"line": 0, "col": 0, "message": "the program is too long"},
        {"line": "2", "col": 1, "message": "a string is not a line"},
        {"line": True, "col": 1, "message": "nor is a bool"},
        {"line": -3, "col": 1, "message": "nor a negative number"},
    ],
)
def test_an_error_without_a_line_leaves_no_mark(error) -> None:
    assert error_marks(error, "x = 1\ny = 2") == {"annotations": [], "markers": []}


def test_a_hostile_message_is_given_as_text_never_as_markup() -> None:
    message = "<img src=x onerror=alert(1)> `<b>`"
    (note,) = error_marks({"line": 1, "col": 1, "message": message}, "<b> = 1")["annotations"]
    assert "html" not in note  # Ace escapes `text`; it would insert `html` as it is
    assert note["text"].endswith(message)


@given(
    st.text(max_size=200),
    st.integers(min_value=-2, max_value=30),
    st.integers(min_value=-2, max_value=300),
)
def test_marks_always_lie_inside_the_text(source: str, line: int, col: int) -> None:
    marks = error_marks({"line": line, "col": col, "message": "m"}, source)
    lines = source.split("\n")
    for marker in marks["markers"]:
        row = lines[marker["startRow"]]
        width = len(row.encode("utf-16-le")) // 2
        assert marker["startRow"] == marker["endRow"]
        assert 0 <= marker["startCol"] <= marker["endCol"] <= width
    assert len(marks["annotations"]) == len(marks["markers"]) <= 1


# -- events ------------------------------------------------------------------------------------
SUBMIT = {"id": "3f2a9c1e", "type": "submit", "lang": "python", "text": "y = 1", "cursor": {}}


def test_an_event_is_new_once() -> None:
    event = editor_event(SUBMIT, seen=None)
    assert event == EditorEvent("3f2a9c1e", "submit", "y = 1")
    assert editor_event(SUBMIT, seen=event.id) is None  # the same value, returned on a rerun
    assert editor_event({**SUBMIT, "id": "77aa01bc"}, seen=event.id) is not None


def test_windows_line_ends_become_newlines() -> None:
    event = editor_event({**SUBMIT, "text": "x = 1\r\ny = 2"}, seen=None)
    assert event is not None and event.text == "x = 1\ny = 2"


@pytest.mark.parametrize(
    "value",
    [
        None,
        "submit",
        ["3f2a9c1e", "submit", "y = 1"],
        {"id": "", "type": "", "lang": "", "text": "", "selected": "", "cursor": ""},  # default
        {**SUBMIT, "id": 7},
        {**SUBMIT, "id": "x" * 10_000},
        {**SUBMIT, "type": None},
        {**SUBMIT, "text": ["y = 1"]},
        {"id": "3f2a9c1e", "type": "submit"},
    ],
)
def test_what_is_not_an_event_from_the_editor_is_ignored(value) -> None:
    assert editor_event(value, seen=None) is None
