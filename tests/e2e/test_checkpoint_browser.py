"""The app's own checkpoint round-trips in a real browser: a finished MLP + Adam run (6.4 MB,
over the 2 MB the server used to take) downloads, uploads back and loads."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_downloaded_checkpoint_uploads_back_and_loads(page, server_url, tmp_path):
    page.goto(f"{server_url}/live_training")
    start = page.get_by_role("button", name="Start training")
    start.wait_for()
    slider = page.locator('[data-testid="stSlider"]').filter(has_text="Training images")
    slider.get_by_role("slider").focus()
    page.keyboard.press("Home")  # 1,000 images, 1 epoch: a few seconds
    page.get_by_text("1,000").first.wait_for()
    page.wait_for_timeout(500)
    start.click()
    page.get_by_text("done", exact=True).first.wait_for()
    # The end of a run reruns the page once or twice (buttons, then no more polling), and each
    # rerun gives the download button a new id: a click on the one being replaced downloads
    # nothing. "Start training" comes back enabled only once the run's thread has finished.
    expect(start).to_be_enabled(timeout=30_000)
    page.wait_for_timeout(1_000)

    page.get_by_role("tab", name="Checkpoint").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download checkpoint").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "graphlab-mlp.pt" and saved.stat().st_size > 6 * 2**20

    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text="Load a checkpoint")
    uploader.locator('input[type="file"]').set_input_files(saved)
    page.get_by_text("Loaded graphlab-mlp.pt: mlp, step 16, status done.").wait_for()
    assert page.get_by_text("AxiosError").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
