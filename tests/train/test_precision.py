"""Mixed precision (``TrainConfig.precision``): bf16 trains on the CPU with its forward pass in
bfloat16, fp16 scales the loss and is refused off CUDA, checkpoints keep the setting, and old
checkpoints without it load as fp32."""

from __future__ import annotations

import math

import pytest
import torch

from graphlab.data import load_mnist
from graphlab.train import TrainConfig, Trainer
from graphlab.train.accelerator import _SCALERS, backward, to_device
from graphlab.train.checkpoint import parse_checkpoint, to_bytes
from tests.cli.train_run import main, use_toy_mnist
from tests.toy_mnist import toy_data

SMALL = dict(train_size=2_048, test_size=200, batch_size=32, device="cpu", schedule="constant")


@pytest.fixture(scope="module")
def mnist():
    return (*load_mnist("train", copy=False), *load_mnist("test", copy=False))


def _forward_dtypes(trainer: Trainer) -> list[torch.dtype]:
    seen: list[torch.dtype] = []
    first = next(
        m for m in trainer.model.modules() if isinstance(m, torch.nn.Linear | torch.nn.Conv2d)
    )
    first.register_forward_hook(lambda module, args, out: seen.append(out.dtype))
    return seen


@pytest.mark.parametrize(
    ("precision", "dtype"), [("bf16", torch.bfloat16), ("fp32", torch.float32)]
)
def test_bf16_trains_on_the_cpu_with_its_forward_in_bfloat16(mnist, precision, dtype):
    trainer = Trainer(TrainConfig(precision=precision, **SMALL), data=mnist)
    seen = _forward_dtypes(trainer)
    history = trainer.run(max_steps=32)
    assert history.status == "stopped" and len(history.losses) == 32
    assert set(seen) == {dtype}  # each training step's forward ran in it
    assert all(math.isfinite(v) for v in history.losses)
    first, last = history.losses[:8], history.losses[-8:]
    assert sum(last) / 8 < 0.6 * sum(first) / 8  # falling: from about 2.3
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())  # weights stay fp32
    assert trainer.evaluate() > 0.6


def test_checkpoints_keep_the_precision_and_old_ones_load_as_fp32(mnist):
    trainer = Trainer(TrainConfig(precision="bf16", **SMALL), data=mnist)
    trainer.run(max_steps=3)
    again = Trainer.from_bytes(trainer.to_bytes(), data=mnist)
    assert again.config.precision == "bf16" and again.progress.step == 3
    state = trainer.state_dict()
    del state["config"]["precision"]  # a checkpoint saved before the setting existed
    old = Trainer.from_bytes(to_bytes(state), data=mnist)
    assert old.config.precision == "fp32" and old.progress.step == 3
    old.run(max_steps=1)  # and trains on
    assert old.progress.step == 4
    fp32 = Trainer(TrainConfig(**SMALL), data=mnist)
    fp32.load_state_dict(trainer.state_dict())  # the trainer's own precision, as its device
    assert fp32.config.precision == "fp32"
    state["config"]["precision"] = "fp8"
    with pytest.raises(
        ValueError, match=r"precision must be one of fp32, bf16, fp16 \(got 'fp8'\)"
    ):
        parse_checkpoint(to_bytes(state))
    state["config"]["precision"] = "fp16"  # saved on a CPU: no trainer could have
    with pytest.raises(ValueError, match="precision fp16 needs a CUDA device"):
        parse_checkpoint(to_bytes(state))


def test_invalid_precisions_are_refused_clearly():
    with pytest.raises(
        ValueError, match=r"precision must be one of fp32, bf16, fp16 \(got 'half'\)"
    ):
        TrainConfig(precision="half")
    message = "precision fp16 needs a CUDA device (device is cpu); use bf16 or fp32"
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TrainConfig(precision="fp16", device="cpu")
    assert TrainConfig(precision="fp16").device == "auto"  # maybe CUDA: the trainer decides
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="precision fp16 needs a CUDA device"):
            Trainer(TrainConfig(precision="fp16", train_size=64, test_size=64), data=toy_data())


def test_fp16_backward_unscales_the_gradients_and_skips_an_overflow():
    # The GradScaler logic of an fp16 step, on the CPU (which autocasts fp16 too).
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.ones(2, 3)
    model(x).sum().backward()
    expected = model.weight.grad.clone()
    optimizer.zero_grad(set_to_none=True)
    backward(model(x).sum(), "fp16", optimizer)
    assert torch.allclose(model.weight.grad, expected)  # true gradients, not scaled ones
    scaler = _SCALERS[optimizer]
    scale = scaler.get_scale()
    optimizer.zero_grad(set_to_none=True)
    before = model.weight.detach().clone()
    backward(model(x).sum() * torch.tensor(float("inf")), "fp16", optimizer)
    assert model.weight.grad is None and scaler.get_scale() == scale / 2  # skipped, scale down
    optimizer.step()
    assert torch.equal(model.weight, before)


def test_the_fp16_path_trains_when_the_device_allows_it(mnist, monkeypatch):
    # What a GPU runs (autocast to float16, loss scaling), here on the CPU with the check lifted.
    monkeypatch.setattr("graphlab.train.loop.check_precision", lambda precision, device: None)
    trainer = Trainer(TrainConfig(precision="fp16", **{**SMALL, "device": "auto"}), data=mnist)
    seen = _forward_dtypes(trainer)
    history = trainer.run(max_steps=16)
    assert set(seen) == {torch.float16} and all(math.isfinite(v) for v in history.losses)
    assert sum(history.losses[-4:]) < 0.8 * sum(history.losses[:4])
    assert _SCALERS[trainer.optimizer].get_scale() > 1  # a scaler of its own, in use


def test_data_stays_where_asked_off_cuda():
    tensors = [torch.zeros(2), torch.ones(3)]
    moved = to_device(tensors, torch.device("cpu"))
    assert [t.device.type for t in moved] == ["cpu", "cpu"] and not moved[0].is_pinned()


def test_the_command_line_trains_in_bf16_and_refuses_fp16_on_the_cpu(monkeypatch, tmp_path, capsys):
    use_toy_mnist(monkeypatch, toy_data())
    out = tmp_path / "bf16.pt"
    assert main("--precision", "bf16", "--max-steps", "4", "--out", str(out)) == 0
    assert Trainer.load(out, data=toy_data()).config.precision == "bf16"
    assert main("--resume", str(out), "--precision", "fp32", "--max-steps", "1") == 0
    assert Trainer.load(out, data=toy_data()).config.precision == "fp32"
    assert main("--precision", "fp16", "--max-steps", "1") == 2
    assert "precision fp16 needs a CUDA device (device is cpu)" in capsys.readouterr().err
    assert main("--precision", "bf16", "--nproc", "2") == 2
    assert "--precision is for one process" in capsys.readouterr().err
