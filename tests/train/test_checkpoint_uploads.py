"""Checkpoint uploads a hostile visitor crafts are refused cheaply, before torch.load where the
file itself is the bomb; the app's own checkpoints still load, under the server's upload size."""

from __future__ import annotations

import io
import time
import zipfile
import zlib
from pathlib import Path

import pytest
import tomllib
import torch

from graphlab.train import Trainer, checkpoint, form
from graphlab.train.checkpoint_guard import UPLOAD
from graphlab.train.metrics import History
from graphlab.train.thinning import thin_history
from tests.train.bombs import entries_of, reference_bomb, tensor_bomb, write_zip
from tests.train.test_train_state import TOY, config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def no_torch_load(monkeypatch):
    """torch.load fails the test: the file must be refused before anything unpacks it."""

    def reached(*args, **kwargs):
        raise AssertionError("torch.load was reached")

    monkeypatch.setattr(torch, "load", reached)


def _refused(raw: bytes, match: str) -> float:
    started = time.perf_counter()
    with pytest.raises(ValueError, match=match):
        form.trainer_from_upload(raw, "cpu", data=TOY)
    return time.perf_counter() - started


def test_a_deflated_tensor_bomb_is_refused_before_torch_load(no_torch_load):
    raw = tensor_bomb()  # 1.9 GB of zeros in a 1.9 MB file
    assert len(raw) < 2_000_000
    assert _refused(raw, r"entry archive/data/0 is compressed") < 1.0


def test_a_pickle_of_millions_of_references_is_refused_before_torch_load(no_torch_load):
    _refused(reference_bomb(50_000_000, deflated=True), "data.pkl is compressed")
    # Stored, it fits the file limit only while short: still far more operations than a run's.
    stored = reference_bomb(1_000_000, deflated=False)
    assert len(stored) < UPLOAD.file_bytes
    assert _refused(stored, r"more than 600000 pickle operations") < 2.0


def test_files_that_are_not_torch_zips_are_refused_before_torch_load(no_torch_load):
    _refused(b"\x80\x02]q\x00.", "not a zip archive")  # a bare pickle: torch's legacy format
    _refused(b"PK\x03\x04" + bytes(100), "not a zip archive")
    raw = checkpoint.to_bytes({"format": checkpoint.FORMAT})
    _refused(raw + bytes(UPLOAD.file_bytes), "more than the 16777216 allowed")


def _stored(entries: dict[str, bytes]) -> bytes:
    return write_zip(
        [(name, data, 0, zlib.crc32(data), len(data)) for name, data in entries.items()]
    )


def test_archives_past_the_limits_are_refused_before_torch_load(no_torch_load):
    entries = entries_of({"format": checkpoint.FORMAT})
    many = {**entries, **{f"archive/data/{i}": b"x" for i in range(300)}}
    _refused(_stored(many), r"has 306 entries, more than the 256 allowed")
    _refused(reference_bomb(1_100_000, deflated=False), r"data.pkl is \d+ bytes, more than the")
    twice = write_zip([(n, d, 0, zlib.crc32(d), len(d)) for n, d in [*entries.items()] * 2])
    _refused(twice, "entries claim")
    # One LONG_BINPUT at slot 2**31: the C unpickler would size its memo for it.
    slot = b"\x80\x02]r\x00\x00\x00\x80."
    _refused(_stored({**entries, "archive/data.pkl": slot}), r"names memo slot 2147483648")
    _refused(_stored({**entries, "archive/data.pkl": b"\x80\x02]\xff"}), "data.pkl is damaged")


def _state(steps: int = 8) -> dict:
    source = Trainer(config(seed=1), data=TOY)
    source.run(max_steps=steps)  # past the first epoch: it has test predictions
    return source.state_dict()


def test_fields_no_trainer_could_have_saved_are_refused_naming_the_field():
    state = _state()
    history, progress = state["history"], state["progress"]
    epochs = history["epochs"] * 5_000  # the page would send them all, twice a second
    big = {**state["config"], "train_size": 10**9}
    for crafted, match in [
        ({**state, "history": {**history, "epochs": epochs}}, r"history.epochs has 5000 entries"),
        ({**state, "history": {**history, "losses": history["losses"] * 50}},
         r"history.losses has 400 entries, more than 8"),
        ({**state, "history": {**history, "message": "x" * 5_000, "text": None}},
         r"history.message has 5000 characters"),
        ({**state, "progress": {**progress, "epoch": 10**6}}, r"progress.epoch is 1000000"),
        ({**state, "config": big, "progress": {**progress, "epoch": -10**9}}, "not counts"),
        ({**state, "progress": {**progress, "correct": 10**6}}, r"progress.correct"),
        # One number seen as ten million: the checks on it would allocate its full size.
        ({**state, "test_predictions": torch.zeros(1, dtype=torch.int64).expand(10**7)},
         r"test_predictions is a tensor larger than its data"),
        ({**state, "test_predictions": torch.full((len(TOY[3]),), 5 * 10**7)}, "not digits"),
        ({**state, "test_predictions": torch.zeros(10**5, dtype=torch.int64)},
         r"test_predictions has 100000 entries"),
        ({**state, "junk": [1, 2]}, "entries no trainer saves: junk"),
        ({**state, "history": {**history, "text": {"args": {"a": [[[[[[1]]]]]]}}}}, "nested"),
    ]:  # fmt: skip
        with pytest.raises(ValueError, match=match):
            form.trainer_from_upload(checkpoint.to_bytes(crafted), "cpu", data=TOY)
        with pytest.raises(ValueError, match=match):
            checkpoint.parse_checkpoint(checkpoint.to_bytes(crafted))


def test_a_refusal_is_a_sentence_to_translate():
    raw = tensor_bomb(mib=1)
    with pytest.raises(ValueError) as caught:
        checkpoint.parse_checkpoint(raw)
    assert caught.value.text.template.startswith("the checkpoint's entry {entry} is compressed")
    assert caught.value.text.args == {"entry": "archive/data/0"}


def _upload_limit_bytes() -> int:
    toml = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    return toml["server"]["maxUploadSize"] * 2**20


@pytest.mark.parametrize("model", ["mlp", "cnn"])
def test_the_apps_own_checkpoints_load_after_the_pages_longest_run(model):
    job = Trainer(config(model=model, optimizer="adam", batch_size=16), data=TOY)
    job.run(max_steps=40)  # past an epoch: predictions; then the history of 31,250 steps
    state = job.state_dict()
    steps = 31_250  # 10 epochs of 50,000 images in batches of 16: the page's most
    state["history"] = {**state["history"], "steps": list(range(1, steps + 1)),
                        "losses": [0.1 + i / steps for i in range(steps)],
                        "smoothed": [0.2 + i / steps for i in range(steps)]}  # fmt: skip
    state["progress"] = {**state["progress"], "step": steps}
    raw = checkpoint.to_bytes(state)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        pickled = archive.getinfo("archive/data.pkl").file_size
    assert pickled < UPLOAD.pickle_bytes / 2
    assert len(raw) < _upload_limit_bytes() * 0.7  # MLP + Adam: 7.2 MB of 12 MiB
    loaded = checkpoint.parse_checkpoint(raw)
    assert loaded.config == job.config and len(loaded.state["history"]["steps"]) == steps
    again = form.trainer_from_upload(job.to_bytes(), "cpu", data=TOY)
    assert again.snapshot().step == 40


def test_a_long_history_is_thinned_keeping_its_ends_and_extremes():
    n = 300_000
    losses = [1.0] * n
    losses[123_457], losses[200_001] = 50.0, -3.0  # a spike and a dip every-k-th would miss
    history = History(steps=list(range(n)), losses=losses, smoothed=[0.5] * n,
                      epochs=[{"epoch": i, "step": i, "train_acc": 0.5, "test_acc": i / n,
                               "seconds": 1.0, "samples_per_s": 1.0} for i in range(n)])  # fmt: skip
    started = time.perf_counter()
    shown = thin_history(history)
    assert time.perf_counter() - started < 2.0
    assert len(shown.steps) <= 1_500 and len(shown.epochs) <= 200
    assert {0, 123_457, 200_001, n - 1} <= set(shown.steps)
    assert shown.losses[shown.steps.index(123_457)] == 50.0
    assert shown.epochs[0]["epoch"] == 0 and shown.epochs[-1]["epoch"] == n - 1
    assert len(shown.losses) == len(shown.smoothed) == len(shown.steps)
