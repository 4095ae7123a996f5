"""The autograd graph of one training step: model, one batch, cross-entropy loss, ``capture``.

It is the graph ``loss.backward()`` walks on every step of the live training run, with each op
attributed to the module that ran it.

>>> graph = step_graph("mlp")
>>> sorted({n.name for n in graph.of_kind("param")})[:2]
['2.bias', '2.weight']
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from graphlab.core.graph import Graph
from graphlab.core.modules import track_modules
from graphlab.core.walk import capture
from graphlab.models import build_model

__all__ = ["step_graph"]


def step_graph(
    model: str | torch.nn.Module = "mlp",
    images: torch.Tensor | None = None,
    labels: torch.Tensor | None = None,
    batch_size: int = 4,
    seed: int = 0,
) -> Graph:
    """Capture the graph of ``cross_entropy(model(images), labels)``, grouped by module.

    ``model`` is a name from ``graphlab.train.MODELS`` (a fresh model is built) or a module.
    Without ``images`` a seeded random batch of ``batch_size`` is used: the graph's shape does not
    depend on the pixel values. Nothing is trained; the model's gradients stay untouched.

    >>> [n.name for n in step_graph("cnn").of_kind("output")]
    ['loss']
    """
    generator = torch.Generator().manual_seed(seed)
    net = build_model(model, generator) if isinstance(model, str) else model
    if images is None:
        images = torch.rand(batch_size, 1, 28, 28, generator=generator)  # (B, 1, 28, 28)
    if labels is None:
        labels = torch.randint(0, 10, (len(images),), generator=generator)  # (B,)
    with torch.enable_grad(), track_modules(net):
        logits = net(images)  # (B, 10)
        loss = F.cross_entropy(logits, labels)
    return capture(loss, params={"loss": loss}, model=net)
