# The config link's trust boundary (issue 12 items 1, 2, 6, 7): parameters
# that cannot switch a check off, the sequence window and exact verdicts,
# model budgets.  Unit tests (tests/unit/test_params.c, test_cfg_validate.c,
# test_agent_verdict.c, test_agent_cfglink.c, test_sps_budget.c) run with
# check-unit; here: the hostile config peer, the fuzzers, TSan.
#
#   make check-cfg-hostile   a compromised agent against a running core
#                            (tests/hostile/cfg_attack.sh; needs root)
#   make check-cfg-fuzz      short libFuzzer run: parameter sets through the
#                            message validator, check and apply (the model
#                            blob budgets are in check-sps-fuzz, mk/sps.mk)
#   make fuzz-cfg-long       long runs (CFG_FUZZ_SECONDS, default 600)

HOSTILE_CFG := $(O)/tests/hostile-cfg
BINS += $(HOSTILE_CFG)
CHECKS += check-cfg-hostile check-cfg-fuzz
SAN_CHECKS += check-cfg-hostile
TSAN_CHECKS += check-cfg-tsan

$(O)/obj/tests/hostile/cfg_attack.o: EXTRA_CFLAGS += $(AGENT_CFLAGS)
$(HOSTILE_CFG): $(call obj,tests/hostile/cfg_attack.c) $(LIBAGENT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(AGENT_LIBS) $(LDLIBS_BASE) -o $@

.PHONY: check-cfg-hostile check-cfg-fuzz fuzz-cfg-long check-cfg-tsan
check-cfg-hostile: $(O)/bin/spinal-core $(O)/bin/spinal-inspect $(HOSTILE_CFG)
	tests/hostile/cfg_attack.sh --build $(O) --seconds $(CFG_HOSTILE_SECONDS)
CFG_HOSTILE_SECONDS ?= 3

# the agent's verdict logic against the real updater thread, under TSan
# (liburcu itself is not instrumented: the suppressions of mk/graph.mk)
check-cfg-tsan: $(O)/tests/test_agent_verdict
	$(GRAPH_TSAN_ENV) $(O)/tests/test_agent_verdict

CFG_FUZZ_CC ?= clang
CFG_FUZZ_FLAGS = -std=gnu11 -D_GNU_SOURCE -Iinclude -I. -g -O1 \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
CFG_FUZZ_SECONDS ?= 600
FUZZ_PARAMS := $(O)/fuzz/fuzz_params
FUZZ_PARAMS_SRCS := tests/fuzz/fuzz_params.c rtcore/params.c rtcore/aas.c rtcore/cfg_validate.c

$(FUZZ_PARAMS): $(FUZZ_PARAMS_SRCS) include/spinal/params.h include/spinal/config.h rtcore/params.h rtcore/aas.h
	@mkdir -p $(dir $@)
	$(CFG_FUZZ_CC) $(CFG_FUZZ_FLAGS) $(FUZZ_PARAMS_SRCS) -lurcu-qsbr -lurcu-common -lm -o $@

check-cfg-fuzz: $(FUZZ_PARAMS)
	@mkdir -p $(O)/fuzz/corpus-params
	set -o pipefail; $(FUZZ_PARAMS) -max_total_time=10 -max_len=256 -print_final_stats=1 $(O)/fuzz/corpus-params 2>&1 | tail -n 6

fuzz-cfg-long: $(FUZZ_PARAMS)
	@mkdir -p $(O)/fuzz/corpus-params
	$(FUZZ_PARAMS) -max_total_time=$(CFG_FUZZ_SECONDS) -max_len=256 $(O)/fuzz/corpus-params
