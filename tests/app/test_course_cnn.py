"""AppTest of lesson 16, CNN shapes: the Play table's shapes are those of the same network run
by torch, the tutorial's Linear raises torch's own error until a second pool, a network torch
cannot run is refused with the layer named, the network opens in Model Graph with the same
shapes, What you saw follows the widget, the checks grade against torch, and Play speaks
Chinese."""

from __future__ import annotations

import pytest
import torch
from streamlit.testing.v1 import AppTest
from torch import nn

from graphlab.lessons import lesson_cnn as lc
from tests.app.pages import open_lesson


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson("cnn", stage, lang)


def torch_shapes(layers: list[nn.Module], size: int, channels: int) -> list[str]:
    """Each layer's output shape, as the table writes it, from a real forward pass."""
    x, shapes = torch.zeros(1, channels, size, size), []
    with torch.no_grad():
        for layer in layers:
            x = layer(x)
            shapes.append(str(tuple(x.shape)))
    return shapes


TUTORIAL_LAYERS = [nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                   nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Flatten()]  # fmt: skip


def test_the_tutorials_network_and_its_error():
    at = at_stage("play")
    table = at.dataframe[0].value
    want = torch_shapes(TUTORIAL_LAYERS, 224, 3)
    assert list(table.iloc[:-1, 1]) == want and table.iloc[-1, 1] == "(1, 10)"
    assert set(table.iloc[:, 3]) == {"✓", ""}
    flat = 64 * 112 * 112
    with pytest.raises(RuntimeError) as raised:
        nn.Linear(64 * 56 * 56, 10)(torch.zeros(1, flat))
    (error,) = at.error
    assert str(raised.value) in error.value.replace("\\", "")
    assert (
        f"nn.Linear({flat}, 10)" in at.success[0].value
        and f"nn.Linear({flat}, 10)" in at.code[0].value
    )


def test_a_second_pool_makes_the_tutorials_linear_fit():
    at = at_stage("play")
    at.checkbox(key="cnn_pool2").check().run()
    want = torch_shapes([*TUTORIAL_LAYERS[:5], nn.MaxPool2d(2), nn.Flatten()], 224, 3)
    assert list(at.dataframe[0].value.iloc[:-1, 1]) == want
    assert not at.error and "fits this network" in at.info[0].value
    assert "nn.Linear(200704, 10)" in at.code[0].value


def test_settings_change_the_shapes_as_torch_does():
    at = at_stage("play")
    at.number_input(key="cnn_size").set_value(61).run()
    at.radio(key="cnn_in_channels").set_value(1).run()
    at.number_input(key="cnn_c1").set_value(5).run()
    at.slider(key="cnn_kernel").set_value(4).run()
    at.slider(key="cnn_stride").set_value(2).run()
    at.slider(key="cnn_padding").set_value(0).run()
    at.slider(key="cnn_pool").set_value(3).run()
    layers = [nn.Conv2d(1, 5, 4, 2), nn.ReLU(), nn.MaxPool2d(3), nn.Conv2d(5, 64, 4, 2),
              nn.ReLU(), nn.Flatten()]  # fmt: skip
    table = at.dataframe[0].value
    assert list(table.iloc[:-1, 1]) == torch_shapes(layers, 61, 1)
    assert table.iloc[0, 2] == "⌊(61 + 2·0 − 4) / 2⌋ + 1 = 29"


def test_a_network_torch_cannot_run_is_refused_with_the_layer():
    at = at_stage("play")
    at.number_input(key="cnn_size").set_value(8).run()
    at.slider(key="cnn_padding").set_value(0).run()
    at.slider(key="cnn_kernel").set_value(11).run()
    (error,) = at.error
    assert "layer 1" in error.value and "kernel 11 is larger" in error.value
    assert not at.exception and not at.dataframe


def test_the_mnist_preset_opens_in_model_graph_with_the_same_shapes():
    at = at_stage("play")
    keys = [b.key for b in at.button]
    assert "cnn_model_graph" not in keys  # the tutorial's network is over Model Graph's limits
    assert any("Model Graph would refuse" in c.value for c in at.caption)
    at.button(key="cnn_mnist").click().run()
    lesson_shapes = list(at.dataframe[0].value.iloc[:, 1])
    at.button(key="cnn_model_graph").click().run()
    assert not at.exception and at.title[0].value == "Model Graph"
    rows = at.table[0].value
    drawn = [str(tuple(int(v) for v in s.strip("[]").split(","))) for s in rows.iloc[:, -1]]
    assert drawn == lesson_shapes


def test_what_you_saw_quotes_the_widget():
    at = at_stage("play")
    at.button(key="cnn_mnist").click().run()
    at.query_params["step"] = "4"
    at.run()
    text = "\n".join(m.value for m in at.markdown)
    assert "1×28×28 image through 2 pooling" in text and "was 32×7×7" in text
    assert "`in_features = 1568`" in text and "on 5 of the 5" in text


def test_checks_grade_against_torch():
    at = at_stage("check")
    conv = nn.Conv2d(3, 16, kernel_size=5, stride=2, padding=1)
    height = conv(torch.zeros(1, 3, 28, 28)).shape[2]
    at.text_input(key="course_cnn_conv").input("14").run()
    at.button(key="course_cnn_conv_check").click().run()
    (error,) = at.error
    assert f"**{height}**" in error.value and "14" in error.value
    at.text_input(key="course_cnn_conv").input(str(height)).run()
    at.button(key="course_cnn_conv_check").click().run()
    at.text_input(key="course_cnn_mnist").input("1568").run()
    at.button(key="course_cnn_mnist_check").click().run()
    odd = nn.MaxPool2d(2)(torch.zeros(1, 1, 7, 7)).shape[2]
    at.radio(key="course_cnn_odd").set_value(str(odd)).run()
    at.button(key="course_cnn_odd_check").click().run()
    assert len(at.success) == 3 and not at.error
    assert any(p.label.startswith("✓") and "CNN" in p.label for p in at.get("page_link"))


def test_play_speaks_chinese():
    at = at_stage("play", "zh")
    assert "形状" in at.title[0].value and not at.exception
    assert at.error[0].value.startswith("教程的")
    assert lc.TUTORIAL_IN == 200704 and "200704" in at.error[0].value
