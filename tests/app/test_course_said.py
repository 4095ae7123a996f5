"""The lessons' Play widgets say why they refuse a learner's input through the visitor's
catalog (the reason is the library's Message); so does Graph Explorer's node list for the words
around the names. A stand-in catalog says every template in brackets."""

from __future__ import annotations

import pytest

from tests.app.pages import open_lesson, open_page, stand_in_translator


def marked(template: str) -> str:
    return f"ZH[{template}]"


@pytest.fixture(autouse=True)
def catalog(monkeypatch):
    stand_in_translator(monkeypatch, marked)  # what `say` translates with


def _error(at) -> str:
    (error,) = at.error
    return error.value.replace("\\", "")  # as it reads: markdown escapes dropped


def test_an_unreadable_shape_is_refused_in_the_visitors_language():
    at = open_lesson("tensors", "play")
    at.text_input(key="lt_a").input("3, a").run()
    assert _error(at).endswith(": ZH['a' is not a size: use whole numbers like 3, 1]")


def test_numbers_that_do_not_fit_are_refused_in_the_visitors_language():
    at = open_lesson("chainrule", "play")
    at.text_input(key="lc_W").input("1, a").run()
    assert _error(at).endswith(": ZH['a' in ZH[W row 0] is not a number]")


def test_the_node_list_says_its_words_in_the_visitors_language():
    at = open_page("app_pages/graph_explorer.py")
    at.toggle(key="explorer_saved").set_value(True).run()
    options = at.selectbox(key="explorer_neuron_node").options
    assert "y (ZH[output])" in options and "w (ZH[leaf])" in options
    assert "ZH[result, saved by SigmoidBackward0]" in options
