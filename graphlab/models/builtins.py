"""The registry of named models: one name means one network on every page and in the CLI.

Each entry is a spec, plain data in the format a visitor writes. Model Graph and
`python -m graphlab model NAME` draw it; the `trainable` ones (1x28x28 images in, 10 logits out)
are also what Live Training, Step Through and `python -m graphlab train --model NAME` build, from
the same spec (`graphlab.models.mnist.build_model`).

>>> sorted(BUILTINS)
['cnn', 'gru', 'mlp', 'resnet', 'resnet_deep', 'transformer']
>>> TRAINABLE
('mlp', 'cnn')
"""

from __future__ import annotations

from dataclasses import dataclass

from .layers import MNIST_MEAN, MNIST_STD

__all__ = ["BUILTINS", "TRAINABLE", "Builtin"]


@dataclass(frozen=True)
class Builtin:
    """A named model: its title (what pickers and --help show) and its spec."""

    name: str
    title: str
    spec: dict
    trainable: bool = False  # an MNIST classifier that Live Training can train


def _resnet(blocks: int, channels: int = 16, size: int = 8) -> dict:
    """A ResNet-style stack: stem, `blocks` basic blocks in 4 stages, pool, classifier."""
    per = max(1, blocks // 4)
    return {
        "input": [2, 3, size, size],
        "layers": [
            {
                "type": "conv2d",
                "name": "stem",
                "out_channels": channels,
                "padding": 1,
                "bias": False,
            },
            {"type": "batchnorm", "name": "bn"},
            {"type": "relu", "name": "relu"},
            *({"type": "residual", "name": f"layer{k + 1}", "repeat": per} for k in range(4)),
            {"type": "global_avgpool", "name": "pool"},
            {"type": "flatten", "name": "flatten"},
            {"type": "linear", "name": "fc", "out_features": 10},
        ],
    }


def _mnist(*layers: dict) -> dict:
    """A classifier of 1x28x28 MNIST images that standardizes its own input."""
    first = {"type": "standardize", "name": "standardize", "mean": MNIST_MEAN, "std": MNIST_STD}
    return {"input": [4, 1, 28, 28], "layers": [first, *layers]}


# Order matters: the first trainable model is Live Training's default (graphlab.train.MODELS[0]).
BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in [
        Builtin("mlp", "MNIST MLP (784 → 512 → 256 → 10)", _mnist(
            {"type": "flatten", "name": "flatten"},
            {"type": "linear", "name": "fc1", "out_features": 512}, {"type": "relu", "name": "act1"},
            {"type": "linear", "name": "fc2", "out_features": 256}, {"type": "relu", "name": "act2"},
            {"type": "linear", "name": "out", "out_features": 10},
        ), trainable=True),
        Builtin("cnn", "MNIST CNN (two conv layers)", _mnist(
            {"type": "conv2d", "name": "conv1", "out_channels": 16, "padding": 1},
            {"type": "relu", "name": "act1"}, {"type": "maxpool2d", "name": "pool1"},
            {"type": "conv2d", "name": "conv2", "out_channels": 32, "padding": 1},
            {"type": "relu", "name": "act2"}, {"type": "maxpool2d", "name": "pool2"},
            {"type": "flatten", "name": "flatten"},
            {"type": "linear", "name": "fc", "out_features": 128}, {"type": "relu", "name": "act3"},
            {"type": "linear", "name": "out", "out_features": 10},
        ), trainable=True),
        Builtin("resnet", "ResNet-style (8 blocks)", _resnet(8, size=16)),
        Builtin("resnet_deep", "ResNet-style, very deep (~10k nodes)", _resnet(320)),
        Builtin("transformer", "Transformer encoder layer", {"input": [2, 8, 32], "layers": [
            {"type": "transformer", "name": "encoder", "heads": 4, "hidden": 64},
            {"type": "layernorm", "name": "norm"},
        ]}),
        Builtin("gru", "GRU over a sequence", {"input": [2, 6, 8], "layers": [
            {"type": "gru", "name": "gru", "hidden_size": 16},
            {"type": "linear", "name": "head", "out_features": 4},
        ]}),
    ]
}  # fmt: skip

TRAINABLE = tuple(name for name, b in BUILTINS.items() if b.trainable)
