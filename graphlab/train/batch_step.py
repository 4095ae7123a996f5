"""A recording of a run's next training step for Step Through: its weights now, its real batch.

``record_batch(trainer)`` copies, under the trainer's model lock, the model and the batch the
trainer would train next (``progress.perm[batch * B : (batch + 1) * B]``, as ``TrainingLoop._step``
takes it), then records the copy's forward pass, ``F.cross_entropy`` and ``loss.backward()``
outside the lock. Nothing of the trainer changes: not its weights, ``.grad``, optimizer,
generator or progress; the global random state is restored too. The optimizer's update is not
part of the recording.

Where the batch comes from (``training["where"]``):

- ``"epoch"``: the next batch of this epoch's order: exactly what the next step trains;
- ``"next_epoch"``: between epochs the next order is not drawn yet; it is drawn here from a copy
  of the trainer's generator, so it is the order the next epoch will draw, and this its first
  batch;
- ``"after_end"``: the run has trained all its epochs; the first batch a further epoch would
  draw, drawn the same way.

By default only the first ``IMAGES`` images of the batch are recorded (a recording of 64 images
is slow to step through and no clearer); ``images=None`` records the whole batch.

>>> from graphlab.train import TrainConfig, Trainer
>>> g = torch.Generator().manual_seed(0)
>>> images, labels = torch.rand(64, 1, 28, 28, generator=g), torch.randint(0, 10, (64,), generator=g)
>>> trainer = Trainer(TrainConfig(device="cpu", batch_size=16), data=(images, labels) * 2)
>>> trainer.run(max_steps=2).status
'stopped'
>>> data = record_batch(trainer)
>>> info = data["training"]
>>> info["step"], info["batch"], info["images"], info["where"], data["forward"][-1]["op"]
(2, 2, 8, 'epoch', 'F.cross_entropy')
>>> trainer.progress.step  # unchanged
2
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from graphlab.core.modules import track_modules
from graphlab.models import BUILTINS
from graphlab.record.recorder import Recorder
from graphlab.record.serialize import to_data

if TYPE_CHECKING:
    from .loop import TrainingLoop

__all__ = ["IMAGES", "WHERE", "next_batch", "record_batch"]

IMAGES = 8  # images of the batch recorded by default
WHERE = ("epoch", "next_epoch", "after_end")


def next_batch(loop: TrainingLoop) -> tuple[torch.Tensor, int, int, str]:
    """The indices (into the training tensors) of the batch ``loop`` trains next, its epoch and
    batch number (0-based) and where it comes from (see ``WHERE``). Call it under the model lock.
    """
    p, size = loop.progress, loop.config.batch_size
    if p.perm is not None and p.batch < loop.batches_per_epoch:
        return p.perm[p.batch * size : (p.batch + 1) * size], p.epoch, p.batch, "epoch"
    # Between epochs (or an epoch whose test was stopped): the next epoch draws its order from
    # the generator as it is now. A copy of it draws the same order and leaves it untouched.
    epoch = p.epoch + (p.perm is not None)
    generator = torch.Generator()
    generator.set_state(loop.generator.get_state())
    perm = torch.randperm(loop.train_size, generator=generator)  # as Progress.draw_perm draws it
    where = "next_epoch" if epoch < loop.config.epochs else "after_end"
    return perm[:size], epoch, 0, where


def record_batch(loop: TrainingLoop, images: int | None = IMAGES) -> dict[str, Any]:
    """Step Through's recording (``graphlab.record.serialize.to_data``) of one training step of
    ``loop``'s model as it is now on the first ``images`` images of its next batch (all of it
    with None), on the CPU. ``data["training"]`` says which model, step, epoch and batch.
    """
    if images is not None and images < 1:
        raise ValueError(f"images must be at least 1, got {images}")
    with loop._model_lock:  # the model, its progress and the generator change together
        idx, epoch, batch, where = next_batch(loop)
        full = len(idx)
        idx = idx[:images].to(loop._train_x.device)
        x = loop._train_x[idx].detach().to("cpu", copy=True)
        y = loop._train_y[idx].detach().to("cpu", copy=True)
        model = copy.deepcopy(loop.model).to("cpu")
        step, config = loop.progress.step, loop.config
    for param in model.parameters():
        param.grad = None  # the copy's gradients are this recording's alone
    model.train()
    with torch.random.fork_rng(devices=[]):  # a model with dropout draws from the global RNG
        with Recorder() as rec, track_modules(model):
            loss = F.cross_entropy(model(x), y)
        rec.backward(loss, params={"images": x, "loss": loss}, model=model)
    name = config.model
    title = BUILTINS[name].title if name in BUILTINS else name
    data = to_data(rec, title=title)
    data["training"] = {
        "model": name,
        "title": title,
        "step": step,  # steps trained so far; the recorded one would be step + 1
        "epoch": epoch,  # 0-based, like batch
        "batch": batch,
        "epochs": config.epochs,
        "batches_per_epoch": loop.batches_per_epoch,
        "batch_size": full,  # images in the whole batch (the last of an epoch may be short)
        "images": len(y),
        "where": where,
        "labels": y.tolist(),
        "loss": loss.item(),
    }
    return data
