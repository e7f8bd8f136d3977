# Control pipeline: SFS/AAS/io_shm (rtcore), spinal-closedloop, spinal-sim,
# spinal-replay, closed-loop and replay checks.  See docs/pipeline.md.
#
#   make check-pipeline-closedloop  shipped SNN at the core's 0.1 m goal
#                                   tolerance: >= 98 % of 50 seeded pairs,
#                                   clamp <= 5 %, fallback <= 1 %, path <=
#                                   1.15x the expert's, no safety stop
#   make check-pipeline-gates       the gates fail an untrained model
#   make check-policy-long          the same gates over 200 pairs
#   make policy                     retrain data/models/default.nir with
#                                   snnTorch (venv: tools/pyenv snntorch)
#   make bench-pipeline             per-stage timings (printed, not asserted)

PIPE_CL   := $(O)/bin/spinal-closedloop
PIPE_OBJS := $(call obj,tools/pipe_world.c)
BINS += $(PIPE_CL)
CHECKS += check-pipeline-closedloop check-pipeline-gates
POLICY_GATES := --goal-tol 0.1 --require-rate 0.98 --require-clamp-max 0.05 \
	--require-fallback-max 0.01 --require-path-max 1.15 --require-no-safety-stop

$(PIPE_CL): $(call obj,tools/spinal-closedloop.c) $(PIPE_OBJS) $(LIBRT) $(LIBAGENT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(AGENT_LIBS) $(LDLIBS_BASE) -o $@

.PHONY: check-pipeline-closedloop check-pipeline-gates check-policy-long policy train-policy
check-pipeline-closedloop: $(PIPE_CL)
	$(PIPE_CL) --model data/models/default.nir --pairs 50 --seed 1 $(POLICY_GATES) -q

check-pipeline-gates: $(PIPE_CL)
	tests/integration/closedloop_gates.sh $(O)/bin

check-policy-long: $(PIPE_CL)
	$(PIPE_CL) --model data/models/default.nir --pairs 200 --seed 1 $(POLICY_GATES) -q

# Deterministic: same seed and pinned versions -> the same file on one machine.
policy: $(PIPE_CL)
	PY=$$(tools/pyenv snntorch) && $$PY tools/train_policy.py --closedloop $(PIPE_CL) \
		--work $(O)/train --out data/models/default.nir
	$(MAKE) --no-print-directory check-policy-long

train-policy: policy

PIPE_REPLAY := $(O)/bin/spinal-replay
BINS += $(PIPE_REPLAY)
CHECKS += check-pipeline-replay

$(PIPE_REPLAY): $(call obj,tools/spinal-replay.c) $(PIPE_OBJS) $(LIBRT) $(LIBAGENT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(AGENT_LIBS) $(LDLIBS_BASE) -o $@

.PHONY: check-pipeline-replay
check-pipeline-replay: $(PIPE_CL) $(PIPE_REPLAY)
	O=$(O) tests/integration/pipeline_replay.sh
