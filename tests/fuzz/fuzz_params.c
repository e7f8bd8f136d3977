// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: PARAMS_SET end to end through the core's pure parts
 * (issue 12 item 1): the message validator (rtcore/cfg_validate.c), the
 * parameter check and the narrowing into the AAS limits (rtcore/params.c,
 * rtcore/aas.c).  Input: 1 byte choosing the core's own limits, then the
 * payload (params_id, count, values as raw float bits).  Invariants, for the
 * checked path and for the apply path fed the raw values unchecked: every
 * effective limit finite and within the core's own, the stale-state age in
 * [1 ns, core's own] (never "off"), goal tolerance <= the core's, hand-over
 * confidence >= the core's; an accepted set holds only values in range; a
 * refused one says which value broke which bound.  Built by mk/config.mk.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/config.h>
#include <spinal/params.h>

#include "rtcore/aas.h"
#include "rtcore/cfg_validate.h"
#include "rtcore/params.h"
#include "rtcore/pipeline.h"

/* Link stand-in: the handler (never called here) asks the updater for it. */
struct spinal_cfg_why *spinal_updater_why(struct spinal_updater *u)
{
	(void)u;
	return NULL;
}

static const struct aas_limits hards[4] = {
	{ 1.0f, 2.0f, 2.0f, 8.0f, 0.0f, 0.0f },
	{ 0.3f, 0.5f, 0.5f, 1.0f, 5.0f, 20.0f },
	{ 100.0f, 100.0f, 1000.0f, 1000.0f, 100000.0f, 0.0f },
	{ 0.0f, 0.0f, 0.01f, 0.01f, 0.0f, 0.0f },
};
static const uint64_t stales[4] = { 50000000ull, 1000000ull, 60000000000ull, 1ull };

static void check(const struct pipeline *pl)
{
	const struct aas_cfg *core = &pl->aas_core, *c = &pl->aas.cfg;
	const struct aas_limits *h = &core->hard, *l = &pl->aas.lim;

	if (!(isfinite(l->v_max) && l->v_max >= 0 && l->v_max <= h->v_max) ||
	    !(isfinite(l->omega_max) && l->omega_max >= 0 && l->omega_max <= h->omega_max) ||
	    !(isfinite(l->accel_max) && l->accel_max > 0 && l->accel_max <= h->accel_max) ||
	    l->alpha_max != h->alpha_max || l->ajerk_max != h->ajerk_max ||
	    !(isfinite(l->jerk_max) && l->jerk_max >= 0) ||
	    (h->jerk_max > 0 && !(l->jerk_max > 0 && l->jerk_max <= h->jerk_max)) ||
	    !(c->stale_ns >= 1 && c->stale_ns <= core->stale_ns) ||
	    !(isfinite(c->goal_tol) && c->goal_tol <= core->goal_tol) ||
	    !(isfinite(c->conf_low) && c->conf_low >= core->conf_low && c->conf_low <= 1.0f) ||
	    !(c->conf_high >= c->conf_low && c->conf_high >= core->conf_high))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pipeline pl;
	struct spinal_cfg_msg m = { .magic = SPINAL_CFG_MAGIC, .type = SPINAL_CFG_PARAMS_SET,
				    .seq = 1 };
	struct spinal_cfg_params pa = { 0 };
	struct spinal_params p = { 0 };
	struct spinal_cfg_why why = { 0 };
	struct aas_cfg ac;
	unsigned int k = 0, i;
	int rc;

	if (size) {
		k = data[0] & 3;
		data++;
		size--;
	}
	aas_cfg_defaults(&ac);
	ac.hard = hards[k];
	ac.dt = 0.001f;
	ac.stale_ns = stales[k];
	ac.goal_tol = k == 1 ? 0.001f : 0.1f;
	if (aas_init(&pl.aas, &ac))
		abort();
	pl.aas_core = pl.aas.cfg;

	memcpy(&pa, data, size < sizeof(pa) ? size : sizeof(pa));
	/* the raw values, unchecked, straight into the apply path */
	p.params_id = pa.params_id;
	for (i = 0; i < SPINAL_PARAM_COUNT; i++)
		p.value[i] = pa.value[i];
	spinal_params_apply(&pl, &p);
	check(&pl);

	/* the message as the updater sees it, then the check, then apply */
	m.len = (uint32_t)(size < SPINAL_CFG_PAYLOAD_MAX ? size : SPINAL_CFG_PAYLOAD_MAX);
	memcpy(m.payload, data, m.len);
	rc = spinal_cfg_validate_msg(&m, 0, 0, &why);
	if (rc) {
		if (why.detail == SPINAL_CFG_D_NONE || !why.text[0])
			abort();
		return 0;
	}
	memset(&why, 0, sizeof(why));
	rc = spinal_params_check(&pa, &why);
	if (rc) {
		if (why.detail < SPINAL_CFG_D_PARAM_LOW || why.detail > SPINAL_CFG_D_PARAM_ID ||
		    !why.text[0])
			abort();
		return 0;
	}
	if (pa.params_id == 0 || pa.count > SPINAL_PARAM_COUNT)
		abort();
	for (i = 0; i < SPINAL_PARAM_COUNT; i++) {
		p.value[i] = i < pa.count ? pa.value[i] : SPINAL_PARAM_UNSET;
		if (!(p.value[i] < 0) && !spinal_param_in_range(i, p.value[i]))
			abort();
	}
	spinal_params_apply(&pl, &p);
	check(&pl);
	spinal_params_apply(&pl, NULL);
	check(&pl);
	return 0;
}
