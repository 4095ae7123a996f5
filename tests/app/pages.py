"""Open the app in AppTest the way a visitor arrives: through the router, on one page.

Every page test starts here, so all of them run the real `app.py` (navigation, layout, the
page's own script) with one timeout: AppTest's 3 s default is too short for torch on a busy
machine.
"""

from __future__ import annotations

import json
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


def drawn_dots(at: AppTest) -> list[str]:
    """The DOT of every graph on the page: Graphviz charts and graph canvases alike."""
    charts = [chart.proto.spec for chart in at.get("graphviz_chart")]
    canvases = [
        json.loads(c.proto.json)["dot"]
        for c in at.get("bidi_component")
        if c.proto.component_name == CANVAS
    ]
    return charts + canvases
