"""Run every benchmark: ``python -m bench`` (engine, report, app in Chromium)."""

import sys

from bench import app_bench, foundation, report

foundation.main(sys.argv[1:])
report.main([])
app_bench.main([])
