"""Built-in examples: small programs whose autograd graphs teach one idea each.

Each example is a plain function that builds tensors and returns its outputs and `locals()`;
`build(name)` runs it with the global RNG saved and seeded, so every run gives the same graph and
the caller's random state is untouched. `source(name)` is the code a learner reads beside it.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from graphlab.core.graph import Graph
from graphlab.core.modules import track_modules
from graphlab.core.walk import capture

__all__ = [
    "EXAMPLES",
    "Built",
    "Example",
    "HomeDemo",
    "build",
    "graph",
    "home_code",
    "home_demo",
    "home_program",
    "source",
]


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    idea: str
    fn: Callable


@dataclass
class Built:
    outputs: tuple[torch.Tensor, ...]
    params: dict[str, torch.Tensor]
    model: nn.Module | None


EXAMPLES: dict[str, Example] = {}


def example(name: str, title: str, idea: str):
    def register(fn: Callable) -> Callable:
        EXAMPLES[name] = Example(name, title, idea, fn)
        return fn

    return register


def build(name: str) -> Built:
    """Run example `name` (seeded; the global RNG is restored afterwards)."""
    ex = _get(name)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        outputs, scope = ex.fn()
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    params = {k: v for k, v in scope.items() if isinstance(v, torch.Tensor)}
    model = scope.get("model") if isinstance(scope.get("model"), nn.Module) else None
    return Built(outputs, params, model)


def graph(name: str) -> Graph:
    """The captured graph of example `name`.

    >>> g = graph("shared")
    >>> [e.slot for e in g.edges if e.kind == "data" and g.node(e.dst).name == "MulBackward0"]
    [0, 1]
    """
    built = build(name)
    g = capture(*built.outputs, params=built.params, model=built.model)
    g.meta["example"] = name
    return g


def source(name: str) -> str:
    """The example's code as a learner should read it (the body, without the final return)."""
    lines = inspect.getsource(_get(name).fn).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("def ")) + 1
    body = [line for line in lines[start:] if not line.strip().startswith("return ")]
    return textwrap.dedent("\n".join(body)).strip() + "\n"


def _get(name: str) -> Example:
    try:
        return EXAMPLES[name]
    except KeyError:
        raise KeyError(f"unknown example {name!r}; choose one of {', '.join(EXAMPLES)}") from None


@example("neuron", "A neuron: sigmoid(x·w + b)", "Leaves, an op per operator, one output.")
def _neuron():
    x = torch.tensor([1.0, -2.0, 0.5])
    w = torch.tensor([0.3, 0.8, -0.5], requires_grad=True)
    b = torch.tensor(0.1, requires_grad=True)
    y = torch.sigmoid(x @ w + b)
    return y, locals()


@example("shared", "An input used twice: x * x", "One leaf feeds both inputs of the same op.")
def _shared():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    return y, locals()


@example(
    "view_inplace",
    "A view and an in-place op",
    "Writing into a view rewrites its base's history (CopySlices); the view stays linked.",
)
def _view_inplace():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    h = x * 2
    v = h[:2]  # a view of h: no copy
    v.mul_(10)  # in place through the view
    y = h.sum()
    return (y, v), locals()


@example(
    "small_mlp", "MLP with cross-entropy", "Parameters named from the model; ops grouped by module."
)
def _mlp():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x = torch.randn(5, 4)
    target = torch.tensor([0, 2, 1, 1, 0])
    with track_modules(model):
        loss = F.cross_entropy(model(x), target)
    return loss, locals()


@example("small_cnn", "A small CNN", "Convolution, pooling and a classifier head on a 1x8x8 image.")
def _cnn():
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 10),
    )
    images = torch.randn(2, 1, 8, 8)
    labels = torch.tensor([3, 7])
    with track_modules(model):
        loss = F.cross_entropy(model(images), labels)
    return loss, locals()


@example("gru", "A GRU cell", "Gates: sigmoid and tanh branches that meet again.")
def _gru():
    model = nn.GRUCell(input_size=3, hidden_size=4)
    x = torch.randn(2, 3)
    h = torch.zeros(2, 4)
    with track_modules(model):
        h_next = model(x, h)
    loss = h_next.pow(2).mean()
    return loss, locals()


class ScaledReLU(torch.autograd.Function):
    """A custom op: forward and backward written by hand."""

    @staticmethod
    def forward(ctx, x, scale: float):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x.clamp(min=0) * scale

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * (x > 0) * ctx.scale, None


@example("custom", "A custom autograd.Function", "Your own backward shows up as one node.")
def _custom():
    x = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    y = ScaledReLU.apply(x * 3, 2.0).sum()
    return y, locals()


@example(
    "double_backward",
    "Gradient of a gradient",
    "create_graph=True makes the backward pass itself a graph you can differentiate.",
)
def _double_backward():
    x = torch.tensor([0.5, 1.5], requires_grad=True)
    y = (x**3).sum()
    (dy_dx,) = torch.autograd.grad(y, x, create_graph=True)  # 3x², itself a graph
    z = dy_dx.sum()
    return z, locals()


class ResidualBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        return F.relu(x + self.bn2(self.conv2(h)))  # the skip connection


@example("resblock", "A residual block", "The skip connection: two paths meet at an add.")
def _resblock():
    model = ResidualBlock(channels=2)
    x = torch.randn(1, 2, 6, 6)
    with track_modules(model):
        y = model(x).mean()
    return y, locals()


@example(
    "attention", "A Transformer encoder layer", "Self-attention, layer norm and a feed-forward."
)
def _attention():
    model = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0)
    tokens = torch.randn(4, 1, 8)  # (sequence, batch, features)
    with track_modules(model):
        y = model(tokens).sum()
    return y, locals()


@dataclass
class HomeDemo:
    value: float
    x_grad: float
    w_grad: float
    graph: Graph


def home_program(x_value: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    x = torch.tensor(x_value, requires_grad=True)
    w = torch.tensor(0.8, requires_grad=True)
    y = torch.tanh(w * x) if x > 0 else torch.sigmoid(w * x)
    y.backward()
    return x, w, y


def home_code(x_value: float) -> str:
    """The lines of :func:`home_program` that Home shows, read from the function itself.

    >>> print(home_code(1.5))
    x = torch.tensor(1.5, requires_grad=True)
    w = torch.tensor(0.8, requires_grad=True)
    y = torch.tanh(w * x) if x > 0 else torch.sigmoid(w * x)
    y.backward()
    """
    body = inspect.getsource(home_program).splitlines()[1:-1]  # without `def` and `return`
    return textwrap.dedent("\n".join(body)).replace("x_value", repr(float(x_value)))


def home_demo(x_value: float) -> HomeDemo:
    """The Home page's live example: a branch on the value of x picks the graph.

    The graph is captured after the backward the code shown runs: every op and data edge is
    there, but the tensors saved for backward are freed by then, so they show as attributes of
    their ops, not as nodes (Home draws without saved tensors anyway).

    >>> demo = home_demo(1.5)
    >>> [n.name for n in demo.graph.of_kind("op")], demo.graph.of_kind("saved")
    (['TanhBackward0', 'MulBackward0'], [])
    >>> demo.graph.of_kind("op")[0].attrs
    {'result': '<freed by backward>'}
    """
    x, w, y = home_program(float(x_value))
    g = capture(y, params={"x": x, "w": w, "y": y})
    return HomeDemo(y.item(), x.grad.item(), w.grad.item(), g)
