"""The training side's sentences are Messages the app can say in Chinese: a run's status line
(kept in checkpoints), the refusals of a setting, a checkpoint, a picture or a full server, and
the words on the charts. Each template is one `pybabel extract` collects from the source, and
English stays what it was."""

from __future__ import annotations

import io
import pickle
from pathlib import Path

import pytest
import torch
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file

from graphlab.core.messages import Message
from graphlab.train import BusyError, History, JobSlots, Trainer, chart_words, form, status_line
from graphlab.train.digit import digit_from_bytes
from graphlab.train.errors import reason
from graphlab.train.metrics import PredictionSample, Snapshot
from graphlab.train.plots import (
    accuracy_chart,
    confusion_figure,
    grid_figure,
    loss_chart,
    probability_figure,
    progress_text,
)
from tests.train.test_train_state import TOY, config

ROOT = Path(__file__).resolve().parents[2]


def extracted(*modules: str) -> set[str]:
    """The msgids `scripts/i18n.sh` extracts from these files of graphlab/train."""
    keywords = {**DEFAULT_KEYWORDS, "msg": None}
    return {
        message
        for module in modules
        for _, message, _, _ in extract_from_file(
            "python", ROOT / "graphlab" / "train" / module, keywords=keywords
        )
    }


def chinese(table: dict[str, str]):
    """A gettext that knows the translations in `table` (and no others)."""
    return lambda text: table.get(text, text)


def test_the_status_line_is_a_message_kept_with_the_run_and_its_checkpoint():
    trainer = Trainer(config(), data=TOY)
    history = trainer.run(max_steps=5)
    text = history.text
    assert isinstance(text, Message) and text.template in extracted("status_line.py")
    assert str(text) == history.message == "stopped at step 5 (max_steps reached)"
    zh = chinese({status_line.MAX_STEPS: "在第 {step} 步停止（已达 max_steps）"})
    assert trainer.snapshot().text.render(zh) == "在第 5 步停止（已达 max_steps）"
    # A checkpoint keeps it; a live run's checkpoint loads with its own sentence.
    loaded = Trainer.from_bytes(trainer.to_bytes(), data=TOY)
    assert loaded.history.text == text and loaded.snapshot().text == text
    done = Trainer(config(), data=TOY).run()
    assert done.text.template == status_line.FINISHED and str(done.text) == done.message
    assert str(status_line.finished(1, 8)) == "finished 1 epoch at step 8"


def test_a_live_runs_checkpoint_loads_saying_where_it_came_from(tmp_path):
    state = Trainer(config(), data=TOY).state_dict()
    state["history"] = {**state["history"], "status": "running", "message": "", "text": None}
    torch.save(state, tmp_path / "live.pt")
    loaded = Trainer.load(tmp_path / "live.pt", data=TOY)
    assert loaded.history.text.template == status_line.LOADED_FROM
    assert loaded.history.text.args == {"origin": "live.pt", "step": 0}


def test_a_saved_status_line_must_be_one_of_ours_saying_its_english():
    history = Trainer(config(), data=TOY).run(max_steps=3)
    saved = history.to_dict()
    assert History.from_dict(saved).text == history.text
    assert History.from_dict({**saved, "text": None}).text is None
    older = {k: v for k, v in saved.items() if k != "text"}  # saved before text was kept
    assert History.from_dict(older).text is None and History.from_dict(older).message
    wide = {"template": "{step:>999999999}", "args": {"step": 3}}  # a billion spaces, refused
    nested = {"template": status_line.STOPPED, "args": {"step": wide}}
    other = {"template": status_line.STOPPED, "args": {"step": 4}}  # not what message says
    for crafted in (wide, nested, other, "stopped", {"template": status_line.STOPPED}):
        with pytest.raises(ValueError, match="the history is damaged"):
            History.from_dict({**saved, "text": crafted})


def test_a_failure_is_said_in_pytorchs_own_words():
    def refuse() -> None:
        raise RuntimeError("torch says no")

    trainer = Trainer(config(), data=TOY)
    trainer.optimizer.step = refuse
    with pytest.raises(RuntimeError):
        trainer.run(max_steps=2)
    assert trainer.history.message == "RuntimeError: torch says no"
    assert trainer.history.text is None


def test_refused_settings_say_why_in_the_visitors_language():
    with pytest.raises(ValueError) as caught:
        form.config_from_values({**form.DEFAULTS, "lr": "-0.5", "device": "cpu"})
    text = reason(caught.value)
    assert type(caught.value) is ValueError and str(text) == str(caught.value)
    assert text.template in extracted("config.py")
    zh = chinese({
        "invalid TrainConfig: {problems}": "TrainConfig 无效：{problems}",
        "lr must be a positive finite number (got {got})": "lr 必须是有限正数（当前为 {got}）",
    })  # fmt: skip
    assert text.render(zh) == "TrainConfig 无效：lr 必须是有限正数（当前为 -0.5）"
    with pytest.raises(ValueError) as caught:
        form.check_limits(config(epochs=50, batch_size=4096))
    limits = reason(caught.value)
    said = limits.render(chinese({"{first}; {then}": "{first}；{then}"}))
    assert said == "at most 10 epochs here (got 50)；batch size at most 1024 here (got 4096)"
    assert {p.template for p in limits.args.values()} <= extracted("form.py")


def test_a_refused_checkpoint_says_why_and_names_the_file_in_the_visitors_language():
    buffer = io.BytesIO()
    torch.save({"format": "another/1"}, buffer)
    with pytest.raises(ValueError) as caught:
        form.trainer_from_upload(buffer.getvalue(), "cpu", data=TOY)
    text = reason(caught.value)
    assert str(text) == "the file is not a graphlab training checkpoint (graphlab.train/1)"
    assert text.template in extracted("checkpoint.py")
    zh = chinese(
        {text.template: "{name}不是 graphlab 训练检查点（{format}）", "the file": "该文件"}
    )
    assert text.render(zh) == "该文件不是 graphlab 训练检查点（graphlab.train/1）"
    state = Trainer(config(batch_size=32), data=TOY).state_dict()
    with pytest.raises(ValueError) as caught:
        Trainer(config(), data=TOY).load_state_dict(state)
    assert str(caught.value) == "the state was saved with another batch_size 32 (this trainer: 64)"
    with pytest.raises(pickle.UnpicklingError) as caught:  # what torch.load raised for it
        form.trainer_from_upload(b"not a checkpoint", "cpu", data=TOY)
    assert reason(caught.value).template in extracted("checkpoint_guard.py")


def test_a_picture_and_a_full_server_say_why():
    with pytest.raises(ValueError) as caught:
        digit_from_bytes(b"not an image")
    assert reason(caught.value).template in extracted("digit.py")
    slots = JobSlots(1)
    slots.acquire()
    with pytest.raises(BusyError) as caught:
        slots.acquire()
    text = reason(caught.value)
    assert text.template in extracted("jobs.py") and str(text) == str(caught.value)


def _history() -> History:
    return History(steps=[1, 2], losses=[2.3, 2.1], smoothed=[2.3, 2.2])


WORDS = [chart_words.LOSS_TITLE, chart_words.ACCURACY_TITLE, chart_words.ACCURACY_HINT,
         chart_words.STEP, chart_words.LOSS, chart_words.EPOCH, chart_words.ACCURACY,
         "smoothed", "train", "test", chart_words.CONFUSION_TITLE, chart_words.PREDICTED_DIGIT,
         chart_words.TRUE_DIGIT, chart_words.CONFUSION_HOVER, chart_words.PREDICTIONS_TITLE,
         chart_words.DIGIT, chart_words.PROBABILITY, chart_words.PROBABILITY_HOVER]  # fmt: skip
ZH = chinese({word: f"«{word}»" for word in WORDS})


def test_the_live_curves_say_their_words_through_gettext():
    assert set(WORDS) <= extracted("chart_words.py")
    loss = loss_chart(_history(), gettext=ZH).to_dict()  # validated against Vega-Lite's schema
    assert loss["title"] == "«Training loss (cross-entropy)»"
    encoding = loss["encoding"]
    assert encoding["x"]["title"] == "«step»" and encoding["y"]["title"] == "«loss»"
    labels = encoding["color"]["legend"]["labelExpr"]
    assert '"loss" ? "«loss»"' in labels and '"smoothed" ? "«smoothed»"' in labels
    assert set(loss_chart(_history(), gettext=ZH).data["curve"]) == {"loss", "smoothed"}
    empty = accuracy_chart(_history(), gettext=ZH).to_dict()
    assert empty["title"] == {
        "text": "«Accuracy after each epoch»",
        "subtitle": "«appears when the first epoch ends»",
    }
    assert '"test" ? "«test»"' in empty["encoding"]["color"]["legend"]["labelExpr"]
    assert "legend" not in loss_chart(_history()).to_dict()["encoding"]["color"]  # English


def test_the_figures_and_the_progress_line_say_their_words_through_gettext():
    matrix = confusion_figure(torch.eye(10, dtype=torch.int64), gettext=ZH).layout
    assert matrix.title.text == "«Confusion matrix (test set)»"
    assert matrix.xaxis.title.text == "«predicted digit»"
    sample = PredictionSample(torch.arange(1), torch.zeros(1, 28, 28), torch.tensor([3]),
                              torch.tensor([5]))  # fmt: skip
    assert grid_figure(sample).layout.annotations[0].text == "5 ✗ (3)"  # digits: no words
    bars = probability_figure(torch.tensor([0.1] * 10), gettext=ZH)
    assert bars.data[0].hovertemplate == "«digit %{x}: %{y:.1f}%»<extra></extra>"
    zh = chinese({"Prediction: {digit} ({percent:.1f}%)": "预测：{digit}（{percent:.1f}%）"})
    assert probability_figure(torch.tensor([0.1] * 9 + [0.2]), gettext=zh).layout.title.text == (
        "预测：9（20.0%）"
    )
    snap = Snapshot("running", "", 5, 0, 5, 10, 20, 0.25, 1234.5, "cpu", 1.0, History(), None)
    template = (
        "epoch {epoch} of {epochs} · step {step} of {total} · {rate:,.0f} samples/s on {device}"
    )
    zh = chinese(
        {
            template: "第 {epoch}/{epochs} 轮 · 第 {step}/{total} 步 · {rate:,.0f} 样本/秒（{device}）"
        }
    )
    assert progress_text(snap, 2, zh) == "第 1/2 轮 · 第 5/20 步 · 1,234 样本/秒（cpu）"
