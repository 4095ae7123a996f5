"""Open the app in AppTest the way a visitor arrives: through the router, on one page.

Every page test starts here, so all of them run the real `app.py` (navigation, layout, the
page's own script) with one timeout: AppTest's 3 s default is too short for torch on a busy
machine.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from pathlib import Path

from streamlit.testing.v1 import AppTest

from widgets.graph_canvas import NAME as CANVAS

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 60


def open_page(page: str | None = None, query: Mapping[str, str] | None = None) -> AppTest:
    """The app after its first run, switched to `page` (e.g. "app_pages/step_through.py";
    None stays on Home), with `query` as the address's query parameters."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def open_lesson(slug: str, stage: str, lang: str = "en") -> AppTest:
    """The course page on lesson `slug` at `stage` (a name of STAGES), in `lang`."""
    from graphlab.lessons import STAGES

    step = str(STAGES.index(stage) + 1)
    at = open_page("app_pages/course.py", {"lesson": slug, "step": step, "lang": lang})
    assert not at.exception, at.exception
    return at


def drawn_dots(at: AppTest) -> list[str]:
    """The DOT of every graph on the page: Graphviz charts and graph canvases alike."""
    charts = [chart.proto.spec for chart in at.get("graphviz_chart")]
    canvases = [
        json.loads(c.proto.json)["dot"]
        for c in at.get("bidi_component")
        if c.proto.component_name == CANVAS
    ]
    return charts + canvases


def the_dot(at: AppTest) -> str:
    """The one graph the page drew, as DOT (fails unless there is exactly one)."""
    (dot,) = drawn_dots(at)
    return dot


def drawn_legends(at: AppTest) -> list[list[str]]:
    """The legend's entries (their words) under every graph canvas on the page."""
    return [
        [key["label"] for key in json.loads(c.proto.json)["legend"]]
        for c in at.get("bidi_component")
        if c.proto.component_name == CANVAS
    ]


def editor_element(at: AppTest, key: str):
    """The program editor of `key` (a custom component: AppTest sees it as an unknown element)."""
    (element,) = [
        e for e in at.get("component_instance") if (e.key or "").startswith(f"{key}__editor_")
    ]
    return element


def editor_text(at: AppTest, key: str) -> str:
    """The program the editor `key` was given to show."""
    return json.loads(editor_element(at, key).proto.json_args)["code"]


def editor_marks(at: AppTest, key: str) -> dict[str, list]:
    """The error marks drawn in the editor `key`: Ace's annotations and markers."""
    props = json.loads(editor_element(at, key).proto.json_args)["props"]
    return {"annotations": props.get("annotations", []), "markers": props.get("markers", [])}


def run_in_editor(at: AppTest, key: str, program: str) -> AppTest:
    """Type `program` into the editor `key` and press Run. AppTest cannot type into a component,
    so this sends what the component sends on Run: a new event id and the editor's text."""
    event = {"id": uuid.uuid4().hex[:8], "type": "submit", "lang": "python", "text": program,
             "selected": "", "cursor": {"row": 0, "column": 0}}  # fmt: skip
    at.session_state[editor_element(at, key).key] = event
    return at.run()


def stand_in_translator(monkeypatch, gettext) -> None:
    """Make `translator()` (what `say` and the pages' format functions use) return `gettext`,
    in `widgets.i18n` and in every widget module that imported it. All widget modules are
    imported first: one imported while the patch is on would keep the stand-in for good."""
    import importlib
    import pkgutil

    import widgets
    import widgets.i18n

    original = widgets.i18n.translator
    modules = [
        importlib.import_module(f"widgets.{m.name}") for m in pkgutil.iter_modules(widgets.__path__)
    ]
    for module in modules:
        if getattr(module, "translator", None) is original:
            monkeypatch.setattr(module, "translator", lambda: gettext)


def every_stage(slug: str, lang: str = "en"):
    """The course page on lesson `slug`, run at each stage in turn (one AppTest, yielded after
    each stage's run, which raised nothing)."""
    from graphlab.lessons import STAGES

    at = open_lesson(slug, STAGES[0], lang)
    for number in range(1, len(STAGES) + 1):
        at.query_params["step"] = str(number)
        at.run()
        assert not at.exception, (slug, number, at.exception)
        yield at


def course_mark(at: AppTest, slug: str) -> str:
    """The progress mark (○ ● ✓) the sidebar's course list shows for lesson `slug`."""
    from graphlab.lessons import LESSONS

    number = [x.slug for x in LESSONS].index(slug) + 1
    (label,) = [p.label for p in at.get("page_link") if p.label[2:].startswith(f"{number}. ")]
    return label[0]


def stand_in_catalog(monkeypatch, table: Mapping[str, str]) -> None:
    """The visitor's catalog becomes `table` (English -> stand-in), other strings untranslated.
    `_`, `say` and `translator` all look the catalog up through `widgets.i18n.translations` at
    each call, so every widget gets it, whenever it was imported."""
    import gettext

    import widgets.i18n

    class StandIn(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return table.get(message, message)

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            return self.gettext(singular if n == 1 else plural)

        def pgettext(self, context: str, message: str) -> str:
            return self.gettext(message)

    monkeypatch.setattr(widgets.i18n, "translations", lambda lang: StandIn())
