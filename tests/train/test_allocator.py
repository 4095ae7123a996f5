"""A training step reuses the memory the last one freed (``jobs.keep_freed_memory``).

With glibc's defaults each MLP step at batch 64 took about 750 page faults in the main thread and
1,100 in the Trainer's worker thread (the CNN's, 2,000), a quarter of the step's time: the
Trainer ran slower than a bare loop. Page faults are counted, not timed, so this check holds on
a busy machine.
"""

from __future__ import annotations

import resource

import pytest
import torch

from graphlab.train import JobSlots, TrainConfig, Trainer
from graphlab.train.jobs import keep_freed_memory


def faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_steps_in_the_worker_thread_take_almost_no_page_faults(model):
    if not keep_freed_memory():
        pytest.skip("not glibc, or the environment tunes malloc itself")
    generator = torch.Generator().manual_seed(0)
    images = torch.rand(64 * 40, 1, 28, 28, generator=generator)
    labels = torch.randint(0, 10, (64 * 40,), generator=generator)
    counts: list[int] = []  # after each step, counted in the training thread (this one waits)
    trainer = Trainer(
        TrainConfig(model=model, device="cpu"),
        callbacks=[lambda event: event["event"] == "step" and counts.append(faults())],
        data=(images, labels, images[:64], labels[:64]),
    )
    trainer.start(slots=JobSlots(1), max_steps=30)
    assert trainer.join(timeout=120) and trainer.history.status == "stopped"
    # The first steps grow the thread's heap; later ones reuse it (without: 750 to 2,300 each).
    per_step = (counts[-1] - counts[9]) / (len(counts) - 10)
    assert per_step < 100, f"{per_step:.0f} page faults a step"
