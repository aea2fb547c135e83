# Two commands do all the set-up on a fresh machine:
#   make run    create .venv, install, and start the app on the Malta default
#   make test   create .venv, install (with Debian's Chromium), and run every test
#   make test-unit   the fast tests only: not on Malta, no browser, no wheel build (under a minute)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml | cksum | cut -d' ' -f1)
# Prepared networks of a checkout stay in it (an installed equimap uses ~/.cache/equimap).
export EQUIMAP_CACHE_DIR ?= $(CURDIR)/.cache

.PHONY: venv vendor browser engine run test test-unit bench lint prepare

venv: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $@

# Leaflet and the other map assets come from npm, served locally by Streamlit.
# Both copies (the app's static/vendor and the package's, inlined in the HTML map) have a stamp:
# a checkout holding one of them only (a copied folder) is rebuilt.
VENDOR_STAMPS := static/vendor/.installed src/equimap/static/vendor/.installed
vendor: $(VENDOR_STAMPS)
$(VENDOR_STAMPS) &: package.json package-lock.json scripts/vendor.py
	npm ci --silent --no-audit --no-fund
	python3 scripts/vendor.py
	touch $(VENDOR_STAMPS)

# OSRM's tools from PyPI's osrm-bindings wheel, the independent engine of tests/test_engine_check.py
# and bench/engines.py (a check, not a dependency of equimap); see bench/osrm_engine.py.
engine: venv
	$(PY) -m bench.osrm_engine install || echo "OSRM could not be installed: tests/test_engine_check.py will skip"

browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver poppler-utils)

prepare: venv
	$(PY) -m equimap prepare --region malta

run: venv vendor
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.headless true --browser.gatherUsageStats false

test: venv vendor browser engine
	$(PY) -m pytest

test-unit: venv
	$(PY) -m pytest -m "not malta and not browser and not install and not slow"

# Every benchmark, after building what they need (map assets, Chromium, OSRM, the peer engines of
# bench/kernels/: pyproject's `bench` extra); BENCH_ARGS=--quick runs each with its smallest settings
# (a check that all of them run).
bench: venv vendor browser engine
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m bench $(BENCH_ARGS)

lint: venv
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
