"""The course: lessons in order, each a fixed walk through the same stages.

Every lesson goes Why -> Predict -> Play -> What you saw -> Check -> Plain PyTorch, then on to
the next. A lesson is data: its slug (the `?lesson=` of its address), the widget its Play stage
shows (a name the app's lesson page knows), its prediction and its questions (answers computed
by torch, `graphlab.lessons.checks`); its words are markdown per language
(`graphlab.lessons.prose`).

>>> [lesson.slug for lesson in LESSONS]  # doctest: +NORMALIZE_WHITESPACE
['tensors', 'graph', 'chainrule', 'accumulate', 'nograd', 'descent', 'dynamic', 'module',
 'activations', 'losses', 'optimizers', 'loop', 'data', 'saving', 'devices', 'cnn', 'ddp']
>>> STAGES[lesson("graph").stage_index("check")]
'check'
"""

from __future__ import annotations

from dataclasses import dataclass

from . import (
    lesson_accumulate,
    lesson_activations,
    lesson_chainrule,
    lesson_cnn,
    lesson_data,
    lesson_ddp,
    lesson_descent,
    lesson_devices,
    lesson_dynamic,
    lesson_graph,
    lesson_loop,
    lesson_losses,
    lesson_module,
    lesson_nograd,
    lesson_optimizers,
    lesson_saving,
    lesson_tensors,
)
from .checks import Question

__all__ = ["LESSONS", "STAGES", "Lesson", "lesson"]

STAGES = ("why", "predict", "play", "saw", "check", "code")


@dataclass(frozen=True)
class Lesson:
    slug: str
    widget: str  # which live widget the Play stage shows
    predict: Question
    questions: tuple[Question, ...]

    def stage_index(self, stage: str) -> int:
        return STAGES.index(stage)

    def question(self, qid: str) -> Question:
        if qid == self.predict.id:
            return self.predict
        return next(q for q in self.questions if q.id == qid)


LESSONS = (
    Lesson("tensors", "broadcast", lesson_tensors.PREDICT, lesson_tensors.QUESTIONS),
    Lesson("graph", "sandbox_graph", lesson_graph.PREDICT, lesson_graph.QUESTIONS),
    Lesson("chainrule", "chain_rule", lesson_chainrule.PREDICT, lesson_chainrule.QUESTIONS),
    Lesson("accumulate", "accumulate", lesson_accumulate.PREDICT, lesson_accumulate.QUESTIONS),
    Lesson("nograd", "nograd", lesson_nograd.PREDICT, lesson_nograd.QUESTIONS),
    Lesson("descent", "descent", lesson_descent.PREDICT, lesson_descent.QUESTIONS),
    Lesson("dynamic", "dynamic", lesson_dynamic.PREDICT, lesson_dynamic.QUESTIONS),
    Lesson("module", "module_table", lesson_module.PREDICT, lesson_module.QUESTIONS),
    Lesson("activations", "activations", lesson_activations.PREDICT, lesson_activations.QUESTIONS),
    Lesson("losses", "losses", lesson_losses.PREDICT, lesson_losses.QUESTIONS),
    Lesson("optimizers", "optimizers", lesson_optimizers.PREDICT, lesson_optimizers.QUESTIONS),
    Lesson("loop", "loop", lesson_loop.PREDICT, lesson_loop.QUESTIONS),
    Lesson("data", "data", lesson_data.PREDICT, lesson_data.QUESTIONS),
    Lesson("saving", "saving", lesson_saving.PREDICT, lesson_saving.QUESTIONS),
    Lesson("devices", "devices", lesson_devices.PREDICT, lesson_devices.QUESTIONS),
    Lesson("cnn", "cnn", lesson_cnn.PREDICT, lesson_cnn.QUESTIONS),
    Lesson("ddp", "ddp", lesson_ddp.PREDICT, lesson_ddp.QUESTIONS),
)


def lesson(slug: str) -> Lesson:
    """The lesson called `slug`; KeyError naming the lessons there are."""
    for item in LESSONS:
        if item.slug == slug:
            return item
    raise KeyError(f"no lesson {slug!r}; there are {', '.join(x.slug for x in LESSONS)}")
