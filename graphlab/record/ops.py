"""How the Recorder names what it sees: op names, argument texts, the tensors among arguments.

These run once per recorded op, so they are written for speed: names are cached per function,
and the common flat argument list is handled without recursion.

>>> import torch
>>> x = torch.ones(2)
>>> op_name(torch.Tensor.add), op_name(torch.nn.functional.relu), op_name(torch.tensor)
('Tensor.add', 'F.relu', 'torch.tensor')
>>> arg_texts((x, 2.5), {"alpha": 3})
['t0', '2.5', 'alpha=3']
>>> arg_texts(([x, x], 0), {})
['[t0, t1]', '0']
"""

from __future__ import annotations

import torch

from graphlab.core.walk import may_hold_tensors

__all__ = ["arg_texts", "op_name", "op_names", "short", "tensors_in"]

_GETTERS_WITH_NODES = frozenset({"T", "mT", "H", "mH", "real", "imag"})  # properties that are ops
op_names: dict[object, str] = {}  # the cache `op_name` fills: read it first on a hot path

_TENSOR_NAMES = tuple(f"t{i}" for i in range(16))
_NUMBERS = frozenset({int, float, bool})
_PLAIN = (int, float, bool, str, complex, type(None), slice, tuple, list, torch.Size, torch.dtype)


def short(value: object, limit: int = 60) -> str:
    """`repr` of a plain value, cut to `limit` characters; other objects by type name only."""
    plain = isinstance(value, (_PLAIN, torch.device, torch.memory_format))
    text = repr(value) if plain else f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def tensors_in(args: tuple, kwargs: dict) -> list[torch.Tensor]:
    """The tensors among the arguments (also inside lists and tuples, one level deep)."""
    found = []
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.Tensor):
            found.append(value)
        elif isinstance(value, (tuple, list)):
            found.extend(v for v in value if isinstance(v, torch.Tensor))
    return found


def arg_texts(args: tuple, kwargs: dict) -> list[str]:
    """Short text for each argument; tensors are `t0`, `t1`, ... (their index in `inputs`)."""
    texts, n = [], 0
    for a in args:  # the common flat case inline: it runs once per recorded op
        if isinstance(a, torch.Tensor):
            texts.append(_TENSOR_NAMES[n] if n < len(_TENSOR_NAMES) else f"t{n}")
            n += 1
        elif type(a) in _NUMBERS:
            texts.append(short(a, 40))
        else:
            break
    else:
        if not kwargs:
            return texts
    count = [0]
    texts = [_arg_text(a, count) for a in args]
    texts.extend(f"{k}={_arg_text(v, count)}" for k, v in kwargs.items())
    return texts


def _arg_text(value: object, count: list[int]) -> str:
    if isinstance(value, torch.Tensor):
        count[0] += 1
        return f"t{count[0] - 1}"
    if isinstance(value, (tuple, list)) and may_hold_tensors(value):
        inner = ", ".join(_arg_text(v, count) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    return short(value, 40)


def op_name(func) -> str:
    """`torch.tensor`, `Tensor.mul`, `F.relu`, `Tensor.T`, ... or "" for a property read that is
    not an op (`x.grad`, `x.shape`); cached per function."""
    name = getattr(func, "__name__", None) or type(func).__name__
    owner = getattr(func, "__self__", None)
    module = getattr(func, "__module__", None) or ""
    qualname = getattr(func, "__qualname__", "") or ""
    if name == "__get__" and owner is not None:
        prop = getattr(owner, "__name__", "?")
        text = f"Tensor.{prop}" if prop in _GETTERS_WITH_NODES else ""
    elif qualname.startswith(("TensorBase.", "Tensor.")) or module == "torch._tensor":
        text = f"Tensor.{name}"
    elif module.startswith("torch.nn.functional"):
        text = f"F.{name}"
    elif module.startswith("torch.nn.init"):
        text = f"init.{name}"
    else:
        text = f"torch.{name}"
    op_names[func] = text
    return text
