# Shortcuts for working on Meadow; scripts/test is what CI runs.
SERVICES := services/functions services/event-gateway services/sandbox
VENV := .venv/bin

.PHONY: format lint test unit e2e images up down

format:
	$(VENV)/ruff format $(SERVICES) tests scripts
	$(VENV)/ruff check --fix $(SERVICES) tests scripts

lint:
	$(VENV)/ruff format --check $(SERVICES) tests scripts
	$(VENV)/ruff check tests scripts
	for s in $(SERVICES); do (cd $$s && ../../$(VENV)/ruff check . && \
		../../$(VENV)/mypy --strict src) || exit 1; done

test:
	scripts/test

unit:
	scripts/test services

e2e:
	scripts/test tests/e2e

images:
	scripts/build-local-images

up:
	docker compose up --build --wait

down:
	docker compose down
