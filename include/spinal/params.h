/* SPDX-License-Identifier: MIT */
/*
 * Meaning of the values of a PARAMS_SET message (struct spinal_cfg_params in
 * config.h), version 1.  The agent sends count = SPINAL_PARAM_COUNT values,
 * value[i] for enum spinal_param i; each message is a whole set: a value < 0
 * (SPINAL_PARAM_UNSET) means "not narrowed: the core's own value".
 * Limits only narrow the core's hard limits from its command line (AAS
 * aas_narrow()); they never raise them.  params_id is the agent's id for the
 * set (non-zero), echoed in spinal_stats.params_id and telemetry.
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

#endif /* SPINAL_PARAMS_H */
