"""``python -m graphlab``: the command line (:mod:`graphlab.cli`)."""

import sys

from graphlab.cli import main

sys.exit(main())
