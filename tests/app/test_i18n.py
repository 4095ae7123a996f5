"""The app in two languages: the catalogs match the source and each other, and every page runs,
titled and labelled, in Chinese; the switch and the browser's language choose it.

A string wrapped in `_()` with no translation, an empty or fuzzy entry, a placeholder or a code
span lost in translation: each fails here. Run `bash scripts/i18n.sh` after changing a string.
"""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from graphlab.lessons import i18n
from graphlab.lessons.expressions import EXPRESSION_EXAMPLES
from graphlab.lessons.gallery import EXAMPLES
from graphlab.lessons.recordings import MODELS
from graphlab.models import BUILTINS, LAYER_TYPES
from graphlab.render import frames, legend, palette
from tests.app.pages import APP, drawn_legends, open_page
from widgets import content_words
from widgets.legend_words import WORDS

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale"
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:[:!][^{}]*)?\}")
CODE_SPAN = re.compile(r"`[^`]+`")
SWITCH = "i18n_language_switch"


def _po(lang: str):
    with open(LOCALE / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


def _source_ids() -> set:
    """Every string the source marks with _(), N_() or ngettext(), extracted as babel.cfg says."""
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "msg": None}  # msg(): graphlab/core/messages.py
    found = extract_from_dir(ROOT, method_map, options_map, keywords=keywords)
    return {message if isinstance(message, str) else tuple(message) for _, _, message, *_ in found}


def _key(message_id) -> object:
    return message_id if isinstance(message_id, str) else tuple(message_id)


def test_the_catalogs_hold_every_string_of_the_source_once_translated():
    with open(LOCALE / "messages.pot", "rb") as f:
        template = {_key(i) for i in _ids(read_po(f))}
    source = _source_ids()
    assert sorted(map(str, source - template)) == [], "run scripts/i18n.sh, then translate"
    assert sorted(map(str, template - source)) == [], "run scripts/i18n.sh"
    for lang in i18n.LANGUAGES:
        catalog = _po(lang)
        assert {_key(i) for i in _ids(catalog)} == template, lang
        untranslated = [
            m.id for m in catalog if m.id and (not m.string or any(not s for s in _strings(m)))
        ]
        assert untranslated == [], f"{lang}: empty msgstr"
        assert [m.id for m in catalog if m.id and m.fuzzy] == [], f"{lang}: fuzzy entries"


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def test_english_says_what_the_source_says():
    for m in _po("en"):
        if m.id:
            ids = [m.id] if isinstance(m.id, str) else list(m.id)
            assert _strings(m) == ids[: len(_strings(m))], m.id


def test_placeholders_code_and_markup_survive_translation():
    problems = []
    for m in _po("zh"):
        if not m.id:
            continue
        source = m.id if isinstance(m.id, str) else m.id[-1]
        for text in filter(None, _strings(m)):  # empty ones: the test above
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                problems.append(("placeholders", source, text))
            if not set(CODE_SPAN.findall(source)) <= set(CODE_SPAN.findall(text)):
                problems.append(("code spans", source, text))
            if source.count("**") != text.count("**") or source.count("`") != text.count("`"):
                problems.append(("markup", source, text))
            if not CJK.search(text) and re.search(r"[a-z]{3,} [a-z]{3,}", text):
                problems.append(("still English", source, text))
    assert problems == []


def test_every_legend_word_the_library_can_say_is_marked_for_translation():
    said = set(palette.LEGEND_TEXT.values()) | set(legend.ROLE_TEXT.values())
    said |= {w for roles in frames.PHASE_ROLES.values() for w in roles.values()}
    tree = ast.parse(Path(legend.__file__).read_text())
    said |= {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "Key"
        and isinstance(node.args[0], ast.Constant)
    }
    assert said - set(WORDS) == set()


def test_every_title_and_idea_the_library_shows_is_marked_for_translation():
    said = {text for ex in EXAMPLES.values() for text in (ex.title, ex.idea)}
    said |= {text for ex in EXPRESSION_EXAMPLES.values() for text in (ex.title, ex.idea)}
    said |= {b.title for b in BUILTINS.values()} | set(MODELS.values())
    said |= {t.title for t in LAYER_TYPES.values()}
    said |= {s.help for t in LAYER_TYPES.values() for s in t.settings.values() if s.help}
    assert said - set(content_words.WORDS) == set()


# -- the app in Chinese ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zh() -> gettext.NullTranslations:
    """The Chinese catalog, compiled from the .po if set-up has not (or it changed since)."""
    for lang in i18n.LANGUAGES:
        po = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with open(mo, "wb") as f:
                write_mo(f, _po(lang))
    i18n._CATALOGS.clear()  # loaded again from the fresh files
    return i18n.translations("zh")


def _pages() -> dict[str, str]:
    """Each page of the router (its script) with its English title, read from app.py."""
    pages = {}
    for node in ast.walk(ast.parse(Path(APP).read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "Page":
            title = next(k.value for k in node.keywords if k.arg == "title")
            pages[node.args[0].value] = title.args[0].value  # title=_("...")
    return pages


WIDGETS = ("button", "checkbox", "number_input", "radio", "segmented_control", "select_slider",
           "selectbox", "slider", "text_area", "text_input", "toggle")  # fmt: skip


def _labels(at: AppTest) -> list[str]:
    return [w.label for kind in WIDGETS for w in at.get(kind) if w.key != SWITCH and w.label]


@pytest.mark.parametrize("page", list(_pages()))
def test_each_page_runs_in_chinese(zh, page):
    at = open_page(page, query={"lang": "zh"})
    at.run()  # once more: AppTest reads back every widget's value through its format_func
    assert not at.exception
    title = zh.gettext(_pages()[page])
    assert CJK.search(title)
    if page != "app_pages/home.py":  # Home's own title is the name of the app
        assert CJK.search(at.title[0].value), at.title[0].value  # the page's or its lesson's
    labels = _labels(at)
    assert any(CJK.search(label) for label in labels) or page == "app_pages/home.py", labels
    english = [x for x in labels if not CJK.search(x) and re.search(r"[a-z]{3,} [a-z]{3,}", x)]
    assert english == []
    assert any(CJK.search(m.value) for m in at.markdown)
    for words in drawn_legends(at):
        assert all(CJK.search(w) for w in words), words


def test_the_library_examples_and_models_read_in_chinese(zh):
    at = open_page("app_pages/graph_explorer.py", query={"lang": "zh"})
    at.run()  # AppTest reads the options back through their format_func
    examples = at.selectbox(key="explorer_example")
    assert examples.value == next(iter(EXAMPLES))  # the value stays the English key
    assert all(CJK.search(option) for option in examples.options), examples.options
    assert CJK.search(at.info[0].value), at.info[0].value
    at.switch_page("app_pages/model_graph.py").run()
    assert not at.exception
    layer_types = at.selectbox(key="mg_add_type").options
    assert zh.gettext("Residual block") in layer_types and CJK.search(zh.gettext("Residual block"))


def test_the_switch_changes_the_language_and_keeps_it_in_the_link(zh):
    at = open_page("app_pages/graph_explorer.py")
    assert at.title[0].value == "Graph Explorer"  # no browser language given: English
    at.segmented_control(key=SWITCH).set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == zh.gettext("Graph Explorer")
    assert at.query_params["lang"] == "zh" and at.session_state["lang"] == "zh"
    at.switch_page("app_pages/model_graph.py").run()  # another page: still Chinese
    assert not at.exception and at.title[0].value == zh.gettext("Model Graph")
    at.segmented_control(key=SWITCH).set_value("en").run()
    assert at.title[0].value == "Model Graph" and at.query_params["lang"] == "en"


def test_the_browser_language_is_the_default(zh):
    at = AppTest.from_file(APP, default_timeout=60)
    at.context = {"locale": "zh-CN"}
    at.run()
    at.switch_page("app_pages/graph_explorer.py").run()
    assert not at.exception
    assert at.title[0].value == zh.gettext("Graph Explorer")
    assert at.segmented_control(key=SWITCH).value == "zh"
    assert "lang" not in at.query_params  # guessed, not chosen: the link stays as it was
    at.query_params["lang"] = "en"  # a link that names a language wins over the browser
    at.run()
    assert at.title[0].value == "Graph Explorer"
