"""Lesson 14, Saving and loading: a state_dict round trip through bytes in memory, what
`torch.load(weights_only=True)` opens and what it refuses, and resuming a run exactly
(`graphlab.lessons.saving_resume`, with the Trainer's own checkpoints).

Nothing here touches a file: every "file" is bytes in a `BytesIO`, made by this module from its
own fixed objects (never from a visitor's input).

>>> trip = round_trip()
>>> trip.equal_before, trip.equal_after, trip.outputs_equal_after
(False, True, True)
>>> opened = open_file("object", weights_only=True)
>>> opened.error_type, opened.refused
('UnpicklingError', 'graphlab.lessons.lesson_saving.Note')
>>> PREDICT.answer(), [q.answer() for q in QUESTIONS]
('d == 0', ['4', 'UnpicklingError', 'd >= 1e-5'])
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import torch
from torch import nn

from graphlab.core.messages import msg

from .checks import Question
from .saving_resume import Resume, category, resume

__all__ = [
    "DIFFS", "PAYLOADS", "PAYLOAD_CODE", "PREDICT", "QUESTIONS", "Call", "Note", "Opened",
    "RoundTrip", "made_while_loading", "open_file", "payload", "round_trip", "saw", "small_model",
]  # fmt: skip

DIFFS = ("d == 0", "0 < d < 1e-5", "d >= 1e-5")  # max |w_resumed - w_straight|, the options
PAYLOADS = ("tensors", "plain", "object", "call")
PAYLOAD_CODE = {  # what `payload(kind)` saves, as code (Play shows `obj = ...`)
    "tensors": '{"weight": w, "bias": torch.zeros(2)}',
    "plain": '{"weight": w, "step": 3, "lr": 0.1, "name": "mlp", "sizes": [784, 512], '
    '"shape": (2, 3)}',
    "object": '{"weight": w, "step": 3, "note": Note("hi")}',
    "call": '{"weight": w, "step": 3, "note": Call()}  # Call().__reduce__() is\n'
    '# (made_while_loading, ("hi",)): "on loading, call this with these arguments"',
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_REFUSED = re.compile(r"Unsupported global: GLOBAL ([\w.]+) was not an allowed global")


def small_model(seed: int) -> nn.Sequential:
    """Linear(3, 4), ReLU, Linear(4, 2) with weights drawn from `seed` (built on `meta`, then
    filled: nothing is drawn from the global random generator)."""
    model = nn.Sequential(nn.Linear(3, 4, device="meta"), nn.ReLU(), nn.Linear(4, 2, device="meta"))
    model = model.to_empty(device="cpu")
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return model


@dataclass(frozen=True)
class RoundTrip:
    """A model's state_dict saved to bytes and loaded into a fresh model of another seed."""

    shapes: tuple[tuple[str, tuple[int, ...]], ...]  # each state_dict key and its shape
    size: int  # bytes torch.save wrote
    equal_before: bool  # the fresh model's weights equal the saved ones before loading
    equal_after: bool
    outputs_equal_before: bool
    outputs_equal_after: bool


def round_trip() -> RoundTrip:
    """`torch.save(model.state_dict(), buffer)`, then `fresh.load_state_dict(torch.load(buffer,
    weights_only=True))`, comparing weights and outputs before and after."""
    model, fresh = small_model(0), small_model(1)
    x = torch.linspace(-1, 1, 15).reshape(5, 3)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    saved = model.state_dict()
    before = all(torch.equal(fresh.state_dict()[k], v) for k, v in saved.items())
    outputs_before = torch.equal(fresh(x), model(x))
    buffer.seek(0)
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    return RoundTrip(
        shapes=tuple((k, tuple(v.shape)) for k, v in saved.items()),
        size=len(buffer.getvalue()),
        equal_before=before,
        equal_after=all(torch.equal(fresh.state_dict()[k], v) for k, v in saved.items()),
        outputs_equal_before=outputs_before,
        outputs_equal_after=torch.equal(fresh(x), model(x)),
    )


class Note:
    """An object of a class of ours: pickle stores it as "import this module, build a Note"."""

    def __init__(self, text: str) -> None:
        self.text = text


def made_while_loading(text: str) -> str:
    """A harmless function a pickle names: loading without weights_only calls it (a file from
    someone else could name any function, `os.system` among them)."""
    return f"made_while_loading({text!r}) ran inside torch.load"


class Call:
    """Pickled as "call made_while_loading('hi')": what `__reduce__` returns is run on loading."""

    def __reduce__(self):
        return (made_while_loading, ("hi",))


def payload(kind: str) -> dict:
    """The object saved as file `kind` (one of PAYLOADS): tensors, plain values, an object of a
    class of ours, or a function call."""
    weight = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    if kind == "tensors":
        return {"weight": weight, "bias": torch.zeros(2)}
    if kind == "plain":
        return {
            "weight": weight,
            "step": 3,
            "lr": 0.1,
            "name": "mlp",
            "sizes": [784, 512],
            "shape": (2, 3),
        }
    if kind == "object":
        return {"weight": weight, "step": 3, "note": Note("hi")}
    if kind == "call":
        return {"weight": weight, "step": 3, "note": Call()}
    raise ValueError(msg("the file must be one of {options}, not {got}",
                         options=", ".join(PAYLOADS), got=repr(kind)))  # fmt: skip


@dataclass(frozen=True)
class Opened:
    """What `torch.load` made of file `payload`: each (key, type, value) it returned, or the
    error it raised (PyTorch's words) and the global that weights_only refused."""

    payload: str
    weights_only: bool
    size: int
    contents: tuple[tuple[str, str, str], ...]
    error_type: str | None = None
    error: str | None = None
    refused: str | None = None

    @property
    def ran_code(self) -> bool:
        """Loading called a function the file named: a value came back that was never saved."""
        return any(v.startswith("made_while_loading(") for _, _, v in self.contents)


def open_file(kind: str, weights_only: bool) -> Opened:
    """Save `payload(kind)` to bytes and `torch.load` them back. Only this module's own fixed
    objects are ever loaded, so even `weights_only=False` runs nothing but `made_while_loading`.
    """
    buffer = io.BytesIO()
    torch.save(payload(kind), buffer)
    size = len(buffer.getvalue())
    buffer.seek(0)
    try:
        loaded = torch.load(buffer, weights_only=bool(weights_only))
    except Exception as err:  # weights_only refuses with pickle.UnpicklingError
        text = _ANSI.sub("", str(err))
        found = _REFUSED.search(text)
        return Opened(kind, bool(weights_only), size, (), type(err).__name__, text,
                      found.group(1) if found else None)  # fmt: skip
    return Opened(kind, bool(weights_only), size, tuple(_describe(k, v) for k, v in loaded.items()))


def _describe(key: str, value: object) -> tuple[str, str, str]:
    if isinstance(value, torch.Tensor):
        return (
            key,
            "Tensor",
            f"shape {tuple(value.shape)}, {str(value.dtype).removeprefix('torch.')}",
        )
    if isinstance(value, Note):
        return key, "Note", f"Note(text={value.text!r})"
    return key, type(value).__name__, str(value)


def _keys_weights_only() -> str:
    opened = open_file("object", weights_only=True)
    return opened.error_type if opened.error_type else str(sorted(k for k, _, _ in opened.contents))


PREDICT = Question("predict", DIFFS, lambda: category(resume("adam", 8, 4, "trainer").max_diff))
QUESTIONS = (
    Question("entries", (), lambda: str(len(small_model(0).state_dict())), tolerance=0.0),
    Question(
        "weights_only",
        ("['note', 'step', 'weight']", "['step', 'weight']", "UnpicklingError"),
        _keys_weights_only,
    ),  # fmt: skip
    Question("model_only", DIFFS, lambda: category(resume("adam", 8, 4, "model").max_diff)),
)


def saw(run: Resume, opened: Opened) -> dict[str, str]:
    """The numbers 'What you saw' quotes: the round trip, the learner's resumed run, the file
    the learner opened."""
    trip = round_trip()
    return {
        "trip_keys": ", ".join(f"`{k}` {tuple(s)}" for k, s in trip.shapes),
        "trip_bytes": str(trip.size),
        "trip_before": str(trip.outputs_equal_before),
        "trip_after": str(trip.outputs_equal_after),
        "optimizer": run.optimizer,
        "steps": str(run.steps),
        "save_at": str(run.save_at),
        "restore": run.restore,
        "bytes": str(run.checkpoint_bytes),
        "keys": ", ".join(run.keys),
        "state": str(list(run.optimizer_state)),
        "loaded_equal": str(run.loaded_equal),
        "equal": str(run.equal),
        "max_diff": f"{run.max_diff:.3g}",
        "first_diff": str(run.first_diff),
        "loss_straight": f"{run.straight[-1]:.6f}",
        "loss_resumed": f"{run.resumed[-1]:.6f}",
        "payload": opened.payload,
        "weights_only": str(opened.weights_only),
        "outcome": opened.error_type or str(sorted(k for k, _, _ in opened.contents)),
        "refused": str(opened.refused),
    }
