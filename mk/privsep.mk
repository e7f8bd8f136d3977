# Privilege separation (issue 7): memfd handoff over a UNIX socket, capability
# drop on every thread, seccomp allowlist, RLIMIT_RTTIME; hostile-peer,
# read-only-peer, capability and seccomp tests; fuzz targets for what the
# core reads from agent-written memory.  See docs/operator-guide.md and
# docs/privsep.md.
#
#   make check-privsep        running core: caps/NoNewPrivs/seccomp on every
#                             thread, seccomp kill, wrong uid refused, read-only
#                             inspector descriptors (tests/privsep/run.sh)
#   make check-hostile        hostile agent against a running core
#   make check-privsep-fuzz   short libFuzzer runs (fuzz_cfg_msg, fuzz_telem_cons)
#   make fuzz-privsep-long    long runs (PRIVSEP_FUZZ_SECONDS, default 600)
#   make check-units          systemd-analyze verify + security (scores printed)
#   make bench-seccomp        RT lateness p99 with and without the filter

SECCOMP_OK := $(shell pkg-config --exists libseccomp 2>/dev/null && echo y)
ifeq ($(SECCOMP_OK),y)
$(call obj,rtcore/seccomp.c): ALL_CFLAGS += -DSPINAL_HAVE_SECCOMP
LDLIBS_BASE += $(shell pkg-config --libs libseccomp)
endif

HOSTILE := $(O)/tests/hostile-agent
PRIVSEP_PEER := $(O)/tests/privsep-peer
BINS += $(HOSTILE) $(PRIVSEP_PEER)
SAN_CHECKS += check-privsep check-hostile
BENCHES += bench-seccomp
CHECKS += check-privsep check-hostile check-privsep-fuzz check-units



$(HOSTILE): $(call obj,tests/hostile/hostile_agent.c) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

$(PRIVSEP_PEER): $(call obj,tests/privsep/peer.c) $(LIBRT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

.PHONY: check-privsep check-hostile check-privsep-fuzz fuzz-privsep-long check-units bench-seccomp
check-privsep: $(O)/bin/spinal-core $(O)/bin/spinal-inspect $(PRIVSEP_PEER)
	tests/privsep/run.sh --build $(O)

check-hostile: $(O)/bin/spinal-core $(O)/bin/spinal-inspect $(HOSTILE)
	tests/hostile/run.sh --build $(O) --seconds $(HOSTILE_SECONDS)
HOSTILE_SECONDS ?= 6

check-units:
	tests/privsep/units.sh

bench-seccomp: $(O)/bin/spinal-core $(O)/bin/spinal-inspect
	tests/privsep/bench_seccomp.sh --build $(O) --seconds $(BENCH_SECCOMP_SECONDS)
BENCH_SECCOMP_SECONDS ?= 10

# libFuzzer targets, built with clang straight from the sources.
PRIVSEP_FUZZ_CC ?= clang
PRIVSEP_FUZZ_FLAGS = -std=gnu11 -D_GNU_SOURCE -Iinclude -I. -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
PRIVSEP_FUZZ_SECONDS ?= 600
FUZZ_CFG   := $(O)/fuzz/fuzz_cfg_msg
FUZZ_TCONS := $(O)/fuzz/fuzz_telem_cons

$(FUZZ_CFG): tests/fuzz/fuzz_cfg_msg.c rtcore/cfg_validate.c rtcore/cfg_validate.h include/spinal/config.h
	@mkdir -p $(dir $@)
	$(PRIVSEP_FUZZ_CC) $(PRIVSEP_FUZZ_FLAGS) tests/fuzz/fuzz_cfg_msg.c rtcore/cfg_validate.c -lm -o $@

$(FUZZ_TCONS): tests/fuzz/fuzz_telem_cons.c include/spinal/ring.h
	@mkdir -p $(dir $@)
	$(PRIVSEP_FUZZ_CC) $(PRIVSEP_FUZZ_FLAGS) tests/fuzz/fuzz_telem_cons.c -o $@

check-privsep-fuzz: $(FUZZ_CFG) $(FUZZ_TCONS)
	@mkdir -p $(O)/fuzz/corpus-cfg $(O)/fuzz/corpus-tcons
	set -o pipefail; $(FUZZ_CFG) -max_total_time=10 -max_len=4096 -print_final_stats=1 $(O)/fuzz/corpus-cfg 2>&1 | tail -n 6
	set -o pipefail; $(FUZZ_TCONS) -max_total_time=10 -max_len=4096 -print_final_stats=1 $(O)/fuzz/corpus-tcons 2>&1 | tail -n 6

fuzz-privsep-long: $(FUZZ_CFG) $(FUZZ_TCONS)
	@mkdir -p $(O)/fuzz/corpus-cfg $(O)/fuzz/corpus-tcons
	$(FUZZ_CFG) -max_total_time=$(PRIVSEP_FUZZ_SECONDS) -max_len=1048576 $(O)/fuzz/corpus-cfg
	$(FUZZ_TCONS) -max_total_time=$(PRIVSEP_FUZZ_SECONDS) -max_len=65536 $(O)/fuzz/corpus-tcons

# Seccomp against the whole workload (map, models, params, e-stop) through the socket.
CHECKS += check-seccomp-full
.PHONY: check-seccomp-full
check-seccomp-full: $(BINS)
	tests/privsep/seccomp_full.sh $(O)/bin
