"""AppTest of the glossary page, in both languages."""

from __future__ import annotations

import pytest

from graphlab.lessons.glossary import TERMS
from graphlab.lessons.prose import load
from tests.app.pages import open_page


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_glossary_lists_every_term_with_its_meaning_in_the_language(lang):
    at = open_page("app_pages/glossary.py", {"lang": lang})
    assert not at.exception
    assert at.title[0].value == load(lang, "glossary")["title"]
    table = at.table[0].value
    assert len(table) == len(TERMS)
    meanings = list(table.iloc[:, 3])
    assert meanings[0] == load(lang, "glossary")["term:tensor"]
    assert list(table.iloc[:, 1]) == [t.zh for t in TERMS]


def test_finding_a_term_in_either_language():
    at = open_page("app_pages/glossary.py", {"lang": "en"})
    at.text_input(key="glossary_find").input("叶子").run()
    assert list(at.table[0].value.iloc[:, 0]) == ["leaf tensor"]
    at.text_input(key="glossary_find").input("no such word").run()
    assert not at.table and at.info
