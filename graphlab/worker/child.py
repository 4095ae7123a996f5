"""The worker process itself (``python -m graphlab.worker``): answer JSON lines until stdin closes.

Started only by :mod:`graphlab.worker.process`. It leaves the network first, warms torch up
(single-threaded) with one request of each kind, and then contains itself
(:func:`graphlab.worker.contain.enter`) before any visitor's program can run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from typing import IO, Any

from .contain import Containment, cut_network, enter, request_cpu
from .protocol import failure

__all__ = ["main", "prepare", "serve"]

_WARM_UP = "x = torch.ones(2, 2, requires_grad=True)\ny = (x @ x)[x > 0].sum()"


def serve(requests: IO[str], replies: IO[str], limits: Containment | None = None) -> None:
    """Answer one JSON line per request line until the input closes (or the worker retires)."""
    from .handlers import handle

    for line in requests:
        fresh = request_cpu(limits) if limits is not None else True
        try:
            request = json.loads(line)
            reply = handle(request if isinstance(request, dict) else {})
        except (ValueError, MemoryError) as err:
            reply = failure(str(err)[:200])
        if not fresh:
            reply["retire"] = True  # the server starts another; this one has used its CPU
        replies.write(json.dumps(reply) + "\n")
        replies.flush()
        if not fresh:
            return


def prepare(limits: Containment, network_cut: bool) -> dict[str, Any]:
    """Warm torch up and contain this process; what the ready line says about it.

    Every kind runs once first, so what they import is loaded before the process loses its
    rights (a new thread or an unreadable file later would fail)."""
    import torch

    torch.set_num_threads(1)
    from .handlers import HANDLERS, handle

    for kind in HANDLERS:
        for source in _warm_ups().get(kind, [_WARM_UP]):
            handle({"kind": kind, "source": source})
    enter(limits)
    return {"ready": True, "network": not network_cut, "uid": os.geteuid()}


def _warm_ups() -> dict[str, list[Any]]:
    """Requests that take every path of the kinds whose source is not a program."""
    import torch

    from graphlab.train.checkpoint import FORMAT, to_bytes
    from graphlab.train.config import TrainConfig
    from graphlab.train.metrics import History
    from graphlab.train.progress import Progress

    from .checkpoints import checkpoint_request
    from .model_graph import model_request

    spec = {"input": [1, 4], "layers": [{"type": "linear", "out_features": 2}]}
    state = {"format": FORMAT, "config": TrainConfig(epochs=1).to_dict(), "model": {},
             "optimizer": {}, "history": History().to_dict(),
             "progress": Progress().to_dict(torch.Generator())}  # fmt: skip
    return {
        "model": [model_request(spec, "captured"), model_request(spec, "traced")],
        "checkpoint": [checkpoint_request("warm-up.pt", to_bytes(state))],
    }


def parse(argv: list[str] | None = None) -> Containment:
    """The limits given on the command line (see :meth:`Containment.argv`)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for field in dataclasses.fields(Containment):
        kind = str if field.name == "user" else int
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=kind, default=field.default)
    return Containment(**vars(parser.parse_args(argv)))


def main(argv: list[str] | None = None) -> None:
    """Entry point of the child process."""
    limits = parse(argv)
    network_cut = cut_network()  # first: before torch starts any thread
    # Replies go on a private copy of stdout; anything else printed goes to stderr instead.
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    replies.write(json.dumps(prepare(limits, network_cut)) + "\n")
    replies.flush()
    serve(sys.stdin, replies, limits)
