# b24pg — the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
SWIFT_FORMAT ?= swift format
FORMAT_PATHS := Package.swift Sources Tests

.PHONY: demo test build lint format deps clean

## Builds and runs the demo (completed by the sync issue; for now: migrate a throwaway cluster).
demo: deps build
	@scripts/with-test-cluster .build/debug/b24pg migrate

## Builds everything and runs every test (unit and integration) against a throwaway Postgres.
test: deps
	$(SWIFT) build --build-tests
	scripts/with-test-cluster $(SWIFT) test --skip-build

## Builds the b24pg binary (.build/debug/b24pg); warnings are errors (Package.swift).
build: deps
	$(SWIFT) build

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
