/* SPDX-License-Identifier: MIT */
/*
 * Meaning of the values of a PARAMS_SET message (struct spinal_cfg_params in
 * config.h), version 1.  The agent sends count = SPINAL_PARAM_COUNT values,
 * value[i] for enum spinal_param i; each message is a whole set: a value < 0
 * (SPINAL_PARAM_UNSET) means "not narrowed: the core's own value".
 * Any other value must lie in [spinal_param_min(i), spinal_param_max(i)]
 * (-0, NaN, +-Inf, denormals and every value below the minimum are rejected
 * with reason "range" or "not_finite"; the verdict names the value and the
 * bound).  Limits only narrow the core's hard limits from its command line
 * (rtcore/params.c, AAS aas_narrow()); they never raise them, and no value
 * reaches a "disabled" state of any check (docs/abi-config.md).  params_id is
 * the agent's id for the set (non-zero), echoed in spinal_stats.params_id
 * and telemetry.
 */
#ifndef SPINAL_PARAMS_H
#define SPINAL_PARAMS_H

enum spinal_param {
	SPINAL_PARAM_MAX_SPEED = 0,      /* m/s */
	SPINAL_PARAM_MAX_OMEGA = 1,      /* rad/s */
	SPINAL_PARAM_MAX_ACCEL = 2,      /* m/s^2 */
	SPINAL_PARAM_MAX_JERK = 3,       /* m/s^3 */
	SPINAL_PARAM_GOAL_TOLERANCE = 4, /* m */
	SPINAL_PARAM_MIN_CONFIDENCE = 5, /* 0..1: policy confidence for the follower hand-over */
	SPINAL_PARAM_STALE_STATE_MS = 6, /* ms */
	SPINAL_PARAM_COUNT = 7,
};

#define SPINAL_PARAM_UNSET (-1.0f)

/* Key names, as in the agent's [core] config section and POST /params. */
static inline const char *spinal_param_name(unsigned int p)
{
	static const char *const names[SPINAL_PARAM_COUNT] = {
		"max_speed", "max_omega", "max_accel", "max_jerk", "goal_tolerance",
		"min_confidence", "stale_state_ms",
	};
	return p < SPINAL_PARAM_COUNT ? names[p] : "?";
}

/*
 * The accepted range of each value (inclusive).  The minimums keep every
 * check meaningful: a speed or acceleration limit below them would freeze
 * the robot rather than limit it, a goal tolerance below 1 mm (the core's own
 * --goal-tol floor) would never trigger the goal stop, and a stale-state age
 * below 1 ms is below what any driver delivers.  Units as in enum spinal_param.
 */
static inline float spinal_param_min(unsigned int p)
{
	static const float lo[SPINAL_PARAM_COUNT] = {
		0.001f, 0.001f, 0.01f, 0.1f, 0.001f, 0.0f, 1.0f,
	};
	return p < SPINAL_PARAM_COUNT ? lo[p] : 0.0f;
}

static inline float spinal_param_max(unsigned int p)
{
	static const float hi[SPINAL_PARAM_COUNT] = {
		100.0f, 100.0f, 1000.0f, 100000.0f, 100.0f, 1.0f, 60000.0f,
	};
	return p < SPINAL_PARAM_COUNT ? hi[p] : 0.0f;
}

/* 1 if @v is a value (not unset) inside the range of parameter @p.  Pure. */
static inline int spinal_param_in_range(unsigned int p, float v)
{
	return p < SPINAL_PARAM_COUNT && v >= spinal_param_min(p) && v <= spinal_param_max(p);
}

#endif /* SPINAL_PARAMS_H */
