"""``python -m readingroom.cli``: what the ``readingroom`` script runs (tests and ``serve`` start it so)."""

import sys

from readingroom.cli import main

sys.exit(main())
