"""Expression Lab draws a program whose graph is too big as the worker's summary, and says so."""

from __future__ import annotations

from graphlab.sandbox import evaluate
from graphlab.worker import payload
from tests.app.pages import drawn_dots, open_page, run_in_editor
from widgets import expression

CHAIN = "x = torch.ones(3, requires_grad=True)\ny = x\nfor i in range(60):\n    y = y * 1.001\nz = y.sum()"


def test_a_summarized_reply_is_drawn_with_its_note(monkeypatch):
    # The worker summarizes past REPLY_NODES nodes; here the same code runs in-process with a
    # small limit, so that a quick program crosses it.
    monkeypatch.setattr(payload, "REPLY_NODES", 40)
    monkeypatch.setattr(
        expression, "run_program", lambda code: payload.build_payload(evaluate(code))
    )
    at = run_in_editor(open_page("app_pages/expression_lab.py"), "lab_code", CHAIN)
    notes = [i.value for i in at.info if "summarized" in i.value]
    assert notes and "123 nodes" in notes[0]
    assert drawn_dots(at) and not at.error
