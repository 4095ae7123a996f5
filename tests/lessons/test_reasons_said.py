"""A learner's input that a lesson refuses is refused with a sentence the app can translate: the
ValueError carries a `Message` (English by `str()`, as before), its template a literal of the
lesson's source (so scripts/i18n.sh extracts it) and its values filled in any language."""

from __future__ import annotations

import inspect

import pytest

from graphlab.core.messages import Message
from graphlab.lessons import lesson_chainrule, lesson_descent, lesson_tensors


def _marked(template: str) -> str:
    return f"ZH[{template}]"  # a stand-in catalog: every template said in brackets


@pytest.mark.parametrize(
    ("module", "refuse", "english", "said"),
    [
        (lesson_tensors, lambda: lesson_tensors.parse_shape("3, a"),
         "'a' is not a size: use whole numbers like 3, 1",
         "ZH['a' is not a size: use whole numbers like 3, 1]"),
        (lesson_tensors, lambda: lesson_tensors.parse_shape("1, 2, 3, 4, 5, 6, 7"),
         "at most 6 dimensions of at most 10,000 each",
         "ZH[at most 6 dimensions of at most 10,000 each]"),
        (lesson_chainrule, lambda: lesson_chainrule.setting("1, x", "1, 2", "0", "tanh"),
         "'x' in W row 0 is not a number", "ZH['x' in ZH[W row 0] is not a number]"),
        (lesson_chainrule, lambda: lesson_chainrule.setting("1, 2", "1", "0", "tanh"),
         "x needs one number per column of W (2), not 1",
         "ZH[x needs one number per column of W (2), not 1]"),
        (lesson_descent, lambda: lesson_descent.descend(20.0, 10, 0.0, 0.0),
         "lr must be a number from 0 to 10, not 20.0",
         "ZH[lr must be a number from 0 to 10, not 20.0]"),
    ],
)  # fmt: skip
def test_a_refusal_is_a_message_said_in_the_learners_language(module, refuse, english, said):
    with pytest.raises(ValueError) as caught:
        refuse()
    (reason,) = caught.value.args
    assert isinstance(reason, Message) and str(caught.value) == english
    assert reason.render(_marked) == said
    assert f'"{reason.template}"' in inspect.getsource(module)
