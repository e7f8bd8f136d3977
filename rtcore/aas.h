/* SPDX-License-Identifier: MIT */
/*
 * AAS: arbitration and safety.  Chooses between the policy and the classical
 * follower (low-confidence hand-over with hysteresis), forces zero on every
 * stop condition and clamps speed, angular speed, acceleration and jerk.
 * Every intervention sets a bit (enum spinal_aas_reason) in the returned mask.
 *
 * Stop conditions (command exactly zero, ramp state reset, no accel limit:
 * the driver's own braking applies): e-stop, stale state, safe-stop latch
 * (overrun), a fault the driver reports (hardware e-stop, bumper, motor
 * fault, localisation lost), NaN/Inf from the policy, goal reached, no policy.  See
 * docs/pipeline.md for the rule table.
 */
#ifndef SPINAL_RTCORE_AAS_H
#define SPINAL_RTCORE_AAS_H

#include <stdint.h>

#include "rtcore/io.h"

struct aas_limits {
	float v_max;     /* |v| <= v_max, m/s */
	float omega_max; /* |omega| <= omega_max, rad/s */
	float accel_max; /* |dv/dt|, m/s^2 */
	float alpha_max; /* |domega/dt|, rad/s^2 */
	float jerk_max;  /* |d2v/dt2|, m/s^3; 0 = no jerk limit */
	float ajerk_max; /* |d2omega/dt2|, rad/s^3; 0 = no limit */
};

struct aas_cfg {
	struct aas_limits hard; /* from spinal-core's command line */
	float dt;               /* loop period, s */
	uint64_t stale_ns;      /* state older than this: stop; > 0 (there is no
				 * "never" value: the stale check is always on) */
	float goal_tol;         /* goal reached within this distance, m */
	float conf_low;         /* confidence below this ... */
	uint32_t low_ticks;     /* ... for this many ticks: follower takes over */
	float conf_high;        /* confidence at or above this ... */
	uint32_t high_ticks;    /* ... for this many ticks: policy back */
};

/* What AAS looks at in one tick. */
struct aas_in {
	uint64_t now_ns;
	uint64_t state_stamp_ns;
	int state_ok;          /* 0: the backend had no valid sample (torn/none) */
	float goal_dist;       /* m; NaN: no goal */
	float goal_x, goal_y;  /* identity of the goal (resets the goal latch) */
	int estop;             /* e-stop set through the config ring */
	uint32_t safe_stop;    /* SPINAL_SAFE_STOP_* latch */
	uint32_t faults;       /* SPINAL_IO_SF_* of the state sample: each one stops */
	int have_policy;       /* a model produced pol_* this tick */
	float pol_v, pol_omega, conf;
	int have_fallback;     /* the follower produced fb_* */
	float fb_v, fb_omega;
};

struct aas {
	struct aas_cfg cfg;
	struct aas_limits lim;  /* effective: hard, narrowed by the agent */
	struct spinal_cmd prev; /* last command written */
	float prev_a, prev_alpha; /* last accelerations, for the jerk limit */
	int fallback;           /* follower in charge */
	uint32_t low_run, high_run;
	int goal_latched;
	float goal_x, goal_y;
};

/* Defaults for everything but the hard limits and dt. */
void aas_cfg_defaults(struct aas_cfg *c);

/* Validate and initialise.  Any thread, before use.  0 or -EINVAL (a hard
 * limit NaN/negative, accel or alpha 0, dt <= 0, stale_ns 0, ...). */
int aas_init(struct aas *a, const struct aas_cfg *cfg);

/*
 * aas_narrow - the agent's limits: each effective limit becomes
 * min(hard, req); a request can never raise a hard limit.  Fields <= 0 or
 * non-finite in @req leave that limit at its hard value (jerk: 0 = keep).
 * RT-safe.  Returns 0, or -EINVAL if a field is NaN/negative (nothing applied).
 */
int aas_narrow(struct aas *a, const struct aas_limits *req);

/* Forget the ramp state (after a stop or a reset).  RT-safe. */
void aas_reset_motion(struct aas *a);

/*
 * aas_step - decide this tick's command.  RT-safe, pure apart from @a.
 * Writes *cmd and ORs SPINAL_TF_* into *flags; returns the reason mask.
 */
uint32_t aas_step(struct aas *a, const struct aas_in *in, struct spinal_cmd *cmd,
		  uint32_t *flags);

/* Clamp (v, omega) toward @prev under @lim over @dt with jerk state
 * (*a_prev, *alpha_prev).  An axis whose @prev is above its @lim speed (the
 * limit was just narrowed) comes down under the @hard accel/jerk instead, so
 * a narrowed ramp never holds it above the limit.  Pure, RT-safe.  Returns
 * the clamp reason bits. */
uint32_t aas_clamp(const struct aas_limits *lim, const struct aas_limits *hard,
		   const struct spinal_cmd *prev, float dt, float *a_prev, float *alpha_prev,
		   struct spinal_cmd *cmd);

#endif /* SPINAL_RTCORE_AAS_H */
