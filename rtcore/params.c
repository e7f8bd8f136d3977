// SPDX-License-Identifier: MIT
/* Agent-requested parameters, narrowed into the AAS limits (see params.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rtcore/cfg_validate.h"
#include "rtcore/params.h"
#include "rtcore/pipeline.h"

struct spinal_params *spinal_params_cur;

/* Upper bound of each value's range (lower bound: > 0 except confidence >= 0). */
static const float param_max[SPINAL_PARAM_COUNT] = {
	[SPINAL_PARAM_MAX_SPEED] = 100.0f,
	[SPINAL_PARAM_MAX_OMEGA] = 100.0f,
	[SPINAL_PARAM_MAX_ACCEL] = 1000.0f,
	[SPINAL_PARAM_MAX_JERK] = 100000.0f,
	[SPINAL_PARAM_GOAL_TOLERANCE] = 100.0f,
	[SPINAL_PARAM_MIN_CONFIDENCE] = 1.0f,
	[SPINAL_PARAM_STALE_STATE_MS] = 60000.0f,
};

int spinal_params_check(const struct spinal_cfg_params *pa)
{
	uint32_t i;

	if (pa->params_id == 0 || pa->count > SPINAL_PARAM_COUNT)
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE);
	for (i = 0; i < pa->count; i++) {
		float v = pa->value[i];
		int zero_ok = i == SPINAL_PARAM_MIN_CONFIDENCE;

		if (!isfinite(v))
			return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_NOT_FINITE);
		if (v < 0)
			continue; /* unset: the core's own value */
		if ((v == 0 && !zero_ok) || v > param_max[i])
			return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE);
	}
	return 0;
}

static void params_free_rcu(struct rcu_head *head)
{
	spinal_rcu_reclaim_begin();
	free(caa_container_of(head, struct spinal_params, rcu));
}

int spinal_params_handler(struct spinal_updater *u, const struct spinal_cfg_msg *m, void *ctx)
{
	struct spinal_stats *stats = ctx;
	struct spinal_cfg_params pa = { 0 };
	struct spinal_params *p, *old;
	uint32_t i;
	int rc;

	(void)u;
	memcpy(&pa, m->payload, m->len < sizeof(pa) ? m->len : sizeof(pa));
	rc = spinal_params_check(&pa);
	if (rc)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p)
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_NOMEM);
	p->params_id = pa.params_id;
	for (i = 0; i < SPINAL_PARAM_COUNT; i++)
		p->value[i] = i < pa.count ? pa.value[i] : SPINAL_PARAM_UNSET;
	SPINAL_TSAN_RELEASE(p);
	old = rcu_xchg_pointer(&spinal_params_cur, p);
	if (old)
		call_rcu(&old->rcu, params_free_rcu);
	if (stats)
		atomic_store_explicit(&stats->params_id, p->params_id, memory_order_relaxed);
	return 0;
}

/* The requested value, or @hard when the set leaves it unset: a no-op narrowing. */
static inline float req(const struct spinal_params *p, enum spinal_param i, float hard)
{
	return p && p->value[i] > 0 ? p->value[i] : hard;
}

void spinal_params_apply(struct pipeline *pl, const struct spinal_params *p)
{
	struct aas_cfg *c = &pl->aas.cfg;
	const struct aas_limits *h = &pl->aas_core.hard;
	struct aas_limits r = {
		.v_max = req(p, SPINAL_PARAM_MAX_SPEED, h->v_max),
		.omega_max = req(p, SPINAL_PARAM_MAX_OMEGA, h->omega_max),
		.accel_max = req(p, SPINAL_PARAM_MAX_ACCEL, h->accel_max),
		.alpha_max = h->alpha_max,
		.jerk_max = req(p, SPINAL_PARAM_MAX_JERK, h->jerk_max),
		.ajerk_max = h->ajerk_max,
	};
	float v;

	*c = pl->aas_core;
	(void)aas_narrow(&pl->aas, &r); /* values were range-checked by the handler */
	if (p) {
		v = p->value[SPINAL_PARAM_GOAL_TOLERANCE];
		if (v > 0 && v < c->goal_tol)
			c->goal_tol = v;
		v = p->value[SPINAL_PARAM_STALE_STATE_MS];
		if (v > 0 && (c->stale_ns == 0 || (uint64_t)(v * 1e6f) < c->stale_ns))
			c->stale_ns = (uint64_t)(v * 1e6f);
		v = p->value[SPINAL_PARAM_MIN_CONFIDENCE];
		if (v > c->conf_low)
			c->conf_low = v;
		if (c->conf_high < c->conf_low)
			c->conf_high = c->conf_low;
	}
	pl->params_id = p ? p->params_id : 0;
}

void spinal_params_release(void)
{
	free(rcu_xchg_pointer(&spinal_params_cur, NULL));
}
