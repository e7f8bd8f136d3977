# The `--io shm` backend (rtcore/io_shm.c, include/spinal/io_shm.h) and its
# reference driver spinal-sim (tools/spinal-sim.c, docs/driver.md).
#
#   make check-io-shm       core --io shm + spinal-sim as a separate process:
#                           reaches the goal; SIGSTOP of the driver -> AAS stale
#                           stop within --stale-ms; SIGCONT -> moves again
#   tests/unit/test_io_shm.c (seqlock torn reads, stale, NaN) runs in check-unit

IO_SIM := $(O)/bin/spinal-sim
BINS += $(IO_SIM)
INSTALL_BINS += spinal-sim
CHECKS += check-io-shm
SAN_CHECKS += check-io-shm

$(IO_SIM): $(call obj,tools/spinal-sim.c) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

.PHONY: check-io-shm
check-io-shm: $(O)/bin/spinal-core $(O)/bin/spinal-inspect $(IO_SIM)
	O=$(O) tests/integration/pipeline_shm.sh

# Cost of read_state/write_cmd vs the sim backend (printed, not asserted)
IO_BENCH := $(O)/bin/bench-io-shm
BINS += $(IO_BENCH)
BENCHES += bench-io-shm

$(IO_BENCH): $(call obj,tools/bench-io-shm.c) $(LIBRT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

.PHONY: bench-io-shm
bench-io-shm: $(IO_BENCH)
	$(IO_BENCH)
