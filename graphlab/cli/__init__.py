"""The command line: ``python -m graphlab demo|model|train``."""

from .main import main

__all__ = ["main"]
