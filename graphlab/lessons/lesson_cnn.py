"""Lesson 16, CNN shapes: a small CNN (two convolutions, optional pooling, a flatten and a Linear)
described as a `graphlab.models` spec, planned by torch on the `meta` device, so every layer's
output shape is torch's own at no cost; beside it the formula floor((n + 2p - k) / s) + 1, and
what the tutorial's `nn.Linear(64 * 56 * 56, 10)` says when it meets the flatten's real output.

>>> result = shapes(TUTORIAL)
>>> result.flat, result.flat == 64 * 112 * 112, all(r.matches is not False for r in result.rows)
(802816, True, True)
>>> result.tutorial_error.split(":")[0]
'RuntimeError'
>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('64 * 112 * 112', ['13', '1568', '3'])
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch
from torch import nn

from graphlab.core.messages import Message, msg
from graphlab.models import Budget, SpecError, plan, spec_of

from .checks import Question

__all__ = [
    "CLASSES", "MNIST", "PREDICT", "QUESTIONS", "RANGES", "TUTORIAL", "TUTORIAL_IN", "Net",
    "Row", "Shapes", "model_graph_refusal", "out_size", "saw", "shapes", "source", "spec",
    "tutorial_error",
]  # fmt: skip

TUTORIAL_IN = 64 * 56 * 56  # the tutorial's in_features: it assumed two poolings, made one
CLASSES = 10
# The lesson's ranges (name -> (low, high)); the spec checks fit (kernel vs input) on top.
RANGES = {"size": (8, 256), "in_channels": (1, 3), "c1": (1, 128), "c2": (1, 128),
          "kernel": (1, 11), "stride": (1, 4), "padding": (0, 5), "pool": (1, 8)}  # fmt: skip
# Everything is planned on `meta` (no memory, no compute), so only the ranges above bound it.
_META = Budget(params=10**10, activations=10**11, input=10**6, layers=64)


@dataclass(frozen=True)
class Net:
    """The network: input size (height = width) and channels, the two convolutions' output
    channels, their kernel, stride and padding, the pool size, and where pooling happens."""

    size: int = 224
    in_channels: int = 3
    c1: int = 32
    c2: int = 64
    kernel: int = 3
    stride: int = 1
    padding: int = 1
    pool: int = 2
    pool1: bool = True
    pool2: bool = False


TUTORIAL = Net()  # the tutorial's network: 224 -> conv -> pool to 112 -> conv -> flatten
MNIST = Net(28, 1, 16, 32, 3, 1, 1, 2, True, True)  # the conv part of BUILTINS["cnn"]


def _check(net: Net) -> None:
    for name, (low, high) in RANGES.items():
        value = getattr(net, name)
        if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
            raise ValueError(msg("{name} must be a whole number from {low} to {high}, not {value}",
                                 name=name, low=low, high=high, value=repr(value)))  # fmt: skip


def spec(net: Net) -> dict:
    """`net` as a `graphlab.models` spec (the format Model Graph reads), one image in."""
    conv = {"type": "conv2d", "kernel_size": net.kernel, "stride": net.stride,
            "padding": net.padding}  # fmt: skip
    pool = {"type": "maxpool2d", "kernel_size": net.pool}
    layers = [{**conv, "name": "conv1", "out_channels": net.c1}, {"type": "relu", "name": "relu1"}]
    layers += [{**pool, "name": "pool1"}] if net.pool1 else []
    layers += [{**conv, "name": "conv2", "out_channels": net.c2}, {"type": "relu", "name": "relu2"}]
    layers += [{**pool, "name": "pool2"}] if net.pool2 else []
    layers += [{"type": "flatten", "name": "flatten"},
               {"type": "linear", "name": "fc", "out_features": CLASSES}]  # fmt: skip
    return {"input": [1, net.in_channels, net.size, net.size], "layers": layers}


def out_size(n: int, kernel: int, stride: int, padding: int = 0) -> int:
    """floor((n + 2 padding - kernel) / stride) + 1: the height (or width) out of a convolution
    or a pooling layer (no dilation, floor mode).

    >>> out_size(224, 3, 1, 1), out_size(224, 2, 2), out_size(7, 2, 2)
    (224, 112, 3)
    """
    return (n + 2 * padding - kernel) // stride + 1


@dataclass(frozen=True)
class Row:
    """One layer: its name, torch's output shape, and, for a layer with a formula, the formula
    with the numbers in and what it gives (`matches`: None where there is no formula)."""

    name: str
    shape: tuple[int, ...]
    formula: str
    by_formula: int | None

    @property
    def matches(self) -> bool | None:
        if self.by_formula is None:
            return None
        torch_says = self.shape[2] if len(self.shape) == 4 else self.shape[1]
        return torch_says == self.by_formula


@dataclass(frozen=True)
class Shapes:
    """Every layer's row, the values per image the flatten gives, the `in_features` of the
    Linear torch built after it, the logits' shape, and what the tutorial's Linear raises on
    the flatten's output (None: it fits)."""

    net: Net
    rows: list[Row]
    flat: int
    fc_in: int
    logits: tuple[int, ...]
    tutorial_error: str | None


def _row(name: str, layer: dict, before: tuple[int, ...], after: tuple[int, ...]) -> Row:
    kind = layer["type"]
    if kind == "conv2d":
        n, k, s, p = before[2], layer["kernel_size"], layer["stride"], layer["padding"]
        out = out_size(n, k, s, p)
        return Row(name, after, f"⌊({n} + 2·{p} − {k}) / {s}⌋ + 1 = {out}", out)
    if kind == "maxpool2d":
        n, k = before[2], layer["kernel_size"]
        out = out_size(n, k, k)
        return Row(name, after, f"⌊({n} − {k}) / {k}⌋ + 1 = {out}", out)
    if kind == "flatten":
        c, h, w = before[1:]
        return Row(name, after, f"{c}·{h}·{w} = {c * h * w}", c * h * w)
    return Row(name, after, "", None)


def shapes(net: Net) -> Shapes:
    """Plan `net` on `meta` with torch: each layer's output shape, beside the formula.
    ValueError for a setting out of RANGES; SpecError (a ValueError, with the layer and the
    reason) for a network torch cannot run, such as a kernel larger than its input."""
    _check(net)
    layers = spec(net)["layers"]
    planned = plan(spec(net), _META)
    before = planned.input
    rows = []
    for layer, after in zip(layers, planned.shapes, strict=True):
        rows.append(_row(layer["name"], layer, before, after))
        before = after
    flat = planned.shapes[-2][1]
    return Shapes(net, rows, flat, planned.model.fc.in_features, planned.shapes[-1],
                  tutorial_error(flat))  # fmt: skip


@functools.cache
def _tutorial_fc() -> nn.Linear:
    """The tutorial's `nn.Linear(64 * 56 * 56, 10)`, zeroed: its values are never shown, and
    making it on `meta` first draws nothing from the global random generator."""
    fc = nn.Linear(TUTORIAL_IN, CLASSES, device="meta").to_empty(device="cpu")
    with torch.no_grad():
        fc.weight.zero_()
        fc.bias.zero_()
    return fc


@functools.lru_cache(maxsize=256)
def tutorial_error(flat: int) -> str | None:
    """What the tutorial's Linear raises on one image flattened to `flat` values, torch's own
    words (`"RuntimeError: ..."`); None when it fits. The input is a zero expanded to the shape
    (no memory): torch checks the shapes before it multiplies."""
    try:
        _tutorial_fc()(torch.zeros(1).expand(1, flat))
    except RuntimeError as err:
        return f"RuntimeError: {err}"
    return None


def model_graph_refusal(net: Net) -> Message | None:
    """Why Model Graph (with its own limits, `Budget()`) would refuse `net`; None if it draws it."""
    try:
        plan(spec(net), Budget())
    except SpecError as err:
        return err.full_text
    return None


def source(net: Net, fc_in: int) -> str:
    """`net` as the nn.Sequential a learner writes, with the Linear torch sized."""
    conv = f"kernel_size={net.kernel}, stride={net.stride}, padding={net.padding}"
    lines = [f"nn.Conv2d({net.in_channels}, {net.c1}, {conv}),", "nn.ReLU(),"]
    lines += [f"nn.MaxPool2d({net.pool}),"] if net.pool1 else []
    lines += [f"nn.Conv2d({net.c1}, {net.c2}, {conv}),", "nn.ReLU(),"]
    lines += [f"nn.MaxPool2d({net.pool}),"] if net.pool2 else []
    lines += ["nn.Flatten(),", f"nn.Linear({fc_in}, {CLASSES}),"]
    body = "".join(f"    {line}\n" for line in lines)
    return f"model = nn.Sequential(\n{body})\nx = torch.zeros(1, {net.in_channels}, {net.size}, {net.size})\n"


def _product(text: str) -> int:
    return math.prod(int(part) for part in text.split("*"))


def _flat_of_tutorial() -> str:
    flat = shapes(TUTORIAL).flat
    return next(o for o in PREDICT_OPTIONS if _product(o) == flat)


def _conv_height() -> str:
    conv = nn.Conv2d(3, 16, kernel_size=5, stride=2, padding=1, device="meta")
    return str(conv(torch.empty(1, 3, 28, 28, device="meta")).shape[2])


def _mnist_fc_in() -> str:
    return str(plan(spec_of("cnn")).model.fc.in_features)


def _odd_pool() -> str:
    try:
        return str(nn.MaxPool2d(2)(torch.zeros(1, 1, 7, 7)).shape[2])
    except RuntimeError:
        return "RuntimeError"


PREDICT_OPTIONS = ("64 * 56 * 56", "64 * 112 * 112", "64 * 224 * 224", "32 * 112 * 112")
PREDICT = Question("predict", PREDICT_OPTIONS, _flat_of_tutorial)
QUESTIONS = (
    Question("conv", (), _conv_height),
    Question("mnist", (), _mnist_fc_in),
    Question("odd", ("3", "3.5", "4", "RuntimeError"), _odd_pool),
)


def saw(result: Shapes) -> dict[str, str]:
    """The numbers 'What you saw' quotes for the network the learner set."""
    net = result.net
    last = next(r for r in reversed(result.rows) if len(r.shape) == 4)
    checked = [r.matches for r in result.rows if r.matches is not None]
    return {
        "size": str(net.size),
        "in_channels": str(net.in_channels),
        "pools": str(net.pool1 + net.pool2),
        "last": "×".join(map(str, last.shape[1:])),
        "flat": str(result.flat),
        "fc_in": str(result.fc_in),
        "checked": str(len(checked)),
        "agree": str(sum(checked)),
        "tutorial": str(TUTORIAL_IN),
        "tutorial_fits": str(result.tutorial_error is None),
    }
