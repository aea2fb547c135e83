"""Run every benchmark: ``python -m bench`` (engine, OSRM check, report, analysis layer, optimiser, app in Chromium)."""

import sys

from bench import analysis, app, engines, foundation, optimise, report

foundation.main(sys.argv[1:])
engines.main([])
report.main([])
analysis.main([])
optimise.main([])
app.main([])
