# b24pg — the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
SWIFT_FORMAT ?= swift format
FORMAT_PATHS := Package.swift Sources Tests
# A module that imports another it does not declare as a dependency fails the build.
IMPORT_CHECK := --explicit-target-dependency-import-check error

.PHONY: demo demo-stop test build bench lint format deps clean

## Installs what is missing, builds, starts a local Postgres in .pg/demo (unless DATABASE_URL is set) and runs b24pg demo.
demo: deps build
	@if [ -z "$$DATABASE_URL" ]; then \
		scripts/pg-test-cluster start .pg/demo && eval "$$(scripts/pg-test-cluster env .pg/demo)" && \
		.build/debug/b24pg demo && \
		echo "The demo database keeps running: eval \"\$$(scripts/pg-test-cluster env .pg/demo)\"; psql -d b24pg_demo  (stop: make demo-stop)"; \
	else .build/debug/b24pg demo; fi

## Stops the demo's local Postgres.
demo-stop:
	scripts/pg-test-cluster stop .pg/demo

## Builds everything and runs every test (unit and integration) against a throwaway Postgres.
test: deps
	$(SWIFT) build --build-tests $(IMPORT_CHECK)
	scripts/with-test-cluster $(SWIFT) test --skip-build

## Builds the b24pg binary (.build/debug/b24pg); warnings are errors (Package.swift).
build: deps
	$(SWIFT) build $(IMPORT_CHECK)

## Runs the benchmark scenarios of DESIGN.md §8 (release build, throwaway Postgres) and prints a table.
bench: deps
	$(SWIFT) build -c release --product b24pg $(IMPORT_CHECK)
	$(SWIFT) build -c release --product b24pg-bench $(IMPORT_CHECK)
	scripts/with-test-cluster .build/release/b24pg-bench

## Installs libpq-dev, pkg-config and postgresql when missing (apt, as root).
deps:
	@scripts/install-deps

## Checks formatting with the committed .swift-format.
lint:
	$(SWIFT_FORMAT) lint --strict --recursive $(FORMAT_PATHS)

## Rewrites sources with the committed .swift-format.
format:
	$(SWIFT_FORMAT) format --in-place --recursive $(FORMAT_PATHS)

clean:
	rm -rf .build .pg
