"""Run every benchmark: ``python -m bench`` (engine, report, app in Chromium)."""

import sys

from bench import app, foundation, report

foundation.main(sys.argv[1:])
report.main([])
app.main([])
