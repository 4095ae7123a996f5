"""AppTest of lesson 5, no_grad vs detach vs inference_mode vs eval: two graphs side by side with
their differences marked, a table of every mode, torch's errors, all checked against torch."""

from __future__ import annotations

import torch
from streamlit.testing.v1 import AppTest
from torch import nn

from graphlab.lessons import STAGES
from graphlab.lessons.prose import load
from graphlab.render.palette import HIGHLIGHT
from tests.app.pages import drawn_dots, drawn_legends, open_lesson

SLUG = "nograd"


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson(SLUG, stage, lang)


def program(mode: str):
    """The lesson's program, written out here: model, x, and the loss under `mode`."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 1))
        x = torch.randn(2, 3)
        torch.manual_seed(1)
        if mode == "model.eval()":
            model.eval()
        grad = {"torch.no_grad()": torch.no_grad, "torch.inference_mode()": torch.inference_mode}
        with grad.get(mode, torch.enable_grad)():
            h = model[:2](x)
            if mode == "h.detach()":
                h = h.detach()
            loss = model[3](model[2](h)).sum()
    return loss


def test_the_table_is_torchs_for_every_mode():
    at = at_stage("play")
    table = at.dataframe[0].value
    assert list(table["mode"]) == [
        "model(x)", "torch.no_grad()", "h.detach()", "torch.inference_mode()", "model.eval()",
    ]  # fmt: skip
    for _, row in table.iterrows():
        loss = program(row["mode"])
        assert row["requires_grad"] == str(loss.requires_grad)
        assert row["is_inference()"] == str(loss.is_inference())
        assert row["grad_fn"] == (type(loss.grad_fn).__name__ if loss.grad_fn else "None")
        assert row["loss"] == f"{loss.item():.4f}"
    rows = table.set_index("mode")
    assert rows.loc["model.eval()", "requires_grad"] == "True"  # eval() does not stop autograd
    assert rows.loc["model.eval()", "dropout active"] == "False"
    assert rows.loc["torch.no_grad()", "autograd nodes"] == "0"
    assert rows.loc["torch.inference_mode()", "later"] == "RuntimeError"


def test_two_graphs_with_the_differences_marked():
    at = at_stage("play")  # model(x) against model.eval(): the dropout's node is gone
    a, b = drawn_dots(at)
    assert "MulBackward0" in a and "MulBackward0" not in b
    assert HIGHLIGHT["removed"] in a and HIGHLIGHT["removed"] not in b
    assert any("only in A" in words for words in drawn_legends(at)[0])
    at.selectbox(key="ln_b").set_value("detach").run()
    a, b = drawn_dots(at)
    assert "ReluBackward0" in a and "ReluBackward0" not in b and "0.weight" not in b
    assert "6 removed" in "\n".join(m.value for m in at.markdown)


def test_the_inference_mode_error_is_torchs():
    with torch.inference_mode():
        h = torch.ones(2, 4)
    try:
        nn.Linear(4, 1)(h)
    except RuntimeError as err:
        want = str(err).split(".")[0]
    at = at_stage("play")
    assert not at.error
    at.selectbox(key="ln_b").set_value("inference_mode").run()
    assert not at.exception
    messages = [e.value for e in at.error]
    assert any(want in m and "using `h` later" in m for m in messages), messages
    assert any("does not require grad" in m for m in messages)
    assert any("No graph" in c.value for c in at.caption)
    at.query_params["step"] = "4"
    at.run()
    text = "\n".join(m.value for m in at.markdown)
    assert "under\n`torch.inference_mode()`, 0 nodes and False" in text


def test_checks_grade_against_torch():
    at = at_stage("check")
    at.text_input(key="course_nograd_nodes").input("11").run()
    at.button(key="course_nograd_nodes_check").click().run()
    (error,) = at.error
    assert "**0**" in error.value and program("torch.no_grad()").grad_fn is None
    at.text_input(key="course_nograd_nodes").input("0").run()
    at.button(key="course_nograd_nodes_check").click().run()
    at.radio(key="course_nograd_detach").set_value("True").run()
    at.button(key="course_nograd_detach_check").click().run()
    at.radio(key="course_nograd_later").set_value("RuntimeError").run()
    at.button(key="course_nograd_later_check").click().run()
    assert len(at.success) == 3 and not at.error


def test_every_stage_renders_in_chinese():
    at = at_stage("play", "zh")
    at.selectbox(key="ln_a").set_value("no_grad").run()
    title = load("zh", SLUG)["title"]
    for step in range(1, len(STAGES) + 1):
        at.query_params["step"] = str(step)
        at.run()
        assert not at.exception and title in at.title[0].value
