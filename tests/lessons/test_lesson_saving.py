"""Lesson 14, saving and loading: the round trip against torch.save / torch.load done here, what
weights_only opens and refuses against torch.load itself, and the resumed runs against Trainers
driven step by step in the test (straight, resumed from everything, from a part)."""

from __future__ import annotations

import doctest
import io
import pickle

import pytest
import torch
from torch import nn

from graphlab.lessons import lesson
from graphlab.lessons import lesson_saving as ls
from graphlab.lessons import saving_resume as sr
from graphlab.lessons.checks import grade
from graphlab.lessons.prose import load
from graphlab.train import TrainConfig, Trainer


class Stranger:
    """A class torch's weights_only list does not know (module-level, so pickle can save it)."""


def test_the_modules_examples_hold():
    for module in (ls, sr):
        assert doctest.testmod(module).failed == 0


def test_the_round_trip_is_torch_save_and_load():
    model, fresh = ls.small_model(0), ls.small_model(1)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    trip = ls.round_trip()
    assert trip.size == len(buffer.getvalue())
    assert trip.shapes == tuple((k, tuple(v.shape)) for k, v in model.state_dict().items())
    assert [k for k, _ in trip.shapes] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = torch.linspace(-1, 1, 15).reshape(5, 3)
    assert not torch.equal(fresh(x), model(x)) and not trip.outputs_equal_before
    buffer.seek(0)
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    assert torch.equal(fresh(x), model(x)) and trip.outputs_equal_after
    assert trip.equal_after and not trip.equal_before


def test_small_models_draw_nothing_from_the_global_generator():
    state = torch.random.get_rng_state()
    a, b = ls.small_model(3), ls.small_model(3)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))


@pytest.mark.parametrize("kind", ls.PAYLOADS)
@pytest.mark.parametrize("weights_only", [True, False])
def test_open_file_is_what_torch_load_makes_of_the_payload(kind, weights_only):
    buffer = io.BytesIO()
    torch.save(ls.payload(kind), buffer)
    buffer.seek(0)
    opened = ls.open_file(kind, weights_only)
    assert opened.size == len(buffer.getvalue())
    try:
        loaded = torch.load(buffer, weights_only=weights_only)
    except pickle.UnpicklingError as err:
        assert opened.error_type == "UnpicklingError" and opened.contents == ()
        assert "Weights only load failed" in opened.error and "\x1b[" not in opened.error
        assert f"GLOBAL {opened.refused} was not an allowed global" in str(err)
        return
    assert opened.error is None and [c[0] for c in opened.contents] == list(loaded)
    assert opened.ran_code == isinstance(loaded.get("note"), str)


def test_weights_only_refuses_exactly_the_object_and_the_call():
    refused = {(k, w) for k in ls.PAYLOADS for w in (True, False) if ls.open_file(k, w).error}
    assert refused == {("object", True), ("call", True)}
    assert ls.open_file("object", True).refused == f"{ls.__name__}.Note"
    assert ls.open_file("call", True).refused == f"{ls.__name__}.made_while_loading"
    called = ls.open_file("call", False)
    assert called.ran_code and dict((k, v) for k, _, v in called.contents)["note"] == (
        ls.made_while_loading("hi")
    )  # the string the named function returned: the file held no string at all
    assert not ls.open_file("object", False).ran_code


def test_weights_only_is_torchs_default_as_the_prose_says():
    buffer = io.BytesIO()
    torch.save({"w": torch.ones(2), "s": Stranger()}, buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError, match="Stranger"):
        torch.load(buffer)  # no weights_only given
    assert (
        "PyTorch 2.6" in load("en", "saving")["why"] and "2.6" in ls.open_file("object", True).error
    )


def _trainer_losses(optimizer: str, steps: int, save_at: int, restore: str):
    """The same comparison, step by step with Trainers: (straight, resumed, the two models)."""
    data, cfg = sr.toy_data(), TrainConfig(model="mlp", optimizer=optimizer, batch_size=16,
                                           epochs=2, device="cpu", seed=0)  # fmt: skip
    straight = Trainer(cfg, data=data)
    straight.run(max_steps=steps)
    first = Trainer(cfg, data=data)
    first.run(max_steps=save_at)
    buffer = io.BytesIO()
    first.save(buffer)  # the Trainer's own writer, not to_bytes
    if restore == "trainer":
        buffer.seek(0)
        second = Trainer.load(buffer, data=data)
    else:
        state = torch.load(io.BytesIO(buffer.getvalue()), weights_only=True)
        second = Trainer(cfg, data=data)
        second.model.load_state_dict(state["model"])
        if restore == "model+optimizer":
            second.optimizer.load_state_dict(state["optimizer"])
    second.run(max_steps=steps - save_at)
    resumed = first.history.losses + second.history.losses[-(steps - save_at) :]
    return straight, resumed, second, len(buffer.getvalue())


@pytest.mark.parametrize(
    ("optimizer", "steps", "save_at", "restore"),
    [("adam", 8, 4, "trainer"), ("momentum", 12, 7, "trainer"), ("sgd", 5, 1, "trainer"),
     ("adam", 8, 4, "model"), ("rmsprop", 6, 3, "model+optimizer"), ("sgd", 8, 4, "model")],
)  # fmt: skip
def test_a_resume_is_the_trainers_run(optimizer, steps, save_at, restore):
    run = sr.resume(optimizer, steps, save_at, restore)
    straight, resumed, second, size = _trainer_losses(optimizer, steps, save_at, restore)
    assert list(run.straight) == straight.history.losses and len(run.straight) == steps
    assert list(run.resumed) == resumed
    diffs = [(p - q).abs().max().item() for p, q in
             zip(second.model.parameters(), straight.model.parameters(), strict=True)]  # fmt: skip
    assert run.max_diff == max(diffs) and run.checkpoint_bytes == size
    assert run.equal == (restore == "trainer") == (max(diffs) == 0)
    assert run.first_diff == (None if restore == "trainer" else save_at + 1)
    assert run.loaded_equal and run.keys == ("format", "config", "model", "optimizer", "history",
                                             "progress", "test_predictions")  # fmt: skip


def test_the_optimizer_state_is_what_torch_optim_keeps():
    want = {"sgd": (), "momentum": ("momentum_buffer",), "adam": ("step", "exp_avg", "exp_avg_sq"),
            "rmsprop": ("step", "square_avg")}  # fmt: skip
    for optimizer, names in want.items():
        assert sr.resume(optimizer, 3, 1, "trainer").optimizer_state == names
    p = nn.Parameter(torch.ones(2))
    adam = torch.optim.Adam([p])
    p.grad = torch.ones(2)
    adam.step()
    assert tuple(adam.state_dict()["state"][0]) == want["adam"]


def test_the_answers_are_torchs_computed_another_way():
    item = lesson("saving")
    entries = len(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).state_dict())
    answers = {q.id: q for q in item.questions}
    assert answers["entries"].answer() == str(entries) == "4"
    assert grade(answers["entries"], "4").ok and not grade(answers["entries"], "6").ok
    buffer = io.BytesIO()
    torch.save({"weight": torch.ones(2, 3), "step": 3, "note": Stranger()}, buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(buffer, weights_only=True)
    assert answers["weights_only"].answer() == "UnpicklingError"
    straight, _, whole, _ = _trainer_losses("adam", 8, 4, "trainer")
    _, _, part, _ = _trainer_losses("adam", 8, 4, "model")
    pairs = [
        zip(m.model.parameters(), straight.model.parameters(), strict=True) for m in (whole, part)
    ]
    whole_d, part_d = (max((p - q).abs().max().item() for p, q in pair) for pair in pairs)
    assert whole_d == 0 and item.predict.answer() == "d == 0"
    assert part_d >= 1e-5 and answers["model_only"].answer() == "d >= 1e-5"


def test_the_prose_names_the_runs_the_answers_use():
    predict = load("en", "saving")["predict"]
    assert f"Adam on {sr.TRAIN} small synthetic images: 8 steps" in predict
    assert "trains 4 steps" in predict and sr.BATCH * sr.MAX_STEPS == sr.TRAIN * sr.EPOCHS


@pytest.mark.parametrize(
    ("args", "words"),
    [(("adamw", 8, 4, "trainer"), "optimizer must be"), (("adam", 8, 4, "all"), "restore must"),
     (("adam", 1, 1, "trainer"), "steps must"), (("adam", 13, 4, "trainer"), "steps must"),
     (("adam", 8, 8, "trainer"), "save_at must"), (("adam", 8, 0, "trainer"), "save_at must")],
)  # fmt: skip
def test_bad_settings_are_refused_with_the_reason(args, words):
    with pytest.raises(ValueError, match=words):
        sr.resume(*args)


def test_an_unknown_file_is_refused():
    with pytest.raises(ValueError, match="the file must be one of"):
        ls.open_file("pickle", True)


def test_saw_quotes_the_run_and_the_file():
    run, opened = sr.resume("adam", 8, 4, "model"), ls.open_file("call", False)
    numbers = ls.saw(run, opened)
    assert numbers["equal"] == "False" and numbers["first_diff"] == "5"
    assert float(numbers["max_diff"]) == pytest.approx(run.max_diff, rel=1e-2)
    assert float(numbers["loss_straight"]) == pytest.approx(run.straight[-1], abs=1e-6)
    assert numbers["state"] == "['step', 'exp_avg', 'exp_avg_sq']" and numbers["restore"] == "model"
    assert numbers["outcome"] == "['note', 'step', 'weight']" and numbers["refused"] == "None"
    refused = ls.saw(run, ls.open_file("object", True))
    assert refused["outcome"] == "UnpicklingError" and refused["refused"].endswith(".Note")
    assert numbers["trip_before"] == "False" and numbers["trip_after"] == "True"


@pytest.mark.parametrize("kind", ls.PAYLOADS)
def test_the_code_play_shows_is_the_payload_saved(kind):
    names = {"w": torch.arange(6.0).reshape(2, 3), "torch": torch, "Note": ls.Note, "Call": ls.Call}
    shown = eval(ls.PAYLOAD_CODE[kind], names)  # our own constant, read back as Python
    saved = ls.payload(kind)
    assert list(shown) == list(saved)
    for key, value in saved.items():
        if isinstance(value, torch.Tensor):
            assert torch.equal(shown[key], value)
        else:
            assert type(shown[key]) is type(value)
            assert not isinstance(value, int | float | str | list | tuple) or shown[key] == value
