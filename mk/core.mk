# spinal-core skeleton checks: the two-process ring validator.
RINGVAL := $(O)/tests/ring-validate
BINS += $(RINGVAL)
CHECKS += check-ring-validator
SAN_CHECKS += check-ring-validator
RING_VALIDATE_ARGS ?= 20000000 1024 64

$(RINGVAL): $(call obj,tests/ringval/ring_validate.c)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ -o $@

.PHONY: check-ring-validator check-ring-validator-long
check-ring-validator: $(RINGVAL)
	$(RINGVAL) $(RING_VALIDATE_ARGS)
	$(RINGVAL) 200000 2 64
	$(RINGVAL) 200000 16 256

# Long run on request: make check-ring-validator-long
check-ring-validator-long: $(RINGVAL)
	$(RINGVAL) 200000000 1024 64
	$(RINGVAL) 20000000 4 256


# spinal-core with the deliberately bad loop (rtcore/testhook.h), for the audit tests.
CORE_BAD := $(O)/tests/spinal-core-bad
BINS += $(CORE_BAD)
$(O)/obj/rtcore/loop-bad.o: rtcore/loop.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DSPINAL_TEST_BAD_LOOP -c $< -o $@

$(CORE_BAD): $(call obj,rtcore/main.c) $(O)/obj/rtcore/loop-bad.o $(call obj,tests/audit/bad_loop.c) $(LIBRT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

# Agent parameters narrow the core's hard limits, end to end.
CHECKS += check-params
SAN_CHECKS += check-params
.PHONY: check-params
check-params: $(BINS)
	tests/integration/params.sh $(O)/bin

# spinal-inspect --histfile/--histjson parse back to the core's counts.
CHECKS += check-inspect-hist
.PHONY: check-inspect-hist
check-inspect-hist: $(BINS)
	tests/integration/inspect_hist.sh $(O)/bin

# A live core + agent run replays bit for bit through spinal-replay.
CHECKS += check-replay-live
.PHONY: check-replay-live
check-replay-live: $(BINS)
	tests/integration/replay_live.sh $(O)/bin

# Threaded unit tests under ThreadSanitizer (make test runs TSAN_CHECKS with SAN=tsan).
TSAN_CHECKS += check-threads-tsan
.PHONY: check-threads-tsan
check-threads-tsan: $(O)/tests/test_io_shm $(O)/tests/test_agent_cfglink
	TSAN_OPTIONS=halt_on_error=1 $(O)/tests/test_io_shm
	TSAN_OPTIONS=halt_on_error=1 $(O)/tests/test_agent_cfglink
