"""Run every benchmark: ``python -m bench``."""

import importlib
import sys

from bench import foundation, report

foundation.main(sys.argv[1:])
report.main([])
if importlib.util.find_spec("bench.app_bench") is not None:
    importlib.import_module("bench.app_bench").main([])
