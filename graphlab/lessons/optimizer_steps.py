r"""Each optimizer's update rule as LaTeX, and the same rule with the numbers of one step of a race:
the gradient autograd gave, the optimizer's state before and after (torch's `momentum_buffer`,
`square_avg`, `exp_avg`, `exp_avg_sq`), the parameters before and after (torch's), and between
them the terms the rule names (bias corrections, the direction `lr` multiplies), computed here in
float32 like torch. A vector (x, y) is a column.

>>> from graphlab.lessons.optimizer_race import race
>>> run = race("bowl", steps=1)["adam"]
>>> step_terms(run, 1)["direction"]  # Adam's first step: g / |g|, whatever the gradient's size
(-1.0, 1.0)
>>> print(step_tex(run, 1)[-1])
\theta_{1} = \begin{pmatrix}-4.5\\ 1.5\end{pmatrix} - 0.2 \cdot \begin{pmatrix}-1\\ 1\end{pmatrix} = \begin{pmatrix}-4.3\\ 1.3\end{pmatrix}
"""

from __future__ import annotations

import torch

from .optimizer_race import Run, number

__all__ = ["GRADIENT", "RULES", "settings_tex", "step_terms", "step_tex", "tex"]

GRADIENT = r"g_t = \nabla f(\theta_{t-1})"  # autograd's part, the same for all four
RULES = {
    "sgd": (r"\theta_t = \theta_{t-1} - \eta\, g_t",),
    "momentum": (r"b_t = \mu\, b_{t-1} + g_t,\quad b_0 = 0",
                 r"\theta_t = \theta_{t-1} - \eta\, b_t"),
    "rmsprop": (r"v_t = \alpha\, v_{t-1} + (1 - \alpha)\, g_t^2,\quad v_0 = 0",
                r"\theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{v_t} + \epsilon}"),
    "adam": (r"m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t,\quad m_0 = 0",
             r"v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2,\quad v_0 = 0",
             r"\hat m_t = \frac{m_t}{1 - \beta_1^t},\quad \hat v_t = \frac{v_t}{1 - \beta_2^t}",
             r"\theta_t = \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}"),
}  # fmt: skip
_SYMBOLS = {"lr": r"\eta", "momentum": r"\mu", "alpha": r"\alpha", "beta1": r"\beta_1",
            "beta2": r"\beta_2", "eps": r"\epsilon"}  # fmt: skip
_STATE = {"momentum_buffer": "b", "square_avg": "v", "exp_avg": "m", "exp_avg_sq": "v"}


def tex(value: float) -> str:
    r"""A number in LaTeX, four significant digits: `1e-08` as `1\times 10^{-8}`."""
    text = number(value)
    if text in ("nan", "inf", "-inf"):
        return {"nan": r"\mathrm{nan}", "inf": r"\infty", "-inf": r"-\infty"}[text]
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa}\times 10^{{{int(exponent)}}}"
    return text


def _vec(pair) -> str:
    return rf"\begin{{pmatrix}}{tex(pair[0])}\\ {tex(pair[1])}\end{{pmatrix}}"


def settings_tex(run: Run) -> str:
    """The settings the rule names, as torch's param group holds them."""
    return r",\quad ".join(f"{_SYMBOLS[k]} = {tex(v)}" for k, v in run.hyper.items())


def _before(run: Run, t: int, key: str) -> tuple[float, float]:
    """The state `key` before step t: torch starts every buffer at zeros."""
    return run.states[t - 2][key] if t >= 2 else (0.0, 0.0)


def step_terms(run: Run, t: int) -> dict[str, tuple[float, float]]:
    """Step `t` (1 = the first update) of `run`: the pairs its rule names. `direction` is what
    `lr` multiplies; for Adam also `m_hat` and `v_hat`, the bias-corrected averages."""
    if not 1 <= t <= len(run.grads):
        raise ValueError(f"step {t} is not one of the run's {len(run.grads)} steps")
    h = run.hyper
    g = torch.tensor(run.grads[t - 1])
    terms = {"before": run.points[t - 1], "grad": run.grads[t - 1], "after": run.points[t]}
    for key, value in run.states[t - 1].items():
        terms[f"{key}_before"], terms[key] = _before(run, t, key), value
    if run.optimizer == "sgd":
        direction = g
    elif run.optimizer == "momentum":
        direction = torch.tensor(terms.get("momentum_buffer", run.grads[t - 1]))  # none: mu = 0
    elif run.optimizer == "rmsprop":
        direction = g / (torch.tensor(terms["square_avg"]).sqrt() + h["eps"])
    else:
        m_hat = torch.tensor(terms["exp_avg"]) / (1 - h["beta1"] ** t)
        v_hat = torch.tensor(terms["exp_avg_sq"]) / (1 - h["beta2"] ** t)
        terms["m_hat"], terms["v_hat"] = tuple(m_hat.tolist()), tuple(v_hat.tolist())
        direction = m_hat / (v_hat.sqrt() + h["eps"])
    terms["direction"] = tuple(direction.tolist())
    return terms


def step_tex(run: Run, t: int) -> list[str]:
    """The rule of `run`'s optimizer with step `t`'s numbers, one LaTeX line per equation."""
    n, h, terms = run.optimizer, run.hyper, step_terms(run, t)
    lines = [rf"g_{{{t}}} = \nabla f(\theta_{{{t - 1}}}) = {_vec(terms['grad'])}"]
    for key in run.states[t - 1]:
        name, old, new = _STATE[key], _vec(terms[f"{key}_before"]), _vec(terms[key])
        if key == "momentum_buffer":
            rhs = rf"{tex(h['momentum'])} \cdot {old} + {_vec(terms['grad'])}"
        else:
            decay = h["alpha"] if n == "rmsprop" else h["beta1" if key == "exp_avg" else "beta2"]
            square = "^2" if key != "exp_avg" else ""
            rhs = (
                rf"{tex(decay)} \cdot {old} + {tex(1 - decay)} \cdot {_vec(terms['grad'])}{square}"
            )
        lines.append(rf"{name}_{{{t}}} = {rhs} = {new}")
    if n == "adam":
        lines.append(
            rf"\hat m_{{{t}}} = \frac{{{_vec(terms['exp_avg'])}}}{{1 - {tex(h['beta1'])}^{{{t}}}}}"
            rf" = {_vec(terms['m_hat'])},\quad \hat v_{{{t}}} = \frac{{{_vec(terms['exp_avg_sq'])}}}"
            rf"{{1 - {tex(h['beta2'])}^{{{t}}}}} = {_vec(terms['v_hat'])}"
        )
    lines.append(rf"\theta_{{{t}}} = {_vec(terms['before'])} - {tex(h['lr'])} \cdot "
                 rf"{_vec(terms['direction'])} = {_vec(terms['after'])}")  # fmt: skip
    return lines
