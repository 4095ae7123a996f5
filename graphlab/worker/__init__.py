"""The sandbox worker: separate, contained processes run every visitor's program, under a time
limit, from one first-come-first-served pool (:mod:`graphlab.worker.pool`).

>>> sorted(KINDS)
['checkpoint', 'dynamic', 'evaluate', 'gradcheck', 'model', 'record']
"""

from .pool import PoolConfig, WorkerPool, shared_pool
from .process import SandboxWorker
from .protocol import KINDS, failure

__all__ = ["KINDS", "PoolConfig", "SandboxWorker", "WorkerPool", "failure", "shared_pool"]
