# Meldcode: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install lint migrations-check deploy-check e2e bench clean messages scaleout design-system

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

# Every link the demo prints or e-mails points at the address it really serves on.
demo: export SITE_URL ?= http://$(HOST):$(PORT)
demo: install
	mkdir -p var
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py compilemessages --ignore=.venv > /dev/null 2>&1 || true
	$(BIN)/python manage.py seed_demo
	@# The task worker (e-mails, exports) runs beside the server and stops with it.
	$(BIN)/python manage.py run_worker --interval 1 --no-startup-delay & trap "kill $$! 2>/dev/null" EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null && npm ci --no-audit --no-fund --loglevel=error || echo "npm not found: the accessibility checks will say so"

test: install node_modules/.package-lock.json
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The journeys write a screenshot of each main page at 390 x 844 and 1366 x 768 here, for a reviewer.
SCREENSHOTS ?= var/screenshots
e2e: export E2E_SCREENSHOTS ?= $(abspath $(SCREENSHOTS))
e2e: install node_modules/.package-lock.json
	$(BIN)/python -m pytest e2e; status=$$?; echo "Screenshots of the main pages: $(abspath $(SCREENSHOTS))"; exit $$status

# The NL Design System (Utrecht component library and design tokens, from npm) copied into static/, so the
# app itself needs no Node build: run after changing their versions in package.json, and commit the result.
DESIGN_SYSTEM := static/vendor/nl-design-system
design-system: node_modules/.package-lock.json
	mkdir -p $(DESIGN_SYSTEM)
	cp node_modules/@utrecht/component-library-css/dist/index.css $(DESIGN_SYSTEM)/utrecht-components.css
	cp node_modules/@utrecht/design-tokens/dist/theme.css $(DESIGN_SYSTEM)/utrecht-design-tokens.css
	cp node_modules/@utrecht/component-library-css/LICENSE.md $(DESIGN_SYSTEM)/LICENSE-component-library.md
	cp node_modules/@utrecht/design-tokens/LICENSE.md $(DESIGN_SYSTEM)/LICENSE-design-tokens.md
	node -e "for (const n of ['component-library-css','design-tokens']) { const p=require('./node_modules/@utrecht/'+n+'/package.json'); console.log(p.name+'@'+p.version+' ('+p.license+')') }" > $(DESIGN_SYSTEM)/VERSIONS.txt

# Two app servers on one PostgreSQL and one Redis (127.0.0.1:6379), one person's requests alternating between them.
scaleout: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/meldcode_scaleout
scaleout: install
	$(BIN)/python -m pytest scaleout

lint: install
	$(BIN)/ruff check .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

deploy-check: install
	MELDCODE_ENVIRONMENT=production DEBUG=0 \
	SECRET_KEY=ci-deploy-check-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ \
	MELDCODE_ENCRYPTION_KEYS=$$($(BIN)/python -c "import base64,os;print(base64.b64encode(os.urandom(32)).decode())") \
	ALLOWED_HOSTS=meldcode.example.org \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var
