"""The English titles and descriptions of the library's fixed content, marked for translation.

The library (`graphlab`) never imports streamlit, so the examples, models and layer types it
offers are named in English. The pages show each of these strings through `_()` (or, in a
`format_func`, through `translator()`), the option values staying the English keys; each one
is listed here for `pybabel extract`. tests/app/test_i18n.py checks that this list covers every
title and description the library can produce.
"""

from __future__ import annotations

from widgets.i18n import N_

__all__ = ["WORDS"]

WORDS = (
    # graphlab.lessons.gallery.EXAMPLES: Graph Explorer's and Step Through's examples
    N_("A neuron: sigmoid(x·w + b)"),
    N_("Leaves, an op per operator, one output."),
    N_("An input used twice: x * x"),
    N_("One leaf feeds both inputs of the same op."),
    N_("A view and an in-place op"),
    N_("Writing into a view rewrites its base's history (CopySlices); the view stays linked."),
    N_("MLP with cross-entropy"),
    N_("Parameters named from the model; ops grouped by module."),
    N_("A small CNN"),
    N_("Convolution, pooling and a classifier head on a 1x8x8 image."),
    N_("A GRU cell"),
    N_("Gates: sigmoid and tanh branches that meet again."),
    N_("A custom autograd.Function"),
    N_("Your own backward shows up as one node."),
    N_("Gradient of a gradient"),
    N_("create_graph=True makes the backward pass itself a graph you can differentiate."),
    N_("A residual block"),
    N_("The skip connection: two paths meet at an add."),
    N_("A Transformer encoder layer"),
    N_("Self-attention, layer norm and a feed-forward."),
    # graphlab.lessons.expressions.EXPRESSION_EXAMPLES: the Examples menu of the Expression Lab
    N_("A neuron: sigmoid(x · w + b)"),
    N_("Two leaves that require grad (w, b), a constant input x, one op per operator."),
    N_("x * x: one input used twice"),
    N_("Both inputs of MulBackward0 come from x, so x.grad adds two contributions: 2x."),
    N_("Softmax + cross-entropy"),
    N_("F.cross_entropy is log_softmax followed by nll_loss; here the two steps are spelt out."),
    N_("A matmul chain: a two-layer network"),
    N_("Matrix products (MmBackward0), a tanh, a softmax and a mean-squared-error loss."),
    N_("no_grad and detach: cutting the graph"),
    N_(
        "s and c are computed from x but are constants for autograd: no arrow leads back to x. "
        "Check gradients: finite differences see the real dependence, autograd does not."
    ),
    N_("if / else on a value"),
    N_("The graph records only the branch that ran. Change 1.5 to -1.5 and compare."),
    N_("A for-range loop"),
    N_("Each iteration adds its own nodes: the loop is unrolled into the graph."),
    N_("retain_grad on an intermediate"),
    N_("Only leaves keep .grad; h.retain_grad() asks autograd to keep h's gradient too."),
    N_("Powers, logs and a division"),
    N_("PowBackward0, LogBackward0, DivBackward0 and MeanBackward0 in one line."),
    # graphlab.models.BUILTINS titles: Model Graph's built-in picker; the trainable ones are
    # also Step Through's small models (graphlab.lessons.recordings.MODELS)
    N_("MNIST MLP (784 → 512 → 256 → 10)"),
    N_("MNIST CNN (two conv layers)"),
    N_("ResNet-style (8 blocks)"),
    N_("ResNet-style, very deep (~10k nodes)"),
    N_("Transformer encoder layer"),  # also a layer type
    N_("GRU over a sequence"),
    # graphlab.models.LAYER_TYPES titles: Model Graph's "Layer type" menu and layer table
    N_("Linear"),
    N_("Conv2d"),
    N_("BatchNorm"),
    N_("LayerNorm"),
    N_("Dropout"),
    N_("ReLU"),
    N_("GELU"),
    N_("Tanh"),
    N_("Sigmoid"),
    N_("SiLU"),
    N_("LeakyReLU"),
    N_("MaxPool2d"),
    N_("AvgPool2d"),
    N_("Global average pool (to 1x1)"),
    N_("Flatten"),
    N_("Standardize ((x - mean) / std)"),
    N_("Residual block"),
    N_("GRU cell (unrolled)"),
    N_("LSTM cell (unrolled)"),
    N_("Self-attention block"),
    N_("Feed-forward block"),
    # graphlab.models.spec: the help of a layer type's settings (the settings' names are code)
    N_("kernel size"),
    N_("0: = kernel"),
    N_("0: same as input"),
)
