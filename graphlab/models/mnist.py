"""The MNIST models Live Training trains, built from their registry specs with our own init.

They are the registry's `trainable` entries (`graphlab.models.builtins`), so Model Graph and
`python -m graphlab model mlp` draw exactly the network that trains here.

>>> model = build_model("mlp", torch.Generator().manual_seed(0))
>>> model(torch.zeros(2, 1, 28, 28)).shape
torch.Size([2, 10])
>>> [name for name, _ in model.named_children()][:3]
['0', '1', '2']
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .builder import plan
from .builtins import BUILTINS, TRAINABLE
from .layers import Standardize

__all__ = ["MODELS", "Standardize", "build_model"]

MODELS = TRAINABLE


def build_model(name: str, generator: torch.Generator) -> nn.Module:
    """A fresh ``mlp`` or ``cnn`` for 1x28x28 images, on the CPU, initialised from ``generator``.

    >>> sum(p.numel() for p in build_model("cnn", torch.Generator()).parameters())
    206922
    """
    if name not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}; got {name!r}")
    # Numbered, not named as in the spec: checkpoints (state_dict keys like "2.weight") and Live
    # Training's step graph were always numbered, and old checkpoints must still load.
    model = nn.Sequential(*plan(BUILTINS[name].spec).model.children())
    model = model.to_empty(device="cpu")  # built on `meta`: every parameter is drawn below
    _init_(model, generator)
    return model


@torch.no_grad()
def _init_(model: nn.Module, generator: torch.Generator) -> None:
    # PyTorch's default init draws from the global RNG, which other threads (other visitors'
    # trainers) also use; drawing the same distribution, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), from
    # our own generator makes a run reproducible from its seed alone.
    for module in model.modules():
        if isinstance(module, nn.Linear | nn.Conv2d):
            bound = 1 / math.sqrt(module.weight[0].numel())  # fan_in
            module.weight.uniform_(-bound, bound, generator=generator)
            if module.bias is not None:
                module.bias.uniform_(-bound, bound, generator=generator)
        elif [*module.parameters(recurse=False), *module.buffers(recurse=False)]:
            # to_empty left its memory uninitialised: training would start from garbage.
            raise TypeError(f"no initialisation for {type(module).__name__} from a generator")
