"""In Chinese, no page says a sentence in English: every page of the app and every stage of
every lesson, also after the presses and wrong inputs that make a
page say more (errors, verdicts, what differed between two runs).

A run of 4 or more English words outside code fails (`tests.app.zh_text`), unless `ALLOWED` lets
it through: words that are not ours to translate (PyTorch's own messages, quoted as data under a
translated frame), each with its reason.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from graphlab.lessons import LESSONS, STAGES, lesson
from tests.app.pages import open_lesson, open_page, run_in_editor
from tests.app.zh_text import untranslated

# PyTorch's own words (a pattern matching them in a page's text) -> where they appear: quoted as
# data, under a translated frame ("torch refuses: ...", "raised ...").
ALLOWED = {
    r"Trying to backward through the graph a second time": "lesson 4: prose and presses",
    r"Converting a tensor to a Python \w+ might cause the trace to be incorrect": "TracerWarning",
    r"The size of tensor a \(\d+\) must match the size of tensor b \(\d+\) at non-singleton "
    r"dimension \d+": "lesson 1: a refused sum",
    r"element 0 of tensors does not require grad and does not have a grad_fn": "lesson 5",
    r"Inference tensors cannot be saved for backward[^。\n]*": "lesson 5: inference_mode",
    r"'NoneType' object has no attribute 'zero_'": "lesson 4: w.grad.zero_() on None",
    r"Expecting [a-z ,':]+": "Model Graph: Python's json module on a spec that is not JSON",
    r"expected target dtype to be Long or Byte, but got Float": "lesson 10: float labels (N,)",
    r"mat1 and mat2 shapes cannot be multiplied \(\d+x\d+ and \d+x\d+\)": "lesson 16: Linear",
}


def english(at: AppTest, where: str) -> list[tuple[str, str, str]]:
    assert not at.exception, (where, at.exception)
    return [(where, run, text[:160]) for run, text in untranslated(at, ALLOWED)]


@pytest.mark.parametrize(
    "page",
    ["app_pages/dynamic_graphs.py", "app_pages/graph_explorer.py", "app_pages/glossary.py", None],
)
def test_pages_say_nothing_in_english(page):
    at = open_page(page, {"lang": "zh"})
    found = english(at, str(page))
    if page == "app_pages/graph_explorer.py":
        at.toggle(key="explorer_saved").set_value(True).run()
        found += english(at, "saved tensors shown")
    if page == "app_pages/dynamic_graphs.py":
        found += _dynamic_errors(at, "dg_code")
    assert found == []


def _expression_lab(at: AppTest) -> list:
    found = english(run_in_editor(at, "lab_code", "x = torch.ones(2)\ny = xx * 2"), "undefined")
    found += english(run_in_editor(at, "lab_code", "y = torch.ones(3) @ torch.ones(4)"), "shapes")
    found += english(run_in_editor(at, "lab_code", "import os"), "import")
    return found + english(run_in_editor(at, "lab_code", "#" * 2_001), "too long")


def _step_through(at: AppTest) -> list:
    at.segmented_control(key="step_source").set_value("Your program").run()
    found = english(run_in_editor(at, "step_code", "y = torch.ones(3) + torch.ones(4)"), "bad")
    program = "a = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (a * 2).sum()\n"
    found += english(run_in_editor(at, "step_code", program), "stepping")
    at.toggle(key="step_all_ops").set_value(True).run()
    found += english(at.button(key="step_next").click().run(), "next")
    return found + english(at.button(key="step_last").click().run(), "last")


def _model_graph(at: AppTest) -> list:
    spec = '{"input": [2, 3, 8, 8], "layers": [{"type": "linear", "out_features": 4}]}'
    found = english(at.text_area(key="mg_spec").input(spec).run(), "bad spec")
    return found + english(at.text_area(key="mg_spec").input("{not json").run(), "bad JSON")


OTHER_PAGES: dict[str, Callable[[AppTest], list]] = {
    "app_pages/expression_lab.py": _expression_lab,
    "app_pages/step_through.py": _step_through,
    "app_pages/model_graph.py": _model_graph,
    "app_pages/live_training.py": lambda at: [],
}


@pytest.mark.parametrize("page", list(OTHER_PAGES))
def test_the_tools_say_nothing_in_english_also_when_refusing(page):
    at = open_page(page, {"lang": "zh"})
    assert english(at, page) + OTHER_PAGES[page](at) == []


def _dynamic_errors(at: AppTest, key: str) -> list:
    found = english(run_in_editor(at, key, "y = x * 2\nz = y.numpy()"), "program error")
    found += english(run_in_editor(at, key, "y = x.detach()"), "no graph")
    return found


def _tensors(at: AppTest) -> list:
    at.text_input(key="lt_a").input("2, 3").run()
    found = english(at.text_input(key="lt_b").input("2").run(), "refused")
    return found + english(at.text_input(key="lt_a").input("3, a").run(), "unreadable shape")


def _graph(at: AppTest) -> list:
    return english(run_in_editor(at, "lg_code", "x = torch.tensor(1.0)\ny = x.numpy()"), "error")


def _chainrule(at: AppTest) -> list:
    found = english(at.text_input(key="lc_W").input("1, 2; 3").run(), "ragged W")
    return found + english(at.text_input(key="lc_W").input("1, a").run(), "not a number")


def _accumulate(at: AppTest) -> list:
    for action in ("free", "free", "none", "zero"):
        at.button(key=f"la_{action}").click().run()
    return english(at, "presses")


def _nograd(at: AppTest) -> list:
    at.selectbox(key="ln_a").set_value("inference_mode").run()
    return english(at.selectbox(key="ln_b").set_value("no_grad").run(), "modes")


def _descent(at: AppTest) -> list:
    found = english(at.checkbox(key="desc_forget").check().run(), "forgotten zero_grad")
    return found + english(at.number_input(key="desc_lr").set_value(1.5).run(), "diverged")


def _losses(at: AppTest) -> list:
    at.radio(key="loss_c").set_value(3).run()
    at.slider(key="loss_z1").set_value(8.0).run()
    found = english(at.selectbox(key="loss_form").set_value("float").run(), "float labels")
    return found + english(at.selectbox(key="loss_form").set_value("smooth").run(), "smoothed")


def _cnn(at: AppTest) -> list:
    found = english(at.checkbox(key="cnn_pool2").check().run(), "the tutorial's Linear fits")
    found += english(at.button(key="cnn_mnist").click().run(), "MNIST preset")
    at.number_input(key="cnn_size").set_value(8).run()
    at.slider(key="cnn_padding").set_value(0).run()
    return found + english(at.slider(key="cnn_kernel").set_value(11).run(), "kernel too large")


def _saving(at: AppTest) -> list:
    found = english(at.radio(key="sv_restore").set_value("model").run(), "model only")
    found += english(at.toggle(key="sv_weights_only").set_value(False).run(), "an object built")
    found += english(at.selectbox(key="sv_payload").set_value("call").run(), "code ran")
    return found + english(at.slider(key="sv_save_at").set_value(10).run(), "save after the end")


def _devices(at: AppTest) -> list:
    found = english(at.selectbox(key="dv_model_device").set_value("meta").run(), "meta vs cpu")
    at.selectbox(key="dv_model_device").set_value("cpu").run()
    found += english(at.selectbox(key="dv_data_dtype").set_value("float64").run(), "dtypes")
    found += english(at.selectbox(key="dv_data_device").set_value("meta").run(), "meta vs cpu")
    found += english(at.selectbox(key="dv_model_device").set_value("meta").run(), "meta dtypes")
    found += english(at.select_slider(key="dv_n").set_value(64).run(), "timings")
    at.selectbox(key="dv_requested").set_value("cuda").run()
    return found + english(at.selectbox(key="dv_requested").set_value("mps").run(), "refused")


def _module(at: AppTest) -> list:
    found = english(at.checkbox(key="lm_plain").check().run(), "plain list")
    return found + english(at.checkbox(key="lm_frozen").check().run(), "frozen layer")


def _activations(at: AppTest) -> list:
    found = english(at.selectbox(key="act_between").set_value("ReLU").run(), "not linear")
    found += english(at.slider(key="act_lr").set_value(5.0).run(), "dead units")
    return found + english(at.multiselect(key="act_names").set_value([]).run(), "none picked")


def _optimizers(at: AppTest) -> list:
    at.selectbox(key="opt_surface").set_value("rosenbrock").run()
    found = english(at.select_slider(key="opt_lr_sgd").set_value(0.05).run(), "SGD diverged")
    found += english(at.button(key="opt_play").click().run(), "playing")
    found += english(at.slider(key="opt_step").set_value(0).run(), "step 0")
    found += english(at.toggle(key="opt_shared").set_value(True).run(), "one lr for all")
    return found + english(at.text_input(key="opt_start").input("1, a").run(), "refused start")


def _loop(at: AppTest) -> list:
    found = []
    for line in ("zero_grad", "forward", "backward", "step"):  # a warning, torch's error, two
        at.segmented_control(key="loop_out").set_value(line).run()  # silent failures
        found += english(at, f"without {line}")
    at.segmented_control(key="loop_iter").set_value(2).run()
    found += english(at.toggle(key="loop_zeros").set_value(True).run(), "zeros")
    return found + english(at.segmented_control(key="loop_line").set_value("loss").run(), "graph")


def _data(at: AppTest) -> list:
    at.number_input(key="data_batch").set_value(16).run()
    found = english(at.toggle(key="data_drop").set_value(True).run(), "batch 16 of 15 clamped")
    return found + english(at.toggle(key="data_shuffle").set_value(False).run(), "no shuffle")


PLAYS: dict[str, Callable[[AppTest], list]] = {
    "loop": _loop, "data": _data,
    "optimizers": _optimizers,
    "tensors": _tensors, "graph": _graph, "chainrule": _chainrule, "accumulate": _accumulate,
    "nograd": _nograd, "descent": _descent, "dynamic": lambda at: _dynamic_errors(at, "dyn_code"),
    "module": _module, "activations": _activations,
    "losses": _losses, "cnn": _cnn, "saving": _saving, "devices": _devices,
    "ddp": lambda at: english(at.button(key="ldp_run").click().run(timeout=180), "a real step"),
}  # fmt: skip


@pytest.mark.parametrize("slug", [x.slug for x in LESSONS])
def test_every_stage_of_every_lesson_says_nothing_in_english(slug):
    at = open_lesson(slug, "why", "zh")
    found = []
    for number, stage in enumerate(STAGES, start=1):
        at.query_params["step"] = str(number)
        found += english(at.run(), stage)
        if stage == "predict":  # a prediction, so that What you saw grades it
            at.radio(key=f"course_predict_{slug}").set_value(lesson(slug).predict.options[-1])
        if stage == "play":
            found += PLAYS[slug](at)
        if stage == "check":
            found += _wrong_answers(at, slug)
    assert found == []


def _wrong_answers(at: AppTest, slug: str) -> list:
    found = []
    for q in lesson(slug).questions:
        key = f"course_{slug}_{q.id}"
        if q.numeric:
            at.text_input(key=key).input("12345").run()
        else:
            at.radio(key=key).set_value(next(o for o in q.options if o != q.answer())).run()
        found += english(at.button(key=f"{key}_check").click().run(), f"wrong {q.id}")
    return found
