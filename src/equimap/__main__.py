"""Entry point of ``python -m equimap``."""

import sys

from equimap.cli import main

sys.exit(main())
