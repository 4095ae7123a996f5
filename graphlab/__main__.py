"""``python -m graphlab``: the command line (:mod:`graphlab.cli`)."""

import sys

from graphlab.cli import main

if __name__ == "__main__":
    sys.exit(main())
