"""The sandbox worker: separate, contained processes run every visitor's program, under a time
limit, from one first-come-first-served pool (:mod:`graphlab.worker.pool`).

>>> sorted(KINDS)
['dynamic', 'evaluate', 'gradcheck', 'record']
"""

from .pool import PoolConfig, WorkerPool, shared_pool, shared_worker
from .process import SandboxWorker
from .protocol import KINDS, failure

__all__ = ["KINDS", "PoolConfig", "SandboxWorker", "WorkerPool", "failure", "shared_pool",
           "shared_worker"]  # fmt: skip
