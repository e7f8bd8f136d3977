// SPDX-License-Identifier: MIT
/*
 * Agent-requested parameters, narrowed into the AAS limits (see params.h).
 *
 * Two independent guards keep every check enabled:
 *   spinal_params_check()  rejects any value outside spinal_param_min/max()
 *                          (include/spinal/params.h), naming value and bound;
 *   spinal_params_apply()  trusts nothing it is given: a value outside its
 *                          range counts as unset, every conversion rounds
 *                          toward the stricter side, and every result is
 *                          clamped into (0, the core's own value].
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rtcore/cfg_validate.h"
#include "rtcore/params.h"
#include "rtcore/pipeline.h"

struct spinal_params *spinal_params_cur;

int spinal_params_check(const struct spinal_cfg_params *pa, struct spinal_cfg_why *why)
{
	uint32_t i;

	if (pa->params_id == 0) {
		spinal_cfg_why_set(why, SPINAL_CFG_D_PARAM_ID, 0, 0, 0,
				   "params_id 0 (the agent must name the set)");
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE);
	}
	if (pa->count > SPINAL_PARAM_COUNT) {
		spinal_cfg_why_set(why, SPINAL_CFG_D_PARAM_COUNT, 0, pa->count, SPINAL_PARAM_COUNT,
				   "%u values, this core knows %u parameters", pa->count,
				   SPINAL_PARAM_COUNT);
		return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE);
	}
	for (i = 0; i < pa->count; i++) {
		float v = pa->value[i], lo = spinal_param_min(i), hi = spinal_param_max(i);

		if (!isfinite(v)) {
			spinal_cfg_why_set(why, SPINAL_CFG_D_PARAM_NOT_FINITE, i, v, 0, "%s = %g",
					   spinal_param_name(i), (double)v);
			return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_NOT_FINITE);
		}
		if (v < 0)
			continue; /* unset: the core's own value (-0 is not < 0: a value) */
		if (v < lo) {
			spinal_cfg_why_set(why, SPINAL_CFG_D_PARAM_LOW, i, v, lo,
					   "%s = %g is below the minimum %g", spinal_param_name(i),
					   (double)v, (double)lo);
			return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE);
		}
		if (v > hi) {
			spinal_cfg_why_set(why, SPINAL_CFG_D_PARAM_HIGH, i, v, hi,
					   "%s = %g is above the maximum %g", spinal_param_name(i),
					   (double)v, (double)hi);
			return SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE);
		}
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

	memcpy(&pa, m->payload, m->len < sizeof(pa) ? m->len : sizeof(pa));
	rc = spinal_params_check(&pa, spinal_updater_why(u));
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

/* The requested value of @i, or @hard when the set leaves it unset or the
 * value is outside its range (the apply path trusts no caller). */
static inline float req(const struct spinal_params *p, enum spinal_param i, float hard)
{
	return p && spinal_param_in_range(i, p->value[i]) ? p->value[i] : hard;
}

/* min(hard, want) for a limit where smaller is stricter; never above @hard,
 * never NaN.  A request cannot turn a hard limit of 0 ("no limit", jerk
 * only) into anything but a positive limit. */
static inline float narrow_min(float hard, float want)
{
	if (!(want > 0.0f))
		return hard;
	if (hard == 0.0f)
		return want;
	return want < hard ? want : hard;
}

/*
 * Stale-state age: ms (float) -> ns, rounded down (a shorter timeout is the
 * stricter one), at least 1 ns, at most the core's own.  No input reaches
 * "no stale check": AAS has no such value (aas.h).
 */
static inline uint64_t narrow_stale_ns(uint64_t hard_ns, float ms)
{
	double ns;

	if (!spinal_param_in_range(SPINAL_PARAM_STALE_STATE_MS, ms))
		return hard_ns;
	ns = floor((double)ms * 1e6);
	if (!(ns >= 1.0))
		ns = 1.0;
	if (ns >= (double)hard_ns)
		return hard_ns;
	return (uint64_t)ns;
}

void spinal_params_apply(struct pipeline *pl, const struct spinal_params *p)
{
	struct aas_cfg *c = &pl->aas.cfg;
	const struct aas_cfg *core = &pl->aas_core;
	const struct aas_limits *h = &core->hard;
	struct aas_limits r = {
		.v_max = narrow_min(h->v_max, req(p, SPINAL_PARAM_MAX_SPEED, h->v_max)),
		.omega_max = narrow_min(h->omega_max, req(p, SPINAL_PARAM_MAX_OMEGA, h->omega_max)),
		.accel_max = narrow_min(h->accel_max, req(p, SPINAL_PARAM_MAX_ACCEL, h->accel_max)),
		.alpha_max = h->alpha_max,
		.jerk_max = narrow_min(h->jerk_max, req(p, SPINAL_PARAM_MAX_JERK, h->jerk_max)),
		.ajerk_max = h->ajerk_max,
	};
	float v;

	*c = *core;
	/* every field is finite and >= 0 here: aas_narrow() cannot refuse */
	(void)aas_narrow(&pl->aas, &r);
	if (p) {
		v = req(p, SPINAL_PARAM_GOAL_TOLERANCE, core->goal_tol);
		if (v < c->goal_tol)
			c->goal_tol = v;
		c->stale_ns = narrow_stale_ns(core->stale_ns, p->value[SPINAL_PARAM_STALE_STATE_MS]);
		v = req(p, SPINAL_PARAM_MIN_CONFIDENCE, core->conf_low);
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
