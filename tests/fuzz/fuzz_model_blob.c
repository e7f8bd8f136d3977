// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the model blob: validator, cost model, budgets, plan
 * compiler and step engine.  Whatever the bytes, sps_plan_create() either
 * refuses them with a reason or returns a plan that steps without touching
 * memory it does not own (ASan/UBSan watch); sps_plan_create_bounded() with
 * the core's 1 kHz budgets accepts only plans within them (work, memory,
 * 2..3 outputs) and every refusal is true; the cost model's arena size is the
 * plan's exactly (shared ranges counted once).  Built by mk/sps.mk with
 * clang -fsanitize=fuzzer; seeds: tests/fuzz/seed_corpus.py.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtcore/sps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct sps_plan *pl;
	float in[4096], out[4096];
	size_t nin, nout;

	struct sps_limits lim = { .max_macs = 500000, .max_arena_bytes = 64u << 20,
				  .period_us = 1000, .min_outputs = 2, .max_outputs = 3 };
	struct sps_cost cost;

	/* the core's path: budgets checked before the plan is allocated */
	pl = sps_plan_create_bounded(data, size, -1, &lim, &cost, err, sizeof(err));
	if (pl) {
		if (cost.refusal != SPS_REFUSE_NONE || cost.macs > lim.max_macs ||
		    cost.arena_bytes > lim.max_arena_bytes ||
		    sps_plan_bytes(pl) != cost.arena_bytes ||
		    sps_plan_n_outputs(pl) < 2 || sps_plan_n_outputs(pl) > 3)
			abort();
		sps_plan_destroy(pl);
	} else if (!err[0] || cost.refusal == SPS_REFUSE_NONE ||
		   (cost.refusal == SPS_REFUSE_WORK && cost.macs <= lim.max_macs) ||
		   (cost.refusal == SPS_REFUSE_MEMORY &&
		    cost.arena_bytes <= lim.max_arena_bytes)) {
		abort(); /* a refusal always says why, and it is true */
	}
	pl = sps_plan_create(data, size, -1, err, sizeof(err));
	if (!pl) {
		if (!err[0] || (errno != EINVAL && errno != E2BIG &&
				errno != ENOMEM))
			abort(); /* a refusal always says why */
		return 0;
	}
	/* shared parameter ranges are laid out once: the sizing is exact */
	sps_blob_cost(data, &cost);
	if (cost.arena_bytes != sps_plan_bytes(pl))
		abort();
	nin = sps_plan_n_inputs(pl);
	nout = sps_plan_n_outputs(pl);
	if (nin <= 4096 && nout <= 4096) {
		for (int t = 0; t < 4; t++) {
			for (size_t i = 0; i < nin; i++)
				in[i] = (float)((i + t) % 3) - 0.5f;
			int r = sps_plan_step(pl, in, nin, out, nout);

			if (r && r != -EDOM)
				abort();
		}
		struct sps_readout ro;
		const float *ci, *co;

		(void)sps_readout(pl, &ro);
		(void)sps_plan_context(pl, 1, &ci, &co);
		if (sps_plan_step(pl, in, nin + 1, out, nout) != -EINVAL)
			abort();
	}
	sps_plan_reset(pl);
	sps_plan_destroy(pl);
	return 0;
}
