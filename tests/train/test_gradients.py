"""The gradient statistics the Trainer samples equal a hook-free recomputation of the same step:
the same weights and batch, gradients from ``torch.autograd.grad``, ReLU outputs from running the
layers one by one, histograms from numpy."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from graphlab.train import TrainConfig, Trainer
from graphlab.train.gradients import (
    BINS,
    HISTOGRAM_VALUES,
    LOW_POWER,
    GradientSample,
    GradientWatch,
    diagnose,
)  # fmt: skip
from tests.toy_mnist import toy_data


def _trainer(model: str, **settings) -> Trainer:
    config = TrainConfig(model=model, train_size=512, test_size=128, batch_size=64, device="cpu",
                         epochs=3, **settings)  # fmt: skip
    return Trainer(config, data=toy_data())


def _recompute(model: nn.Module, x: torch.Tensor, y: torch.Tensor):
    """Gradients of the weight tensors and each ReLU's dead fraction, with no hook anywhere."""
    h, dead = x, []
    for layer in model:  # the built-in models are Sequential: run them layer by layer
        h = layer(h)
        if isinstance(layer, nn.ReLU):
            best = h.detach().reshape(len(h), -1).amax(0)  # each unit's largest output
            dead.append(float((best <= 0).double().mean()))
    loss = F.cross_entropy(h, y)
    weights = [p for p in model.parameters() if p.dim() > 1]
    return torch.autograd.grad(loss, weights), [w.detach() for w in weights], dead


def _histogram(t: torch.Tensor) -> list[int]:
    values = t.detach().double().numpy().ravel()
    values = np.abs(values[:: -(-len(values) // HISTOGRAM_VALUES)])  # every k-th: at most that
    _, exponent = np.frexp(values)  # value = m * 2**exponent, 0.5 <= m < 1: floor(log2) + 1
    bins = np.where(values > 0, exponent - 1 - LOW_POWER, 0).clip(0, BINS - 1)
    return np.bincount(bins, minlength=BINS).tolist()


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_sampled_numbers_equal_a_hook_free_recomputation(model):
    trainer = _trainer(model, optimizer="sgd", schedule="constant")
    trainer.run(max_steps=3)  # not watched: nothing sampled
    assert trainer.gradients.samples() == []
    p, size = trainer.progress, trainer.config.batch_size
    idx = p.perm[p.batch * size : (p.batch + 1) * size]
    x, y = trainer._train_x[idx], trainer._train_y[idx]
    before = copy.deepcopy(trainer.model)
    trainer.gradients.start(every=1)
    trainer.run(max_steps=1)
    (sample,) = trainer.gradients.samples()
    assert sample.step == 4
    grads, weights, dead = _recompute(before, x, y)
    after = [q for q in trainer.model.parameters() if q.dim() > 1]
    assert len(sample.layers) == len(grads) == (3 if model == "mlp" else 4)
    assert sample.layers[0] == ("2 Linear" if model == "mlp" else "1 Conv2d")
    for i, (g, w, w_after) in enumerate(zip(grads, weights, after, strict=True)):
        assert math.isclose(sample.grad_norm[i], float(g.norm()), rel_tol=1e-4)
        assert math.isclose(sample.weight_norm[i], float(w.norm()), rel_tol=1e-5)
        moved = float((w_after.detach() - w).norm() / w.norm())
        assert math.isclose(sample.update_ratio[i], moved, rel_tol=1e-3)
        # SGD: the step is lr * grad, so the ratio is also the gradient's, scaled
        assert math.isclose(moved, trainer.config.lr * float(g.norm() / w.norm()), rel_tol=1e-3)
        assert list(sample.grad_hist[i]) == _histogram(g)
        assert list(sample.weight_hist[i]) == _histogram(w)
    assert sample.relus == tuple(f"{n} ReLU" for n, m in before.named_modules()
                                 if isinstance(m, nn.ReLU))  # fmt: skip
    assert sample.dead == pytest.approx(dead, abs=1e-6)


def test_sampling_every_k_steps_and_nothing_after_stop():
    trainer = _trainer("mlp")
    trainer.gradients.start(every=4)
    trainer.run(max_steps=10)
    assert [s.step for s in trainer.gradients.samples()] == [1, 5, 9]
    trainer.gradients.stop()
    trainer.run(max_steps=5)
    assert len(trainer.gradients.samples()) == 3
    assert all(not m._forward_hooks for m in trainer.model.modules())  # hooks removed
    with pytest.raises(ValueError):
        trainer.gradients.start(every=0)


def test_a_huge_learning_rate_is_called_exploding_with_what_to_try():
    trainer = _trainer("mlp", optimizer="sgd", lr=1000.0)
    trainer.gradients.start(every=1)
    trainer.run(max_steps=4)
    samples = trainer.gradients.samples()
    said = " ".join(str(m) for m in diagnose(samples[1]))
    assert "exploding" in said and "smaller learning rate" in said


def test_a_healthy_run_gets_no_warning():
    trainer = _trainer("mlp", optimizer="sgd", lr=0.05)
    trainer.gradients.start(every=2)
    trainer.run(max_steps=8)
    assert all(diagnose(s) == [] for s in trainer.gradients.samples())


def _sample(model: nn.Module) -> GradientSample:
    watch = GradientWatch()
    watch.start(every=1)
    with watch.around_step(model, 0):
        F.cross_entropy(model(torch.rand(5, 4)), torch.tensor([0, 1, 0, 1, 0])).backward()
    (sample,) = watch.samples()
    return sample


def test_dead_relus_are_named_with_what_to_try():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    with torch.no_grad():
        model[0].bias.fill_(-100.0)  # every unit below zero: all dead, and no gradient reaches it
    sample = _sample(model)
    assert sample.dead == (1.0,) and sample.grad_norm[0] == 0.0
    said = " ".join(str(m) for m in diagnose(sample))
    assert "100% of the units of 1 ReLU are dead" in said and "LeakyReLU" in said
    assert "vanishing" not in said  # the dead units are why: "a larger learning rate" would mislead


def test_vanishing_gradients_are_named_with_what_to_try():
    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2))
    with torch.no_grad():
        model[0].weight.fill_(1000.0)  # saturated sigmoids: almost no gradient gets through
    sample = _sample(model)
    said = " ".join(str(m) for m in diagnose(sample))
    assert "Gradients are vanishing: layer 0 Linear" in said and "ReLU instead of sigmoid" in said


def test_samples_stay_bounded_over_a_long_run():
    from graphlab.train import gradients

    watch, model = GradientWatch(), nn.Sequential(nn.Linear(2, 2))
    watch.start(every=1)
    for step in range(gradients.MAX_SAMPLES + 3):
        with watch.around_step(model, step):
            model(torch.ones(1, 2)).sum().backward()
    steps = [s.step for s in watch.samples()]
    assert len(steps) <= gradients.MAX_SAMPLES and steps[-1] == gradients.MAX_SAMPLES + 3
    assert steps == sorted(steps) and steps[0] <= 2
