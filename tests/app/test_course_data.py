"""AppTest of lesson 13, data: the loader's numbers and the drawn batch are torch's, shuffle /
seed / drop_last / the batch picker change them as torch says, the normalization table is the
pixels' own, What you saw follows the widget, the checks grade against torch, and every stage
renders in Chinese."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from graphlab.data import load_mnist
from graphlab.lessons import lesson_data as ld
from tests.app.pages import course_mark, every_stage, open_lesson


def at_stage(stage: str, lang: str = "en") -> AppTest:
    return open_lesson("data", stage, lang)


def metrics(at: AppTest) -> list[int]:
    return [int(m.value) for m in at.metric]


def drawn(at: AppTest) -> tuple[int, list[str]]:
    """How many images the batch grid draws, and their captions (the labels)."""
    (grid,) = at.get("image")
    return len(grid.proto.imgs), [img.caption for img in grid.proto.imgs]


def test_the_default_loader_and_its_batch():
    at = at_stage("play")
    assert metrics(at) == [math.ceil(ld.SUBSET / 64), math.ceil(50_000 / 64), ld.SUBSET % 64]
    table = at.dataframe[0].value
    assert (
        list(table["batches"]) == [16] * 3 and list(table["images in the last batch"]) == [40] * 3
    )
    labels = load_mnist("train", copy=False)[1]
    shown, captions = drawn(at)
    firsts = [json.loads(cell) for cell in table["its first batch opens with images"]]
    assert shown == ld.SHOWN and captions[: ld.FIRST] == [str(labels[i].item()) for i in firsts[0]]
    assert firsts[0] != firsts[1] and "new order" in at.caption[0].value
    assert "The first 32 of its 64 images" in at.caption[1].value
    assert not at.error and not at.exception


def test_shuffle_seed_and_drop_last_change_what_torch_says():
    at = at_stage("play")
    before = at.dataframe[0].value["its first batch opens with images"].tolist()
    at.number_input(key="data_seed").set_value(7).run()
    changed = at.dataframe[0].value["its first batch opens with images"].tolist()
    at.number_input(key="data_seed").set_value(0).run()
    assert changed != before and at.dataframe[0].value[
        "its first batch opens with images"].tolist() == before  # fmt: skip
    at.toggle(key="data_shuffle").set_value(False).run()
    assert set(at.dataframe[0].value["its first batch opens with images"]) == {
        str(list(range(ld.FIRST)))}  # fmt: skip
    assert "same order" in at.caption[0].value
    at.select_slider(key="data_bs").set_value(100).run()
    assert metrics(at) == [10, 500, 100]
    at.toggle(key="data_drop").set_value(True).run()
    assert metrics(at) == [10, 500, 100]  # 100 divides both: nothing to drop
    at.select_slider(key="data_bs").set_value(128).run()
    assert metrics(at) == [ld.SUBSET // 128, 50_000 // 128, 128]


def test_the_batch_picker_stays_inside_the_loader():
    at = at_stage("play")
    at.number_input(key="data_batch").set_value(16).run()
    assert any("Batch 16 of epoch 1" in m.value for m in at.markdown)
    shown, _ = drawn(at)
    assert shown == 32  # the last batch holds 40: the first 32 drawn
    at.toggle(key="data_drop").set_value(True).run()  # 15 batches now: 16 is not there
    assert at.number_input(key="data_batch").value == 15 and not at.error
    assert any("Batch 15 of epoch 1" in m.value for m in at.markdown)


def test_the_normalization_table_is_the_pixels_own():
    at = at_stage("play")
    table = at.dataframe[1].value
    train = load_mnist("train", copy=False)[0].numpy().astype(np.float64)
    mean, std = train.mean(), train.std(ddof=1)
    assert table["Normalize(mean, std)"][0] == f"({mean:.4f}, {std:.4f})"
    for row, (m, s) in enumerate([(mean, std), ld.USUAL, ld.HALF]):
        normalized = (train - m) / s
        assert float(table["pixel mean after"][row]) == pytest.approx(normalized.mean(), abs=1e-4)
        assert float(table["pixel std after"][row]) == pytest.approx(normalized.std(), abs=1e-4)


def test_what_you_saw_quotes_the_widget():
    at = at_stage("play")
    at.select_slider(key="data_bs").set_value(128).run()
    at.toggle(key="data_drop").set_value(True).run()
    at.query_params["step"] = "4"
    at.run()
    text = "\n".join(m.value for m in at.markdown)
    assert "`batch_size=128`" in text and "`drop_last=True`" in text
    assert "it would be 390" in text and "mean 0.1310 and std 0.3085" in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_checks_grade_against_torch(lang):
    at = at_stage("check", lang)
    at.text_input(key="course_data_std").input("0.3081").run()
    at.button(key="course_data_std_check").click().run()
    (error,) = at.error
    std = load_mnist("train", copy=False)[0].numpy().astype(np.float64).std(ddof=1)
    assert f"{std:.4f}" in error.value and "0.3081" in error.value
    at.text_input(key="course_data_std").input(f"{std:.4f}").run()
    at.button(key="course_data_std_check").click().run()
    at.text_input(key="course_data_drop").input(str(50_000 % 128)).run()
    at.button(key="course_data_drop_check").click().run()
    at.radio(key="course_data_epochs").set_value("False").run()
    at.button(key="course_data_epochs_check").click().run()
    assert len(at.success) == 3 and not at.error
    assert course_mark(at, "data") == "✓"


def test_every_stage_renders_in_chinese():
    for at in every_stage("data", "zh"):
        assert "数据" in at.title[0].value
    at.query_params["step"] = "3"
    at.run()
    assert "归一化" in at.subheader[0].value and "每一轮" in at.caption[0].value
