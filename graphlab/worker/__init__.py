"""The sandbox worker: one separate process runs every visitor's program, under a time limit.

>>> sorted(KINDS)
['dynamic', 'evaluate', 'gradcheck', 'record']
"""

from .process import SandboxWorker, shared_worker
from .protocol import KINDS, failure

__all__ = ["KINDS", "SandboxWorker", "failure", "shared_worker"]
