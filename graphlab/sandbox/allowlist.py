"""Allowlists of the expression language: syntax, functions, methods, keywords.

Everything here is an explicit list; the interpreter refuses whatever is not named. Callables
are looked up once, at import, from these constant names, so no user-chosen string ever reaches
``getattr``. To teach the language something new, add its name here (and a test).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = [
    "ALLOWED_NODES",
    "BUILTIN_NAMES",
    "CONSTANTS",
    "F_FUNCTIONS",
    "FACTORIES",
    "KEYWORDS",
    "RANDOM",
    "RESERVED",
    "SETTABLE_ATTRS",
    "TENSOR_METHODS",
    "TENSOR_PROPERTIES",
    "TORCH_FUNCTIONS",
]

# Statements, expressions and operators the interpreter implements. Anything else in the tree
# (imports, def, lambda, comprehensions, while, try, f-strings, walrus, bitwise ops...) is refused.
ALLOWED_NODES: frozenset[type[ast.AST]] = frozenset(
    {
        ast.Module,
        # statements
        ast.Assign,
        ast.AugAssign,
        ast.Expr,
        ast.If,
        ast.For,
        ast.With,
        ast.withitem,
        ast.Pass,
        # expressions
        ast.BinOp,
        ast.UnaryOp,
        ast.BoolOp,
        ast.Compare,
        ast.IfExp,
        ast.Call,
        ast.keyword,
        ast.Attribute,
        ast.Subscript,
        ast.Slice,
        ast.Name,
        ast.Constant,
        ast.List,
        ast.Tuple,
        ast.Load,
        ast.Store,
        # operators
        ast.Add,
        ast.Sub,
        ast.Mult,
        ast.Div,
        ast.FloorDiv,
        ast.Mod,
        ast.Pow,
        ast.MatMult,
        ast.USub,
        ast.UAdd,
        ast.Not,
        ast.And,
        ast.Or,
        ast.Eq,
        ast.NotEq,
        ast.Lt,
        ast.LtE,
        ast.Gt,
        ast.GtE,
        ast.Is,
        ast.IsNot,
        ast.In,
        ast.NotIn,
    }
)

# Names a program may not assign: the modules it calls into and the builtins it may use.
BUILTIN_NAMES = frozenset({"range", "len", "abs", "min", "max", "float", "int", "round"})
RESERVED = frozenset({"torch", "F", "nn"}) | BUILTIN_NAMES


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _table(module: object, names: str) -> dict[str, Callable[..., object]]:
    """Map each (constant) name to the module's callable; fails at import if one is missing."""
    return {name: getattr(module, name) for name in names.split()}


# Functions that create tensors from sizes or data: their size is checked by a dry run on the
# `meta` device (which allocates nothing) before the real call.
FACTORIES = _words(
    """tensor zeros ones full arange linspace logspace eye rand randn randint randperm
    zeros_like ones_like full_like rand_like randn_like randint_like"""
)
# Functions drawing random numbers: they get the evaluation's own generator, never the global one.
RANDOM = _words("rand randn randint randperm rand_like randn_like randint_like")

TORCH_FUNCTIONS = _table(
    torch,
    " ".join(sorted(FACTORIES))
    + """
    abs neg exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square sin cos tan asin acos atan
    atan2 sinh cosh tanh asinh acosh atanh sigmoid relu pow sign floor ceil round trunc frac
    reciprocal clamp clip maximum minimum add sub mul div true_divide floor_divide remainder
    fmod erf erfc lerp logit softmax log_softmax where isnan isinf isfinite logical_and
    logical_or logical_not logical_xor eq ne lt le gt ge allclose equal
    sum mean prod max min amax amin argmax argmin std var norm logsumexp cumsum cumprod all any
    count_nonzero
    cat concat stack hstack vstack reshape flatten squeeze unsqueeze transpose permute t
    movedim flip roll split chunk narrow select index_select gather take tril triu diag
    diagonal trace repeat_interleave kron cartesian_prod broadcast_to outer matmul mm bmm mv
    dot sort argsort topk nonzero argwhere masked_select unique clone detach numel
    """,
)

F_FUNCTIONS = _table(
    F,
    """
    relu relu6 leaky_relu elu selu celu gelu silu mish softplus softsign hardtanh hardsigmoid
    hardswish sigmoid tanh logsigmoid softmax log_softmax softmin normalize glu
    cross_entropy nll_loss mse_loss l1_loss smooth_l1_loss huber_loss binary_cross_entropy
    binary_cross_entropy_with_logits kl_div cosine_similarity pairwise_distance
    linear conv1d conv2d max_pool1d max_pool2d avg_pool1d avg_pool2d adaptive_avg_pool1d
    adaptive_avg_pool2d pad one_hot layer_norm embedding
    """,
)

# Tensor methods, called only on torch.Tensor receivers (never on str, list or numbers).
TENSOR_METHODS = _table(
    torch.Tensor,
    """
    add sub mul div pow neg abs exp log log2 log1p sqrt rsqrt square sin cos tan tanh sigmoid
    relu clamp clip sign floor ceil round reciprocal maximum minimum lerp softmax log_softmax
    sum mean prod max min amax amin argmax argmin std var norm logsumexp cumsum cumprod all
    any matmul mm mv dot outer t view view_as reshape reshape_as flatten squeeze unsqueeze
    transpose permute expand expand_as repeat contiguous clone detach requires_grad_
    retain_grad item size dim numel float double long int bool half type_as masked_fill
    where eq ne lt le gt ge logical_not isnan isinf allclose equal sort argsort topk flip
    roll chunk split unbind narrow select index_select gather tril triu diag diagonal trace
    nonzero masked_select unique kron is_contiguous
    add_ sub_ mul_ div_ pow_ neg_ abs_ exp_ sqrt_ clamp_ relu_ sigmoid_ tanh_ zero_ fill_
    masked_fill_ copy_ detach_
    """,
)

# Read-only tensor attributes: none of them allocates.
TENSOR_PROPERTIES = _words("T mT shape dtype grad requires_grad is_leaf ndim data")
# Attributes a program may assign on a tensor (x.grad = None is how lessons reset a gradient).
SETTABLE_ATTRS = frozenset({"grad", "requires_grad"})

# `torch.<name>` values that are not functions.
CONSTANTS: dict[str, object] = {
    **{
        name: getattr(torch, name)
        for name in _words(
            "float32 float64 float16 bfloat16 int64 int32 int16 int8 uint8 bool "
            "float double half long int"
        )
    },
    "pi": math.pi,
    "e": math.e,
    "inf": math.inf,
    "nan": math.nan,
}

# Keyword arguments any allowed call may take. Leaving out `out`, `generator`, `device`,
# `memory_format`, `pin_memory`, `create_graph`... is what keeps calls from writing into other
# tensors, touching the global RNG or leaving the CPU.
KEYWORDS = _words(
    """
    input other dim dims keepdim dtype requires_grad size fill_value start end step steps base
    n m low high diagonal min max exponent alpha beta value weight bias target reduction
    ignore_index label_smoothing pos_weight log_target stride padding dilation groups
    kernel_size ceil_mode count_include_pad output_size negative_slope inplace approximate
    threshold k largest sorted descending stable unbiased correction p eps
    num_classes normalized_shape pad mode start_dim end_dim chunks split_size_or_sections
    split_size index mask shifts repeats tensors x1 x2
    return_counts return_inverse rtol atol equal_nan retain_graph gradient keepdims
    """
)
