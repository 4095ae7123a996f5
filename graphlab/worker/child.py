"""The worker process itself (``python -m graphlab.worker``): answer JSON lines until stdin closes.

Started only by :class:`graphlab.worker.SandboxWorker`. torch runs single-threaded, a tiny
program warms the interpreter up, and then the address space is capped before any visitor's
program can run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import IO

from .protocol import DEFAULT_MEMORY, failure

__all__ = ["main", "serve"]


def serve(requests: IO[str], replies: IO[str]) -> None:
    """Answer one JSON line per request line until the input closes."""
    from .handlers import handle

    for line in requests:
        try:
            request = json.loads(line)
            reply = handle(request if isinstance(request, dict) else {})
        except (ValueError, MemoryError) as err:
            reply = failure(str(err)[:200])
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the child process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY)
    args = parser.parse_args(argv)
    # Replies go on a private copy of stdout; anything else printed goes to stderr instead.
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    import torch

    torch.set_num_threads(1)
    from .handlers import handle

    handle({"source": "x = torch.ones(2, 2, requires_grad=True)\ny = (x @ x)[x > 0].sum()"})
    if args.memory > 0:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (args.memory, args.memory))
    replies.write(json.dumps({"ready": True}) + "\n")
    replies.flush()
    serve(sys.stdin, replies)
