# cors-gateway: `make run` starts the demo functions and the gateway on ./gateway.json;
# `make test` runs every test. Both install what they need from Debian first.

SWIFT ?= swift
DEB_PACKAGES := libcurl4-openssl-dev libpsl-dev publicsuffix pkg-config openssl python3 chromium

.PHONY: deps build release run test check clean

deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	scripts/run-demo.sh

check: release
	.build/release/cors-gateway check --config gateway.json

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --no-parallel

clean:
	rm -rf .build
