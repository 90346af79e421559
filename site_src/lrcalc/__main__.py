"""``python -m lrcalc``: the command line (see :mod:`lrcalc.cli`)."""

import sys

from .cli import main

sys.exit(main())
