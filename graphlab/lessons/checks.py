"""A lesson's questions: the options a learner picks from and the answer torch computes.

The expected answer is never typed in: each question's `answer` runs torch when the page asks,
so the course stays right on the torch it runs on. Options are code-like text (shapes, dtypes,
`True`), the same in every language; the prompt and the explanation of a wrong answer are prose
(see `graphlab.lessons.prose`), filled with `$expected` and `$given`.

>>> q = Question("sum", ("2", "3", "4"), lambda: str(1 + 2))
>>> grade(q, "3").ok, grade(q, "2").ok, grade(q, "2").expected
(True, False, '3')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Grade", "Question", "grade"]


@dataclass(frozen=True)
class Question:
    """`options` to choose from (empty: a number is typed), and `answer`, computed on demand.
    A numeric answer is right within `tolerance` (relative, or absolute near zero)."""

    id: str
    options: tuple[str, ...]
    answer: Callable[[], str]
    tolerance: float = 1e-4

    @property
    def numeric(self) -> bool:
        return not self.options


@dataclass(frozen=True)
class Grade:
    ok: bool
    expected: str
    given: str


def grade(question: Question, given: object) -> Grade:
    """Whether `given` (an option, or a number for a numeric question) is torch's answer."""
    expected = question.answer()
    text = "" if given is None else str(given).strip()
    if not question.numeric:
        return Grade(text == expected, expected, text)
    try:
        value, want = float(text), float(expected)
    except ValueError:
        return Grade(False, expected, text)
    close = math.isclose(value, want, rel_tol=question.tolerance, abs_tol=question.tolerance)
    return Grade(close, expected, text)
