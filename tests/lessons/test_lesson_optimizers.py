"""Lesson 11, optimizers: every step of every race against the update rules written out here by
hand (and the gradient against its derivative by hand), the race against torch.optim run here,
the formulas' numbers against torch's, the answers and the prose's claims against torch."""

from __future__ import annotations

import math

import pytest
import torch

from graphlab.lessons import lesson
from graphlab.lessons import lesson_optimizers as lo
from graphlab.lessons import optimizer_race as ro
from graphlab.lessons import optimizer_steps as rules
from graphlab.lessons.checks import grade
from graphlab.lessons.prose import load

GRADIENTS = {  # each surface's derivative, by hand
    "bowl": lambda x, y: (x, 20 * y),
    "rosenbrock": lambda x, y: (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)),
    "saddle": lambda x, y: (x, y * (y * y - 1)),
}


def close(a, b, rel=2e-5, abs_=1e-6) -> bool:
    return all(math.isclose(u, v, rel_tol=rel, abs_tol=abs_) for u, v in zip(a, b, strict=True))


def by_hand(name: str, hyper: dict, t: int, theta, g, state: dict) -> tuple[tuple, dict]:
    """One update of optimizer `name`, in plain Python floats: (new theta, new state)."""
    lr, new = hyper["lr"], {}
    if name == "sgd":
        direction = g
    elif name == "momentum":
        old = state.get("momentum_buffer", (0.0, 0.0))
        new["momentum_buffer"] = direction = tuple(
            hyper["momentum"] * b + gi for b, gi in zip(old, g, strict=True))  # fmt: skip
    elif name == "rmsprop":
        a, old = hyper["alpha"], state.get("square_avg", (0.0, 0.0))
        v = new["square_avg"] = tuple(
            a * s + (1 - a) * gi * gi for s, gi in zip(old, g, strict=True)
        )
        direction = tuple(gi / (math.sqrt(vi) + hyper["eps"]) for gi, vi in zip(g, v, strict=True))
    else:
        b1, b2 = hyper["beta1"], hyper["beta2"]
        m = tuple(
            b1 * s + (1 - b1) * gi for s, gi in zip(state.get("exp_avg", (0, 0)), g, strict=True)
        )
        v = tuple(b2 * s + (1 - b2) * gi * gi
                  for s, gi in zip(state.get("exp_avg_sq", (0, 0)), g, strict=True))  # fmt: skip
        new["exp_avg"], new["exp_avg_sq"] = m, v
        direction = tuple((mi / (1 - b1**t)) / (math.sqrt(vi / (1 - b2**t)) + hyper["eps"])
                          for mi, vi in zip(m, v, strict=True))  # fmt: skip
    return tuple(p - lr * d for p, d in zip(theta, direction, strict=True)), new


def torch_race(surface: str, name: str, lr: float, steps: int = ro.STEPS, start=None,
               momentum=0.9, betas=(0.9, 0.999), scale: float = 1.0) -> list[tuple]:  # fmt: skip
    """The same race run here with torch.optim: (x, y, loss) at each position, start first."""
    where = ro.SURFACES[surface]
    p = torch.tensor(start or where.start, requires_grad=True)
    opt = {"sgd": lambda: torch.optim.SGD([p], lr=lr),
           "momentum": lambda: torch.optim.SGD([p], lr=lr, momentum=momentum),
           "rmsprop": lambda: torch.optim.RMSprop([p], lr=lr),
           "adam": lambda: torch.optim.Adam([p], lr=lr, betas=betas)}[name]()  # fmt: skip
    out = []
    for k in range(steps + 1):
        opt.zero_grad()
        loss = scale * where.fn(p[0], p[1])
        out.append((*p.tolist(), loss.item()))
        if k == steps or not math.isfinite(out[-1][-1]):
            return out
        loss.backward()
        opt.step()
    return out


@pytest.mark.parametrize("surface", list(ro.SURFACES))
@pytest.mark.parametrize("name", ro.OPTIMIZERS)
def test_each_step_is_the_hand_formula_and_the_gradient_its_derivative(surface, name):
    run = ro.race(surface)[name]
    slack = 1e-3 if surface == "rosenbrock" else 1e-6
    assert len(run.grads) == len(run.states) == ro.STEPS and run.blew_up is None
    for t in range(1, ro.STEPS + 1):
        theta, g = run.points[t - 1], run.grads[t - 1]
        # float32 cancels digits in Rosenbrock's y - x**2, which 400 x then multiplies
        assert close(g, GRADIENTS[surface](*theta), rel=1e-4, abs_=slack), (t, g)
        state = run.states[t - 2] if t >= 2 else {}
        want, new_state = by_hand(name, run.hyper, t, theta, g, state)
        assert close(run.points[t], want, abs_=1e-6), (t, run.points[t], want)
        for key, value in new_state.items():
            assert close(run.states[t - 1][key], value, abs_=1e-9), (t, key)


@pytest.mark.parametrize("surface", list(ro.SURFACES))
def test_the_race_is_torch_optims_own(surface):
    runs = ro.race(surface)
    for name, run in runs.items():
        want = torch_race(surface, name, ro.SURFACES[surface].lrs[name])
        assert [(*p, v) for p, v in zip(run.points, run.losses, strict=True)] == want


def test_a_whole_path_by_hand_in_float64_follows_torch():
    runs = ro.race("bowl", steps=30)
    for name, run in runs.items():
        theta, state = ro.SURFACES["bowl"].start, {}
        for t in range(1, 31):
            g = GRADIENTS["bowl"](*theta)
            theta, new = by_hand(name, run.hyper, t, theta, g, state)
            state |= new
            assert close(run.points[t], theta, rel=1e-4, abs_=1e-5), (name, t)


def test_the_settings_are_torchs_param_group():
    runs = ro.race("saddle", lrs={"adam": 0.02}, momentum=0.5, betas=(0.8, 0.99), steps=2)
    assert runs["adam"].hyper == {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-8}
    assert runs["momentum"].hyper == {"lr": 0.05, "momentum": 0.5}
    assert runs["rmsprop"].hyper == {"lr": 0.05, "alpha": 0.99, "eps": 1e-8}
    assert runs["sgd"].hyper == {"lr": 0.05} and runs["sgd"].states == [{}, {}]
    assert rules.settings_tex(runs["adam"]) == (
        r"\eta = 0.02,\quad \beta_1 = 0.8,\quad \beta_2 = 0.99,\quad \epsilon = 1\times 10^{-8}"
    )


def test_momentum_zero_keeps_no_buffer_and_is_sgd():
    runs = ro.race("bowl", lrs={"momentum": 0.05}, momentum=0.0, steps=5)
    assert runs["momentum"].points == runs["sgd"].points and runs["momentum"].states[0] == {}
    assert rules.step_terms(runs["momentum"], 3)["direction"] == runs["sgd"].grads[2]


@pytest.mark.parametrize("name", ro.OPTIMIZERS)
def test_the_formula_shows_torchs_numbers(name):
    run = ro.race("rosenbrock", steps=5)[name]
    for t in (1, 2, 5):
        terms = rules.step_terms(run, t)
        assert terms["before"] == run.points[t - 1] and terms["after"] == run.points[t]
        assert terms["grad"] == run.grads[t - 1]
        moved = tuple(
            b - run.hyper["lr"] * d
            for b, d in zip(terms["before"], terms["direction"], strict=True)
        )
        assert close(moved, terms["after"], abs_=1e-6)
        lines = rules.step_tex(run, t)
        shown = " ".join(lines)
        for value in (*terms["grad"], *terms["after"], *terms["before"], run.hyper["lr"]):
            assert rules.tex(value) in shown
        for key, value in run.states[t - 1].items():  # torch's own state, as it holds it
            assert all(rules.tex(v) in shown for v in value), key
        assert lines[-1].startswith(rf"\theta_{{{t}}} = ") and lines[0].startswith(f"g_{{{t}}}")
    with pytest.raises(ValueError):
        rules.step_terms(run, 6)


def test_adams_formula_names_the_bias_corrections():
    run = ro.race("bowl", steps=3)["adam"]
    terms = rules.step_terms(run, 3)
    m, v = run.states[2]["exp_avg"], run.states[2]["exp_avg_sq"]
    assert close(terms["m_hat"], [x / (1 - 0.9**3) for x in m])
    assert close(terms["v_hat"], [x / (1 - 0.999**3) for x in v])
    assert r"1 - 0.9^{3}" in rules.step_tex(run, 3)[3]


def test_tex_writes_numbers_as_latex():
    assert [rules.tex(v) for v in (0.05, 1e-8, -2.5e-12, math.inf, math.nan, 30.0)] == [
        "0.05",
        r"1\times 10^{-8}",
        r"-2.5\times 10^{-12}",
        r"\infty",
        r"\mathrm{nan}",
        "30",
    ]


def test_a_run_that_blows_up_stops_at_its_first_nonfinite_loss():
    run = ro.race("bowl", lrs={"sgd": 0.2})["sgd"]
    want = torch_race("bowl", "sgd", 0.2)
    assert run.blew_up == len(want) - 1 < ro.STEPS and not math.isfinite(run.losses[-1])
    assert all(math.isfinite(v) for v in run.losses[:-1]) and run.loss(ro.STEPS) == run.losses[-1]
    assert len(run.grads) == run.blew_up and run.at(ro.STEPS) == run.blew_up


@pytest.mark.parametrize(
    "kwargs",
    [{"surface": "moon"}, {"surface": "bowl", "lrs": {"sgd": 0.0}},
     {"surface": "bowl", "lrs": {"sgd": 2.0}}, {"surface": "bowl", "lrs": {"lbfgs": 0.1}},
     {"surface": "bowl", "lrs": {"adam": math.nan}}, {"surface": "bowl", "momentum": 1.0},
     {"surface": "bowl", "betas": (0.9, 1.0)}, {"surface": "bowl", "betas": (-0.1, 0.9)},
     {"surface": "bowl", "steps": 0}, {"surface": "bowl", "steps": ro.MAX_STEPS + 1},
     {"surface": "bowl", "start": (9.0, 0.0)}, {"surface": "bowl", "start": (0.0, math.inf)}],
)  # fmt: skip
def test_bad_settings_are_refused_with_the_reason(kwargs):
    with pytest.raises(ValueError, match="must be|no surface") as err:
        ro.race(**kwargs)
    assert str(err.value.args[0])


@pytest.mark.parametrize(
    "text", ["1", "1, 2, 3", "a, b", "1; 2", "9, 0", "0, nan", "1," + "0" * 50]
)
def test_a_start_that_is_not_on_the_grid_is_refused(text):
    with pytest.raises(ValueError):
        ro.parse_start(text, "bowl")


def test_a_start_is_two_numbers_on_the_grid():
    assert ro.parse_start("-4.5, 1.5", "bowl") == (-4.5, 1.5) == ro.SURFACES["bowl"].start
    assert ro.parse_start("2,1e-3", "saddle") == (2.0, 0.001)


@pytest.mark.parametrize("surface", list(ro.SURFACES))
def test_the_grid_is_the_loss_at_each_point(surface):
    xs, ys, losses = ro.grid(surface, n=11)
    where = ro.SURFACES[surface]
    assert (xs[0], xs[-1], ys[0], ys[-1]) == (*where.x_range, *where.y_range)
    for i, j in [(0, 0), (3, 7), (10, 10), (5, 2)]:
        want = where.fn(torch.tensor(xs[i]), torch.tensor(ys[j])).item()
        assert losses[i][j] == pytest.approx(want, rel=1e-5, abs=1e-6)
    assert min(min(row) for row in ro.grid(surface)[2]) > 0  # the heat map's log colour
    for x, y in where.minima:  # the crosses are the minima: zero gradient, zero loss
        assert GRADIENTS[surface](x, y) == (0, 0) or close(GRADIENTS[surface](x, y), (0, 0))
        assert where.fn(torch.tensor(x), torch.tensor(y)).item() == 0


def test_play_advances_a_frame_at_a_time_and_stops_at_the_end():
    assert ro.next_frame(0, 200) == (ro.FRAME, True)
    assert ro.next_frame(195, 200) == (199, True) and ro.next_frame(197, 200) == (200, False)
    assert ro.next_frame(10, 200, stride=1) == (11, True)
    assert ro.play_from(200, 200) == 0 and ro.play_from(37, 200) == 37
    step, playing, frames = ro.play_from(200, 200), True, 0
    while playing:
        step, playing = ro.next_frame(step, 200)
        frames += 1
    assert step == 200 and frames == math.ceil(200 / ro.FRAME)


def test_the_answers_are_torchs_computed_here():
    item = lesson("optimizers")
    saddle = {n: torch_race("saddle", n, 0.05, steps=100)[-1][-1] for n in ro.OPTIMIZERS}
    assert item.predict.answer() == ro.LABELS[max(saddle, key=saddle.get)] == "SGD"
    answers = {q.id: q for q in item.questions}
    firsts = {n: next((k for k, (*_, v) in enumerate(torch_race("bowl", n, lr)) if v < 0.01), 999)
              for n, lr in ro.SURFACES["bowl"].lrs.items()}  # fmt: skip
    assert answers["first"].answer() == ro.LABELS[min(firsts, key=firsts.get)]
    assert sorted(firsts.values())[1] - min(firsts.values()) >= 10  # a clear winner, not a tie
    scaled = torch_race("bowl", "adam", 0.1, steps=1, scale=lo.SCALED)
    dx = abs(scaled[1][0] - scaled[0][0])
    assert dx == pytest.approx(0.1, rel=1e-5) and answers["scale"].answer() == "0.1"
    assert lo.first_step("adam", 0.1, lo.SCALED) == pytest.approx(lo.first_step("adam", 0.1))
    b = sum(0.9**k for k in range(100))  # the buffer after 100 steps of gradient 1
    assert float(answers["momentum"].answer()) == pytest.approx(0.01 * b, rel=1e-4)
    assert grade(answers["momentum"], "0.1").ok and not grade(answers["momentum"], "0.01").ok


def test_first_steps_are_lr_for_adam_and_ten_lr_for_rmsprop():
    g = GRADIENTS["bowl"](*ro.SURFACES["bowl"].start)
    assert lo.first_step("sgd", 0.05) == pytest.approx([0.05 * abs(gi) for gi in g], rel=1e-5)
    assert lo.first_step("adam", 0.2) == pytest.approx((0.2, 0.2), rel=1e-5)
    assert lo.first_step("rmsprop", 0.01) == pytest.approx((0.1, 0.1), rel=1e-5)


def test_what_the_prose_says_holds():
    bowl = ro.SURFACES["bowl"]
    runs = ro.race("bowl", lrs={"sgd": 0.1})  # try this: y flips for ever at lr = 2 / 20
    assert all(abs(abs(y) - 1.5) < 1e-5 for _, y in runs["sgd"].points)
    assert ro.race("bowl", lrs={"sgd": 0.2})["sgd"].blew_up is not None  # ... and diverges at 0.2
    g = GRADIENTS["bowl"](*bowl.start)
    assert 6.5 < abs(g[1] / g[0]) < 7  # "almost 7 times"
    same = ro.race("bowl", lrs=dict.fromkeys(ro.OPTIMIZERS, 0.05))  # one lr for all: Adam slower
    assert ro.first_below(same["adam"], 0.01) > 2 * ro.first_below(ro.race("bowl")["adam"], 0.01)
    runs = ro.race("bowl")  # why:first: momentum's x steps grow several times SGD's
    dx = {n: [abs(r.points[k + 1][0] - r.points[k][0]) for k in range(20)] for n, r in runs.items()}
    assert max(m / s for m, s in zip(dx["momentum"], dx["sgd"], strict=True)) > 4
    saddle = ro.race("saddle", steps=100)["sgd"]  # why:predict: SGD still on the ridge
    assert abs(saddle.points[-1][1]) < 0.5 and saddle.losses[-1] > 0.2
    text = load("en", "optimizers")
    lrs = bowl.lrs
    assert (f"SGD {lrs['sgd']:g}, SGD(momentum) {lrs['momentum']:g}" in text["check:first"]
            and f"Adam {lrs['adam']:g})" in text["check:first"])  # fmt: skip
    assert "`(2, 0.001)`" in text["predict"] and ro.SURFACES["saddle"].start == (2.0, 0.001)


def test_saw_quotes_the_race_at_the_step():
    runs = ro.race("bowl")
    numbers = lo.saw("bowl", runs, 50)
    want = {
        n: torch_race("bowl", n, lr, steps=50)[-1][-1] for n, lr in ro.SURFACES["bowl"].lrs.items()
    }
    for name, loss in want.items():
        assert numbers[f"loss_{name}"] == ro.number(loss)
    assert numbers["leader"] == ro.LABELS[min(want, key=want.get)]
    assert numbers["best"] == ro.number(min(want.values()))
    assert (numbers["first"], numbers["first_step"]) == ("SGD(momentum)", "36")
    assert numbers["moved_adam"] == "(0.2, 0.2)" and numbers["moved_rmsprop"] == "(0.5, 0.5)"
    assert numbers["grad"] == "(-4.5, 30)" and numbers["diverged"] == "—"
    assert lo.saw("bowl", ro.race("bowl", lrs={"sgd": 0.2}), 200)["diverged"] == "SGD"
