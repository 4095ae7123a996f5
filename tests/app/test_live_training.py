"""AppTest for the Live Training page: a short run updates the charts, stop and pause work, bad
values and bad files are refused with a message, past the job cap visitors wait in line, digits are classified.

Timed fragments never fire in AppTest, so each ``at.run()`` redraws the page from a fresh
snapshot of the visitor's trainer, which trains in its own thread meanwhile.
"""

from __future__ import annotations

import io
import json
import re
import time

import pyarrow as pa
import pytest
import torch
from streamlit.testing.v1 import AppTest

from graphlab import train
from graphlab.data import load_mnist
from graphlab.render import COLORS
from graphlab.train.digit import digit_from_pixels
from graphlab.train.graph import step_graph
from tests.app.pages import drawn_dots, open_page
from widgets import training

PAGE = "app_pages/live_training.py"


@pytest.fixture()
def at():
    app = open_page(PAGE)
    yield app
    job = _job(app)
    if job is not None:
        assert job.stop(timeout=10)
    assert train.JOB_SLOTS.in_use == 0


def _job(at: AppTest) -> train.Trainer | None:
    return at.session_state.get(training.TRAINER)


def _start(at: AppTest, size: int = 1_000, **widgets) -> None:
    at.select_slider(key="train_size").set_value(size)
    for key, value in widgets.items():
        at.get_by_key(key).set_value(value)  # type: ignore[union-attr]
    at.button(key="train_start").click().run()
    assert not at.exception


def _run_until(at: AppTest, condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        at.run()
        assert not at.exception
        if condition():
            # The trainer thread may have changed state after that run drew the page: draw the
            # state the condition saw.
            at.run()
            assert not at.exception
            return
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _figures(at: AppTest) -> dict[str, dict]:
    charts = at.get("plotly_chart")
    return {
        json.loads(c.proto.spec)["layout"]["uirevision"]: json.loads(c.proto.spec) for c in charts
    }


def _curves(at: AppTest) -> dict[str, tuple[str, dict, list[dict]]]:
    """The live Vega charts by key: element id, spec and data rows."""
    curves = {}
    for chart in at.get("vega_lite_chart"):
        (dataset,) = chart.proto.datasets
        rows = pa.ipc.open_stream(dataset.data.data).read_all().to_pylist()
        key = chart.proto.id.rsplit("-", 1)[-1]
        curves[key] = (chart.proto.id, json.loads(chart.proto.spec), rows)
    return curves


def _messages(elements) -> str:
    return " ".join(e.value for e in elements)


def test_page_starts_with_instructions_and_the_graph_of_one_step(at):
    assert at.title[0].value == "Live Training"
    assert "Start training" in _messages(at.info)
    (dot,) = drawn_dots(at)
    assert "NllLossBackward0" in dot and "AddmmBackward0" in dot
    at.selectbox(key="train_model").set_value("cnn").run()
    (dot,) = drawn_dots(at)
    assert "ConvolutionBackward0" in dot


@pytest.mark.parametrize("model", train.MODELS)
def test_the_step_graphs_caption_names_every_kind_of_box_drawn(at, model):
    at.selectbox(key="train_model").set_value(model).run()
    (caption,) = [m.value for m in at.markdown if "autograd graph of one training step" in m.value]
    (dot,) = drawn_dots(at)
    graph = step_graph(model)
    kinds = {n.kind for n in graph.nodes if f'"{n.id}" [' in dot}
    assert kinds == {"op", "param", "output"}  # not only backward nodes
    assert "Each box is one backward node" not in caption
    words = {"op": "Grey boxes are backward nodes", "param": "blue boxes the model's parameters",
             "output": "the green ellipse the output, the loss"}  # fmt: skip
    for kind, said in words.items():
        assert said in caption
        (line,) = [ln for ln in dot.splitlines() if ln.startswith(f'  "{_first(graph, kind)}" [')]
        assert COLORS[kind] in line and ("ellipse" in line) == (kind == "output")
    assert "*Saved tensors* on" in caption and graph.of_kind("saved")


def _first(graph, kind: str) -> str:
    return next(n.id for n in graph.nodes if n.kind == kind)


def test_a_short_run_updates_the_charts_then_shows_results(at):
    _start(at, size=1_000)
    job = _job(at)
    assert job is not None and job.config.train_size == 1_000
    _run_until(at, lambda: job.snapshot().status == "done")
    at.run()  # the run above may have drawn a snapshot from just before the end
    curves = _curves(at)
    _, loss_spec, loss_rows = curves["train_loss_chart"]
    assert sum(r["curve"] == "loss" for r in loss_rows) == job.snapshot().step == 16
    test_rows = [r for r in curves["train_acc_chart"][2] if r["split"] == "test"]
    assert len(test_rows) == 1  # one epoch: one test accuracy
    # The zoom is a selection the page activates: Streamlit keeps it when the data change.
    assert loss_spec["params"][0]["name"] == "zoom" and loss_spec["params"][0]["bind"] == "scales"
    figures = _figures(at)
    assert "predictions" in figures and "confusion" in figures
    assert sum(map(sum, figures["confusion"]["data"][0]["z"])) == job.config.test_size
    labels = [m.label for m in at.metric]
    assert labels == ["Loss (smoothed)", "Test accuracy", "Samples / s", "Device"]
    assert at.metric[3].value == "cpu" and at.metric[1].value.endswith("%")
    assert at.progress[0].value == 100
    assert train.JOB_SLOTS.in_use == 0  # the finished thread gave its slot back


def test_stop_pause_and_resume(at):
    _start(at, size=50_000, train_epochs=3)
    job = _job(at)
    at.button(key="train_pause").click().run()
    _run_until(at, lambda: job.snapshot().status == "paused", timeout=10)
    assert [b.label for b in at.button if b.key == "train_resume"] == ["Resume"]
    step = job.snapshot().step
    time.sleep(0.3)
    assert job.snapshot().step == step  # paused means no steps
    at.button(key="train_resume").click().run()
    _run_until(at, lambda: job.snapshot().step > step, timeout=10)
    loss_id, _, rows = _curves(at)["train_loss_chart"]
    _run_until(at, lambda: len(_curves(at)["train_loss_chart"][2]) > len(rows), timeout=10)
    assert _curves(at)["train_loss_chart"][0] == loss_id  # new points, same element in the browser
    at.button(key="train_stop").click().run()
    assert not job.running and job.snapshot().status == "stopped"
    assert train.JOB_SLOTS.in_use == 0
    assert at.button(key="train_continue").label == "Continue"
    assert not at.button(key="train_start").disabled
    stopped_at = job.snapshot().step
    at.button(key="train_continue").click().run()  # the same run goes on from where it stopped
    assert _job(at) is job
    _run_until(at, lambda: job.snapshot().step > stopped_at, timeout=10)
    at.button(key="train_stop").click().run()
    assert not job.running and train.JOB_SLOTS.in_use == 0


@pytest.mark.parametrize(
    ("lr", "message"),
    [
        ("fast", "learning rate must be a number"),
        ("-0.5", "lr must be a positive finite number"),
        ("inf", "lr must be a positive finite number"),
    ],
)
def test_bad_values_are_refused_with_a_message(at, lr, message):
    at.text_input(key="train_lr").set_value(lr)
    at.button(key="train_start").click().run()
    assert not at.exception
    assert message in _messages(at.error)
    assert _job(at) is None and train.JOB_SLOTS.in_use == 0


@pytest.fixture()
def full():
    """Every training slot taken by other visitors; `full["held"]` says how many are still held."""
    held = {"held": train.JOB_SLOTS.max_jobs - train.JOB_SLOTS.in_use}
    for _ in range(held["held"]):
        train.JOB_SLOTS.acquire()
    yield held
    for _ in range(held["held"]):
        train.JOB_SLOTS.release()


def test_a_full_server_puts_the_visitor_in_line_and_starts_the_run_when_a_slot_frees(at, full):
    _start(at)
    shown = _messages(at.info)
    assert "you are in line: 0 visitors are ahead of you" in shown
    assert not _job(at).running and at.button(key="train_leave")
    assert train.JOB_SLOTS.wait_turn("later visitor").ahead == 1  # behind this one
    train.JOB_SLOTS.leave("later visitor")
    train.JOB_SLOTS.release()
    full["held"] -= 1
    at.run()  # the line's poll: a slot is free for this place, so the run starts
    assert not at.exception and _job(at).running
    assert "in line" not in _messages(at.info)


def test_leaving_the_line_gives_up_the_place(at, full):
    _start(at)
    at.button(key="train_leave").click().run()
    assert not at.exception and "in line" not in _messages(at.info)
    assert train.JOB_SLOTS.wait_turn("another").ahead == 0  # nobody ahead of it now
    train.JOB_SLOTS.leave("another")


def test_checkpoint_download_and_upload(at, monkeypatch):
    _start(at)
    job = _job(at)
    _run_until(at, lambda: job.snapshot().status == "done")
    assert at.get("download_button")[0].label == "Download checkpoint"
    data = job.to_bytes()
    at.file_uploader(key="train_upload").set_value(("garbage.pt", b"not a checkpoint", "x")).run()
    assert not at.exception and r"Could not load garbage\.pt" in _messages(at.error)
    assert _job(at) is job
    # A crafted checkpoint: markdown in its history and in its name shows literally, or not at all.
    state = torch.load(io.BytesIO(data), weights_only=True)
    state["history"]["status"] = "[click](http://evil.example)"
    crafted = io.BytesIO()
    torch.save(state, crafted)
    name = "**x**[y](http://evil.example).pt"
    at.file_uploader(key="train_upload").set_value((name, crafted.getvalue(), "x")).run()
    shown = _messages(at.error)
    outside_code = re.sub(r"`[^`]*`", "", shown)  # a code span shows its text literally
    assert "status must be one of" in shown and "[y](http://evil.example)" in shown
    assert "](http" not in outside_code and "**x**" not in outside_code
    assert _job(at) is job
    # Predictions that are no digits would size the confusion matrix: refused, nothing drawn.
    state = torch.load(io.BytesIO(data), weights_only=True)
    state["test_predictions"] = torch.full_like(state["test_predictions"], 10**10)
    at.file_uploader(key="train_upload").set_value(("big.pt", _saved(state), "x")).run()
    assert not at.exception and "test predictions are not digits" in _messages(at.error)
    assert _job(at) is job
    monkeypatch.setattr(torch, "load", _unpickled)  # a worker reads the file, never the server
    at.file_uploader(key="train_upload").set_value(("run.pt", data, "application/x")).run()
    assert not at.exception and r"Loaded run\.pt" in _messages(at.success)
    loaded = _job(at)
    assert loaded is not job and loaded.snapshot().step == 16
    assert torch.equal(loaded.model[2].weight, job.model[2].weight)


def _unpickled(*args, **kwargs):
    raise AssertionError("the server unpickled a visitor's file")


def _saved(state: dict) -> bytes:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def test_an_uploaded_stopped_run_continues_from_its_step(at):
    config = train.TrainConfig(train_size=1_000, test_size=200, device="cpu")
    saved = train.Trainer(config)
    saved.run(max_steps=5)
    at.file_uploader(key="train_upload").set_value(("part.pt", saved.to_bytes(), "x")).run()
    assert not at.exception
    assert r"step 5, status stopped\. Press Continue" in _messages(at.success)
    job = _job(at)
    assert job.snapshot().step == 5 and not job.running
    assert not [b for b in at.button if b.key == "train_resume"]  # stopped, not paused
    at.button(key="train_continue").click().run()
    assert _job(at) is job
    _run_until(at, lambda: job.snapshot().status == "done")
    expected = train.Trainer(job.config).run()  # the same run, never interrupted, same device
    assert job.snapshot().history.losses == expected.losses
    assert [b.key for b in at.button if b.key == "train_continue"] == []


def _png(picture: torch.Tensor) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray((255 * picture).round().byte().numpy()).save(buffer, format="PNG")
    return buffer.getvalue()


def test_classify_a_test_image_and_an_uploaded_picture(at):
    at.segmented_control(key="train_digit_source").set_value("Pick a test image").run()
    assert "Train a model" in _messages(at.info)  # no model yet
    _start(at)
    job = _job(at)
    _run_until(at, lambda: job.snapshot().status == "done")
    at.number_input(key="train_digit_index").set_value(3).run()
    assert not at.exception
    probs = _figures(at)["probabilities"]
    assert len(probs["data"][0]["y"]) == 10 and abs(sum(probs["data"][0]["y"]) - 100) < 1e-3
    images, _ = load_mnist("test", copy=False)
    at.segmented_control(key="train_digit_source").set_value("Upload an image").run()
    paper = 1 - images[3, 0]  # dark ink on white paper: the page inverts it
    at.file_uploader(key="train_digit_upload").set_value(("d.png", _png(paper), "image/png"))
    at.run()
    assert not at.exception and "probabilities" in _figures(at)
    at.file_uploader(key="train_digit_upload").set_value(("d.png", b"\x89PNG junk", "image/png"))
    at.run()
    assert not at.exception and "not an image" in _messages(at.error)


def test_canvas_messages_are_checked_like_visitor_input():
    assert digit_from_pixels([255] * 64 * 64).shape == (64, 64)
    assert digit_from_pixels([255] * 10) is None
    assert digit_from_pixels("<script>") is None
    assert digit_from_pixels([True] * 64 * 64) is None
    assert float(digit_from_pixels([1e9] * 64 * 64).max()) == 1.0
