"""Run every benchmark: ``python -m bench`` (engine, report, analysis layer, optimiser, app in Chromium)."""

import sys

from bench import analysis, app, foundation, optimise, report

foundation.main(sys.argv[1:])
report.main([])
analysis.main([])
optimise.main([])
app.main([])
