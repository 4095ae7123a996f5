"""The content behind the pages: the course (LESSONS in order), the gallery, expression
examples, the Dynamic Graphs lesson."""

from .course import LESSONS, STAGES, Lesson, lesson
from .dynamic import Pair, StaticContrast, compare, program, static_contrast
from .expressions import DEFAULT, EXPRESSION_EXAMPLES, ExpressionExample
from .gallery import EXAMPLES, Example, HomeDemo, home_demo
from .recordings import MODELS, record_example, record_model

__all__ = [
    "DEFAULT", "EXAMPLES", "EXPRESSION_EXAMPLES", "LESSONS", "MODELS", "STAGES", "Example",
    "ExpressionExample", "HomeDemo", "Lesson", "Pair", "StaticContrast", "compare", "home_demo", "lesson", "program", "record_example",
    "record_model", "static_contrast",
]  # fmt: skip
