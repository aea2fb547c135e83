"""Run every benchmark: ``python -m bench`` (engine, OSRM check, report, analysis layer, scenarios, optimiser, app in Chromium)."""

import sys

from bench import analysis, app, engines, foundation, optimise, report, scenario

foundation.main(sys.argv[1:])
engines.main([])
report.main([])
analysis.main([])
scenario.main([])
optimise.main([])
app.main([])
