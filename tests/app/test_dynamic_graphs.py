"""AppTest of the Dynamic Graphs page: two runs, highlighted differences tied to lines, trace."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from graphlab.lessons.dynamic import EXAMPLE, max_body_chars
from graphlab.sandbox import Limits
from tests.app.pages import drawn_dots, editor_marks, editor_text, open_page, run_in_editor

PAGE = "app_pages/dynamic_graphs.py"


@pytest.fixture(scope="module")
def page() -> AppTest:
    return open_page(PAGE)


def _text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_two_inputs_two_graphs_and_the_lines_that_differed(page):
    assert editor_text(page, "dg_code") == EXAMPLE
    a, b = drawn_dots(page)
    assert "MulBackward0" in a and "SigmoidBackward0" not in a
    assert "SigmoidBackward0" in b
    assert '"#d62728"' in a and '"#2ca02c"' in b  # removed in A, added in B
    text = _text(page)
    assert "**Line 2**: `if` on line 2 went the `if` body in A" in text
    assert "**Line 6**: `for` on line 6 ran 2 times in A, 3 times in B" in text
    table = page.dataframe[0].value
    assert set(table["line"]) == {2, 6}


def test_the_static_trace_is_contrasted(page):
    warnings = [w.value for w in page.warning]
    assert any("TracerWarning: Converting a tensor to a Python boolean" in w for w in warnings)
    assert any("Could not guard on data-dependent" in c.value for c in page.code)


def test_same_path_means_same_structure(page):
    page.slider(key="dg_b").set_value(1.5).run()
    assert not page.exception
    assert "Both runs took the same branches" in _text(page)


def test_a_bad_program_shows_its_own_line(page):
    run_in_editor(page, "dg_code", "y = x * 2\nz = y.numpy()")
    assert not page.exception
    assert page.error[0].value.startswith("Line 2: ")
    assert not drawn_dots(page)
    # Marked in the editor on the visitor's own line 2 (the input line is not theirs).
    (marker,) = editor_marks(page, "dg_code")["markers"]
    assert (marker["startRow"], marker["startCol"], marker["endCol"]) == (1, 4, 11)


def test_a_program_over_the_limit_is_refused_naming_its_limit(page):
    run_in_editor(page, "dg_code", EXAMPLE)
    limit = max_body_chars(Limits())
    run_in_editor(page, "dg_code", "#" * (limit + 1))
    assert [e.value for e in page.error] == [
        f"Your program has {limit + 1:,} characters; the limit is {limit:,}. "
        "It was not run: shorten it, then press Run."
    ]
    assert page.session_state["dg_code"] == EXAMPLE and len(drawn_dots(page)) == 2
