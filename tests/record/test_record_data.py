"""Recordings as plain data, what each frame highlights, and rules filled in with numbers."""

import json

import pytest
import torch

import graphlab as gl
from graphlab.lessons.recordings import record_example
from graphlab.record.recorder import Recorder
from graphlab.record.rules import filled, tex
from graphlab.record.values import snapshot
from graphlab.render import EDGE_HIGHLIGHT
from graphlab.render.frames import frame_dot, frames, highlight, next_frame
from graphlab.worker.record import record_reply


def _strict_json(data: dict) -> dict:
    return json.loads(json.dumps(data, allow_nan=False))


def test_example_recording_is_strict_json_with_every_step():
    data = _strict_json(record_example("neuron"))
    graph = gl.Graph.from_dict(data["graph"])
    assert [s["op"] for s in data["forward"]][-3:] == [
        "Tensor.matmul",
        "Tensor.add",
        "torch.sigmoid",
    ]
    assert len(data["backward"]) == len(graph.of_kind("op", "leaf", "param"))
    assert {leaf["name"]: leaf["equal"] for leaf in data["leaves"]} == {"w": True, "b": True}
    sigmoid = data["backward"][0]
    assert sigmoid["name"] == "SigmoidBackward0" and sigmoid["grad_outputs"][0]["value"] == 1.0
    assert "result" in sigmoid["saved"] and sigmoid["filled"]


def test_frames_run_forward_then_backward_then_the_leaves():
    data = record_example("view_inplace")
    shown = frames(data)
    assert [f.phase for f in shown].count("final") == 1 and shown[-1].phase == "final"
    hidden = [s for s in data["forward"] if not s["nodes"]]
    assert hidden and len(frames(data, all_ops=True)) == len(shown) + len(hidden)
    assert next_frame(0, 3) == (1, True) and next_frame(1, 3) == (2, False)
    assert next_frame(2, 3) == (2, False)


def test_forward_highlight_grows_one_step_at_a_time():
    data = record_example("shared")
    forward = [f for f in frames(data) if f.phase == "forward"]
    roles = [highlight(data, f).roles for f in forward]
    assert roles[0] == {"n2": "active"}  # x = torch.tensor(..., requires_grad=True)
    assert roles[1] == {"n2": "done", "n1": "active"}  # x * x
    assert roles[2] == {"n2": "done", "n1": "done", "n0": "active", "o0": "active"}


def test_backward_highlight_marks_running_done_and_waiting_nodes():
    data = record_example("neuron")
    backward = [f for f in frames(data) if f.phase == "backward"]
    first = highlight(data, backward[0])
    assert first.roles["n0"] == "active" and first.edges == [("n1", "n0"), ("n0", "o0")]
    second = highlight(data, backward[1])  # AddBackward0: its gradient came from n0
    assert second.roles == {"o0": "done", "n0": "done", "n1": "active"}
    third = highlight(data, backward[2])  # b's turn; the matmul is waiting with its gradient
    assert third.roles["n2"] == "path" and third.roles["n3"] == "active"
    final = highlight(data, frames(data)[-1])
    assert {n for n, r in final.roles.items() if r == "active"} == {"n3", "n4"}


def test_frame_dot_styles_edges_carrying_gradient_and_fills_the_running_node():
    data = record_example("shared")
    graph = gl.Graph.from_dict(data["graph"])
    frame = [f for f in frames(data) if f.phase == "backward"][1]  # MulBackward0 sends to x twice
    dot = frame_dot(graph, highlight(data, frame), legend=False)
    assert dot.count(f'"n2" -> "n1"{EDGE_HIGHLIGHT};') == 2
    (line,) = [line for line in dot.splitlines() if line.startswith('  "n1" [')]
    assert line.endswith('fillcolor="#ffb3b3"];')


def test_rules_are_filled_in_with_the_step_values():
    with Recorder() as rec:
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = (torch.tanh(x) * 3).mean()
    steps = rec.backward(y)
    lines = {s.name: filled(s) for s in steps}
    assert lines["MeanBackward0"] == [
        r"\bar a_i = \frac{\bar z}{n} = \frac{1}{2} \;\Rightarrow\; \bar a = [0.5, 0.5]"
    ]
    assert lines["MulBackward0"][0].endswith("= [1.5, 1.5]")
    tanh = lines["TanhBackward0"][0]
    assert "(1 - [0.7616, 0.964]^{2})" in tanh and tanh.endswith("= [0.63, 0.106]")
    assert lines["AccumulateGrad"][-1] == r"x.\mathrm{grad} = [0.63, 0.106]"


def test_tex_shows_large_tensors_by_shape_and_never_raw_text():
    assert tex(snapshot(torch.zeros(3, 4))) == r"\text{tensor }3{\times}4"
    assert tex(snapshot(torch.eye(2))) == r"\begin{bmatrix}1 & 0 \\ 0 & 1\end{bmatrix}"
    assert tex("{evil}\\") == r"\text{evil}"


PROGRAM = """x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
with torch.no_grad():
    c = x * 2
y = (x * c).sum()
"""


def test_program_recording_knows_lines_and_no_grad_steps():
    data = _strict_json(record_reply(PROGRAM))
    assert data["ok"] and data["note"] is None
    assert [(s["op"], s["line"], s["node"] is None) for s in data["forward"]] == [
        ("torch.tensor", 1, False),
        ("Tensor.mul", 3, True),
        ("Tensor.mul", 4, False),
        ("Tensor.sum", 4, False),
    ]
    assert data["forward"][1]["grad_enabled"] is False
    (leaf,) = data["leaves"]
    assert leaf["name"] == "x" and leaf["equal"] and leaf["grad"]["value"] == [2.0, 4.0, 6.0]


def test_program_recording_explains_what_it_cannot_step_through():
    vector = record_reply("x = torch.ones(2, requires_grad=True)\ny = x * 3\n")
    assert "not a scalar" in vector["note"] and len(vector["backward"]) == 2
    done = record_reply("x = torch.ones(2, requires_grad=True)\ny = (x * 3).sum()\ny.backward()\n")
    assert "ran backward itself" in done["note"] and done["backward"] == []
    bad = record_reply("y = torch.ones(3) + torch.ones(4)")
    assert not bad["ok"] and bad["error"]["line"] == 1


def test_a_vector_output_starts_from_ones_that_step_through_passes_itself():
    # torch: .backward() on a vector refuses to make up a gradient ...
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x * 3).backward()
    # ... so the note and Recorder.backward say that ones are passed, as a learner must.
    (x * 3).backward(gradient=torch.ones(2))
    data = record_reply("x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = x * 3\n")
    assert "`gradient=torch.ones_like(output)`" in data["note"]
    assert "would raise" in data["note"]
    (leaf,) = data["leaves"]
    assert leaf["grad"]["value"] == x.grad.tolist() == [3.0, 3.0]
    assert data["backward"][0]["grad_outputs"][0]["value"] == [1.0, 1.0]
    assert "torch.ones_like(output)" in " ".join(Recorder.backward.__doc__.split())
