"""``python -m graphlab.worker``: the sandbox worker process (see :mod:`graphlab.worker.child`)."""

from .child import main

if __name__ == "__main__":
    main()
