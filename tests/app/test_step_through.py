"""AppTest: the Step Through page, driven frame by frame through its buttons and slider.

Timed fragments (play) never fire in AppTest; what a tick does is `record_view.next_frame`,
tested with the other frame logic in test_record_data.py.
"""

import pytest
import torch
from streamlit.testing.v1 import AppTest

from graphlab.lessons.recordings import record_example
from graphlab.record import reasons
from graphlab.render.frames import frames
from graphlab.sandbox import Limits
from graphlab.sandbox.share import encode_program
from tests.app.pages import drawn_dots, editor_marks, editor_text, open_page, run_in_editor
from widgets.program_editor import STALE
from widgets.step_reasons import SENTENCES


@pytest.fixture(scope="module")
def at() -> AppTest:
    return open_page("app_pages/step_through.py")


def _headline(app: AppTest) -> str:
    return next(m.value for m in app.markdown if m.value.startswith("**") and " / " in m.value)


def _dot(app: AppTest) -> str:
    (dot,) = drawn_dots(app)
    return dot


def _running(app: AppTest) -> list[str]:
    """The ids of the nodes drawn in the running colour."""
    lines = _dot(app).splitlines()
    return [ln.split(" [")[0].strip() for ln in lines if " -> " not in ln and "#ffb3b3" in ln]


@pytest.mark.parametrize("name", ["neuron", "shared", "view_inplace", "small_mlp"])
def test_next_walks_every_forward_and_backward_frame(at, name):
    at.segmented_control(key="step_source").set_value("Gallery example").run()
    at.selectbox(key="step_example").set_value(name).run()
    data = record_example(name)
    shown = frames(data)
    assert _headline(at).startswith(f"**1 / {len(shown)}**")
    for i, frame in enumerate(shown):
        assert not at.exception
        headline = _headline(at)
        assert headline.startswith(f"**{i + 1} / {len(shown)}**")
        if frame.phase == "forward":
            step = data["forward"][frame.step]
            assert f"Forward: `{step['op']}`" in headline
            assert f'"{step["node"]}"' in _running(at)  # with the output box, on the last op
        elif frame.phase == "backward":
            step = data["backward"][frame.step]
            assert f"Backward: `{step['name']}` runs" in headline
            assert _running(at) == [f'"{step["node"]}"']
        if i + 1 < len(shown):
            at.button(key="step_next").click().run()
    assert at.button(key="step_next").disabled
    assert "Done" in _headline(at)
    assert any("equals the sum" in s.value for s in at.success)


def test_previous_first_last_and_slider(at):
    at.segmented_control(key="step_source").set_value("Gallery example").run()
    at.selectbox(key="step_example").set_value("neuron").run()
    count = len(frames(record_example("neuron")))
    at.button(key="step_last").click().run()
    assert _headline(at).startswith(f"**{count} / {count}**")
    at.button(key="step_prev").click().run()
    assert _headline(at).startswith(f"**{count - 1} / {count}**")
    at.select_slider(key="step_pos").set_value(2).run()
    assert _headline(at).startswith(f"**3 / {count}**")
    at.button(key="step_first").click().run()
    assert _headline(at).startswith(f"**1 / {count}**") and at.button(key="step_first").disabled
    at.toggle(key="step_all_ops").set_value(True).run()  # torch.tensor(x) built no node
    assert _headline(at).startswith(f"**1 / {count + 1}**")
    at.toggle(key="step_all_ops").set_value(False).run()


def test_play_button_toggles_and_a_new_example_starts_over(at):
    at.segmented_control(key="step_source").set_value("Gallery example").run()
    at.selectbox(key="step_example").set_value("shared").run()
    at.button(key="step_next").click().run()
    at.button(key="step_play").click().run()
    assert not at.exception and at.session_state["step_playing"] is True
    at.button(key="step_play").click().run()
    assert at.session_state["step_playing"] is False
    at.selectbox(key="step_example").set_value("custom").run()
    assert _headline(at).startswith("**1 / ")


def test_a_visitors_program_is_recorded_in_the_worker_and_stepped(at):
    at.segmented_control(key="step_source").set_value("Your program").run()
    program = (
        "a = torch.tensor([1.0, 2.0], requires_grad=True)\n"
        "with torch.no_grad():\n"
        "    c = a * 2\n"
        "y = (a * c).sum()\n"
    )
    run_in_editor(at, "step_code", program)
    assert not at.exception and not at.error
    at.toggle(key="step_all_ops").set_value(True).run()
    at.button(key="step_next").click().run()  # a * 2 under no_grad
    assert any("3 | " in c.value for c in at.code)  # its source line
    assert any("no_grad" in i.value for i in at.info)
    at.button(key="step_last").click().run()
    assert any("equals the sum" in s.value for s in at.success)
    at.toggle(key="step_all_ops").set_value(False).run()


def test_a_share_link_and_a_bad_program(at):
    at.segmented_control(key="step_source").set_value("Your program").run()
    link = "https://example.org/expression_lab?code=eSA9IHRvcmNoLm9uZXMoMykgKyB0b3JjaC5vbmVzKDQpCg"
    at.text_input(key="step_link").input(link).run()
    assert editor_text(at, "step_code") == "y = torch.ones(3) + torch.ones(4)\n"
    assert at.error and "cannot be broadcast" in at.error[0].value
    assert editor_marks(at, "step_code")["annotations"][0]["row"] == 0
    at.session_state["lab_linked_code"] = encode_program("x = torch.ones(2) * 3\n")
    at.button(key="step_use_lab").click().run()
    assert editor_text(at, "step_code") == "x = torch.ones(2) * 3\n"
    assert not at.error and any("no backward pass" in i.value for i in at.info)
    # A broken link says so and leaves the program alone.
    at.text_input(key="step_link").input("https://example.org/lab?code=" + "a" * 20_000).run()
    assert any("This link could not be opened" in w.value for w in at.warning)
    assert editor_text(at, "step_code") == "x = torch.ones(2) * 3\n"


def test_a_small_model(at):
    at.segmented_control(key="step_source").set_value("Small model").run()
    at.selectbox(key="step_model").set_value("mlp").run()
    assert not at.exception and "Forward" in _headline(at)
    at.button(key="step_last").click().run()
    assert any("equals the sum" in s.value for s in at.success)


def test_an_error_keeps_the_last_recording_marked_stale(at):
    at.segmented_control(key="step_source").set_value("Your program").run()
    good = "a = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (a * a).sum()\n"
    run_in_editor(at, "step_code", good)
    assert not at.error and not at.warning
    steps = _headline(at).split(" / ")[1].split("**")[0]
    at.button(key="step_next").click().run()
    run_in_editor(at, "step_code", good + "z = y.numpy()\n")
    assert at.error[0].value.startswith("Line 3, column 5: ")
    assert [w.value for w in at.warning] == [STALE]
    assert _headline(at).startswith(f"**2 / {steps}**")  # the same recording, where it was
    assert "MulBackward0" in _dot(at)
    (marker,) = editor_marks(at, "step_code")["markers"]
    assert (marker["startRow"], marker["startCol"]) == (2, 4)


def test_a_program_over_the_limit_is_refused_naming_the_limit(at):
    at.segmented_control(key="step_source").set_value("Your program").run()
    before = at.session_state["step_code"]
    run_in_editor(at, "step_code", "y = 1\n" * 500)
    limit = Limits().max_source_chars
    assert any(
        e.value.startswith(f"Your program has 3,000 characters; the limit is {limit:,}.")
        for e in at.error
    )
    assert at.session_state["step_code"] == before and STALE in [w.value for w in at.warning]
    assert drawn_dots(at)


REASONS_PROGRAM = """x = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
m = x > 0
i = x.argmax()
d = x.detach()
c = d * 2
with torch.no_grad():
    s = x * 2
u = x * 3
y = (x * c + s).sum()
"""


def test_each_op_without_a_node_says_why(at):
    # The reasons themselves are checked against torch in tests/record/test_reasons.py.
    at.segmented_control(key="step_source").set_value("Your program").run()
    run_in_editor(at, "step_code", REASONS_PROGRAM)
    assert not at.exception and not at.error
    at.toggle(key="step_all_ops").set_value(True).run()
    expected = [
        ("Tensor.gt", reasons.NOT_DIFFERENTIABLE),  # x > 0: a bool output
        ("Tensor.argmax", reasons.NOT_DIFFERENTIABLE),  # an integer output
        ("Tensor.detach", reasons.CUT),
        ("Tensor.mul", reasons.NO_INPUT),  # d * 2, d detached
        ("Tensor.mul", reasons.NO_GRAD),
        ("Tensor.mul", reasons.OFF_PATH),  # u = x * 3, not used by y
    ]
    for op, reason in expected:
        at.button(key="step_next").click().run()
        assert f"Forward: `{op}`" in _headline(at)
        infos = [i.value for i in at.info]
        assert SENTENCES[reason] in infos, (op, infos)
        assert not any("No input requires grad" in i for i in infos if reason != reasons.NO_INPUT)
    at.toggle(key="step_all_ops").set_value(False).run()


def test_nothing_to_step_through_when_no_node_is_in_the_outputs_graph(at):
    at.segmented_control(key="step_source").set_value("Your program").run()
    program = "x = torch.ones(2, requires_grad=True)\nu = x * 2\ny = torch.ones(2) * 3\n"
    run_in_editor(at, "step_code", program)
    x = torch.ones(2, requires_grad=True)
    assert (x * 2).grad_fn is not None and (torch.ones(2) * 3).grad_fn is None  # torch
    assert any("no op built a node of the output's graph" in i.value for i in at.info)


def test_what_a_node_sends_goes_to_the_node_at_each_input_edge(at):
    at.segmented_control(key="step_source").set_value("Gallery example").run()
    at.selectbox(key="step_example").set_value("neuron").run()
    data = record_example("neuron")
    kinds = {n["id"]: n["kind"] for n in data["graph"]["nodes"]}
    names = {n["id"]: n["name"] for n in data["graph"]["nodes"]}
    position = [f.phase for f in frames(data)].index("backward")
    at.select_slider(key="step_pos").set_value(position).run()
    step = data["backward"][0]
    assert kinds[step["targets"][0]] == "op"  # SigmoidBackward0 sends to an op, not a leaf
    assert any(m.value.startswith("**Sends along each input edge**") for m in at.markdown)
    assert not any(m.value.startswith("**Leaves**") for m in at.markdown)
    shown = [t.value for t in at.table if "to" in t.value.columns]
    assert shown and list(shown[0]["to"]) == [f"{names[t]} ({t})" for t in step["targets"]]
