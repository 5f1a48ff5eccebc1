# kesu — the README's commands. Each target installs missing Debian packages
# first (scripts/bootstrap), so they work on a fresh machine.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2
CMAKE_ARGS ?=

.PHONY: all bootstrap configure build run report test test-fast test-asan bench fuzz clean

# cmake drives its own make; keep its directory chatter out of the output.
MAKEFLAGS += --no-print-directory
export MAKEFLAGS

all: build

bootstrap:
	@scripts/bootstrap

configure: bootstrap
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_ARGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j$(JOBS)

LISTEN     ?= 127.0.0.1:8080

# The main job: kesu serve with the demo data (accounts printed at start).
run: configure
	@cmake --build $(BUILD) -j$(JOBS) >/dev/null
	$(BUILD)/kesu serve --demo --db $(BUILD)/demo.db --listen $(LISTEN)

# The QA report on the shipped sample, in the terminal.
report: configure
	@cmake --build $(BUILD) -j$(JOBS) --target kesu >/dev/null
	$(BUILD)/kesu qa examples/sample.jsonl

# Every test: the normal build, then again under ASan+UBSan.
test: test-fast test-asan

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

test-asan: bootstrap
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKS_SANITIZE=ON $(CMAKE_ARGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		ctest --output-on-failure -j$(JOBS)


# Benchmarks against rg, grep and a Python baseline (not part of the tests).
bench: build
	bench/run
	bench/desk_run
	bench/guard_run
	bench/import_http

fuzz: bootstrap
	tests/fuzz/run-libfuzzer $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# The dashboard's screenshots (docs/screenshots): the real server with the
# demo data, driven in Debian's chromium.
.PHONY: screenshots
screenshots: build
	node tests/browser/screenshots.mjs $(BUILD)/kesu . $(BUILD)/tests/http_mkuser
