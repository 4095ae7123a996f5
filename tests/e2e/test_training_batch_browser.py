"""Step through a paused run's batch in a real browser: the button switches to Step Through, which
stays there while the visitor steps (AppTest cannot follow st.switch_page that far), and the link
back finds the run still paused at the same step."""

import re

import pytest

from tests.e2e.training_page import open_long_run

pytestmark = pytest.mark.browser

PAUSED_AT = re.compile(r"paused at step ([\d,]+)")


def test_step_through_a_paused_batch_and_come_back(page, server_url):
    start = open_long_run(page, server_url, epochs=3)
    start.click()
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Resume").wait_for()
    page.get_by_text(PAUSED_AT).wait_for()
    step = PAUSED_AT.search(page.locator("body").inner_text()).group(1).replace(",", "")
    page.get_by_role("button", name="Step through this batch").click()
    page.get_by_role("heading", name="Step Through").wait_for()
    page.get_by_text(f"with its weights after step {step}, on the first 8").wait_for()
    assert "/step_through" in page.url
    page.get_by_role("button", name="Next").click()  # a rerun: still this page and this batch
    page.get_by_text(re.compile(r"^2 / \d+$")).first.wait_for()  # the headline's count
    assert page.get_by_text(f"with its weights after step {step},").count() == 1
    page.get_by_role("link", name="Back to Live Training").click()
    page.get_by_role("button", name="Resume").wait_for()
    assert PAUSED_AT.search(page.locator("body").inner_text()).group(1).replace(",", "") == step
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_role("button", name="Stop").click()
    page.get_by_role("button", name="Continue").wait_for()
