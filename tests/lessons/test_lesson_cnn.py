"""Lesson 16, CNN shapes: every row against the same network written as a plain nn.Sequential
and run on a real tensor (forward hooks read each output), the formula against torch on sizes
that do not divide, the tutorial's error against nn.Linear(64 * 56 * 56, 10) run on the real
flattened output, the answers against torch computed another way, and the prose's numbers."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

import graphlab as gl
from graphlab.lessons import lesson
from graphlab.lessons import lesson_cnn as lc
from graphlab.lessons.checks import grade
from graphlab.lessons.prose import load


def _plain(net: lc.Net, fc_in: int | None = None) -> nn.Sequential:
    """The network as a learner writes it, without graphlab.models."""
    conv = {"kernel_size": net.kernel, "stride": net.stride, "padding": net.padding}
    layers = [nn.Conv2d(net.in_channels, net.c1, **conv), nn.ReLU()]
    layers += [nn.MaxPool2d(net.pool)] if net.pool1 else []
    layers += [nn.Conv2d(net.c1, net.c2, **conv), nn.ReLU()]
    layers += [nn.MaxPool2d(net.pool)] if net.pool2 else []
    layers += [nn.Flatten()]
    return nn.Sequential(*layers, *([nn.Linear(fc_in, lc.CLASSES)] if fc_in else []))


def _outputs(net: lc.Net) -> list[tuple[int, ...]]:
    """Each layer's output shape, the plain network run on one real zero image."""
    model = _plain(net)
    shapes: list[tuple[int, ...]] = []
    for module in model:
        module.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape)))
    with torch.no_grad():
        model(torch.zeros(1, net.in_channels, net.size, net.size))
    return shapes


NETS = [
    lc.TUTORIAL, lc.MNIST, lc.Net(size=225), lc.Net(size=33, kernel=5, stride=2, padding=2),
    lc.Net(size=61, in_channels=1, c1=4, c2=6, kernel=4, stride=2, padding=0, pool=3, pool2=True),
    lc.Net(size=64, c1=8, c2=8, kernel=1, padding=0, pool1=False),
]  # fmt: skip


@pytest.mark.parametrize("net", NETS)
def test_every_row_is_the_plain_networks_shape(net):
    result = lc.shapes(net)
    want = _outputs(net)
    rows = result.rows[:-1]  # the Linear comes last
    assert [r.shape for r in rows] == want
    assert result.flat == want[-1][1] == result.fc_in
    assert result.logits == (1, lc.CLASSES) and result.rows[-1].name == "fc"
    assert all(r.matches for r in result.rows if r.name.startswith(("conv", "pool", "flatten")))
    fixed = _plain(net, result.fc_in)  # the Linear torch sized fits the real output
    assert fixed(torch.zeros(2, net.in_channels, net.size, net.size)).shape == (2, lc.CLASSES)


@pytest.mark.parametrize(
    ("n", "k", "s", "p"),
    list(itertools.product((7, 28, 31, 224, 225), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2))),
)
def test_the_formula_is_torchs_conv_and_pool(n, k, s, p):
    if k > n + 2 * p:
        return
    conv = nn.Conv2d(1, 1, k, s, p, device="meta")
    assert lc.out_size(n, k, s, p) == conv(torch.empty(1, 1, n, n, device="meta")).shape[2]
    if p == 0:
        pool = nn.MaxPool2d(k, s)
        assert lc.out_size(n, k, s) == pool(torch.zeros(1, 1, n, n)).shape[2]


def test_the_tutorials_linear_raises_torchs_own_error_and_fits_after_a_second_pool():
    result = lc.shapes(lc.TUTORIAL)
    x = torch.zeros(1, 3, 224, 224)
    with pytest.raises(RuntimeError) as raised:
        nn.Sequential(_plain(lc.TUTORIAL), nn.Linear(64 * 56 * 56, 10))(x)
    assert result.tutorial_error == f"RuntimeError: {raised.value}"
    assert "802816" in result.tutorial_error and "200704" in result.tutorial_error
    two_pools = lc.Net(pool2=True)
    assert lc.shapes(two_pools).tutorial_error is None
    assert nn.Sequential(_plain(two_pools), nn.Linear(64 * 56 * 56, 10))(x).shape == (1, 10)


def test_the_tutorials_linear_draws_nothing_from_the_global_generator():
    lc.tutorial_error.cache_clear()
    lc._tutorial_fc.cache_clear()
    before = torch.random.get_rng_state()
    lc.tutorial_error(1234)
    assert torch.equal(before, torch.random.get_rng_state())


def test_the_mnist_preset_is_model_graphs_cnn():
    builtin = gl.models.plan(gl.models.spec_of("cnn"))
    layers = gl.models.spec_of("cnn")["layers"]
    flat = builtin.shapes[[x["type"] for x in layers].index("flatten")]
    assert lc.shapes(lc.MNIST).flat == flat[1]
    convs = [x for x in layers if x["type"] == "conv2d"]
    assert [c["out_channels"] for c in convs] == [lc.MNIST.c1, lc.MNIST.c2]
    assert all(c.get("padding") == lc.MNIST.padding for c in convs)
    assert lc.model_graph_refusal(lc.MNIST) is None
    gl.models.build(lc.spec(lc.MNIST))  # Model Graph's builder takes the lesson's spec


def test_model_graph_would_refuse_the_tutorials_network_for_its_size():
    refusal = lc.model_graph_refusal(lc.TUTORIAL)
    params = sum(p.numel() for p in _plain(lc.TUTORIAL, 64 * 112 * 112).parameters())
    assert refusal is not None and f"{params:,}" in str(refusal)


def test_the_answers_are_torchs_computed_another_way():
    item = lesson("cnn")
    flat = _outputs(lc.TUTORIAL)[-1][1]
    assert flat == 64 * 112 * 112 and item.predict.answer() == "64 * 112 * 112"
    answers = {q.id: q for q in item.questions}
    conv = nn.Conv2d(3, 16, kernel_size=5, stride=2, padding=1)
    assert answers["conv"].answer() == str(conv(torch.zeros(1, 3, 28, 28)).shape[2]) == "13"
    model = gl.models.build(gl.models.spec_of("cnn"))
    x = torch.zeros(1, 1, 28, 28)
    for module in model:
        x = module(x)
        if isinstance(module, nn.Flatten):
            break
    assert answers["mnist"].answer() == str(x.shape[1]) == "1568"
    assert grade(answers["mnist"], "1568").ok and not grade(answers["mnist"], "3136").ok
    assert answers["odd"].answer() == str(nn.MaxPool2d(2)(torch.zeros(1, 1, 7, 7)).shape[2])


def test_what_the_prose_says_holds():
    why = load("en", "cnn")["why"]
    assert f"64·112·112 = {64 * 112 * 112}" in why and f"64·56·56 = {lc.TUTORIAL_IN}" in why
    assert _outputs(lc.TUTORIAL)[-1][1] == 64 * 112 * 112
    assert lc.Net(pool2=True).pool2 and lc.shapes(lc.Net(pool2=True)).flat == lc.TUTORIAL_IN
    # "set the input size to 225: the pool gives 112"
    pool1 = next(r for r in lc.shapes(lc.Net(size=225)).rows if r.name == "pool1")
    assert pool1.shape[2] == 112 and "⌊(225 − 2) / 2⌋ + 1 = 112" in load("en", "cnn")["play"]
    # "size 8, padding 0, kernel 11: torch cannot run it, and the message names the layer"
    with pytest.raises(gl.models.SpecError) as raised:
        lc.shapes(lc.Net(size=8, padding=0, kernel=11))
    assert raised.value.layer == 0 and "kernel 11" in str(raised.value)


@pytest.mark.parametrize(
    "net",
    [lc.Net(size=7), lc.Net(size=257), lc.Net(c1=0), lc.Net(c2=129), lc.Net(kernel=12),
     lc.Net(stride=5), lc.Net(padding=-1), lc.Net(pool=9), lc.Net(in_channels=4),
     lc.Net(size=True), lc.Net(size=28.0)],
)  # fmt: skip
def test_settings_out_of_range_are_refused_with_the_reason(net):
    with pytest.raises(ValueError, match="must be a whole number"):
        lc.shapes(net)


def test_a_network_that_pools_to_nothing_is_refused_by_the_spec():
    with pytest.raises(gl.models.SpecError, match="pool"):
        lc.shapes(lc.Net(size=8, pool=8, pool2=True))


def test_saw_quotes_the_network():
    numbers = lc.saw(lc.shapes(lc.TUTORIAL))
    assert numbers["flat"] == numbers["fc_in"] == str(64 * 112 * 112)
    assert numbers["last"] == "64×112×112" and numbers["pools"] == "1"
    assert numbers["checked"] == numbers["agree"] == "4"
    assert numbers["tutorial"] == "200704" and numbers["tutorial_fits"] == "False"
    assert lc.saw(lc.shapes(lc.MNIST))["tutorial_fits"] == "False"
    assert lc.saw(lc.shapes(lc.Net(pool2=True)))["tutorial_fits"] == "True"


def test_the_source_is_the_plain_network():
    result = lc.shapes(lc.TUTORIAL)
    code = lc.source(lc.TUTORIAL, result.fc_in)
    assert "nn.Linear(802816, 10)" in code and code.count("nn.MaxPool2d(2)") == 1
    namespace = {"nn": nn, "torch": torch}
    with torch.device("meta"):  # shapes only
        exec(compile(code, "source", "exec"), namespace)  # our own generated code, not input
        assert namespace["model"](namespace["x"]).shape == (1, lc.CLASSES)
