# SPS: spiking policy engine (rtcore/sps*.c), NIR import (userspace/nir*.c),
# spinal-model, conformance tests, blob fuzzer, benchmark.  See docs/model.md.
#
#   make check-sps-conformance  C engine vs tools/nir_ref.py, every node type
#   make check-sps-nir          malformed NIR files give clear errors
#   make check-frameworks       snnTorch, Rockpool, Sinabs: each framework's own
#                               exporter and simulator vs the C engine, 1000
#                               steps per case (venvs: tools/pyenv); the table
#                               goes to build/frameworks.md (docs/model.md)
#   make check-frameworks-long  the same over 20000 steps
#   make check-sps-fuzz         short libFuzzer run of the blob validator
#   make fuzz-sps-long          long fuzz run (FUZZ_SECONDS, default 600)
#   make bench-sps              SPS step timings (printed, not asserted)

HDF5_PC     := $(shell pkg-config --exists hdf5-serial 2>/dev/null && echo hdf5-serial || echo hdf5)
HDF5_CFLAGS := $(shell pkg-config --cflags $(HDF5_PC) 2>/dev/null || echo -I/usr/include/hdf5/serial)
HDF5_LIBS   := $(shell pkg-config --libs $(HDF5_PC) 2>/dev/null || echo -L/usr/lib/x86_64-linux-gnu/hdf5/serial -lhdf5)
AGENT_LIBS  += $(HDF5_LIBS)

$(call obj,userspace/nir.c) $(call obj,userspace/nir_lower.c): ALL_CFLAGS += $(HDF5_CFLAGS)
# The step kernels: let the vectoriser work on whole loops.
$(call obj,rtcore/sps.c): ALL_CFLAGS += -O3

PYTHON3 ?= /usr/bin/python3
SPS_MODEL := $(O)/bin/spinal-model
SPS_BENCH := $(O)/bin/bench-sps
BINS += $(SPS_MODEL) $(SPS_BENCH)
INSTALL_BINS += spinal-model
CHECKS += check-sps-conformance check-sps-nir check-sps-fuzz check-frameworks
SAN_CHECKS += check-sps-conformance check-sps-nir
BENCHES += bench-sps

$(SPS_MODEL): $(call obj,tools/spinal-model.c) $(LIBRT) $(LIBAGENT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(AGENT_LIBS) $(LDLIBS_BASE) -o $@

$(SPS_BENCH): $(call obj,tools/bench-sps.c) $(LIBRT) $(LIBSPINAL)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) $^ $(LDLIBS_BASE) -o $@

.PHONY: check-sps-conformance check-sps-nir check-sps-fuzz fuzz-sps-long bench-sps
check-sps-conformance: $(SPS_MODEL)
	$(PYTHON3) tests/conformance/run.py --model $(SPS_MODEL) --work $(O)/conformance

.PHONY: check-frameworks check-frameworks-long
check-frameworks: $(SPS_MODEL)
	$(PYTHON3) tests/conformance/frameworks.py --model $(SPS_MODEL) --work $(O)/frameworks \
		--table $(O)/frameworks.md

check-frameworks-long: $(SPS_MODEL)
	$(PYTHON3) tests/conformance/frameworks.py --model $(SPS_MODEL) --work $(O)/frameworks-long \
		--steps 20000 --table $(O)/frameworks-long.md

check-sps-nir: $(SPS_MODEL)
	$(PYTHON3) tests/conformance/malformed.py --model $(SPS_MODEL) --work $(O)/nir-malformed

# libFuzzer: built with clang straight from the sources (own sanitizers).
FUZZ_CC      ?= clang
FUZZ_BIN     := $(O)/fuzz/fuzz_model_blob
FUZZ_SRCS    := tests/fuzz/fuzz_model_blob.c rtcore/sps_validate.c rtcore/sps_plan.c rtcore/sps.c
FUZZ_SECONDS ?= 600

$(FUZZ_BIN): $(FUZZ_SRCS) include/spinal/model_blob.h rtcore/sps.h rtcore/sps_impl.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu11 -D_GNU_SOURCE -Iinclude -I. -g -O1 \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		$(FUZZ_SRCS) -lnuma -lm -o $@

check-sps-fuzz: $(FUZZ_BIN) $(SPS_MODEL)
	@mkdir -p $(O)/fuzz/corpus
	$(PYTHON3) tests/fuzz/seed_corpus.py --model $(SPS_MODEL) --out $(O)/fuzz/corpus
	set -o pipefail; $(FUZZ_BIN) -max_total_time=20 -max_len=65536 -print_final_stats=1 $(O)/fuzz/corpus 2>&1 | tail -n 12

fuzz-sps-long: $(FUZZ_BIN) $(SPS_MODEL)
	@mkdir -p $(O)/fuzz/corpus
	$(PYTHON3) tests/fuzz/seed_corpus.py --model $(SPS_MODEL) --out $(O)/fuzz/corpus
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=1048576 $(O)/fuzz/corpus

bench-sps: $(SPS_BENCH)
	$(SPS_BENCH)
