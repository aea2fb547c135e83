"""Entry point of ``python -m bench.kernels``."""

import sys

from bench.kernels.runner import main

main(sys.argv[1:])
