"""The built-in model specs: plain data, the same format a visitor writes.

>>> sorted(BUILTINS)
['cnn', 'gru', 'mlp', 'resnet', 'resnet_deep', 'transformer']
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BUILTINS", "Builtin"]


@dataclass(frozen=True)
class Builtin:
    name: str
    title: str
    spec: dict


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


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in [
        Builtin("mlp", "MLP (MNIST-sized)", {"input": [4, 784], "layers": [
            {"type": "linear", "name": "fc1", "out_features": 128}, {"type": "relu", "name": "act1"},
            {"type": "dropout", "name": "drop", "p": 0.2},
            {"type": "linear", "name": "fc2", "out_features": 64}, {"type": "relu", "name": "act2"},
            {"type": "linear", "name": "out", "out_features": 10},
        ]}),
        Builtin("cnn", "Small CNN", {"input": [4, 1, 28, 28], "layers": [
            {"type": "conv2d", "name": "conv1", "out_channels": 8, "padding": 1},
            {"type": "batchnorm", "name": "bn1"}, {"type": "relu", "name": "act1"},
            {"type": "maxpool2d", "name": "pool1"},
            {"type": "conv2d", "name": "conv2", "out_channels": 16, "padding": 1},
            {"type": "batchnorm", "name": "bn2"}, {"type": "relu", "name": "act2"},
            {"type": "maxpool2d", "name": "pool2"},
            {"type": "flatten", "name": "flatten"},
            {"type": "linear", "name": "fc", "out_features": 10},
        ]}),
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
