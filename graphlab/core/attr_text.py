"""Short texts for what an autograd node holds: bounded reprs, and why a saved value is gone.

A custom Function's ctx may hold anything (a 2e6-int list, an object whose `__repr__` raises);
capture must stay fast and must not fail on it, so attributes are shown with a bounded repr that
looks at a few items only.

>>> bounded_text(list(range(2_000_000)))
'[0, 1, 2, 3, 4, 5, ...]'
>>> class Broken:
...     def __repr__(self):
...         raise ValueError("no")
>>> bounded_text(Broken())
'<repr failed: ValueError: no>'
"""

from __future__ import annotations

import re
import reprlib
from itertools import islice

import torch

from .tensors import dtype_name, shape_of

__all__ = ["FREED", "MAX_ATTR_CHARS", "bounded_text", "clipped", "may_hold_tensors", "unavailable"]

MAX_ATTR_CHARS = 50
FREED = "<freed by backward>"
# A value saved under a saved-tensor hook (activation checkpointing, offloading): reading it
# would run the hook, which for checkpointing re-runs the forward and updates BatchNorm's stats.
HOOKED = "<packed by a saved-tensor hook: not unpacked>"
SMALL_TENSOR_REPR = 6  # a ctx tensor up to this many elements is shown with its values
# PyTorch's message when a saved tensor was modified in place after it was saved.
_VERSIONS = re.compile(r"is at version (\d+); expected version (\d+)")


class _Bounded(reprlib.Repr):
    """reprlib looks at a few items of each container, so its cost does not grow with size."""

    def __init__(self) -> None:
        super().__init__()  # Python 3.11's Repr takes no keyword limits: set them below
        self.maxlevel = 3
        self.maxtuple = self.maxlist = self.maxarray = self.maxdict = 6
        self.maxset = self.maxfrozenset = self.maxdeque = 6
        self.maxstring = self.maxother = self.maxlong = MAX_ATTR_CHARS

    # reprlib sorts a dict or set before taking its first items: O(n log n). Keep their order.
    def repr_dict(self, x: dict, level: int) -> str:
        if not x or level <= 0:
            return "{}" if not x else "{...}"
        pairs = islice(x.items(), self.maxdict)
        items = [f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}" for k, v in pairs]
        return "{" + ", ".join(items) + (", ..." if len(x) > self.maxdict else "") + "}"

    def repr_set(self, x: set, level: int) -> str:
        return self._repr_iterable(x, level, "{", "}", self.maxset) if x else "set()"

    def repr_frozenset(self, x: frozenset, level: int) -> str:
        if not x:
            return "frozenset()"
        return self._repr_iterable(x, level, "frozenset({", "})", self.maxfrozenset)

    def repr_instance(self, x: object, level: int) -> str:
        """Any type reprlib does not know by name; subclasses of the containers it does know
        (an OrderedDict, a long torch.Size) are bounded like them when they are long."""
        if isinstance(x, torch.Tensor):  # a Parameter, a jagged NestedTensor, ...
            return self.repr_Tensor(x, level)
        if isinstance(x, torch.nn.Module):  # its repr prints every submodule: name the type
            return f"<{type(x).__name__}>"
        if isinstance(x, (dict, list, tuple, set, frozenset)) and len(x) > self.maxlist:
            bounded = self.repr_dict if isinstance(x, dict) else self.repr_list
            return type(x).__name__ + "(" + bounded(x, level) + ")"
        return self._plain(x)

    def _plain(self, x: object) -> str:
        try:
            text = repr(x)
        except Exception as err:  # noqa: BLE001 (any failure of user code becomes its text)
            return _failed(err)
        return text if len(text) <= self.maxother else text[: self.maxother - 3] + "..."

    def repr_Tensor(self, x: torch.Tensor, level: int) -> str:  # noqa: N802 (reprlib's naming)
        """Values of a tiny dense tensor; shape and dtype of any other (a big repr is slow)."""
        try:
            if x.layout == torch.strided and not x.is_nested and x.numel() <= SMALL_TENSOR_REPR:
                return self._plain(x)
            return f"tensor(shape={shape_of(x)}, dtype={dtype_name(x.dtype)})"
        except Exception as err:  # noqa: BLE001 (an exotic tensor subclass)
            return _failed(err)


_REPR = _Bounded()


def _failed(err: BaseException) -> str:
    return f"<repr failed: {type(err).__name__}: {err}>"


def bounded_text(value: object) -> str:
    """`repr(value)` bounded in length and in cost; a failing repr as `<repr failed: ...>`."""
    try:
        text = _REPR.repr(value)
    except Exception as err:  # noqa: BLE001 (e.g. a container whose iteration raises)
        text = _failed(err)
    return _cut(text)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_ATTR_CHARS else text[: MAX_ATTR_CHARS - 1] + "…"


def unavailable(err: RuntimeError) -> str:
    """What a saved value that cannot be read shows: overwritten in place (PyTorch's version
    counter moved on since it was saved) is not the same as freed by a backward pass."""
    text = str(err)
    found = _VERSIONS.search(text)
    if found:
        now, saved = found.groups()
        return f"<overwritten in place (version {now}, saved at version {saved})>"
    if "freed" in text:
        return FREED
    first = text.splitlines()[0] if text else type(err).__name__
    return _cut(f"<unavailable: {first}>")


def may_hold_tensors(values: tuple | list) -> bool:
    """Whether a saved tuple or list holds tensors (which are drawn as nodes, not as text)."""
    if values and type(values[0]) is int:  # sizes, strides, dims: the common non-tensor tuples
        return False
    for v in values:  # noqa: SIM110 (a plain loop: `any()` over a generator is twice as slow)
        if isinstance(v, torch.Tensor):
            return True
    return False


def clipped(value: object) -> str:
    """`repr(value)`, cut to MAX_ATTR_CHARS characters."""
    text = repr(value)
    return text if len(text) <= MAX_ATTR_CHARS else text[: MAX_ATTR_CHARS - 1] + "…"
