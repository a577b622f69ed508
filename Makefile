# phonelookup: `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
BIN := bin
ARCH ?= arm64
STATICCHECK := v0.8.2
BENCHSTAT := v0.0.0-20260908200009-22c9c6c9d4da
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
EMULATORS := node internal/emulator/emulators.js
TS := docs/producers-ts
CLIENT := clients/typescript

.PHONY: help deps chromium run dev test unit check-ts client-ts bench chaos build lint clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

node_modules/.package-lock.json: package.json package-lock.json $(wildcard patches/*.patch)
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json chromium ## install the Go modules, the emulators and axe-core (npm ci), and chromium
	$(GO) mod download

chromium: ## install Debian's chromium (the console's browser tests) where it is missing: apt-get as root, else say how
	@command -v chromium >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else \
		echo "chromium is not installed: the console's browser tests need it. Install it as root (Debian: apt-get install chromium) and run make again." >&2; exit 1; \
	fi

run: deps ## start the emulators, create table and queues, publish and consume the samples, show results
	$(GO) build -o $(BIN)/phonelookup ./cmd/phonelookup
	$(EMULATORS) -- internal/emulator/demo.sh $(BIN)/phonelookup

DEV_ADDR ?= 127.0.0.1:8080
dev: deps ## the emulators with the samples consumed, and serve with the support console on DEV_ADDR until Ctrl-C
	$(GO) build -o $(BIN)/phonelookup ./cmd/phonelookup
	$(EMULATORS) -- internal/emulator/dev.sh $(BIN)/phonelookup $(DEV_ADDR)

test: deps check-ts client-ts ## every test: unit tests with -race, integration tests against the emulators (the TypeScript client's suites included), the guides' TypeScript
	$(GO) vet -tags integration ./...
	$(GO) test -race -count=1 ./...
	$(GO) test -tags integration -count=1 ./...

unit: ## unit tests only (no emulators)
	$(GO) test ./...

$(TS)/node_modules/.package-lock.json: $(TS)/package.json $(TS)/package-lock.json
	cd $(TS) && npm ci --no-audit --no-fund
	@touch $@

$(CLIENT)/node_modules/.package-lock.json: $(CLIENT)/package.json $(CLIENT)/package-lock.json
	cd $(CLIENT) && SCARF_ANALYTICS=false npm ci --no-audit --no-fund
	@touch $@

client-ts: $(CLIENT)/node_modules/.package-lock.json ## the TypeScript client: types regenerated (fails on drift), openapi.yaml linted (Redocly, Spectral), ESM+CJS built
	cd $(CLIENT) && node scripts/drift.mjs
	cd $(CLIENT) && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true node_modules/.bin/redocly lint --config redocly.yaml ../../api/openapi.yaml
	cd $(CLIENT) && node_modules/.bin/spectral lint --fail-severity=hint --ruleset .spectral.yaml ../../api/openapi.yaml
	cd $(CLIENT) && node scripts/build.mjs

check-ts: $(TS)/node_modules/.package-lock.json client-ts ## compile (tsc) and run the TypeScript of docs/PRODUCERS.md, CommonJS and ESM (nodenext); compile that of docs/ADMIN-API.md
	node $(TS)/check-docs.mjs
	cd $(CLIENT) && node scripts/check-docs.mjs
	for form in cjs esm; do \
		cp events/ordercommitted.schema.json $(TS)/ordercommitted.ts $(TS)/$$form/ && \
		$(TS)/node_modules/.bin/tsc -p $(TS)/$$form && node $(TS)/$$form/out/run.js; \
	done

bench: deps ## benchmarks: per-event CPU path, batch concurrency, end-to-end throughput, API CPU and search latency (bench.out, benchstat)
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./lookup ./dynamo ./consumer ./api | tee bench.out
	$(GO) test -tags integration -run '^$$' -bench Throughput -benchtime 3x -count 3 ./consumer/sqsworker | tee -a bench.out
	$(GO) test -tags integration -run '^$$' -bench SearchLatency -benchtime 100x -count 6 ./api | tee -a bench.out
	$(GO) run golang.org/x/perf/cmd/benchstat@$(BENCHSTAT) bench.out

chaos: deps ## consume through a DynamoDB fault proxy (throttling, 500s, latency, lost answers) and print the table (CHAOS_LINKS=300); not part of test
	$(GO) test -tags 'integration chaos' -run '^TestChaos$$' -count=1 -timeout 60m -v ./cmd/phonelookup > chaos.out 2>&1 || { grep -v '^{' chaos.out | tail -30; exit 1; }
	grep -E '^(\||chaos:)' chaos.out

build: ## the CLI, and the consumer's and the API's Lambda bootstraps (ARCH=arm64|amd64) zipped under dist/
	$(GO) build -trimpath -ldflags '-X main.version=$(VERSION)' -o $(BIN)/phonelookup ./cmd/phonelookup
	rm -rf dist/lambda dist/api && mkdir -p dist/lambda dist/api
	GOOS=linux GOARCH=$(ARCH) CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath \
		-ldflags '-s -w -X main.version=$(VERSION)' -o dist/lambda/bootstrap ./cmd/consumer
	GOOS=linux GOARCH=$(ARCH) CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath \
		-ldflags '-s -w -X main.version=$(VERSION)' -o dist/api/bootstrap ./cmd/api
	cd dist/lambda && rm -f ../phonelookup-consumer-$(ARCH).zip && zip -q -X ../phonelookup-consumer-$(ARCH).zip bootstrap
	cd dist/api && rm -f ../phonelookup-api-$(ARCH).zip && zip -q -X ../phonelookup-api-$(ARCH).zip bootstrap
	@ls -l dist/lambda/bootstrap dist/phonelookup-consumer-$(ARCH).zip dist/api/bootstrap dist/phonelookup-api-$(ARCH).zip

lint: ## gofmt, go vet, staticcheck
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet -tags integration ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) -tags integration ./...

clean: ## remove build output
	rm -rf $(BIN) dist bench.out chaos.out $(TS)/*/out $(CLIENT)/dist $(CLIENT)/build
