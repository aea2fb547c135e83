"""Run every benchmark: ``python -m bench`` (engine, OSRM check, report, analysis layer, app in Chromium)."""

import sys

from bench import analysis, app, engines, foundation, report

foundation.main(sys.argv[1:])
engines.main([])
report.main([])
analysis.main([])
app.main([])
