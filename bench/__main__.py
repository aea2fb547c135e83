"""Run every benchmark: ``python -m bench`` (engine, report, analysis layer, scenarios, app in Chromium)."""

import sys

from bench import analysis, app, foundation, report, scenario

foundation.main(sys.argv[1:])
report.main([])
analysis.main([])
scenario.main([])
app.main([])
