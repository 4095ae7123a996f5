"""What a model spec may say: layer types, their settings with ranges, and the input ranks.

A spec is plain JSON-able data (so it can live in a URL or in session state):

    {"input": [4, 1, 28, 28],
     "layers": [{"type": "conv2d", "out_channels": 8, "padding": 1}, {"type": "relu"}, ...]}

Every layer takes `type`, and optionally `name` (an identifier, used as its module name) and
`repeat` (that many copies in a row, named `name.0`, `name.1`, ...). A layer without a name is
called after its type and place: the third layer, a linear one, is `linear2`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

from graphlab.core.messages import Message, msg

from .layers import (
    MNIST_MEAN,
    MNIST_STD,
    Attention,
    FeedForward,
    RecurrentCell,
    Residual,
    Standardize,
    TransformerLayer,
)

__all__ = ["LAYER_TYPES", "LayerType", "Setting", "SpecError", "default_name"]

IMAGE = msg("an image batch (N, C, H, W)")
VECTOR = msg("a batch of vectors (N, features)")
SEQUENCE = msg("a batch of sequences (N, T, features)")
RANK_TEXT = {2: VECTOR, 3: SEQUENCE, 4: IMAGE}


class SpecError(ValueError):
    """A model spec that cannot be built; `layer` is the 0-based index (None: the spec itself).

    `text` says what is wrong as a :class:`~graphlab.core.messages.Message` (the app says it in
    the learner's language), `message` is its English; `full_text` is the whole error, the layer
    included, as `str(err)` says it in English.

    >>> from graphlab import models
    >>> try:
    ...     models.build({"input": [2, 4], "layers": [{"type": "linear"}]})
    ... except models.SpecError as err:
    ...     print(err.layer, err.message)
    ...     print(err.full_text.template)
    0 `out_features` is required: an integer from 1 to 4096
    layer {n} ({kind}): {problem}
    """

    def __init__(self, message: str | Message, layer: int | None = None, kind: str | None = None):
        self.text = message if isinstance(message, Message) else Message(message)
        self.message = str(self.text)
        self.layer = layer
        self.kind = kind
        super().__init__(str(self.full_text))

    @property
    def full_text(self) -> Message:
        """The error as `str(err)` says it: the layer it is about (if any), then what is wrong."""
        if self.layer is None:
            return self.text
        if self.kind:
            return msg("layer {n} ({kind}): {problem}", n=self.layer + 1, kind=self.kind,
                       problem=self.text)  # fmt: skip
        return msg("layer {n}: {problem}", n=self.layer + 1, problem=self.text)


@dataclass(frozen=True)
class Setting:
    """One setting of a layer: its type ("int", "float", "bool"), range and default."""

    type: str
    lo: float = 0
    hi: float = 0
    default: object = None  # None: required
    help: str = ""

    def describe(self) -> Message:
        """The values it takes, in words: `str(setting.describe())` is the English."""
        if self.type == "bool":
            return msg("true or false")
        if self.type == "int":
            return msg("an integer from {lo:g} to {hi:g}", lo=self.lo, hi=self.hi)
        return msg("a number from {lo:g} to {hi:g}", lo=self.lo, hi=self.hi)


@dataclass(frozen=True)
class LayerType:
    """A layer type: its settings, the input ranks it accepts, and how to make its module."""

    name: str
    title: str
    settings: dict[str, Setting] = field(default_factory=dict)
    ranks: tuple[int, ...] = (2, 3, 4)
    make: object = None  # (in_shape, settings) -> nn.Module


def _linear(shape, s):
    return nn.Linear(shape[-1], s["out_features"], bias=s["bias"])


def _conv2d(shape, s):
    return nn.Conv2d(
        shape[1], s["out_channels"], s["kernel_size"], s["stride"], s["padding"], bias=s["bias"]
    )


def _batchnorm(shape, s):
    return nn.BatchNorm2d(shape[1]) if len(shape) == 4 else nn.BatchNorm1d(shape[1])


def _pool(cls):
    return lambda shape, s: cls(s["kernel_size"], s["stride"] or s["kernel_size"])


def _residual(shape, s):
    out = s["out_features"] or shape[1 if len(shape) == 4 else -1]
    return Residual(shape[1] if len(shape) == 4 else shape[-1], out, s["stride"], len(shape) == 4)


def _recurrent(kind):
    return lambda shape, s: RecurrentCell(kind, shape[-1], s["hidden_size"], s["sequence"])


def _no_args(cls):
    return lambda shape, s: cls()


_INT = "int"
_K = Setting(_INT, 1, 11, 3, "kernel size")
_POOL = {"kernel_size": Setting(_INT, 1, 8, 2), "stride": Setting(_INT, 0, 8, 0, "0: = kernel")}
_BIAS = Setting("bool", default=True)

LAYER_TYPES: dict[str, LayerType] = {
    t.name: t
    for t in [
        LayerType("linear", "Linear", {"out_features": Setting(_INT, 1, 4096), "bias": _BIAS},
                  (2, 3), _linear),
        LayerType("conv2d", "Conv2d", {
            "out_channels": Setting(_INT, 1, 512), "kernel_size": _K,
            "stride": Setting(_INT, 1, 4, 1), "padding": Setting(_INT, 0, 5, 0), "bias": _BIAS,
        }, (4,), _conv2d),
        LayerType("batchnorm", "BatchNorm", {}, (2, 4), _batchnorm),
        LayerType("layernorm", "LayerNorm", {}, (2, 3, 4), lambda sh, s: nn.LayerNorm(sh[-1])),
        LayerType("dropout", "Dropout", {"p": Setting("float", 0, 0.9, 0.5)}, (2, 3, 4),
                  lambda sh, s: nn.Dropout(s["p"])),
        LayerType("relu", "ReLU", {}, (2, 3, 4), _no_args(nn.ReLU)),
        LayerType("gelu", "GELU", {}, (2, 3, 4), _no_args(nn.GELU)),
        LayerType("tanh", "Tanh", {}, (2, 3, 4), _no_args(nn.Tanh)),
        LayerType("sigmoid", "Sigmoid", {}, (2, 3, 4), _no_args(nn.Sigmoid)),
        LayerType("silu", "SiLU", {}, (2, 3, 4), _no_args(nn.SiLU)),
        LayerType("leaky_relu", "LeakyReLU", {"negative_slope": Setting("float", 0, 1, 0.01)},
                  (2, 3, 4), lambda sh, s: nn.LeakyReLU(s["negative_slope"])),
        LayerType("maxpool2d", "MaxPool2d", _POOL, (4,), _pool(nn.MaxPool2d)),
        LayerType("avgpool2d", "AvgPool2d", _POOL, (4,), _pool(nn.AvgPool2d)),
        LayerType("global_avgpool", "Global average pool (to 1x1)", {}, (4,),
                  lambda sh, s: nn.AdaptiveAvgPool2d(1)),
        LayerType("flatten", "Flatten", {}, (3, 4), _no_args(nn.Flatten)),
        LayerType("standardize", "Standardize ((x - mean) / std)", {
            "mean": Setting("float", -10, 10, MNIST_MEAN),
            "std": Setting("float", 0.001, 100, MNIST_STD),
        }, (2, 3, 4), lambda sh, s: Standardize(s["mean"], s["std"])),
        LayerType("residual", "Residual block", {
            "out_features": Setting(_INT, 0, 512, 0, "0: same as input"),
            "stride": Setting(_INT, 1, 2, 1),
        }, (2, 4), _residual),
        LayerType("gru", "GRU cell (unrolled)", {
            "hidden_size": Setting(_INT, 1, 512), "sequence": Setting("bool", default=False),
        }, (3,), _recurrent("gru")),
        LayerType("lstm", "LSTM cell (unrolled)", {
            "hidden_size": Setting(_INT, 1, 512), "sequence": Setting("bool", default=False),
        }, (3,), _recurrent("lstm")),
        LayerType("attention", "Self-attention block", {"heads": Setting(_INT, 1, 16, 2)}, (3,),
                  lambda sh, s: Attention(sh[-1], s["heads"])),
        LayerType("feedforward", "Feed-forward block", {"hidden": Setting(_INT, 1, 4096, 64)},
                  (3,), lambda sh, s: FeedForward(sh[-1], s["hidden"])),
        LayerType("transformer", "Transformer encoder layer", {
            "heads": Setting(_INT, 1, 16, 2), "hidden": Setting(_INT, 1, 4096, 64),
        }, (3,), lambda sh, s: TransformerLayer(sh[-1], s["heads"], s["hidden"])),
    ]
}  # fmt: skip

# Layer-specific hints for inputs of the wrong rank: what to put before the layer.
_NEEDS_IMAGE = msg("image layers need an image input: start from an input shape like [N, C, H, W]")
_NEEDS_SEQUENCE = msg("sequence layers need an input shape like [N, T, features]")
RANK_HINTS = {
    (4, 2): msg("add a `flatten` (or `global_avgpool` then `flatten`) layer before it"),
    (4, 3): _NEEDS_SEQUENCE,
    (2, 4): _NEEDS_IMAGE,
    (3, 4): _NEEDS_IMAGE,
    (2, 3): _NEEDS_SEQUENCE,
    (3, 2): msg("this layer needs flat vectors: add a `flatten` layer before it"),
}
OTHER_RANK_HINT = msg("change the layers before it")


def default_name(kind: str, index: int) -> str:
    """The module name of the `index`-th layer (0-based), of type `kind`, when it names none."""
    return f"{kind}{index}"


def is_int(value: object) -> bool:
    """An int and not a bool (JSON's `true` is not a size)."""
    return isinstance(value, int) and not isinstance(value, bool)
