"""Divergence is visible as it happens: the rule that calls a run diverging, the readable
numbers, and a loss chart whose axis turns logarithmic when the loss spans decades."""

from __future__ import annotations

import math

import pytest

from graphlab.train import TrainConfig, Trainer
from graphlab.train.divergence import LABELS, RISES, diverging, log_axis, readable, warning
from graphlab.train.metrics import History
from graphlab.train.plots import loss_chart
from tests.toy_mnist import toy_data


@pytest.mark.parametrize(
    ("value", "shown"),
    [(17778637137.0, "1.78e10"), (8e11, "8e11"), (2.302585, "2.303"), (0.0001234, "1.23e-4"),
     (1234.5, "1,234"), (0.0, "0.000"), (math.inf, "∞"), (math.nan, "NaN")],
)  # fmt: skip
def test_numbers_are_short_enough_to_read(value, shown):
    assert readable(value) == shown


def _smooth(losses: list[float], beta: float = 0.98) -> list[float]:
    ema, out = 0.0, []
    for k, loss in enumerate(losses):
        ema = beta * ema + (1 - beta) * loss
        out.append(ema / (1 - beta ** (k + 1)))
    return out


def test_a_loss_that_keeps_rising_is_diverging_and_noise_is_not():
    falling = [2.3 * 0.99**k for k in range(200)]
    assert not diverging(falling, _smooth(falling))
    noisy = [1.0 + 0.3 * ((k * 7919) % 13 - 6) / 6 for k in range(2000)]  # a bumpy plateau
    smoothed = _smooth(noisy)
    assert not any(diverging(noisy[:k], smoothed[:k]) for k in range(1, len(noisy)))
    bump = falling[:100] + [falling[99] * 1.012**k for k in range(1, 15)]  # 18% up, then no more
    assert not any(diverging(bump[:k], _smooth(bump)[:k]) for k in range(1, len(bump)))
    rising = falling[:50] + [falling[49] * 1.05**k for k in range(1, 40)]
    smoothed = _smooth(rising)
    first = next(k for k in range(1, len(rising)) if diverging(rising[:k], smoothed[:k]))
    assert 50 + RISES <= first <= 50 + 3 * RISES  # said within a few dozen steps of the turn
    assert diverging([2.3, 2.2, math.nan], [2.3, 2.25, math.nan])
    assert diverging([2.3, 1e15], [2.3, 5e14])  # far above where it started


def test_a_real_run_at_a_huge_learning_rate_is_said_to_diverge_before_it_stops():
    config = TrainConfig(optimizer="adam", lr=1000.0, train_size=512, test_size=128,
                         batch_size=64, epochs=3, device="cpu")  # fmt: skip
    trainer = Trainer(config, data=toy_data())
    history = trainer.run(max_steps=3)
    assert history.status == "stopped"  # not yet ended by a NaN...
    said = str(warning(history.losses, history.smoothed, config.lr))
    assert "training is diverging" in said and "smaller learning rate than 1000" in said


def test_the_loss_axis_turns_logarithmic_when_the_loss_spans_decades():
    calm = History(steps=[1, 2, 3], losses=[2.3, 2.0, 1.8], smoothed=[2.3, 2.2, 2.1])
    y = loss_chart(calm).to_dict()["encoding"]["y"]
    assert "scale" not in y and "axis" not in y  # Vega's labels: a zoom keeps them unchanged
    huge = History(steps=[1, 2], losses=[8e11, 9e11], smoothed=[8e11, 8.5e11])
    y = loss_chart(huge).to_dict()["encoding"]["y"]
    assert "scale" not in y and y["axis"]["labelExpr"] == LABELS  # 8e11, not 800,000,000,000
    wild = History(steps=[1, 2, 3], losses=[2.3, 3e7, 6e21], smoothed=[2.3, 1e6, 1e20])
    y = loss_chart(wild).to_dict()["encoding"]["y"]
    assert y["scale"] == {"type": "log"}
    assert log_axis([2.3, 300.0]) and not log_axis([2.3, 200.0]) and not log_axis([0.0, 1e9])
