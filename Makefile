# rigfleet — `make` lists the targets. Variables can be overridden: `make run RIGFLEET_PORT=9090`.

RIGFLEET_PORT ?= 8080
MVN ?= ./mvnw -B -ntp
export RIGFLEET_PORT MVN

.DEFAULT_GOAL := help

.PHONY: help deps build run stop test bench bench-smoke fmt

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## Install and start what rigfleet needs (PostgreSQL, Redis, nginx, openssl) on Debian
	@scripts/deps.sh

build: ## Package every service (tests skipped; `make test` runs them)
	$(MVN) package -DskipTests -Dspotless.check.skip=true

run: deps build ## Start the platform behind one entry point on 127.0.0.1:$(RIGFLEET_PORT)
	@scripts/run.sh

stop: ## Stop everything `make run` started
	@scripts/stop.sh

test: deps ## Run every test, unit and e2e, against real PostgreSQL and Redis, and each benchmark briefly
	$(MVN) verify
	@$(MAKE) --no-print-directory bench-smoke BENCH_BUILT=1

bench: deps build ## Run the benchmarks (minutes; stop a running platform first); tables on the terminal, JSON in bench/results/
	@scripts/bench.sh

bench-smoke: ## Run each benchmark for a few seconds: does it run and print its table (part of make test)
	@[ -n "$(BENCH_BUILT)" ] || $(MAKE) --no-print-directory build
	@scripts/bench.sh --smoke

fmt: ## Format the Java code (the build checks it)
	$(MVN) spotless:apply
