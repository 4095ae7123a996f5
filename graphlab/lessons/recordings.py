"""Recordings of trusted code for Step Through: gallery examples and the toy MNIST models.

Both run in the server (they are ours, never a visitor's); a visitor's program is recorded only
in the sandbox worker (:mod:`graphlab.worker.record`).

>>> data = record_example("shared")
>>> [s["op"] for s in data["forward"]], [s["name"] for s in data["backward"]]
(['torch.tensor', 'Tensor.mul', 'Tensor.sum'], ['SumBackward0', 'MulBackward0', 'AccumulateGrad'])
>>> data["leaves"][0]["name"], data["leaves"][0]["equal"]
('x', True)
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from graphlab.core.modules import track_modules
from graphlab.models import BUILTINS, TRAINABLE, build_model
from graphlab.record.recorder import Recorder
from graphlab.record.serialize import to_data

from .gallery import EXAMPLES

__all__ = ["MODELS", "record_example", "record_model"]

# Step Through's picker (name -> title) takes the registry's titles: a model reads the same on
# every page.
MODELS = {name: BUILTINS[name].title for name in TRAINABLE}


def record_example(name: str) -> dict[str, Any]:
    """Forward and backward of gallery example `name` (seeded; the global RNG is restored)."""
    ex = EXAMPLES[name]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        with Recorder() as rec:
            outputs, scope = ex.fn()
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    params = {k: v for k, v in scope.items() if isinstance(v, torch.Tensor)}
    model = scope.get("model") if isinstance(scope.get("model"), nn.Module) else None
    rec.backward(*outputs, params=params, model=model)
    return to_data(rec, title=ex.title)


def record_model(name: str, batch: int = 2) -> dict[str, Any]:
    """Forward and backward of the toy MNIST model `name` on `batch` random images."""
    generator = torch.Generator().manual_seed(0)
    model = build_model(name, generator)
    images = torch.rand(batch, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (batch,), generator=generator)
    with Recorder() as rec, track_modules(model):
        loss = nn.functional.cross_entropy(model(images), labels)
    rec.backward(loss, params={"images": images, "loss": loss}, model=model)
    return to_data(rec, title=MODELS[name])
