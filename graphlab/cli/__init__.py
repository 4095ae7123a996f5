"""The command line: ``python -m graphlab demo|model|train``."""

from .commands import main

__all__ = ["main"]
