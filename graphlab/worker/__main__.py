"""``python -m graphlab.worker``: the sandbox worker process (see :mod:`graphlab.worker.child`)."""

from .child import main

main()
