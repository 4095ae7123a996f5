"""Lesson 3, The chain rule: y = f(W @ x + b).sum() differentiated by hand, then checked node by
node against the backward pass Step Through records (`graphlab.record.Recorder`).

The hand side never touches autograd: plain tensor arithmetic on tensors that do not require
grad, with the chain rule written out (dy/dz = f'(z), dy/dW = outer(dy/dz, x), dy/dx = W.T @
dy/dz, dy/db = dy/dz). The recorded side is the engine's own numbers, node by node.

>>> s = setting(*DEFAULTS)
>>> [n.name for n in node_checks(s)]
['SumBackward0', 'TanhBackward0', 'AddBackward0', 'b', 'MvBackward0', 'W', 'x']
>>> all(r.ok is not False for n in node_checks(s) for r in n.rows)
True
>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('b.grad[0] > b.grad[1]', ['-0.25', '1 - tanh(z)**2', '(2, 3)'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from graphlab.core.messages import Message, msg
from graphlab.record.recorder import Recorder

from .checks import Question

__all__ = [
    "DEFAULTS", "FUNCTIONS", "MAX_SIZE", "PREDICT", "QUESTIONS", "NodeCheck", "Row", "Setting",
    "by_hand", "fmt", "node_checks", "numbers", "parse_matrix", "parse_vector", "saw", "setting",
]  # fmt: skip

FUNCTIONS = ("tanh", "sigmoid")
DEFAULTS = ("0.5, -0.3, 0.2; 0.1, 0.4, -0.6", "1.0, 2.0, -1.0", "0.1, -0.2", "tanh")
MAX_SIZE, MAX_ABS = 4, 1000.0  # at most 4 x 4 numbers, each at most 1000 in size
LOCAL = {"tanh": "1 - tanh(z)**2", "sigmoid": "sigmoid(z) * (1 - sigmoid(z))"}
_RTOL, _ATOL = 1e-4, 1e-6


@dataclass(frozen=True)
class Setting:
    W: torch.Tensor  # (m, n)
    x: torch.Tensor  # (n,)
    b: torch.Tensor  # (m,)
    f: str  # one of FUNCTIONS


@dataclass(frozen=True)
class Row:
    """One quantity of one node: `kind` is "arriving", "local", "sent" or "grad"; `target` the
    node a "sent" gradient goes to (the input a "local" one is for); `formula` how the hand
    side computes it; `ok` whether the two agree (None: nothing recorded to compare)."""

    kind: str
    target: str
    formula: str
    recorded: str
    hand: str
    ok: bool | None


@dataclass(frozen=True)
class NodeCheck:
    index: int  # position in the engine's order
    name: str  # the node: SumBackward0 ..., or the leaf's name for its AccumulateGrad
    leaf: bool
    rows: list[Row]


def parse_vector(text: str, name: str | Message) -> list[float]:
    """`"1, 2, -1"` -> [1.0, 2.0, -1.0]; ValueError naming `name` (its reason a `Message`)."""
    body = text.replace("[", " ").replace("]", " ").strip()
    if not body:
        raise ValueError(msg("{name} is empty: type numbers like 1.0, -2", name=name))
    values = []
    for part in filter(None, (p.strip() for p in body.replace(";", ",").split(","))):
        try:
            value = float(part)
        except ValueError:
            raise ValueError(msg("{part} in {name} is not a number",
                                 part=repr(part), name=name)) from None  # fmt: skip
        if not math.isfinite(value) or abs(value) > MAX_ABS:
            raise ValueError(msg("{part} in {name}: use numbers between -{most:g} and {most:g}",
                                 part=repr(part), name=name, most=MAX_ABS))  # fmt: skip
        values.append(value)
    if not values or len(values) > MAX_SIZE:
        raise ValueError(msg("{name} needs 1 to {most} numbers", name=name, most=MAX_SIZE))
    return values


def parse_matrix(text: str, name: str = "W") -> list[list[float]]:
    """`"1, 2; 3, 4"` (rows split by `;`, or written `[[1, 2], [3, 4]]`) -> [[1, 2], [3, 4]]."""
    rows = [r for r in text.replace("],", ";").split(";") if r.strip(" []")]
    if not rows or len(rows) > MAX_SIZE:
        raise ValueError(msg("{name} needs 1 to {most} rows, split by ;", name=name, most=MAX_SIZE))
    matrix = [parse_vector(r, msg("{name} row {i}", name=name, i=i)) for i, r in enumerate(rows)]
    if len({len(r) for r in matrix}) > 1:
        raise ValueError(msg("every row of {name} needs the same number of entries", name=name))
    return matrix


def setting(W: str, x: str, b: str, f: str) -> Setting:
    """The learner's numbers as tensors; ValueError with the reason when they do not fit."""
    if f not in FUNCTIONS:
        raise ValueError(msg("f must be one of {choices}, not {f}",
                             choices=", ".join(FUNCTIONS), f=repr(f)))  # fmt: skip
    w = parse_matrix(W)
    xs, bs = parse_vector(x, "x"), parse_vector(b, "b")
    if len(xs) != len(w[0]):
        raise ValueError(msg("x needs one number per column of W ({n}), not {got}",
                             n=len(w[0]), got=len(xs)))  # fmt: skip
    if len(bs) != len(w):
        raise ValueError(msg("b needs one number per row of W ({n}), not {got}",
                             n=len(w), got=len(bs)))  # fmt: skip
    return Setting(torch.tensor(w), torch.tensor(xs), torch.tensor(bs), f)


def by_hand(s: Setting) -> dict[str, torch.Tensor]:
    """The forward values and every gradient by the chain rule, in plain arithmetic: no tensor
    here requires grad, so autograd plays no part. `u` is W @ x, `z` = u + b, `h` = f(z)."""
    W, x, b = (t.detach() for t in (s.W, s.x, s.b))
    u = (W * x[None, :]).sum(dim=1)  # u[i] = sum_j W[i, j] x[j]
    z = u + b
    if s.f == "tanh":
        h = torch.tanh(z)
        local = 1 - h**2
    else:
        h = 1 / (1 + torch.exp(-z))
        local = h * (1 - h)
    d_h = torch.ones_like(h)  # y = h[0] + h[1] + ...: each h[i] counts once
    d_z = d_h * local  # chain rule through f, element by element
    return {
        "u": u, "z": z, "h": h, "y": h.sum(), "local": local, "d_y": torch.tensor(1.0),
        "d_h": d_h, "d_z": d_z, "d_u": d_z, "d_b": d_z,
        "d_W": d_z[:, None] * x[None, :],  # outer(dy/du, x): dy/dW[i, j] = dy/du[i] * x[j]
        "d_x": (W * d_z[:, None]).sum(dim=0),  # W.T @ dy/du: dy/dx[j] = sum_i W[i, j] dy/du[i]
    }  # fmt: skip


def record(s: Setting) -> tuple[list, dict[str, str]]:
    """The backward steps of y = f(W @ x + b).sum() as the Recorder saw them, in the engine's
    order, and each node id's name (a leaf's is its variable's: W, x, b)."""
    with Recorder() as rec:
        W = s.W.clone().requires_grad_(True)
        x = s.x.clone().requires_grad_(True)
        b = s.b.clone().requires_grad_(True)
        y = getattr(torch, s.f)(W @ x + b).sum()
    steps = rec.backward(y, params={"W": W, "x": x, "b": b})
    return steps, {n.id: n.name for n in rec.graph.nodes}


# What arrives at each node, by hand (a node sends each input what that input's node receives).
_ARRIVING = {"SumBackward0": "d_y", "TanhBackward0": "d_h", "SigmoidBackward0": "d_h",
             "AddBackward0": "d_z", "MvBackward0": "d_u", "W": "d_W", "x": "d_x", "b": "d_b"}  # fmt: skip
_FORMULA = {"d_y": "dy/dy = 1", "d_h": "dy/dh[i] = dy/dy * 1", "d_z": "dy/dz = dy/dh * f'(z)",
            "d_u": "dy/du = dy/dz", "d_b": "dy/db = dy/dz", "d_W": "dy/dW = outer(dy/du, x)",
            "d_x": "dy/dx = W.T @ dy/du"}  # fmt: skip


def node_checks(s: Setting) -> list[NodeCheck]:
    """Each backward node in the engine's order: the gradient arriving, the local derivative and
    the gradient sent along each edge, as recorded and as computed by hand."""
    steps, names = record(s)
    hand = by_hand(s)
    checks = []
    for step in steps:
        name = names[step.node]
        leaf = name in ("W", "x", "b")
        want = hand[_ARRIVING[name]]
        rows = [_row("arriving", "", _FORMULA[_ARRIVING[name]], step.grad_outputs[0], want)]
        if leaf:
            rows.append(_row("grad", name, f"{name}.grad = dy/d{name}", step.grad, want))
        else:
            rows += _local_rows(name, step.saved, hand, s)
            for target, sent in zip(step.targets, step.grad_inputs, strict=True):
                if target is not None:
                    key = _ARRIVING[names[target]]
                    rows.append(_row("sent", names[target], _FORMULA[key], sent, hand[key]))
        checks.append(NodeCheck(step.index, name, leaf, rows))
    return checks


def _local_rows(name: str, saved: dict, hand: dict, s: Setting) -> list[Row]:
    """The local derivative of node `name`: by hand, and from what the node saved for backward
    (the engine reads nothing else)."""
    if name == "SumBackward0":
        return [Row("local", "", "dy/dh[i] = 1", "—", fmt(torch.ones_like(hand["h"])), None)]
    if name == "AddBackward0":
        alpha = saved.get("alpha", "1")
        return [
            Row("local", "", "dz/du = 1, dz/db = 1", f"alpha = {alpha}", "1", str(alpha) == "1")
        ]
    if name == "MvBackward0":
        vec, mat = saved.get("vec"), saved.get("self")
        return [
            _row("local", "W", "du[i]/dW[i, j] = x[j]", vec, s.x, label="vec"),
            _row("local", "x", "du[i]/dx[j] = W[i, j]", mat, s.W, label="self"),
        ]
    result = saved.get("result")  # tanh and sigmoid save their output, not their input
    r = result.tensor if result is not None else None
    from_saved = None if r is None else (1 - r**2 if name == "TanhBackward0" else r * (1 - r))
    formula = f"f'(z) = {LOCAL[s.f]}"
    saved_formula = "1 - result**2" if name == "TanhBackward0" else "result * (1 - result)"
    row = _row("local", "", formula, from_saved, hand["local"])
    return [Row(row.kind, "", formula, f"{saved_formula} = {row.recorded}", row.hand, row.ok)]


def _row(kind, target, formula, recorded, want: torch.Tensor, label: str = "") -> Row:
    got = getattr(recorded, "tensor", recorded)  # a recorded Value, or a tensor already
    ok = (
        got is not None
        and got.shape == want.shape
        and torch.allclose(got.to(want.dtype), want, rtol=_RTOL, atol=_ATOL)
    )
    shown = "—" if got is None else fmt(got)
    return Row(kind, target, formula, f"{label} = {shown}" if label else shown, fmt(want), ok)


def fmt(t: torch.Tensor) -> str:
    """Numbers to 4 decimals, nested as the tensor is: `[0.9605, 0.2658]`."""

    def text(v) -> str:
        if isinstance(v, list):
            return "[" + ", ".join(text(e) for e in v) + "]"
        return f"{v:.4f}".replace("-0.0000", "0.0000")

    return text(t.detach().double().tolist())


def saw(W: str, x: str, b: str, f: str) -> dict[str, str]:
    """The numbers 'What you saw' quotes for the learner's setting."""
    s = setting(W, x, b, f)
    return numbers(s, by_hand(s), node_checks(s))


def numbers(s: Setting, hand: dict[str, torch.Tensor], checks: list[NodeCheck]) -> dict[str, str]:
    """'What you saw' from what the widget already computed for setting `s`."""
    rows = [r for n in checks for r in n.rows if r.ok is not None]
    return {
        "f": s.f,
        "z": fmt(hand["z"]),
        "fprime": fmt(hand["local"]),
        "grad_b": fmt(hand["d_b"]),
        "grad_W": fmt(hand["d_W"]),
        "grad_x": fmt(hand["d_x"]),
        "largest": f"b[{int(hand['d_b'].abs().argmax())}]",
        "order": " → ".join(n.name if not n.leaf else f"AccumulateGrad ({n.name})" for n in checks),
        "agreed": str(sum(bool(r.ok) for r in rows)),
        "total": str(len(rows)),
    }


# -- the questions: every answer asked of torch.autograd ----------------------------------------


def _larger_b() -> str:
    s = setting(*DEFAULTS)
    b = s.b.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(getattr(torch, s.f)(s.W @ s.x + b).sum(), b)
    if torch.isclose(grad[0], grad[1]):
        return _ORDERS[2]
    return _ORDERS[0] if grad[0] > grad[1] else _ORDERS[1]


def _d_w01() -> str:
    W = torch.tensor([[1.0, 2.0]], requires_grad=True)
    x, b = torch.tensor([3.0, -1.0]), torch.tensor([-1.0])
    (grad,) = torch.autograd.grad(torch.sigmoid(W @ x + b).sum(), W)
    return f"{grad[0, 1].item():g}"


_CANDIDATES = {
    "tanh(z)": torch.tanh,
    "1 - tanh(z)**2": lambda z: 1 - torch.tanh(z) ** 2,
    "1 / cosh(z)": lambda z: 1 / torch.cosh(z),
    "tanh(z) * (1 - tanh(z))": lambda z: torch.tanh(z) * (1 - torch.tanh(z)),
}


def _tanh_local() -> str:
    z = torch.linspace(-3, 3, 13, dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(torch.tanh(z).sum(), z)  # each tanh(z[i]) depends on z[i]
    return next(k for k, g in _CANDIDATES.items() if torch.allclose(g(z.detach()), slope))


def _sent_to_w_shape() -> str:
    steps, names = record(setting(*DEFAULTS))
    (mv,) = [s for s in steps if s.name == "MvBackward0"]
    sent = mv.grad_inputs[mv.targets.index(next(k for k, v in names.items() if v == "W"))]
    return str(tuple(sent.shape))


_ORDERS = ("b.grad[0] > b.grad[1]", "b.grad[0] < b.grad[1]", "b.grad[0] == b.grad[1]")
PREDICT = Question("predict", _ORDERS, _larger_b)
QUESTIONS = (
    Question("dw01", (), _d_w01, tolerance=1e-3),
    Question("tanh_local", tuple(_CANDIDATES), _tanh_local),
    Question("vjp_shape", ("(2, 3)", "(2, 2, 3)", "(2,)", "(3,)"), _sent_to_w_shape),
)
