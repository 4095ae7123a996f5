"""OS-level containment of a worker process, with the standard library only (``resource``, ``os``).

The program sandbox (:mod:`graphlab.sandbox`) already refuses imports, files and attributes; this
is the second wall, for the day a program slips past the first. The server starts each worker
with :func:`child_env` (an empty environment, nothing of the server's) in a fresh directory from
:func:`make_workdir`; the worker itself calls :func:`cut_network` first thing and :func:`enter`
once torch is warm and before any visitor's program runs:

- no network: a new, empty network namespace (``unshare(CLONE_NEWNET)``; as root, or inside a new
  user namespace when the kernel lets unprivileged users make one); where neither is permitted the
  worker says so (:func:`cut_network` returns False) and the other limits still hold;
- resource limits: address space, CPU seconds, no new processes or threads, small files, few file
  descriptors;
- an unprivileged user (``nobody``) when started as root.

>>> sorted(child_env("/tmp/w"))[:4]
['HOME', 'LANG', 'MKL_NUM_THREADS', 'OMP_NUM_THREADS']
"""

from __future__ import annotations

import ctypes
import dataclasses
import os
import pwd
import resource
import shutil
import tempfile

from .protocol import DEFAULT_MEMORY

__all__ = ["Containment", "child_env", "cut_network", "enter", "make_workdir", "remove_workdir"]

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclasses.dataclass(frozen=True)
class Containment:
    """The limits one worker process runs under (see the module's docstring).

    ``cpu_seconds`` caps the worker's whole life (the kernel kills it there); each request also
    gets its own soft cap of ``request_cpu`` seconds more than it has used (:func:`request_cpu`).
    """

    memory: int = DEFAULT_MEMORY  # RLIMIT_AS, bytes; torch itself needs ~0.7 GB
    cpu_seconds: int = 600  # RLIMIT_CPU hard: the worker retires at half of it
    request_cpu: int = 10  # RLIMIT_CPU soft, above what the worker has used so far
    processes: int = 0  # RLIMIT_NPROC: no fork, no new threads
    file_size: int = 1 << 20  # RLIMIT_FSIZE, bytes
    files: int = 64  # RLIMIT_NOFILE
    user: str = "nobody"  # dropped to when started as root

    def argv(self) -> list[str]:
        """Command-line flags that give these limits to ``python -m graphlab.worker``."""
        flags: list[str] = []
        for field in dataclasses.fields(self):
            flags += [f"--{field.name.replace('_', '-')}", str(getattr(self, field.name))]
        return flags


def child_env(workdir: str) -> dict[str, str]:
    """The whole environment of a worker: nothing from the server's (its secrets stay there)."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONPATH": _ROOT,  # graphlab itself, also when it is not installed
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
    }


def make_workdir(user: str = "nobody") -> str:
    """A fresh, private working directory for one worker (owned by ``user`` when we are root)."""
    path = tempfile.mkdtemp(prefix="graphlab-worker-")
    if os.geteuid() == 0:
        uid, gid = _user_ids(user) or (0, 0)
        os.chown(path, uid, gid)
    return path


def remove_workdir(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


def cut_network() -> bool:
    """Move this process into a new network namespace with no interfaces up; True if it worked.

    Must run before any thread starts (a new user namespace needs a single-threaded process).
    """
    unshare = getattr(os, "unshare", None)  # Python 3.12+
    flags = [_CLONE_NEWNET] if os.geteuid() == 0 else [_CLONE_NEWUSER | _CLONE_NEWNET]
    for flag in flags:
        try:
            if unshare is not None:
                unshare(flag)
                return True
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.unshare(ctypes.c_int(flag)) == 0:
                return True
        except (OSError, AttributeError):
            pass
    return False


def enter(limits: Containment) -> None:
    """Apply the resource limits and drop root; from here on the process cannot get them back."""
    _limit(resource.RLIMIT_CPU, limits.request_cpu + _cpu_used(), limits.cpu_seconds)
    _limit(resource.RLIMIT_FSIZE, limits.file_size)
    _limit(resource.RLIMIT_NOFILE, limits.files)
    if limits.memory > 0:
        _limit(resource.RLIMIT_AS, limits.memory)
    _drop_root(limits.user)
    _limit(resource.RLIMIT_NPROC, limits.processes)  # last: root ignores it, nobody must not


def request_cpu(limits: Containment) -> bool:
    """Before each request: a soft CPU cap just above what is used; False once the worker should
    retire (past half its life's CPU), so that no request is killed by the hard cap."""
    used = _cpu_used()
    soft = min(used + limits.request_cpu, limits.cpu_seconds)
    _limit(resource.RLIMIT_CPU, soft, limits.cpu_seconds)
    return used < limits.cpu_seconds / 2


def _limit(which: int, soft: int, hard: int | None = None) -> None:
    hard = soft if hard is None else hard
    _, old_hard = resource.getrlimit(which)
    if old_hard != resource.RLIM_INFINITY and os.geteuid() != 0:
        hard, soft = min(hard, old_hard), min(soft, old_hard)  # never above what we were given
    resource.setrlimit(which, (soft, hard))


def _cpu_used() -> int:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return int(usage.ru_utime + usage.ru_stime) + 1


def _user_ids(user: str) -> tuple[int, int] | None:
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def _drop_root(user: str) -> None:
    if os.geteuid() != 0:
        return
    ids = _user_ids(user)
    if ids is None:  # no such user: refuse to run visitors' programs as root
        raise RuntimeError(f"user {user!r} not found; the worker will not run as root")
    uid, gid = ids
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
