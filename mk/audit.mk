# spinal-audit, histogram export, host preflight and the benchmark suite.
# (owner: audit/bench; see docs/audit.md)

AUDIT_SRCS := $(wildcard tools/audit*.c)
AUDIT_LIBS := -lz

BINS += $(O)/bin/spinal-audit $(O)/bin/spinal-bench-ring
INSTALL_BINS += spinal-audit

$(O)/bin/spinal-audit: $(call obj,$(AUDIT_SRCS)) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) $(AUDIT_LIBS) -o $@

# Ring benchmark: spinal ring vs Concurrency Kit ck_ring vs a pipe.
$(O)/bin/spinal-bench-ring: $(call obj,tools/bench/ring.c) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

# The preflight unit test exercises the pure parsers of the tool: its own
# link rule (overrides the pattern rule) so the tool object precedes the library.
$(O)/tests/test_preflight: $(call obj,tests/unit/test_preflight.c tools/audit_parse.c) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) $(CMOCKA_LIBS) -o $@

.PHONY: check-audit check-audit-preflight check-audit-core check-bench-smoke bench-all

check-audit-preflight: $(O)/bin/spinal-audit
	@tests/audit/preflight.sh $(O)/bin/spinal-audit

check-audit-core: $(O)/bin/spinal-audit
	@tests/audit/audit_core.sh $(O)

check-bench-smoke: $(BINS)
	@/usr/bin/python3 tools/bench/run --smoke --build $(O) --out $(O)/bench-smoke.json

check-audit: check-audit-preflight check-audit-core check-bench-smoke

CHECKS += check-audit
SAN_CHECKS += check-audit-preflight

bench-all: $(BINS)
	@/usr/bin/python3 tools/bench/run --build $(O) --out $(O)/bench.json

# Test fixture: a minimal core with a good or deliberately bad RT loop.
$(O)/tests/audit-fake-core: $(call obj,tests/audit/fake_core.c) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

check-audit-core: $(O)/tests/audit-fake-core
