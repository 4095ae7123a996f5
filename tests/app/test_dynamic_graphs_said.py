"""The Dynamic Graphs page says the library's sentences through the visitor's catalog: what
differed on each line, why each node differs and how, a failed run's error, PyTorch's tracer
warning under a translated frame. A stand-in catalog says every template in brackets."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from graphlab.lessons.i18n import translations
from tests.app.pages import editor_marks, open_page, run_in_editor, stand_in_translator


def marked(template: str) -> str:
    return f"ZH[{template}]"


@pytest.fixture
def page(monkeypatch) -> AppTest:
    stand_in_translator(monkeypatch, marked)  # what `say` translates with
    return open_page("app_pages/dynamic_graphs.py")


def test_what_differed_and_why_come_through_the_catalog(page):
    lines = [m.value for m in page.markdown if m.value.startswith("- ")]
    assert lines == [
        "- **Line 2**: ZH[`if` on ZH[line 2] went ZH[the `if` body] in A, ZH[the `else` side] in B]",
        "- **Line 6**: ZH[`for` on ZH[line 6] ran ZH[2 times] in A, ZH[3 times] in B]",
    ]
    table = page.dataframe[0].value
    assert set(table["why"]) == {line[len("- **Line 2**: ") :] for line in lines}
    assert "ZH[input 0 comes from a different node]" in set(table["detail"])


def test_a_failed_run_is_said_through_the_catalog_in_the_page_and_the_editor(page):
    run_in_editor(page, "dg_code", "y = x * 2\nz = y.numpy()")
    (error,) = page.error
    shown = error.value.replace("\\", "")  # as it reads: markdown escapes dropped
    assert shown.startswith("Line 2: ZH[the tensor method `.numpy()` is not allowed")
    (annotation,) = editor_marks(page, "dg_code")["annotations"]
    assert "ZH[the tensor method" in annotation["text"]
    run_in_editor(page, "dg_code", "y = x.detach()")
    assert page.error[0].value.replace("\\", "") == (
        "ZH[the last tensor assigned does not require grad, so there is no graph]"
    )


def test_the_tracer_warning_is_framed_in_the_visitors_language(monkeypatch):
    zh = translations("zh")
    monkeypatch.setattr(zh, "gettext", lambda s: marked(s) if s.startswith("TracerWarning") else s)
    at = open_page("app_pages/dynamic_graphs.py", {"lang": "zh"})
    warnings = [w.value for w in at.warning]
    assert warnings and all(w.startswith("ZH[TracerWarning: Converting a tensor") for w in warnings)
