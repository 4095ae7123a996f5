"""Lesson 14's resumed run: the Trainer trains N steps straight, and again k steps, saves
(`Trainer.to_bytes`), restores all of it or a part of it into a new trainer and trains the
other N - k steps. Restoring everything gives the straight run to the last bit; restoring the
model alone (a fresh optimizer, the run's position lost) does not.

Small and fast: the MNIST MLP on 96 synthetic 28 x 28 images (each digit lights up its own
rows), batches of 16, on the CPU.

>>> run = resume("adam", 4, 2, "trainer")
>>> run.equal, run.max_diff, run.first_diff, len(run.straight) == len(run.resumed) == 4
(True, 0.0, None, True)
>>> resume("adam", 4, 2, "model").equal
False
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import torch

from graphlab.core.messages import msg
from graphlab.train import OPTIMIZERS, TrainConfig, Trainer

__all__ = ["BATCH", "MAX_STEPS", "RESTORES", "Resume", "category", "config", "resume", "toy_data"]

RESTORES = ("trainer", "model+optimizer", "model")  # what is loaded into the new trainer
TRAIN, TEST, BATCH, EPOCHS = 96, 32, 16, 2
MAX_STEPS = EPOCHS * TRAIN // BATCH  # 12: the whole run


def toy_data(seed: int = 0) -> tuple[torch.Tensor, ...]:
    """(train images, labels, test images, labels): digit d lights up rows 2d to 2d + 2."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 10, (TRAIN + TEST,), generator=g)
    images = torch.rand(TRAIN + TEST, 1, 28, 28, generator=g) * 0.3
    for digit in range(10):
        images[labels == digit, 0, 2 * digit : 2 * digit + 3, :] += 0.7
    return images[:TRAIN], labels[:TRAIN], images[TRAIN:], labels[TRAIN:]


def config(optimizer: str) -> TrainConfig:
    """The run every resume compares: the MLP, `optimizer` at its default rate, a cosine
    schedule over the two epochs, seed 0, on the CPU."""
    return TrainConfig(model="mlp", optimizer=optimizer, batch_size=BATCH, epochs=EPOCHS,
                       device="cpu", seed=0)  # fmt: skip


@dataclass(frozen=True)
class Resume:
    """`straight`: the loss at each step of the run without a break; `resumed`: the first
    `save_at` of the same run, then those of the trainer restored from its checkpoint."""

    optimizer: str
    steps: int
    save_at: int
    restore: str
    straight: tuple[float, ...]
    resumed: tuple[float, ...]
    max_diff: float  # the largest |weight after resuming - weight after the straight run|
    equal: bool  # torch.equal on every weight
    loaded_equal: bool  # right after loading, the new model's weights are the saved ones
    checkpoint_bytes: int
    keys: tuple[str, ...]  # the checkpoint's top-level keys
    optimizer_state: tuple[str, ...]  # what the optimizer keeps per parameter

    @property
    def first_diff(self) -> int | None:
        """The first step (1-based) whose loss differs from the straight run's, or None."""
        pairs = zip(self.straight, self.resumed, strict=True)
        return next((k for k, (a, b) in enumerate(pairs, start=1) if a != b), None)


@functools.lru_cache(maxsize=64)  # pure and deterministic: one run per setting per process
def resume(optimizer: str, steps: int, save_at: int, restore: str) -> Resume:
    """Train `steps` steps straight, and `save_at` steps, a save, a restore of `restore` (one
    of RESTORES), `steps - save_at` steps; ValueError (the reason) for settings it does not
    take."""
    _check(optimizer, steps, save_at, restore)
    data, cfg = toy_data(), config(optimizer)
    straight = Trainer(cfg, data=data)
    straight.run(max_steps=steps)
    first = Trainer(cfg, data=data)
    first.run(max_steps=save_at)
    raw = first.to_bytes()
    state = torch.load(io.BytesIO(raw), weights_only=True)
    second = _restored(raw, state, restore, cfg, data)
    loaded_equal = _same(first.model, second.model)[0]
    second.run(max_steps=steps - save_at)
    equal, max_diff = _same(second.model, straight.model)
    per_parameter = state["optimizer"]["state"]
    return Resume(
        optimizer, steps, save_at, restore,
        straight=tuple(straight.history.losses),
        resumed=(*first.history.losses, *second.history.losses[-(steps - save_at) :]),
        max_diff=max_diff, equal=equal, loaded_equal=loaded_equal, checkpoint_bytes=len(raw),
        keys=tuple(state), optimizer_state=tuple(per_parameter[0]) if per_parameter else (),
    )  # fmt: skip


def _restored(raw: bytes, state: dict, restore: str, cfg: TrainConfig, data) -> Trainer:
    if restore == "trainer":  # everything: weights, optimizer, position, generator, history
        return Trainer.from_bytes(raw, data=data)
    # What many tutorials do: a new model and optimizer, the saved weights loaded into the model
    # (and maybe the optimizer's state); the run starts again from its first step and batch.
    fresh = Trainer(cfg, data=data)
    fresh.model.load_state_dict(state["model"])
    if restore == "model+optimizer":
        fresh.optimizer.load_state_dict(state["optimizer"])
    return fresh


def _same(a: torch.nn.Module, b: torch.nn.Module) -> tuple[bool, float]:
    """(torch.equal on every parameter, the largest absolute difference)."""
    pairs = list(zip(a.parameters(), b.parameters(), strict=True))
    equal = all(torch.equal(p, q) for p, q in pairs)
    return equal, max((p - q).abs().max().item() for p, q in pairs)


def _check(optimizer: str, steps: int, save_at: int, restore: str) -> None:
    if optimizer not in OPTIMIZERS:
        raise ValueError(msg("optimizer must be one of {options}, not {got}",
                             options=", ".join(OPTIMIZERS), got=repr(optimizer)))  # fmt: skip
    if restore not in RESTORES:
        raise ValueError(msg("restore must be one of {options}, not {got}",
                             options=", ".join(RESTORES), got=repr(restore)))  # fmt: skip
    if not (isinstance(steps, int) and 2 <= steps <= MAX_STEPS):
        raise ValueError(msg("steps must be a whole number from 2 to {most}, not {got}",
                             most=MAX_STEPS, got=repr(steps)))  # fmt: skip
    if not (isinstance(save_at, int) and 1 <= save_at < steps):
        raise ValueError(msg("save_at must be a whole number from 1 to {last} (before the last "
                             "step), not {got}", last=steps - 1, got=repr(save_at)))  # fmt: skip


def category(diff: float) -> str:
    """How far apart two runs' weights ended, as the lesson's options say it."""
    if diff == 0:
        return "d == 0"
    return "0 < d < 1e-5" if diff < 1e-5 else "d >= 1e-5"
