"""The course in Chromium: one lesson walked end to end in Chinese (predict, play, check, next),
and one opened in English from its share link."""

from __future__ import annotations

import pytest
import torch
from playwright.sync_api import expect

from graphlab.lessons.prose import load

pytestmark = pytest.mark.browser

SUCCESS = '[data-testid="stAlertContentSuccess"]'
TITLE = "h1"


def _next(page, key: str = "course_next") -> None:
    button = page.locator(f".st-key-{key} button")
    # While a rerun draws the next stage, Streamlit can show the old stage's button beside the
    # new one for a moment (seen on a loaded machine): click once there is one again.
    expect(button).to_have_count(1, timeout=30_000)
    button.click()


def _stage_text(page, text: str) -> None:
    page.get_by_text(text, exact=False).first.wait_for()


def _pick(page, key: str, option: str) -> None:
    page.locator(f".st-key-{key}").get_by_text(option, exact=True).click()


def test_a_lesson_end_to_end_in_chinese(page, server_url):
    zh = load("zh", "tensors")
    page.goto(f"{server_url}/course?lesson=tensors&step=1&lang=zh")
    page.locator(TITLE).filter(has_text=zh["title"]).wait_for()
    _next(page)  # Predict
    _stage_text(page, "a + b")
    answer = str(tuple(torch.broadcast_shapes((3, 1), (4,))))
    _pick(page, "course_predict_tensors", answer)
    page.locator('[data-testid="stAlertContentInfo"]').filter(has_text=answer).wait_for()
    _next(page)  # Play: type two shapes
    shape_a = page.locator(".st-key-lt_a input")
    shape_a.fill("5, 1, 4")
    shape_a.press("Enter")
    shape_b = page.locator(".st-key-lt_b input")
    shape_b.fill("3, 1")
    shape_b.press("Enter")
    page.locator(SUCCESS).filter(has_text="(5, 3, 4)").wait_for()
    _next(page)  # What you saw: the shapes typed, and the prediction graded
    page.get_by_text("(5, 3, 4)").first.wait_for()
    page.locator(SUCCESS).filter(has_text=answer).wait_for()
    _next(page)  # Check: three questions, answered right
    for qid, option in (("broadcast", "(5, 3, 4)"), ("refused", "error"),
                        ("promotion", "float32")):  # fmt: skip
        _pick(page, f"course_tensors_{qid}", option)
        page.locator(f".st-key-course_tensors_{qid}_check button").click()
        # As a learner would, read the verdict before the next question.
        page.locator(f".st-key-course_tensors_{qid}_box {SUCCESS}").wait_for()
    _next(page)  # Plain PyTorch
    page.get_by_text("torch.broadcast_shapes").first.wait_for()
    _next(page, "course_next_lesson")
    page.locator(TITLE).filter(has_text=load("zh", "graph")["title"]).wait_for()
    # The course list marks the lesson just finished.
    page.locator('[data-testid="stSidebar"]').get_by_text("✓ 1.").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_lesson_opens_in_english_from_its_share_link(page, server_url):
    page.goto(f"{server_url}/course?lesson=graph&step=3")
    page.locator(TITLE).filter(has_text=load("en", "graph")["title"]).wait_for()
    page.locator(".gl-canvas g.node").first.wait_for(state="visible")
    table = page.locator('[data-testid="stTable"]').first
    table.get_by_text("MulBackward0").wait_for()
    assert "PowBackward0" in table.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
