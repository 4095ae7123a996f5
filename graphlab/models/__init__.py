"""Models from a validated spec (layers, built-in models) and the MNIST models of Live Training."""

from .builder import (
    BUILTINS,
    LAYER_TYPES,
    UNLIMITED,
    Budget,
    Builtin,
    Plan,
    SpecError,
    build,
    graph,
    plan,
    spec_of,
)
from .mnist import MODELS, Standardize, build_model

__all__ = [
    "BUILTINS", "LAYER_TYPES", "MODELS", "UNLIMITED", "Budget", "Builtin", "Plan", "SpecError",
    "Standardize", "build", "build_model", "graph", "plan", "spec_of",
]  # fmt: skip
