# FaaS AVS in C - the two commands a user needs are `make demo` and `make test`.
# Everything else here is what those two are made of.
#
#   make setup        install Debian packages and pinned npm tools (idempotent)
#   make build        release build; programs land in bin/
#   make build-asan   clang build with ASan+UBSan and libFuzzer targets (build-asan/)
#   make test         every test: release build, then again under ASan+UBSan (+ short fuzzing)
#   make fuzz         each fuzz target for FUZZ_SECONDS (default 60)
#   make bench-bn254 | bench-performer | bench-network
#   make demo         a local network with the examples deployed and called
#   make clean

SHELL := /bin/bash
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
CMAKE_RELEASE := cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DFAAS_BIN_DIR=$(CURDIR)/bin
CMAKE_ASAN := cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	-DFAAS_SANITIZE=ON -DFAAS_FUZZ=ON -DFAAS_BIN_DIR=$(CURDIR)/build-asan/bin
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
# Sanitizer failures must fail the test, and leaks count as failures.
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1

.PHONY: setup build build-asan test test-release test-asan fuzz demo clean \
	bench-bn254 bench-performer bench-network

setup:
	@./scripts/setup.sh

build: setup
	@$(CMAKE_RELEASE) >/dev/null
	@cmake --build build -j$(JOBS)

build-asan: setup
	@$(CMAKE_ASAN) >/dev/null
	@cmake --build build-asan -j$(JOBS)

test: test-release test-asan

test-release: build
	cd build && ctest --output-on-failure -j$(JOBS)

# Under the sanitizers: every C test, plus each fuzz target briefly. Tests of
# tools that are not our C code (forge), and valgrind's (which cannot run
# sanitized programs), are left to the release pass.
test-asan: build-asan
	cd build-asan && ctest --output-on-failure -j$(JOBS) -LE 'solidity|valgrind'

fuzz: build-asan
	cd build-asan && cmake -DFAAS_FUZZ_SECONDS=$(FUZZ_SECONDS) . >/dev/null && \
	  ctest --output-on-failure -L fuzz; rc=$$?; \
	  cmake -DFAAS_FUZZ_SECONDS=3 . >/dev/null; exit $$rc

demo: build
	./scripts/demo.sh

bench-bn254 bench-performer bench-network: build
	./bench/$(@:bench-%=%).sh

clean:
	rm -rf build build-asan bin
