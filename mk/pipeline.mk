# Control pipeline: SFS/AAS/io_shm (rtcore), spinal-closedloop, spinal-sim,
# spinal-replay, closed-loop and replay checks.  See docs/pipeline.md.
#
#   make check-pipeline-closedloop  shipped SNN: >= 90% of 50 seeded pairs
#   make train-policy               retrain data/models/default.nir
#   make bench-pipeline             per-stage timings (printed, not asserted)

PIPE_CL   := $(O)/bin/spinal-closedloop
PIPE_OBJS := $(call obj,tools/pipe_world.c)
BINS += $(PIPE_CL)
CHECKS += check-pipeline-closedloop

$(PIPE_CL): $(call obj,tools/spinal-closedloop.c) $(PIPE_OBJS) $(LIBRT) $(LIBAGENT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(AGENT_LIBS) $(LDLIBS_BASE) -o $@

.PHONY: check-pipeline-closedloop train-policy
check-pipeline-closedloop: $(PIPE_CL)
	$(PIPE_CL) --model data/models/default.nir --pairs 50 --seed 1 --require-rate 0.9 -q

train-policy: $(PIPE_CL)
	$(PYTHON3) tools/train_policy.py --closedloop $(PIPE_CL) --work $(O)/train \
		--out data/models/default.nir

PIPE_REPLAY := $(O)/bin/spinal-replay
BINS += $(PIPE_REPLAY)
CHECKS += check-pipeline-replay

$(PIPE_REPLAY): $(call obj,tools/spinal-replay.c) $(PIPE_OBJS) $(LIBRT) $(LIBAGENT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(AGENT_LIBS) $(LDLIBS_BASE) -o $@

.PHONY: check-pipeline-replay
check-pipeline-replay: $(PIPE_CL) $(PIPE_REPLAY)
	O=$(O) tests/integration/pipeline_replay.sh
