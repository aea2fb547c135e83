"""Run every benchmark: ``python -m bench`` (engine, report, analysis layer, app in Chromium)."""

import sys

from bench import analysis, app, foundation, report

foundation.main(sys.argv[1:])
report.main([])
analysis.main([])
app.main([])
