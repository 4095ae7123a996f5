"""`graphlab train --nproc 2`: two processes under DistributedDataParallel (gloo) train exactly
what one process trains on the same whole batches, and rank 0's checkpoint loads into a Trainer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from graphlab.data.mnist import MnistNotFoundError, load_mnist
from graphlab.train import TrainConfig, Trainer
from tests.cli.train_run import main, use_toy_mnist
from tests.toy_mnist import toy_data

TOY = toy_data(n=200, m=64)
pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def toy_mnist(monkeypatch):
    use_toy_mnist(monkeypatch, TOY)


def test_two_processes_train_what_one_process_trains(tmp_path, capfd):
    # Batches of 63 split 32/31 between the ranks, the last one (200 = 3 * 63 + 11) 6/5.
    settings = ["--model", "cnn", "--batch-size", "63", "--epochs", "2", "--train-size", "200",
                "--test-size", "64", "--optimizer", "adam"]  # fmt: skip
    out = tmp_path / "ddp.pt"
    assert main(*settings, "--nproc", "2", "--out", str(out)) == 0
    captured = capfd.readouterr()  # the ranks write to the process's own stdout
    assert f"checkpoint: {out} (status done, step 8)" in captured.out
    assert captured.err.count("epoch 2/2") == 1  # rank 0 alone draws the progress

    config = TrainConfig(model="cnn", batch_size=63, epochs=2, train_size=200, test_size=64,
                         optimizer="adam", device="cpu")  # fmt: skip
    alone = Trainer(config, data=TOY)
    alone.run()
    loaded = Trainer.load(out, device="cpu", data=TOY)
    assert loaded.history.status == "done" and loaded.progress.step == alone.progress.step
    for name, weight in alone.model.state_dict().items():
        torch.testing.assert_close(loaded.model.state_dict()[name], weight, rtol=0, atol=1e-5)
    assert loaded.history.losses == pytest.approx(alone.history.losses, abs=1e-5)
    assert loaded.history.epochs[-1]["train_acc"] == alone.history.epochs[-1]["train_acc"]


def test_bad_arguments_are_refused_once(capfd):
    assert main("--nproc", "2", "--lr", "-1") == 2
    assert capfd.readouterr().err.count("graphlab train:") == 1


def test_under_torchrun_each_process_is_a_rank_and_rank_0_saves(tmp_path):
    try:
        load_mnist("test")
    except MnistNotFoundError:
        pytest.skip("torchrun's processes read MNIST itself (scripts/setup.sh installs it)")
    out = tmp_path / "torchrun.pt"
    torchrun = Path(sys.executable).with_name("torchrun")
    command = [str(torchrun), "--standalone", "--nproc_per_node", "2", "-m", "graphlab", "train",
               "--model", "mlp", "--epochs", "1", "--train-size", "256", "--test-size", "64",
               "--device", "cpu", "--out", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("checkpoint:") == 1  # rank 0 alone reports
    trainer = Trainer.load(out, device="cpu")
    assert trainer.history.status == "done" and trainer.progress.step == 4
