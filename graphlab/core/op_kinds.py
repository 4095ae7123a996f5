"""What every autograd node of one class shares (its name, what it saved), worked out once per
class: the capture walk looks it up for each node instead of asking `dir()` again."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import NamedTuple

from torch.autograd.function import BackwardCFunction

__all__ = ["OP_KINDS", "OpKind", "op_kind", "packed_by_hook"]

_SAVED_PREFIX = "_saved_"


class OpKind(NamedTuple):
    """What every autograd node of one class shares, worked out once per class."""

    name: str  # the class name, e.g. MulBackward0
    custom: bool  # a custom `torch.autograd.Function` (its ctx holds what it saved)
    saved: tuple[tuple[str, str], ...]  # ("_saved_self", "self"), ...
    accumulates: bool  # AccumulateGrad: stands for the leaf tensor in `.variable`
    tensors: frozenset[str]  # the saved names that hold tensors (they have a `_raw_` twin)
    probe: str | None  # one `_raw_saved_*` attribute, to see a saved-tensor hook unpacking
    # All saved values read by one C call (attribute reads are most of a walk): a tuple, or
    # the value itself where there is only one.
    read: Callable[[object], object] | None = None
    # `probe`'s unpack hook, read by one C call; AttributeError where `probe` holds a list.
    hook: Callable[[object], object] | None = None


def op_kind(cls: type) -> OpKind:
    kind = OP_KINDS.get(cls)
    if kind is None:
        saved = tuple((a, a[len(_SAVED_PREFIX) :]) for a in dir(cls) if a.startswith(_SAVED_PREFIX))
        custom = issubclass(cls, BackwardCFunction)
        accumulates = cls.__name__ == "AccumulateGrad"
        raw = [a for a, _ in saved if hasattr(cls, "_raw" + a)]
        tensors = frozenset(a[len(_SAVED_PREFIX) :] for a in raw)
        probe = "_raw" + raw[0] if raw else None
        read = attrgetter(*(a for a, _ in saved)) if saved else None
        hook = attrgetter(probe + ".unpack_hook") if probe else None
        kind = OpKind(cls.__name__, custom, saved, accumulates, tensors, probe, read, hook)
        OP_KINDS[cls] = kind
    return kind


OP_KINDS: dict[type, OpKind] = {}


def packed_by_hook(fn: object, kind: OpKind) -> bool:
    """Whether the tensors `fn` saved were packed by a saved-tensor hook, read without unpacking
    them (a `_raw_saved_*` attribute is a SavedTensor, or a list of them for a tensor list)."""
    if kind.probe is None:
        return False
    raw = getattr(fn, kind.probe)
    if isinstance(raw, (tuple, list)):
        raw = raw[0] if raw else None
    return getattr(raw, "unpack_hook", None) is not None
