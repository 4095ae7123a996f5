"""The pure helpers behind the Live Training page: snapshot -> Altair and Plotly charts, the graph
of one training step, and turning a picture into an MNIST-like digit."""

from __future__ import annotations

import io

import pytest
import torch
import torch.nn.functional as F

from graphlab import train
from graphlab.models import build_model
from graphlab.train.digit import digit_from_bytes, prepare_digit
from graphlab.train.graph import step_graph
from graphlab.train.metrics import History, PredictionSample, Snapshot
from graphlab.train.plots import (
    ZOOM,
    accuracy_chart,
    confusion_figure,
    grid_figure,
    loss_chart,
    probability_figure,
    progress_text,
    thin,
)


def _history(steps: int, epochs: int = 0) -> History:
    return History(
        status="running",
        steps=list(range(1, steps + 1)),
        losses=[2.3 / (1 + 0.01 * s) for s in range(steps)],
        smoothed=[2.3 / (1 + 0.008 * s) for s in range(steps)],
        epochs=[
            {"epoch": e + 1, "step": 10 * (e + 1), "train_acc": 0.8 + e / 100, "test_acc": 0.9}
            for e in range(epochs)
        ],
    )


def _zoom_of(spec: dict) -> dict:
    (param,) = spec["params"]
    return param


def test_loss_chart_follows_the_history_with_a_constant_spec():
    small, larger = loss_chart(_history(5)), loss_chart(_history(50))
    rows = larger.data
    assert list(rows[rows.curve == "loss"].step) == list(range(1, 51))
    assert rows[rows.curve == "smoothed"].loss.iloc[-1] == pytest.approx(2.3 / (1 + 0.008 * 49))
    # Only the data differ between redraws: Streamlit then updates the view the visitor zoomed.
    specs = [chart.to_dict(validate=False) for chart in (small, larger)]
    for spec in specs:
        spec.pop("data"), spec.pop("datasets")
    assert specs[0] == specs[1]
    assert _zoom_of(specs[0]) == {
        "name": ZOOM,
        "select": {"type": "interval", "encodings": ["x", "y"]},
        "bind": "scales",
    }


def test_long_runs_are_thinned_but_keep_their_last_point():
    rows = loss_chart(_history(10_000), max_points=500).data
    steps = rows[rows.curve == "loss"].step
    assert len(steps) <= 501 and steps.iloc[0] == 1 and steps.iloc[-1] == 10_000
    assert thin([1, 2], [3, 4], 5) == ([1, 2], [3, 4])


def test_accuracy_chart_in_percent_with_a_hint_before_the_first_epoch():
    empty = accuracy_chart(_history(3))
    assert empty.data.empty and "first epoch" in empty.to_dict()["title"]["subtitle"]
    chart = accuracy_chart(_history(30, epochs=2))
    rows = chart.data
    assert list(rows[rows.split == "train"].epoch) == [1, 2]
    assert list(rows[rows.split == "test"].accuracy) == pytest.approx([90.0, 90.0])
    spec = chart.to_dict()
    assert spec["title"] == "Accuracy after each epoch" and _zoom_of(spec)["bind"] == "scales"


def test_confusion_figure_rows_are_true_digits():
    matrix = train.confusion_matrix(torch.tensor([3, 3, 5]), torch.tensor([3, 5, 5]))
    fig = confusion_figure(matrix)
    z = fig.data[0].z
    assert z[3][3] == 1 and z[3][5] == 1 and z[5][5] == 1 and sum(map(sum, z)) == 3
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.uirevision == "confusion"


def test_prediction_grid_frames_mistakes_in_red():
    images = torch.zeros(3, 28, 28)
    images[1, 10:18, 10:18] = 1.0
    sample = PredictionSample(
        torch.arange(3), images, torch.tensor([1, 2, 3]), torch.tensor([1, 7, 3])
    )
    fig = grid_figure(sample, cols=2)
    picture = fig.data[0].z  # 2 x 2 tiles of 32 px, each under a 12 px label band, 4 px apart
    assert picture.shape == (92, 68, 3)
    assert tuple(picture[12, 0]) == (0x2E, 0x7D, 0x32)  # green frame: right
    assert tuple(picture[12, 36]) == (0xC6, 0x28, 0x28)  # red frame: a mistake
    assert tuple(picture[12 + 2 + 12, 36 + 2 + 12]) == (0, 0, 0)  # ink is dark on white
    assert tuple(picture[12 + 2 + 1, 36 + 2 + 1]) == (255, 255, 255)
    assert [a.text for a in fig.layout.annotations] == ["1", "7 ✗ (2)", "3"]


def test_probability_figure_highlights_the_guess():
    probs = F.softmax(torch.tensor([[0.0] * 7 + [5.0, 0.0, 0.0]]), dim=1)
    fig = probability_figure(probs)
    assert sum(fig.data[0].y) == pytest.approx(100)
    assert fig.layout.title.text.startswith("Prediction: 7")
    colors = fig.data[0].marker.color
    assert colors[7] != colors[0] and len(set(colors)) == 2


def test_progress_text_names_epoch_step_throughput_and_device():
    snap = Snapshot("running", "", 30, 1, 10, 20, 60, 0.5, 2500.0, "cuda:0", 3.0, History(), None)
    assert (
        progress_text(snap, epochs=3) == "epoch 2 of 3 · step 30 of 60 · 2,500 samples/s on cuda:0"
    )


@pytest.mark.parametrize("model", train.MODELS)
def test_step_graph_is_the_graph_backward_walks(model):
    graph = step_graph(model)
    (output,) = graph.of_kind("output")
    assert output.name == "loss" and output.shape == ()
    names = {n.name for n in graph.of_kind("op")}
    assert {"NllLossBackward0", "LogSoftmaxBackward0", "AddmmBackward0"} <= names
    params = {n.name for n in graph.of_kind("param")}
    net = build_model(model, torch.Generator())
    assert params == {name for name, _ in net.named_parameters()}
    assert {n.module for n in graph.of_kind("op") if n.name == "AddmmBackward0"} <= {
        name for name, _ in net.named_modules()
    }


def test_step_graph_of_a_given_model_leaves_its_gradients_alone():
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    graph = step_graph(net, images=torch.zeros(2, 1, 28, 28), labels=torch.tensor([1, 2]))
    assert {n.name for n in graph.of_kind("param")} == {"1.weight", "1.bias"}
    assert net[1].weight.grad is None


def test_prepare_digit_fits_and_centres_the_ink_like_mnist():
    paper = torch.ones(90, 90)
    paper[10:30, 60:70] = 0.0  # a dark bar in the top right corner of white paper
    digit = prepare_digit(paper)
    assert digit.shape == (28, 28) and digit[0, 0] == 0
    ink = torch.nonzero(digit > 0.5)
    height = int(ink[:, 0].max() - ink[:, 0].min() + 1)
    assert 18 <= height <= 20  # the longer side becomes 20 pixels
    rows, cols = torch.arange(28.0), torch.arange(28.0)
    cy = float((digit.sum(1) * rows).sum() / digit.sum())
    cx = float((digit.sum(0) * cols).sum() / digit.sum())
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1


def test_prepare_digit_accepts_0_255_and_refuses_odd_shapes():
    light_on_dark = torch.zeros(40, 40)
    light_on_dark[5:35, 18:22] = 255
    assert float(prepare_digit(light_on_dark).max()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="grey picture"):
        prepare_digit(torch.zeros(3, 4, 4))
    with pytest.raises(ValueError, match="not finite"):
        prepare_digit(torch.full((4, 4), float("nan")))


def test_digit_from_bytes_reads_png_and_refuses_junk_and_huge_images():
    from PIL import Image

    def png(image: Image.Image) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return buffer.getvalue()

    rgb = Image.new("RGB", (50, 50), "white")
    rgb.paste((0, 0, 0), (20, 5, 30, 45))
    assert float(digit_from_bytes(png(rgb)).max()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="not an image"):
        digit_from_bytes(b"GIF89a nonsense")
    with pytest.raises(ValueError, match="at most 100 are accepted"):
        digit_from_bytes(png(rgb), max_pixels=100)
