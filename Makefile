# The two commands of the README's contract are `make run` and `make test`.
.PHONY: run test stop lint bench setup

run:  ## install, start PostgreSQL/Redis/worker/web, seed a demo
	bin/run

test:  ## install, start services, run the whole suite (and name its 25 slowest tests)
	bin/test --durations=25 $(PYTEST_ARGS)

setup:  ## only install system packages and the virtual environment
	bin/setup --with-browser

stop:  ## stop the private PostgreSQL and Redis started by run/test
	bin/services stop

lint:
	.venv/bin/ruff check webapp workers tuning_core tests bench
	.venv/bin/mypy tuning_core webapp/*/services.py webapp/datasets/services/*.py webapp/datasets/models.py webapp/lib/*.py webapp/datasets/token_lengths.py webapp/datasets/announcements.py webapp/serving/*.py workers/serving.py

bench:  ## benchmarks that print ratios (about 16 minutes on 2 busy cores; see bench/README.md)
	.venv/bin/python bench/engine.py --threads 1
	.venv/bin/python bench/train_step.py --threads 1
	.venv/bin/python bench/serving.py --threads 1
	.venv/bin/python bench/fused.py --threads 1
