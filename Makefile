# phonelookup: `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
BIN := bin
EMULATORS := node internal/emulator/emulators.js

.PHONY: help deps run test unit bench build lint clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json ## install the Go modules and the emulators (npm ci)
	$(GO) mod download

run: deps ## start the emulators, create table and queues, publish and consume the samples, show results
	$(GO) build -o $(BIN)/phonelookup ./cmd/phonelookup
	$(EMULATORS) -- internal/emulator/demo.sh $(BIN)/phonelookup

test: deps ## every test, integration tests against the emulators included
	$(GO) vet -tags integration ./...
	$(GO) test -tags integration -count=1 ./...

unit: ## unit tests only (no emulators)
	$(GO) test ./...

bench: deps ## benchmarks (per-event CPU path, batch concurrency)
	$(GO) test -tags integration -run '^$$' -bench . -benchmem -count 6 ./... | tee bench.out

build: ## the Lambda bootstrap (arm64) and the CLI
	$(GO) build -trimpath -o $(BIN)/phonelookup ./cmd/phonelookup
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags '-s -w' -o dist/arm64/bootstrap ./cmd/consumer

lint: ## gofmt, go vet
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet -tags integration ./...

clean: ## remove build output
	rm -rf $(BIN) dist bench.out
