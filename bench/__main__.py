"""Run every benchmark: ``python -m bench``."""

import sys

from bench import app, foundation

foundation.main(sys.argv[1:])
app.main([])
