"""OS containment of worker processes: what a program that got past the sandbox could still do.

The sandbox refuses sockets, files, fork and `os.environ` to visitors' programs, so these tests
start the worker's own entry (`graphlab.worker.child.prepare`, the code every worker runs before
its first request) in a process of their own and then try those things directly. Nothing here is
reachable from a request. The pool's real workers are checked from outside, through /proc.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from graphlab.worker import PoolConfig, WorkerPool
from graphlab.worker.contain import Containment, child_env, make_workdir, remove_workdir

SECRET = "GRAPHLAB_TEST_SECRET"
ROOT = os.geteuid() == 0

# What an escaped program would try, after the worker has contained itself.
PROBE = """
import encodings.idna, errno, json, os, socket, sys  # loaded while still readable
from graphlab.worker.child import parse, prepare
from graphlab.worker.contain import cut_network
network_cut = cut_network()
ready = prepare(parse(sys.argv[2:]), network_cut)
out = {"ready": ready, "uid": os.getuid(), "cwd": os.getcwd(), "env": dict(os.environ)}
def attempt(name, action):
    try:
        out[name] = action()
    except OSError as err:
        out[name] = "refused: " + errno.errorcode.get(err.errno, str(err.errno))
attempt("connect", lambda: socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2) and "ok")
attempt("big_file", lambda: open("big", "wb").write(b"0" * (8 << 20)))
attempt("small_file", lambda: open("small", "wb").write(b"0" * 1000))
def fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return "ok"
attempt("fork", fork)
attempt("files", lambda: len([open("/dev/null") for _ in range(200)]))
attempt("parent_env", lambda: open(f"/proc/{os.getppid()}/environ", "rb").read().decode())
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def probed() -> Iterator[dict]:
    """The probe's findings, run with the server's secret in the test's own environment."""
    listener = socket.create_server(("127.0.0.1", 0))
    os.environ[SECRET] = "hunter2"
    workdir = make_workdir()
    try:
        port = str(listener.getsockname()[1])
        command = [sys.executable, "-c", PROBE, port, *Containment().argv()]
        done = subprocess.run(command, env=child_env(workdir), cwd=workdir, capture_output=True,
                              text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        yield json.loads(done.stdout.splitlines()[-1])
    finally:
        del os.environ[SECRET]
        listener.close()
        remove_workdir(workdir)


def test_the_worker_cannot_reach_the_network(probed: dict) -> None:
    assert probed["ready"]["network"] is False
    assert probed["connect"] == "refused: ENETUNREACH"  # the port was listening all along


def test_the_worker_cannot_write_a_large_file(probed: dict) -> None:
    assert probed["big_file"] == "refused: EFBIG"
    assert probed["small_file"] == 1000  # in its own fresh directory, small files are fine
    assert os.path.basename(probed["cwd"]).startswith("graphlab-worker-")


def test_the_worker_cannot_start_processes_or_open_many_files(probed: dict) -> None:
    assert probed["fork"] == "refused: EAGAIN"
    assert probed["files"] == "refused: EMFILE"


def test_the_worker_sees_none_of_the_servers_environment(probed: dict) -> None:
    assert SECRET not in probed["env"]
    extra = {name for name in probed["env"] if name not in child_env("/x")}
    assert extra <= {"TORCHINDUCTOR_CACHE_DIR"}  # torch sets that one itself
    assert probed["env"]["OMP_NUM_THREADS"] == "1"
    # Nor the server's own, through /proc: that file belongs to another user now.
    assert probed["parent_env"] == "refused: EACCES" if ROOT else SECRET not in probed["parent_env"]


@pytest.mark.skipif(not ROOT, reason="dropping privileges needs a server started as root")
def test_a_root_server_runs_its_workers_as_nobody(probed: dict) -> None:
    assert probed["uid"] == probed["ready"]["uid"] == 65534


def test_the_pools_workers_are_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same limits on the pool's real workers, read from outside."""
    monkeypatch.setenv(SECRET, "hunter2")
    pool = WorkerPool(PoolConfig(workers=1, spare=1))
    try:
        assert pool.warm(1)
        worker = pool._idle[0][0]
        assert worker.ready["network"] is False
        with open(f"/proc/{worker.pid}/environ", "rb") as env:
            assert b"hunter2" not in env.read()
        with open(f"/proc/{worker.pid}/limits") as limits:
            table = {line[:26].strip(): line[26:].split() for line in limits.readlines()[1:]}
        assert table["Max processes"][:2] == ["0", "0"]
        assert table["Max open files"][:2] == ["64", "64"]
        assert table["Max file size"][:2] == [str(1 << 20)] * 2
        assert table["Max address space"][:2] == [str(2 * 2**30)] * 2
        assert table["Max cpu time"][1] == "600"
        with open(f"/proc/{worker.pid}/status") as status:
            uid = next(line.split()[1] for line in status if line.startswith("Uid:"))
        assert uid == ("65534" if ROOT else str(os.getuid()))
    finally:
        pool.close()
