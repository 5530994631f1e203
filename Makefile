# cors-gateway: `make run` starts the demo functions and the gateway on ./gateway.json;
# `make test` runs every test (`make test-sanitize`: the engine and server suites under
# ThreadSanitizer, every test under AddressSanitizer); `make fuzz` runs the libFuzzer targets; `make bench` measures
# the gateway against nginx and HAProxy (Docs/benchmarks.md); `make differential` runs the smuggling corpus through
# the gateway, nginx and HAProxy (Docs/security.md); `make soak` runs a release gateway for 10 minutes under mixed
# clients, failing backends and reloads (Docs/security.md#soak). Each installs what it needs from Debian first.

SWIFT ?= swift
DEB_PACKAGES := libcurl4-openssl-dev libpsl-dev publicsuffix pkg-config openssl python3 chromium \
	python3-venv haproxy systemd util-linux

# The deployment tests (SPEC §14) check deploy/kubernetes/ with kubernetes-validate from PyPI
# (its schemas are in the package; nothing is fetched when it runs), in a virtual environment
# of its own that the tests find at .build-venv.
DEPLOY_VENV := .build-venv
KUBERNETES_VALIDATE := kubernetes-validate==1.37.0

# `make bench` builds its own release binary in .build-bench, apart from `.build`, so it never
# waits for (or disturbs) a debug build in progress. BENCH_ARGS go to Benchmarks/bench.py, e.g.
# make bench BENCH_ARGS="--duration 10 --rounds 5 --output /tmp/bench.md"
BENCH_DEB_PACKAGES := libcurl4-openssl-dev libpsl-dev publicsuffix pkg-config openssl python3 util-linux nginx haproxy wrk \
	nghttp2-client
BENCH_SCRATCH := .build-bench
BENCH_ARGS ?=
# The libcurl floor contestant (Benchmarks/floor/curl-floor.c) is built with the Swift toolchain's clang.
BENCH_CC ?= clang

# `make differential` runs Tests/Corpus/differential through the gateway (a debug build), nginx
# and HAProxy, each in front of the same strict backend, prints every case that is not refused or
# normalized with the counts, and writes the per-case table to DIFFERENTIAL_TABLE.
DIFFERENTIAL_DEB_PACKAGES := libcurl4-openssl-dev libpsl-dev publicsuffix pkg-config python3 nginx haproxy
DIFFERENTIAL_TABLE ?= Docs/smuggling-differential.md

# `make soak` builds its own release binary in .build-soak, as `make bench` does, then runs
# scripts/soak.py against it: SOAK_SECONDS of load (default 600), SOAK_ARGS passed on, e.g.
# make soak SOAK_SECONDS=120 SOAK_ARGS="--clients 8 --keep"
SOAK_DEB_PACKAGES := libcurl4-openssl-dev libpsl-dev publicsuffix pkg-config python3
SOAK_SCRATCH := .build-soak
SOAK_SECONDS ?= 600
SOAK_ARGS ?=

.PHONY: deps deploy-test-deps build release run test test-sanitize fuzz fuzz-build check clean bench differential soak

deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

deploy-test-deps: deps
	@stamp="$(DEPLOY_VENV)/installed-$(KUBERNETES_VALIDATE)"; [ -f "$$stamp" ] || { \
		echo "installing $(KUBERNETES_VALIDATE) into $(DEPLOY_VENV)"; \
		rm -rf $(DEPLOY_VENV) && /usr/bin/python3 -m venv $(DEPLOY_VENV) \
		&& $(DEPLOY_VENV)/bin/pip install --quiet --disable-pip-version-check $(KUBERNETES_VALIDATE) \
		&& touch "$$stamp"; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	scripts/run-demo.sh

check: release
	.build/release/cors-gateway check --config gateway.json

test: deps deploy-test-deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel

# The curl engine and the server suites under ThreadSanitizer, then every test under
# AddressSanitizer, each in a build folder of its own. Leak detection is off: at exit
# LeakSanitizer reports buffers FoundationEssentials' String(contentsOfFile:) never frees and
# gateways test harnesses leave in reference cycles (Docs/security.md); memory errors still fail.
test-sanitize: deps deploy-test-deps
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	$(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan --no-parallel --filter 'CurlEngineTests|GatewayServerTests'
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan --no-parallel

# libFuzzer targets (Fuzz/, Docs/security.md "Fuzzing") under AddressSanitizer, built in
# FUZZ_SCRATCH with CORS_GATEWAY_FUZZ set (the only way Package.swift declares them); each
# runs FUZZ_SECONDS, FUZZ_PARALLEL at a time, and any finding fails the run, e.g.
# make fuzz FUZZ_SECONDS=30   (CI's short pass)   make fuzz FUZZ_TARGETS="FuzzCORS FuzzCookies"
FUZZ_SECONDS ?= 600
FUZZ_PARALLEL ?= 2
FUZZ_TARGETS ?= FuzzRequestHead FuzzResponseHead FuzzCORS FuzzCookies FuzzPathHost FuzzConfig FuzzPackageJSON
FUZZ_SCRATCH ?= .build-fuzz

fuzz-build: deps
	for target in $(FUZZ_TARGETS); do \
		CORS_GATEWAY_FUZZ=1 $(SWIFT) build --scratch-path $(FUZZ_SCRATCH) --sanitize=fuzzer --sanitize=address --product $$target || exit 1; \
	done

fuzz: fuzz-build
	python3 scripts/fuzz.py --seconds $(FUZZ_SECONDS) --parallel $(FUZZ_PARALLEL) --build-dir $(FUZZ_SCRATCH)/debug $(FUZZ_TARGETS)

bench:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(BENCH_DEB_PACKAGES)"
	$(SWIFT) build -c release --scratch-path $(BENCH_SCRATCH) --product cors-gateway
	$(BENCH_CC) -O2 -Wall -Werror -o $(BENCH_SCRATCH)/curl-floor Benchmarks/floor/curl-floor.c -lcurl
	python3 Benchmarks/bench.py --gateway-bin $(BENCH_SCRATCH)/release/cors-gateway \
		--curl-floor-bin $(BENCH_SCRATCH)/curl-floor $(BENCH_ARGS)

differential:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(DIFFERENTIAL_DEB_PACKAGES)"
	$(SWIFT) build --product cors-gateway
	python3 scripts/differential.py --proxy gateway,nginx,haproxy --gateway-bin .build/debug/cors-gateway \
		--markdown $(DIFFERENTIAL_TABLE) --require-pass gateway

soak:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(SOAK_DEB_PACKAGES)"
	$(SWIFT) build -c release --scratch-path $(SOAK_SCRATCH) --product cors-gateway
	python3 scripts/soak.py --gateway-bin $(SOAK_SCRATCH)/release/cors-gateway --seconds $(SOAK_SECONDS) $(SOAK_ARGS)

clean:
	rm -rf .build
