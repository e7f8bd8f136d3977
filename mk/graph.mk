# Graph snapshots, updater, config ring (issue 3): torture, TSan, benchmarks.
#
#   make check-graph-torture          short RCU torture (part of make check / make test)
#   make check-graph-torture-long     long run on request (GRAPH_TORTURE_LONG_ARGS)
#   make SAN=tsan check-graph-tsan    torture + updater test under ThreadSanitizer
#   make bench-graph                  benchmarks (not asserted), see docs/graph.md
#   make bench-graph-ab               this tree vs main: load time, kNN/SFS instruction counts

GRAPH_TORTURE := $(O)/tests/graph-torture
GRAPH_BENCH := $(O)/bin/spinal-bench-graph
BINS += $(GRAPH_TORTURE) $(GRAPH_BENCH)
CHECKS += check-graph-torture
SAN_CHECKS += check-graph-torture
BENCHES += bench-graph
AGENT_LIBS += $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)

GRAPH_TORTURE_ARGS ?= 3 2 64
GRAPH_TORTURE_LONG_ARGS ?= 600 4 256
GRAPH_BENCH_ARGS ?=

$(GRAPH_TORTURE): $(call obj,tests/torture/graph_torture.c) $(LIBRT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

$(GRAPH_BENCH): $(call obj,tools/bench-graph.c) $(LIBRT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

.PHONY: check-graph-torture check-graph-torture-long check-graph-tsan bench-graph
check-graph-torture: $(GRAPH_TORTURE)
	$(GRAPH_TORTURE) $(GRAPH_TORTURE_ARGS)
	$(GRAPH_TORTURE) 2 3 1000

check-graph-torture-long: $(GRAPH_TORTURE)
	$(GRAPH_TORTURE) $(GRAPH_TORTURE_LONG_ARGS)

# ThreadSanitizer: run as `make SAN=tsan check-graph-tsan` (builds into build/tsan/).
GRAPH_TSAN_ENV := TSAN_OPTIONS=halt_on_error=1:suppressions=$(CURDIR)/tests/torture/tsan.supp
check-graph-tsan: $(GRAPH_TORTURE) $(O)/tests/test_updater
	$(GRAPH_TSAN_ENV) $(GRAPH_TORTURE) 3 2 64
	$(GRAPH_TSAN_ENV) $(O)/tests/test_updater

bench-graph: $(GRAPH_BENCH)
	$(GRAPH_BENCH) $(GRAPH_BENCH_ARGS)

TSAN_CHECKS += check-graph-tsan

# Before/after against a base commit (default main): whole-map load time,
# interleaved, and callgrind instruction counts of kNN.  make bench-graph-ab [GRAPH_AB_BASE=ref]
GRAPH_AB := $(O)/bin/graph-ab
GRAPH_AB_BASE ?= main
BINS += $(GRAPH_AB)
$(GRAPH_AB): $(call obj,tools/bench/graph_ab.c) $(LIBRT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

.PHONY: bench-graph-ab
bench-graph-ab: $(GRAPH_AB)
	O=$(O) tools/bench/graph_ab.sh $(GRAPH_AB_BASE)
