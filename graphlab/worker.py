"""Evaluate visitors' programs in a separate, pre-started process with a wall-clock limit.

The server never runs a visitor's program itself. :class:`SandboxWorker` keeps one child process
(``python -m graphlab.worker``) ready: torch single-threaded, its address space capped. Requests
and replies are JSON lines over pipes (never pickle). A program that runs past the time limit
gets its worker killed and replaced, and the reply says the program took too long; the server
keeps serving everyone else.

>>> with SandboxWorker(timeout=3.0) as worker:                       # doctest: +SKIP
...     reply = worker.run("x = torch.ones(2, requires_grad=True)\\ny = (x * x).sum()")
>>> reply["ok"], reply["tensors"]["y"]["value"]                     # doctest: +SKIP
(True, 2.0)
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import IO, Any

from .payload import build_payload, tensor_summary

__all__ = ["SandboxWorker", "build_payload", "main", "shared_worker", "tensor_summary"]

DEFAULT_TIMEOUT = 3.0
DEFAULT_MEMORY = 2 * 2**30  # bytes of address space for the child; torch itself needs ~0.7 GB
_START_TIMEOUT = 60.0  # importing torch in a fresh process can be slow on a busy machine


# -- the child -----------------------------------------------------------------------------------
def _handle(request: dict[str, Any], payload: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    from graphlab.sandbox import ExpressionError, Limits, evaluate

    known = {f.name for f in dataclasses.fields(Limits)}
    limits = Limits(**{k: v for k, v in (request.get("limits") or {}).items() if k in known})
    if request.get("gradcheck") is True:
        return _gradcheck(request.get("source"), limits)
    if request.get("record") is True:  # Step Through: forward and backward steps as data
        from graphlab.record_sources import record_reply

        return record_reply(request.get("source"), limits)
    try:
        evaluation = evaluate(request.get("source"), limits=limits)
    except ExpressionError as err:
        return {"ok": False, "error": err.to_dict()}
    try:
        return payload(evaluation)
    except Exception as err:  # the program ran; drawing it failed: say so, without a traceback
        message = f"the program ran, but its graph could not be built ({type(err).__name__})"
        return failure(message)


def _gradcheck(source: Any, limits: Any) -> dict[str, Any]:
    """``{"ok": True, "gradcheck": {...}}`` (see :func:`graphlab.gradcheck.check_gradients`)."""
    from graphlab.gradcheck import check_gradients
    from graphlab.sandbox import ExpressionError

    try:
        return {"ok": True, "gradcheck": check_gradients(source, limits)}
    except ExpressionError as err:
        return {"ok": False, "error": err.to_dict()}
    except Exception as err:  # a bug of ours must still not show a traceback to a visitor
        message = f"the gradient check could not run ({type(err).__name__})"
        return failure(message)


def serve(requests: IO[str], replies: IO[str], payload: Callable[[Any], dict[str, Any]]) -> None:
    """Answer one JSON line per request line until the input closes."""
    for line in requests:
        try:
            request = json.loads(line)
            reply = _handle(request if isinstance(request, dict) else {}, payload)
        except (ValueError, MemoryError) as err:
            reply = failure(str(err)[:200])
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def _load(spec: str) -> Callable[[Any], dict[str, Any]]:
    """``package.module:function`` (set by the server, never by a visitor) to the function."""
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the child process (``python -m graphlab.worker``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory", type=int, default=DEFAULT_MEMORY)
    parser.add_argument("--payload", default="graphlab.worker:build_payload")
    args = parser.parse_args(argv)
    # Replies go on a private copy of stdout; anything else printed goes to stderr instead.
    replies = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    import torch

    torch.set_num_threads(1)
    payload = _load(args.payload)
    from graphlab.sandbox import evaluate

    evaluate("x = torch.ones(2, 2, requires_grad=True)\ny = (x @ x)[x > 0].sum()")  # warm up
    if args.memory > 0:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (args.memory, args.memory))
    replies.write(json.dumps({"ready": True}) + "\n")
    replies.flush()
    serve(sys.stdin, replies, payload)


# -- the parent ----------------------------------------------------------------------------------
class SandboxWorker:
    """A pre-started worker process; :meth:`run` evaluates one program in it.

    Thread-safe: one lock serializes requests (Streamlit sessions share one module-level
    worker, see :func:`shared_worker`). A request past ``timeout`` seconds kills the process
    and starts a fresh one.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        memory: int = DEFAULT_MEMORY,
        payload: str = "graphlab.worker:build_payload",
    ) -> None:
        self.timeout = timeout
        self.memory = memory
        self.payload = payload
        self.restarts = 0
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._buffer = b""
        with self._lock:
            self._start()

    def run(
        self,
        source: str,
        limits: Any | None = None,
        *,
        gradcheck: bool = False,
        record: bool = False,
    ) -> dict[str, Any]:
        """Evaluate ``source`` in the worker; return its reply as plain data.

        ``{"ok": True, "tensors": {...}, "graph": {...}, "names": {...},
        "backward": "auto" | "program" | None}``, or
        ``{"ok": False, "error": {"message", "line", "col"}}`` (with ``"timeout": True`` when
        the program took too long). With ``gradcheck=True`` the program's gradients are checked
        against finite differences instead: ``{"ok": True, "gradcheck": {"passed", "inputs",
        "output", "mode", "message"}}`` (see :func:`graphlab.gradcheck.check_gradients`).
        With ``record=True`` the reply is a recording of its forward and backward steps (see
        :func:`graphlab.record_sources.record_reply`).
        """
        request: dict[str, Any] = {"source": source}
        if gradcheck:
            request["gradcheck"] = True
        if record:  # see graphlab.record_sources.record_reply
            request["record"] = True
        if limits is not None:
            request["limits"] = dataclasses.asdict(limits)
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            try:
                self._send(request)
                line = self._read_line(self.timeout)
            except TimeoutError:
                self._restart()
                return failure(f"the program took longer than {self.timeout:g} s", timeout=True)
            except (OSError, EOFError):
                self._restart()
                return failure("the program stopped the worker (out of memory?); try again")
        return json.loads(line)

    def close(self) -> None:
        """Stop the worker process."""
        with self._lock:
            self._stop()

    def __enter__(self) -> SandboxWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    # -- process handling (called with the lock held) -------------------------------------------
    def _start(self) -> None:
        command = [sys.executable, "-m", "graphlab.worker", "--memory", str(self.memory),
                   "--payload", self.payload]  # fmt: skip
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        self._proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        self._buffer = b""
        try:
            ready = json.loads(self._read_line(_START_TIMEOUT))
        except (TimeoutError, EOFError, OSError, ValueError):
            self._stop()
            raise RuntimeError("the sandbox worker process did not start") from None
        if not ready.get("ready"):
            self._stop()
            raise RuntimeError("the sandbox worker process did not start")

    def _restart(self) -> None:
        self._stop()
        self.restarts += 1
        self._start()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()

    def _send(self, request: dict[str, Any]) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(request).encode() + b"\n")
        self._proc.stdin.flush()

    def _read_line(self, timeout: float) -> str:
        """One line from the child, or TimeoutError after ``timeout`` seconds."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise TimeoutError
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    raise EOFError("the worker closed its output")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode()


def failure(message: str, *, timeout: bool = False) -> dict[str, Any]:
    reply: dict[str, Any] = {"ok": False, "error": {"message": message, "line": 0, "col": 0}}
    if timeout:
        reply["timeout"] = True
    return reply


_shared: SandboxWorker | None = None
_shared_lock = threading.Lock()


def shared_worker() -> SandboxWorker:
    """The process-wide worker the app's pages share (started on first use).

    A module-level singleton rather than ``st.cache_resource``: a visitor can clear that cache.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = SandboxWorker()
        return _shared


if __name__ == "__main__":
    main()
