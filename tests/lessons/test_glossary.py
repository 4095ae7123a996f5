"""The glossary: every term means something in both languages, and nothing else is there."""

from __future__ import annotations

import re

from graphlab.lessons.glossary import TERMS
from graphlab.lessons.prose import LANGS, load


def test_every_term_has_a_meaning_in_each_language_and_no_stray_parts():
    for lang in LANGS:
        parts = load(lang, "glossary")
        assert set(parts) == {"title"} | {f"term:{t.id}" for t in TERMS}, lang
        assert all(parts[f"term:{t.id}"].strip() for t in TERMS)


def test_chinese_terms_and_meanings_are_chinese_and_identifiers_survive():
    zh, en = load("zh", "glossary"), load("en", "glossary")
    for t in TERMS:
        assert re.search(r"[\u4e00-\u9fff]", t.zh) and re.search(
            r"[\u4e00-\u9fff]", zh[f"term:{t.id}"]
        )
        spans = re.findall(r"`[^`]+`", en[f"term:{t.id}"])
        assert sorted(spans) == sorted(re.findall(r"`[^`]+`", zh[f"term:{t.id}"])), t.id
    assert len({t.id for t in TERMS}) == len(TERMS)
