# colan: two commands on a fresh Debian machine with the Swift toolchain.
#   make demo   install what is missing, build (release), import SampleData/, print a rollup by deviceType, write demo-report.html
#   make test   install what is missing, build (the release binary too: a test checks it reads no test knob), run the whole test suite
# Also: make build, make test-crash (more kill points), make bench (quick benchmark set, not part of test), make clean.

SWIFT ?= swift
DEMO_STORE ?= demo-store
COLAN := .build/release/colan

.PHONY: deps build demo test test-crash fuzz bench clean interop

FUZZ_SECONDS ?= 20

# Debian packages colan needs: libzstd-dev (and pkg-config to find it), libxxhash-dev (XXH3, header
# only), tzdata for time zones.
# Installed only when absent; sudo only when not root.
deps:
	@missing=""; \
	command -v pkg-config >/dev/null 2>&1 || missing="$$missing pkg-config"; \
	pkg-config --exists libzstd 2>/dev/null || missing="$$missing libzstd-dev"; \
	[ -e /usr/include/xxhash.h ] || missing="$$missing libxxhash-dev"; \
	[ -e /usr/share/zoneinfo/US/Pacific ] || missing="$$missing tzdata"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The release binary is fully static (-static-executable: no dynamic loader, libraries or symbol
# lookups at start; about 2 ms of every query's 3.8 ms start, BENCHMARKS.md). When the building
# machine's CPU is x86-64-v3 (AVX2, BMI2, FMA, MOVBE: 2013 on), the binary is built for that level,
# like -march=native: scans take about 15% less CPU. Such a binary does not run on older CPUs;
# `make build CPU_LEVEL=` builds for baseline x86-64. Tests build separately (debug, baseline).
CPU_LEVEL ?= $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | grep -w avx2 | grep -w bmi2 | grep -w fma | grep -qw movbe && echo haswell)
RELEASE_FLAGS := --static-swift-stdlib -Xswiftc -static-executable $(if $(CPU_LEVEL),-Xswiftc -target-cpu -Xswiftc $(CPU_LEVEL))

build: deps
	$(SWIFT) build -c release --product colan $(RELEASE_FLAGS)

demo: build
	rm -rf $(DEMO_STORE)
	$(COLAN) import --store $(DEMO_STORE) SampleData
	$(COLAN) agg --store $(DEMO_STORE) --by deviceType
	$(COLAN) report --store $(DEMO_STORE) --from 2021-08-30 --to 2021-10-21 --title "colan demo: SampleData" --out demo-report.html

test: deps interop build
	$(SWIFT) build --build-tests
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)
	$(SWIFT) test --skip-build

# A Python virtual environment with independent readers (DuckDB) from PyPI, for the interop checks
# of the test suite (colan's CSV read back by a typed reader). Created once; colan never uses it.
INTEROP_VENV ?= .venv-interop
interop:
	@[ -x $(INTEROP_VENV)/bin/python ] && $(INTEROP_VENV)/bin/python -c "import duckdb, pyarrow" 2>/dev/null || { \
		python3 -m venv $(INTEROP_VENV) && $(INTEROP_VENV)/bin/pip install -q duckdb==2.0.1 pyarrow==26.0.1; }

# libFuzzer over the JSON and CSV import scanners, from the seed corpus in Tests/FuzzCorpus
# (make test runs it for FUZZ_SECONDS; run longer with make fuzz FUZZ_SECONDS=600).
fuzz: deps
	$(SWIFT) build --product ColanFuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DCOLAN_FUZZ --scratch-path .build-fuzz
	rm -rf .build-fuzz/corpus && mkdir -p .build-fuzz/corpus && cp Tests/FuzzCorpus/* .build-fuzz/corpus/
	.build-fuzz/debug/ColanFuzz -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -print_final_stats=1 .build-fuzz/corpus

# The crash tests with 40 kill points instead of make test's 6.
test-crash: deps
	$(SWIFT) build --build-tests
	COLAN_KILL_POINTS=40 $(SWIFT) test --skip-build --filter StoreCrashTests

# The quick benchmark set: encodings and query paths on package-benchmark, checked against the
# thresholds in Benchmarks/Thresholds (a regression fails), then the side-by-side run at 1M rows.
bench: build
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark thresholds check --no-progress
	python3 Benchmarks/side_by_side.py --rows 1000000

clean:
	rm -rf .build Benchmarks/.build $(DEMO_STORE) $(INTEROP_VENV) demo-report.html
