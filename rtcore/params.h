/* SPDX-License-Identifier: MIT */
/*
 * Agent-requested policy parameters (PARAMS_SET, include/spinal/params.h),
 * published through RCU like the model and adopted by the RT thread between
 * two ticks.  Parameters can only make the core stricter: speed, angular
 * speed, acceleration, jerk and stale-state age become min(hard, request);
 * the hand-over confidence becomes max(core, request); the goal tolerance
 * min(core, request).  The hard values come from spinal-core's command line.
 * An axis above a just-narrowed speed limit comes down at the core's own
 * acceleration (aas_clamp()), whatever acceleration the set narrows to.
 */
#ifndef SPINAL_PARAMS_RCU_H
#define SPINAL_PARAMS_RCU_H

#include <stdint.h>

#include <spinal/config.h>
#include <spinal/params.h>
#include <spinal/stats.h>

#include "rtcore/cfg_validate.h"
#include "rtcore/rcu.h"
#include "rtcore/updater.h"

struct pipeline;

struct spinal_params {
	struct rcu_head rcu;
	uint32_t params_id;
	float value[SPINAL_PARAM_COUNT]; /* SPINAL_PARAM_UNSET: core's own value */
};

extern struct spinal_params *spinal_params_cur;

/* RCU reader (RT thread): the current parameter set or NULL.  RT-safe. */
static inline struct spinal_params *spinal_params_current(void)
{
	struct spinal_params *p = rcu_dereference(spinal_params_cur);

	SPINAL_TSAN_ACQUIRE(p);
	return p;
}

/*
 * spinal_params_check - validate a PARAMS_SET payload (already through
 * spinal_cfg_validate_msg(): length, finite values).  Any thread, pure.
 * Returns 0 or SPINAL_CFG_REJECT(reason): RANGE for a value that is neither
 * SPINAL_PARAM_UNSET-like (< 0) nor in [spinal_param_min, spinal_param_max],
 * a count above SPINAL_PARAM_COUNT or a params_id of 0; NOT_FINITE for NaN
 * or Inf.  @why (may be NULL) gets the parameter, its value and the bound.
 */
int spinal_params_check(const struct spinal_cfg_params *pa, struct spinal_cfg_why *why);

/* Handler for SPINAL_CFG_PARAMS_SET (updater thread). ctx: struct spinal_stats *. */
int spinal_params_handler(struct spinal_updater *u, const struct spinal_cfg_msg *m, void *ctx);

/*
 * spinal_params_apply - make @pl's effective limits the hard ones narrowed
 * by @p (NULL: the hard ones).  RT thread, between ticks.  RT-safe.  Safe on
 * any @p contents, checked or not: a value outside its range is ignored, and
 * every effective limit stays in (0, the core's own] (jerk: a hard 0 = "no
 * jerk limit" may become a positive limit), the stale-state age in
 * [1 ns, core's own], the goal tolerance <= the core's, the hand-over
 * confidence >= the core's.
 */
void spinal_params_apply(struct pipeline *pl, const struct spinal_params *p);

/* Unpublish and free.  Main thread, after the RT thread and updater stopped. */
void spinal_params_release(void);

#endif
