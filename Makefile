# rigfleet — `make` lists the targets. Variables can be overridden: `make run RIGFLEET_PORT=9090`.

RIGFLEET_PORT ?= 8080
MVN ?= ./mvnw -B -ntp
# How often `make bench-goals` runs each of its benchmarks; it reports the medians.
GOAL_RUNS ?= 3
export RIGFLEET_PORT MVN

.DEFAULT_GOAL := help

.PHONY: help deps build images cli run stop test bench bench-goals bench-summary bench-smoke fmt

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## Install and start what rigfleet needs (PostgreSQL, Redis, nginx, openssl) on Debian
	@scripts/deps.sh

build: ## Package every service (tests skipped; `make test` runs them)
	$(MVN) package -DskipTests -Dspotless.check.skip=true

images: deps ## Build an OCI image of every service, the agent and the key Job with Jib, and the VPN server's: target/images/*.tar
	@scripts/images.sh

cli: ## Build the command line, cli/target/rigfleet.jar, which bin/rigfleet runs (docs/cli.md)
	$(MVN) -pl cli package -DskipTests -Dspotless.check.skip=true

run: deps build ## Start the platform behind one entry point on 127.0.0.1:$(RIGFLEET_PORT)
	@scripts/run.sh

stop: ## Stop everything `make run` started
	@scripts/stop.sh

test: deps images ## Run every test, unit and e2e, against real PostgreSQL and Redis, and each benchmark briefly
	$(MVN) verify
	@$(MAKE) --no-print-directory bench-smoke BENCH_BUILT=1

bench: deps build ## Run the benchmarks (minutes; stop a running platform first); tables on the terminal, JSON in bench/results/, then bench-summary
	@scripts/bench.sh
	@$(MAKE) --no-print-directory bench-summary

bench-goals: deps build ## Run the four benchmarks of issue 21 GOAL_RUNS (3) times each; medians of their goals' figures, met or missed, then bench-summary
	@scripts/bench.sh --goals $(GOAL_RUNS)
	@$(MAKE) --no-print-directory bench-summary

bench-summary: ## Write the summary table of docs/benchmarks.md from the results in bench/results/
	@python3 scripts/bench-summary.py bench/results

# The smoke run checks the summary script too: its tests, and the drivers' results read into a copy of the doc.
bench-smoke: ## Run each benchmark for a few seconds: does it run and print its table (part of make test)
	@[ -n "$(BENCH_BUILT)" ] || $(MAKE) --no-print-directory build
	@python3 bench/src/test/python/test_bench_summary.py
	@scripts/bench.sh --smoke
	@python3 scripts/bench-summary.py bench/target/smoke-results --output bench/target/smoke-summary.md > /dev/null

fmt: ## Format the Java code (the build checks it)
	$(MVN) spotless:apply
