# Aurora PostgreSQL bundle for Massdriver. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CHECKOV_VENV := .venv-checkov
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# Python keeps compiled modules (__pycache__/, git-ignored) even where the environment says not to: the
# tests start hundreds of Python processes (xdist workers, the stand-in providers of every Terraform
# command, watchers, generators), and pytest's assertion rewriting is redone in each without them.
unexport PYTHONDONTWRITEBYTECODE

# --no-compile: pip would compile every module it installs (the AWS provider's bindings alone are 200 MB of
# Python), 69 s against 31 s without. Python compiles what is imported on first use instead, and keeps it.
$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-compile --disable-pip-version-check -r requirements.txt
	touch $@

$(CHECKOV_VENV)/.installed: requirements-checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --no-compile --disable-pip-version-check -r requirements-checkov.txt
	touch $@

# The consumer proof's Node client (pg), exactly as its package-lock.json pins it.
NODE_CLIENT := proof/consumers/node
$(NODE_CLIENT)/node_modules/.installed: $(NODE_CLIENT)/package-lock.json
	cd $(NODE_CLIENT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The form's Node packages (the browser test, `make preview`), exactly as preview/package-lock.json pins them.
# npm writes node_modules/.package-lock.json on every install (proof/node_packages.py checks the same file).
preview/node_modules/.package-lock.json: preview/package-lock.json
	cd preview && npm ci --no-audit --no-fund --loglevel=error

# What the targets that run chromium or PostgreSQL need first (recipes below): the system packages
# (scripts/system-packages) and, for the consumer proof (its e2e part included), its Node client.
test preview browser consumers e2e scan: system-packages
test consumers e2e scan: $(NODE_CLIENT)/node_modules/.installed
test preview browser: preview/node_modules/.package-lock.json

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

.PHONY: build
build: $(VENV)/.installed ## Validate massdriver.yaml, schemas/ and examples/, then generate kms/ and src/
	$(PY) generate.py $(BUILD_ARGS)

.PHONY: test
test: $(VENV)/.installed $(CHECKOV_VENV)/.installed ## Everything: the fast tests, the browser test, the consumer proof, the offline e2e of every preset and the checkov scan (three workers: the e2e on one, the rest on two beside it)
	$(PY) -m pytest -n 3 --dist loadfile

.PHONY: unit
unit: $(VENV)/.installed ## The fast tests of the generator: `make test` minus the offline proof (e2e, scan, offline), the browser test and the consumer proof
	$(PY) -m pytest -n 2 --dist loadfile -m "not e2e and not scan and not offline and not browser and not consumers"

.PHONY: preview
preview: $(VENV)/.installed ## The params form of every preset in headless Chromium (RJSF 5.24 and 6, three settings each): build/preview/index.html and <preset>.png
	$(PY) -m author.form_preview

.PHONY: browser
browser: $(VENV)/.installed ## The browser test alone: RJSF 5.24 and 6 x three settings x every preset renders, submits what it shows; switches; bad values
	$(PY) -m pytest -m browser

.PHONY: consumers
consumers: $(VENV)/.installed ## The consumer proof alone: 200 root passwords and hand-made artifacts through psql, psycopg and Node pg against a real PostgreSQL with TLS
	$(PY) -m pytest -m consumers

.PHONY: e2e
e2e: $(VENV)/.installed ## The offline proof: its machinery, then every preset deployed, re-planned and decommissioned in the AWS emulator
	$(PY) -m pytest -n 2 --dist loadfile -m "e2e or offline"

.PHONY: scan
scan: $(VENV)/.installed $(CHECKOV_VENV)/.installed ## checkov on every preset's plan (runs the e2e for the plans)
	$(PY) -m pytest -n 2 --dist loadfile -m "e2e or scan"

.PHONY: cost
cost: $(VENV)/.installed ## Monthly cost estimate (us-east-1) of params files: PARAMS=path (default: every examples/*/params.json), ON=YYYY-MM-DD (default: today)
	$(PY) -m aurora_bundle.cost $(PARAMS) $(if $(ON),--on $(ON))

.PHONY: watch
watch: $(VENV)/.installed ## Regenerate on every save; republish and redeploy dev instances when mass is set up (see README)
	$(PY) -m author.watch $(WATCH_ARGS)

.PHONY: publish
publish: $(VENV)/.installed ## Build, lint and the fast tests, then `mass bundle publish` (needs mass and Massdriver credentials)
	$(PY) -m author.mass_cli
	$(PY) generate.py
	$(MAKE) --no-print-directory lint unit
	$(PY) -m author.publish_files
	mass bundle publish

.PHONY: files
files: $(VENV)/.installed ## List the files `mass bundle publish` packages (what .mdignore keeps)
	$(PY) -m author.publish_files

.PHONY: bench
bench: $(VENV)/.installed ## Measure the author loop: cold build vs. the jsii floor, warm regeneration, fast-suite time
	$(PY) bench/author_loop.py

.PHONY: provider-schemas
provider-schemas: $(VENV)/.installed ## Re-extract the hashicorp/aws schema the reference check reads (needs terraform and the provider mirror)
	$(PY) -m author.provider_schemas

.PHONY: lint
lint: $(VENV)/.installed ## ruff
	$(VENV)/bin/ruff check .

.PHONY: install
install: $(VENV)/.installed $(CHECKOV_VENV)/.installed ## Create both virtual environments (every target does this on first use)

.PHONY: deps
deps: $(VENV)/.installed $(CHECKOV_VENV)/.installed $(NODE_CLIENT)/node_modules/.installed preview/node_modules/.package-lock.json system-packages ## Everything `make test` installs on first use; `make -j5 deps` installs it side by side (.ci/run)

.PHONY: system-packages
system-packages: ## Debian's chromium and postgresql: installed when missing (as root), else one line saying what to install
	@scripts/system-packages

.PHONY: lock
lock: ## Re-pin requirements*.txt from requirements*.in (needs the package registry)
	rm -rf build/lock && $(PYTHON) -m venv build/lock/main && build/lock/main/bin/pip install -q -r requirements.in
	{ head -1 requirements.txt; build/lock/main/bin/pip freeze; } > requirements.txt.new && mv requirements.txt.new requirements.txt
	$(PYTHON) -m venv build/lock/checkov && build/lock/checkov/bin/pip install -q -r requirements-checkov.in
	{ head -1 requirements-checkov.txt; build/lock/checkov/bin/pip freeze; } > requirements-checkov.txt.new && mv requirements-checkov.txt.new requirements-checkov.txt

.PHONY: clean
clean: ## Remove build output, caches and what `mass bundle build` wrote (keeps the virtual environments)
	rm -rf build cdktf.out .pytest_cache .ruff_cache schema-*.json
	find . -path ./$(VENV) -prune -o -path ./$(CHECKOV_VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

.PHONY: distclean
distclean: clean ## clean, and remove the virtual environments too
	rm -rf $(VENV) $(CHECKOV_VENV) preview/node_modules $(NODE_CLIENT)/node_modules
