"""Lesson 15, devices: this machine's facts against torch asked directly, the picker's rule on
pretend machines (CUDA, MPS, neither), every placement of the model and its input against
`F.linear` run here, the matmul timings against the product computed on the CPU."""

from __future__ import annotations

import doctest

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from graphlab.core.device import DEVICES, pick_device
from graphlab.lessons import lesson
from graphlab.lessons import lesson_devices as ld


def test_the_modules_examples_hold():
    assert doctest.testmod(ld).failed == 0


def test_the_facts_are_torchs_on_this_machine():
    here = ld.facts()
    assert here.cuda == torch.cuda.is_available() and here.gpus == torch.cuda.device_count()
    assert here.mps == torch.backends.mps.is_available()
    want = "cuda" if here.cuda else "mps" if here.mps else "cpu"
    assert here.picked == want == pick_device().type
    assert here.cuda_backward is False and not hasattr(torch.cuda, "backward")
    assert here.available == ("auto", "cpu", *(["cuda"] if here.cuda else []),
                              *(["mps"] if here.mps else []))  # fmt: skip


@pytest.mark.parametrize(("cuda", "mps", "want"),
                         [(True, False, "cuda"), (True, True, "cuda"), (False, True, "mps"),
                          (False, False, "cpu")])  # fmt: skip
def test_the_picker_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, want):
    # A pretend machine: only the availability checks change, no tensor is made on it.
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    here = ld.facts()
    assert here.picked == want and here.accelerator == (cuda or mps)
    accelerators = [d for d, on in (("cuda", cuda), ("mps", mps)) if on]
    assert ld.devices_here() == ("cpu", *accelerators, "meta")
    for device in ("cuda", "mps"):
        result, refusal = ld.pick(device)
        on = device in accelerators
        assert (result == device) == on and (refusal is None) == on
        if not on:
            assert f"device '{device}' was requested but" in refusal


@pytest.mark.parametrize("requested", DEVICES)
def test_pick_is_pick_device(requested):
    try:
        want = (str(pick_device(requested)), None)
    except ValueError as err:
        want = (None, str(err))
    assert ld.pick(requested) == want


def test_an_unknown_request_is_refused():
    with pytest.raises(ValueError, match="requested must be one of auto, cpu, cuda, mps"):
        ld.pick("tpu")


def _expected(md: str, mt: str, dd: str, dt: str):
    """F.linear with the lesson's weights (seed 0: weight, then bias) placed as asked."""
    g = torch.Generator().manual_seed(0)
    weight, bias = torch.randn(2, 3, generator=g), torch.randn(2, generator=g)
    to = {"device": md, "dtype": getattr(torch, mt)}
    x = torch.linspace(-1, 1, 12).reshape(4, 3).to(device=dd, dtype=getattr(torch, dt))
    return F.linear(x, weight.to(**to), bias.to(**to))


PLACES = [(md, mt, dd, dt) for md in ld.devices_here() for mt in ld.DTYPES
          for dd in ld.devices_here() for dt in ld.DTYPES]  # fmt: skip


@pytest.mark.parametrize("place", PLACES)
def test_every_placement_is_what_torch_does(place):
    run = ld.forward(*place)
    try:
        want = _expected(*place)
    except RuntimeError as err:
        assert run.error_type == "RuntimeError" and run.error == str(err)
        assert place[0] != place[2] or place[1] != place[3]
        return
    assert run.error is None and place[0] == place[2]
    # Meta kernels compute only shapes and dtypes, and skip the dtype check real devices make.
    assert place[1] == place[3] or place[0] == "meta"
    assert run.out_device == want.device.type and run.out_dtype == str(want.dtype)[6:]
    if want.is_meta:
        assert run.values is None
    else:
        assert torch.equal(torch.tensor(run.values, dtype=want.dtype), want.cpu())


def test_the_errors_name_the_devices_and_the_dtypes():
    meta_model = ld.forward("meta", "float32", "cpu", "float32").error
    meta_data = ld.forward("cpu", "float32", "meta", "float32").error
    assert meta_model == "Tensor on device meta is not on the expected device cpu!"
    assert meta_data == "Tensor on device cpu is not on the expected device meta!"
    assert "same dtype" in ld.forward("cpu", "float32", "cpu", "float64").error


@pytest.mark.parametrize("bad", [("gpu", "float32", "cpu", "float32"),
                                 ("cpu", "float16", "cpu", "float32"),
                                 ("cpu", "float32", "cuda:1", "float32")])  # fmt: skip
def test_a_bad_placement_is_refused_with_the_reason(bad):
    with pytest.raises(ValueError, match="must be one of"):
        ld.forward(*bad)


@pytest.mark.parametrize("n", [ld.SIZES[0], ld.SIZES[-1]])
def test_timings_are_of_the_real_product(n):
    times = ld.timings(n)
    assert [t.device for t in times] == list(ld.devices_here())
    for t in times:
        assert t.n == n and t.seconds > 0
        if t.device == "meta":
            assert t.max_diff is None and t.gflops is None
        else:
            assert t.max_diff is not None and t.max_diff <= 1e-3 * n
            assert t.gflops == pytest.approx(2 * n**3 / t.seconds / 1e9)
    assert times[0].device == "cpu" and times[0].max_diff == 0.0  # the same op, the same result


def test_the_cpus_time_grows_with_n_as_the_prose_says():
    small, large = (ld.timings(n)[0].seconds for n in (64, 512))
    assert large > 10 * small  # 512 x the arithmetic; the prose says only that it grows
    with pytest.raises(ValueError, match="n must be one of"):
        ld.timings(100)


def test_the_answers_are_torchs_computed_another_way():
    item = lesson("devices")
    try:
        nn.Linear(3, 2).to("meta")(torch.ones(4, 3))
        predicted = "no error"
    except RuntimeError as err:
        predicted = type(err).__name__
    assert item.predict.answer() == predicted == "RuntimeError"
    answers = {q.id: q.answer() for q in item.questions}
    x, model = torch.ones(2), nn.Linear(3, 2)
    x.to("meta")
    model.to("meta")
    assert answers["to"] == f"({x.device.type}, {model.weight.device.type})" == "(cpu, meta)"
    with pytest.raises(RuntimeError):
        nn.Linear(3, 2)(torch.ones(4, 3, dtype=torch.float64))
    assert answers["dtype"] == "RuntimeError"
    assert answers["cuda_backward"] == str(hasattr(torch.cuda, "backward")) == "False"


def test_saw_quotes_the_machine_the_forward_and_the_timings():
    run = ld.forward("meta", "float32", "cpu", "float32")
    times = ld.timings(64)
    numbers = ld.saw(run, times)
    assert numbers["cuda"] == str(torch.cuda.is_available())
    assert numbers["picked"] == pick_device().type and numbers["cuda_backward"] == "False"
    assert numbers["outcome"] == "RuntimeError" and numbers["error"] == run.error
    assert numbers["n"] == "64" and all(f"`{t.device}`" in numbers["timings"] for t in times)
    fine = ld.saw(ld.forward("cpu", "float64", "cpu", "float64"), times)
    assert fine["outcome"] == "device='cpu', dtype=float64" and fine["error"] == "None"
