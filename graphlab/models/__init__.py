"""The registry of named models (specs), building a model from a spec, and editing a spec.

One name means one network everywhere: `BUILTINS` (graphlab.models.builtins) is the registry;
its `TRAINABLE` entries are the MNIST models Live Training builds with `build_model`.
"""

from . import edit
from .builder import (
    BUILTINS,
    LAYER_TYPES,
    UNLIMITED,
    Budget,
    Builtin,
    Plan,
    PlanFigures,
    SpecError,
    build,
    graph,
    plan,
    spec_of,
)
from .builtins import TRAINABLE
from .layers import Standardize
from .mnist import MODELS, build_model

__all__ = [
    "BUILTINS", "LAYER_TYPES", "MODELS", "TRAINABLE", "UNLIMITED", "Budget", "Builtin", "Plan",
    "PlanFigures", "SpecError", "Standardize", "build", "build_model", "edit", "graph", "plan",
    "spec_of",
]  # fmt: skip
