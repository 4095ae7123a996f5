"""Lesson 12, the training loop: each line's effect against a loop written here in plain torch,
the left-out lines against what torch does without them (gradients summed by autograd.grad,
weights compared bit for bit, torch's own error), and the answers computed another way."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from graphlab.data import load_mnist
from graphlab.lessons import lesson
from graphlab.lessons import lesson_loop as ll
from graphlab.lessons.checks import grade
from graphlab.models import build_model
from graphlab.render.frames import highlight


def fresh():
    """The lesson's starting point, built here: the seeded MLP, SGD, the first 32 images."""
    model = build_model("mlp", torch.Generator().manual_seed(0))
    images, labels = load_mnist("train", copy=False)
    return model, torch.optim.SGD(model.parameters(), lr=0.1), images[:32], labels[:32]


def params(model) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def own_gradient(model, images, labels) -> list[torch.Tensor]:
    return list(torch.autograd.grad(F.cross_entropy(model(images), labels), model.parameters()))


def test_the_batch_is_the_first_32_training_images():
    images, labels = ll.batch()
    all_images, all_labels = load_mnist("train", copy=False)
    assert torch.equal(images, all_images[:32]) and torch.equal(labels, all_labels[:32])


@pytest.mark.parametrize("iteration", [1, 2, 3])
def test_each_line_leaves_what_the_plain_loop_leaves(iteration):
    model, opt, images, labels = fresh()
    for _ in range(iteration - 1):
        opt.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        opt.step()
    start = params(model)
    shots = ll.walk(iteration)
    assert [s.line for s in shots] == list(ll.LINES)
    opt.zero_grad()
    assert all(v == "None" for v in shots[0].grads.values())  # set_to_none, also in pass 2
    assert shots[0].loss is None and shots[1].loss is None and shots[1].output == (32, 10)
    loss = F.cross_entropy(model(images), labels)
    assert shots[2].loss == pytest.approx(loss.item(), rel=1e-6)
    loss.backward()
    named = dict(model.named_parameters())
    for name, p in named.items():
        assert shots[2].grads[name] == "None" and shots[3].grads[name] == "filled"
        assert shots[3].grad_norms[name] == pytest.approx(p.grad.norm().item(), rel=1e-5)
        assert shots[3].first[name] == shots[0].first[name] == p.flatten()[0].item()
    assert shots[3].moved == 0  # backward changes no weight
    grad_norm = torch.cat([p.grad.flatten() for p in named.values()]).norm().item()
    opt.step()
    for name, p in named.items():
        assert shots[4].first[name] == pytest.approx(p.flatten()[0].item(), abs=1e-7)
    moved = (params(model) - start).norm().item()
    assert shots[4].moved == pytest.approx(moved, rel=1e-4)
    assert shots[4].moved == pytest.approx(0.1 * grad_norm, rel=1e-4)  # SGD: lr * grad


def test_zero_grad_without_set_to_none_leaves_zeros_but_none_stays_none():
    first, second = ll.walk(1, set_to_none=False), ll.walk(2, set_to_none=False)
    assert set(first[0].grads.values()) == {"None"}  # nothing to fill yet
    assert set(second[0].grads.values()) == {"zeros"}
    assert set(second[0].grad_norms.values()) == {0.0}
    model, opt, images, labels = fresh()
    F.cross_entropy(model(images), labels).backward()
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.any() for p in model.parameters())


def test_the_whole_loop_is_plain_sgd():
    run = ll.run_lines(ll.without(None))
    model, opt, images, labels = fresh()
    for k in range(ll.STEPS):
        opt.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        assert run.losses[k] == pytest.approx(loss.item(), rel=1e-5)
        opt.step()
    assert run.grad_norms == pytest.approx(run.own_norms, rel=1e-5)
    assert run.moved == pytest.approx([0.1 * g for g in run.grad_norms], rel=1e-4)
    assert ll.verdict(run) == "learns" and run.losses[-1] < run.losses[0]


def test_without_zero_grad_grad_holds_the_sum_of_every_passs_gradient():
    run = ll.run_lines(ll.without("zero_grad"))
    model, opt, images, labels = fresh()
    total = None
    for k in range(ll.STEPS):
        own = own_gradient(model, images, labels)
        total = own if total is None else [t + g for t, g in zip(total, own, strict=True)]
        if k == 0:
            opt.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        for p, t in zip(model.parameters(), total, strict=True):
            torch.testing.assert_close(p.grad, t, rtol=1e-4, atol=1e-6)
        held = torch.cat([t.flatten() for t in total]).norm().item()
        assert run.grad_norms[k] == pytest.approx(held, rel=1e-4)
        opt.step()
    norms = run.grad_norms
    assert all(b > a for a, b in zip(norms[1:], norms[2:], strict=False))  # it keeps growing
    assert norms[-1] > 3 * run.own_norms[-1] and ll.verdict(run) == "accumulates"


@pytest.mark.parametrize("line", ["backward", "step"])
def test_without_backward_or_step_no_weight_moves_after_pass_1(line):
    run = ll.run_lines(ll.without(line))
    model, opt, images, labels = fresh()
    opt.zero_grad()
    F.cross_entropy(model(images), labels).backward()
    opt.step()
    after_one = params(model).clone()
    for _ in range(ll.STEPS - 1):
        opt.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        if line == "step":
            loss.backward()
        else:
            opt.step()  # every .grad is None: torch skips each parameter
        assert torch.equal(params(model), after_one)
    assert run.moved[0] > 0 and run.moved[1:] == [0.0] * (ll.STEPS - 1)
    assert len(set(run.losses[1:])) == 1 and run.losses[1] == pytest.approx(loss.item(), rel=1e-6)
    if line == "backward":
        assert run.grad_norms[1:] == [None] * (ll.STEPS - 1) and ll.verdict(run) == "no_grad"
    else:
        assert all(g > 0 for g in run.grad_norms) and ll.verdict(run) == "no_step"


@pytest.mark.parametrize("line", ["forward", "loss"])
def test_without_the_forward_or_the_loss_backward_meets_a_freed_graph(line):
    run = ll.run_lines(ll.without(line))
    model, opt, images, labels = fresh()
    output = model(images)
    loss = F.cross_entropy(output, labels)
    loss.backward()
    opt.step()
    opt.zero_grad()
    with pytest.raises(RuntimeError) as caught:
        (F.cross_entropy(output, labels) if line == "forward" else loss).backward()
    assert run.error == str(caught.value) and run.error_step == 2 and len(run.losses) == 1
    assert ll.short_error(run.error) == "Trying to backward through the graph a second time"
    assert ll.verdict(run) == "error"


def test_zero_grad_between_backward_and_step_changes_nothing():
    order = ("forward", "loss", "backward", "zero_grad", "step")
    run = ll.run_lines(order, first=order)
    assert run.moved == [0.0] * ll.STEPS and run.grad_norms == [None] * ll.STEPS
    assert len(set(run.losses)) == 1


def test_the_frames_show_the_graph_as_each_line_left_it():
    data = ll.recording()
    assert ll.frame_of("zero_grad", data) is None and ll.frame_of("step", data) is None
    names = {n["id"]: n["name"] for n in data["graph"]["nodes"]}
    forward = highlight(data, ll.frame_of("forward", data))
    loss = highlight(data, ll.frame_of("loss", data))
    assert not any("Nll" in names[n] for n in forward.shown)  # no loss yet after the forward
    assert any("Nll" in names[n] for n in loss.shown) and forward.shown < loss.shown
    final = highlight(data, ll.frame_of("backward", data))
    holding = {names[n] for n, role in final.roles.items() if role == "active"}
    model = fresh()[0]
    assert {n for n, _ in model.named_parameters()} <= holding  # every parameter holds .grad


def test_the_answers_are_torchs_computed_another_way():
    item = lesson("loop")
    # Predict: without backward, zero_grad leaves None and step() skips: nothing moves.
    model, opt, images, labels = fresh()
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    before = params(model).clone()
    F.cross_entropy(model(images), labels)
    opt.step()
    assert torch.equal(params(model), before) and item.predict.answer() == "0"
    answers = {q.id: q for q in item.questions}
    F.cross_entropy(model(images), labels).backward()
    opt.zero_grad()
    assert model[6].bias.grad is None and answers["zeroed"].answer() == "None"
    model = fresh()[0]
    first_loss = F.cross_entropy(model(images), labels).item()
    assert abs(first_loss - math.log(10)) < 0.1  # why:loss1: near ln 10
    assert grade(answers["loss1"], f"{first_loss:.4f}").ok and not grade(answers["loss1"], "2.3").ok
    assert answers["order"].answer() == "False"


def test_bad_settings_are_refused_with_the_reason():
    for bad in (0, 4, 1.5, "2"):
        with pytest.raises(ValueError, match="must be a whole number"):
            ll.walk(bad)
    with pytest.raises(ValueError, match="no line"):
        ll.without("zero_grads")


def test_saw_quotes_the_pass_and_the_run():
    shots, run = ll.walk(2), ll.run_lines(ll.without("zero_grad"))
    numbers = ll.saw(shots, run)
    assert numbers["iteration"] == "2" and numbers["zeroed"] == "None"
    assert numbers["loss"] == ll.number(shots[2].loss) and numbers["lr"] == "0.1"
    assert numbers["left_out"] == "optimizer.zero_grad()" and numbers["error"] == "None"
    assert numbers["norms"] == "[" + ", ".join(ll.number(v) for v in run.grad_norms) + "]"
    assert float(numbers["moved"]) == pytest.approx(0.1 * float(numbers["grad_norm"]), rel=2e-3)
    assert ll.saw(shots, ll.run_lines(ll.without(None)))["left_out"] == "None"
