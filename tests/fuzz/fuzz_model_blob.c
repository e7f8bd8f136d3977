// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the model blob: validator, plan compiler and step
 * engine.  Whatever the bytes, sps_plan_create() either refuses them with a
 * reason or returns a plan that steps without touching memory it does not
 * own (ASan/UBSan watch).  Built by mk/sps.mk with clang -fsanitize=fuzzer.
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

	pl = sps_plan_create(data, size, -1, err, sizeof(err));
	if (!pl) {
		if (!err[0] || (errno != EINVAL && errno != E2BIG &&
				errno != ENOMEM))
			abort(); /* a refusal always says why */
		return 0;
	}
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
