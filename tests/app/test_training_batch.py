"""AppTest: "Step through this batch" opens a paused (or finished) run's next step in Step Through,
and the run goes on afterwards as if nothing happened."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F
from streamlit.testing.v1 import AppTest

from graphlab.render.frames import frames
from tests.app.live_training_page import PAGE, live_page, start, until
from widgets import training_batch


@pytest.fixture()
def at():
    yield from live_page()


def _headline(at: AppTest) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**") and " / " in m.value)


def _caption(at: AppTest) -> str:
    (text,) = [c.value for c in at.caption if "with its weights after step" in c.value]
    return text


def test_a_paused_runs_batch_opens_in_step_through_and_the_run_resumes_where_it_was(at):
    job = start(at, size=50_000, train_epochs=3)
    button = at.button(key="train_step_batch")
    assert button.disabled and "Pause the run" in button.help  # not while it trains
    at.button(key="train_pause").click().run()
    until(at, lambda: job.status == "paused", timeout=10)
    assert not at.button(key="train_step_batch").disabled
    weights = {k: v.clone() for k, v in job.model.state_dict().items()}
    twin, perm = copy.deepcopy(job.model), job.progress.perm.clone()  # the run as it paused
    step = job.snapshot().step
    at.button(key="train_step_batch").click().run()
    assert not at.exception
    assert at.title[0].value == "Step Through"
    assert at.segmented_control(key="step_source").value == training_batch.SOURCE
    _, data = at.session_state[training_batch.RECORDING]
    info = data["training"]
    assert (info["step"], info["where"], info["images"]) == (step, "epoch", 8)
    caption = _caption(at)
    title = "MNIST MLP (784 → 512 → 256 → 10)"
    assert f"The **{title}** with its weights after step {step}," in caption
    assert f"on the first 8 of the 64 images of batch {info['batch'] + 1} of 782" in caption
    assert f"in epoch 1 of 3: the batch that step {step + 1} trains" in caption
    assert "Their digits: " + ", ".join(map(str, info["labels"])) in caption
    # AppTest reruns the page it was switched to by at.switch_page, not by st.switch_page
    polled = job._last_poll
    at.switch_page(training_batch.STEP_THROUGH).run()
    assert at.segmented_control(key="step_source").value == training_batch.SOURCE
    assert job._last_poll > polled  # polled like Live Training: the run is not taken for left
    shown = frames(data)
    assert _headline(at).startswith(f"**1 / {len(shown)}**")
    assert "Forward: `torch.linear`" in _headline(at)  # fc1: the first op that makes a node
    at.button(key="step_last").click().run()
    assert "Done" in _headline(at)
    (back,) = [p for p in at.get("page_link") if p.label == "Back to Live Training"]
    assert back.proto.page == "live_training"  # the page registered in app.py
    # Nothing of the run changed; back on Live Training it is still paused and resumes.
    assert job.status == "paused" and job.snapshot().step == step
    for name, tensor in job.model.state_dict().items():
        assert torch.equal(tensor, weights[name]), name
    at.switch_page(PAGE).run()
    assert not at.exception and at.title[0].value == "Live Training"
    at.button(key="train_resume").click().run()
    until(at, lambda: job.snapshot().step > step, timeout=10)
    # The step after the pause trained the recorded batch, whole, with the weights as they were.
    idx = perm[info["batch"] * 64 : (info["batch"] + 1) * 64]
    assert info["labels"] == job._train_y[idx[:8]].tolist()
    with torch.no_grad():
        loss = F.cross_entropy(twin(job._train_x[idx]), job._train_y[idx]).item()
    assert job.history.losses[step] == pytest.approx(loss, rel=1e-5)


def test_a_finished_runs_batch_is_the_one_a_further_epoch_would_take(at):
    job = start(at, size=1_000)
    until(at, lambda: job.status == "done")
    at.button(key="train_step_batch").click().run()
    assert not at.exception and at.title[0].value == "Step Through"
    caption = _caption(at)
    assert "the first batch a further epoch would draw" in caption
    assert f"after step {job.snapshot().step}," in caption
    at.switch_page(training_batch.STEP_THROUGH).run()  # as in the test above
    # Another source, then back: the batch stays offered.
    at.segmented_control(key="step_source").set_value("Gallery example").run()
    assert not [c for c in at.caption if "with its weights after step" in c.value]
    at.segmented_control(key="step_source").set_value(training_batch.SOURCE).run()
    assert _caption(at) == caption
