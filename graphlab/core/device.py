"""The one place that chooses a torch device, so the CLI, the trainer and the page agree.

>>> pick_device("cpu")
device(type='cpu')
"""

from __future__ import annotations

import torch

__all__ = ["DEVICES", "available_devices", "pick_device"]

DEVICES = ("auto", "cpu", "cuda", "mps")


def _mps_available() -> bool:
    # torch.backends.mps is missing on some builds; treat that as "not available".
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def pick_device(requested: str = "auto") -> torch.device:
    """Return the device for ``requested``: ``auto`` prefers cuda, then mps, then cpu.

    Asking for an accelerator that is not there raises ``ValueError`` naming the alternatives,
    rather than silently training on the CPU.

    >>> pick_device().type in ("cuda", "mps", "cpu")
    True
    """
    if requested not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}; got {requested!r}")
    if requested == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps") if _mps_available() else torch.device("cpu")
    if requested == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            "device 'cuda' was requested but CUDA is not available; use 'auto' or 'cpu'"
        )
    if requested == "mps" and not _mps_available():
        raise ValueError("device 'mps' was requested but MPS is not available; use 'auto' or 'cpu'")
    return torch.device(requested)


def available_devices() -> list[str]:
    """The device choices worth offering here: ``auto``, ``cpu``, and any accelerator present."""
    found = ["cuda"] if torch.cuda.is_available() else []
    found += ["mps"] if _mps_available() else []
    return ["auto", "cpu", *found]
