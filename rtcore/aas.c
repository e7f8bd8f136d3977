// SPDX-License-Identifier: MIT
/* AAS: arbitration and safety (see aas.h and docs/pipeline.md). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include <spinal/io_shm.h>
#include <spinal/stats.h>
#include <spinal/telemetry.h>

#include "rtcore/aas.h"

#define BIT(r) (1u << (r))

void aas_cfg_defaults(struct aas_cfg *c)
{
	c->stale_ns = 50ull * 1000 * 1000;
	c->goal_tol = 0.1f;
	c->conf_low = 0.3f;
	c->low_ticks = 10;
	c->conf_high = 0.6f;
	c->high_ticks = 50;
}

static int lim_ok(const struct aas_limits *l)
{
	return isfinite(l->v_max) && l->v_max >= 0 && isfinite(l->omega_max) &&
	       l->omega_max >= 0 && isfinite(l->accel_max) && l->accel_max > 0 &&
	       isfinite(l->alpha_max) && l->alpha_max > 0 && isfinite(l->jerk_max) &&
	       l->jerk_max >= 0 && isfinite(l->ajerk_max) && l->ajerk_max >= 0;
}

int aas_init(struct aas *a, const struct aas_cfg *cfg)
{
	if (!lim_ok(&cfg->hard) || !(cfg->dt > 0) || !isfinite(cfg->dt) || cfg->stale_ns == 0 ||
	    !(cfg->goal_tol >= 0) || !isfinite(cfg->conf_low) || !isfinite(cfg->conf_high) ||
	    cfg->conf_high < cfg->conf_low)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->cfg = *cfg;
	a->lim = cfg->hard;
	a->goal_x = a->goal_y = NAN;
	return 0;
}

static float narrow1(float hard, float req, int zero_keeps)
{
	if (zero_keeps && req == 0.0f)
		return hard;
	if (hard == 0.0f && zero_keeps) /* no hard jerk limit: the agent may add one */
		return req;
	return req < hard ? req : hard;
}

int aas_narrow(struct aas *a, const struct aas_limits *req)
{
	const struct aas_limits *h = &a->cfg.hard;
	struct aas_limits n;

	if (!(req->v_max >= 0) || !(req->omega_max >= 0) || !(req->accel_max >= 0) ||
	    !(req->alpha_max >= 0) || !(req->jerk_max >= 0) || !(req->ajerk_max >= 0) ||
	    !isfinite(req->v_max) || !isfinite(req->omega_max) ||
	    !isfinite(req->accel_max) || !isfinite(req->alpha_max) ||
	    !isfinite(req->jerk_max) || !isfinite(req->ajerk_max))
		return -EINVAL;
	n.v_max = narrow1(h->v_max, req->v_max, 0);
	n.omega_max = narrow1(h->omega_max, req->omega_max, 0);
	/* a zero acceleration limit would freeze the robot: keep hard */
	n.accel_max = req->accel_max > 0 ? narrow1(h->accel_max, req->accel_max, 0) : h->accel_max;
	n.alpha_max = req->alpha_max > 0 ? narrow1(h->alpha_max, req->alpha_max, 0) : h->alpha_max;
	n.jerk_max = narrow1(h->jerk_max, req->jerk_max, 1);
	n.ajerk_max = narrow1(h->ajerk_max, req->ajerk_max, 1);
	a->lim = n;
	return 0;
}

void aas_reset_motion(struct aas *a)
{
	a->prev.v = a->prev.omega = 0.0f;
	a->prev_a = a->prev_alpha = 0.0f;
}

static inline float clampf(float v, float lim)
{
	return fmaxf(-lim, fminf(lim, v));
}

/*
 * One axis: from @prev toward @target with |rate| <= amax and, if jmax > 0,
 * |d rate| <= jmax dt.  With a jerk limit the rate is also shaped as
 * sqrt(2 jmax |error|) so that it can fall back to zero by the time the
 * target is reached (no overshoot from the jerk limit itself).
 */
static float axis(float prev, float target, float dt, float amax, float jmax, float *rate,
		  uint32_t *mask, uint32_t accel_bit, uint32_t jerk_bit)
{
	float err = target - prev, a = err / dt;

	if (fabsf(a) > amax) {
		a = copysignf(amax, a);
		*mask |= accel_bit;
	}
	if (jmax > 0.0f) {
		float shaped = sqrtf(2.0f * jmax * fabsf(err));
		float lo, hi;

		if (fabsf(a) > shaped)
			a = copysignf(shaped, a);
		lo = *rate - jmax * dt;
		hi = *rate + jmax * dt;
		if (a < lo || a > hi) {
			a = fmaxf(lo, fminf(hi, a));
			*mask |= jerk_bit;
		}
		/* never move away from the target (a rate left over from an
		 * earlier regime would overshoot it, even reverse the robot),
		 * never step past it in one tick */
		if (err >= 0 ? a < 0 : a > 0)
			a = 0.0f;
		else if ((err >= 0 && a * dt > err) || (err < 0 && a * dt < err))
			a = err / dt;
	}
	*rate = a;
	return prev + a * dt;
}

uint32_t aas_clamp(const struct aas_limits *lim, const struct aas_limits *hard,
		   const struct spinal_cmd *prev, float dt, float *a_prev, float *alpha_prev,
		   struct spinal_cmd *cmd)
{
	uint32_t mask = 0;
	float v = cmd->v, w = cmd->omega;
	int over_v = fabsf(prev->v) > lim->v_max, over_w = fabsf(prev->omega) > lim->omega_max;

	if (fabsf(v) > lim->v_max) {
		v = clampf(v, lim->v_max);
		mask |= BIT(SPINAL_AAS_CLAMP_SPEED);
	}
	if (fabsf(w) > lim->omega_max) {
		w = clampf(w, lim->omega_max);
		mask |= BIT(SPINAL_AAS_CLAMP_OMEGA);
	}
	/* above a (just narrowed) speed limit: come down as the core's own limits
	 * allow, so no narrowed ramp can hold the robot above the limit */
	if (over_v)
		mask |= BIT(SPINAL_AAS_CLAMP_SPEED);
	if (over_w)
		mask |= BIT(SPINAL_AAS_CLAMP_OMEGA);
	v = axis(prev->v, v, dt, over_v ? hard->accel_max : lim->accel_max,
		 over_v ? hard->jerk_max : lim->jerk_max, a_prev, &mask,
		 BIT(SPINAL_AAS_CLAMP_ACCEL), BIT(SPINAL_AAS_CLAMP_JERK));
	w = axis(prev->omega, w, dt, over_w ? hard->alpha_max : lim->alpha_max,
		 over_w ? hard->ajerk_max : lim->ajerk_max, alpha_prev, &mask,
		 BIT(SPINAL_AAS_CLAMP_ACCEL), BIT(SPINAL_AAS_CLAMP_JERK));
	cmd->v = v;
	cmd->omega = w;
	return mask;
}

/* Low-confidence hand-over with hysteresis. */
static void arbitrate(struct aas *a, const struct aas_in *in)
{
	const struct aas_cfg *c = &a->cfg;

	if (!in->have_policy)
		return;
	if (!a->fallback) {
		a->low_run = in->conf < c->conf_low ? a->low_run + 1 : 0;
		if (c->low_ticks && a->low_run >= c->low_ticks && in->have_fallback) {
			a->fallback = 1;
			a->high_run = 0;
		}
	} else {
		a->high_run = in->conf >= c->conf_high ? a->high_run + 1 : 0;
		if (a->high_run >= c->high_ticks) {
			a->fallback = 0;
			a->low_run = 0;
		}
	}
}

/* The driver's fault bits (SPINAL_IO_SF_*) as AAS reasons; unknown bits ignored. */
static uint32_t fault_reasons(uint32_t faults)
{
	uint32_t m = 0;

	if (faults & SPINAL_IO_SF_HW_ESTOP)
		m |= BIT(SPINAL_AAS_HW_ESTOP);
	if (faults & SPINAL_IO_SF_BUMPER)
		m |= BIT(SPINAL_AAS_BUMPER);
	if (faults & SPINAL_IO_SF_MOTOR_FAULT)
		m |= BIT(SPINAL_AAS_MOTOR_FAULT);
	if (faults & SPINAL_IO_SF_LOC_LOST)
		m |= BIT(SPINAL_AAS_LOC_LOST);
	return m;
}

static uint32_t stop_reasons(struct aas *a, const struct aas_in *in, uint32_t *flags)
{
	uint32_t m = 0;

	if (in->estop || (in->safe_stop & SPINAL_SAFE_STOP_ESTOP)) {
		m |= BIT(SPINAL_AAS_ESTOP);
		*flags |= SPINAL_TF_ESTOP;
	}
	/* no "never stale" value: stale_ns 0 would stop on any age (aas.h) */
	if (!in->state_ok || (in->now_ns > in->state_stamp_ns &&
			      in->now_ns - in->state_stamp_ns > a->cfg.stale_ns)) {
		m |= BIT(SPINAL_AAS_STALE_STATE);
		*flags |= SPINAL_TF_STATE_STALE;
	}
	if (in->safe_stop & ~SPINAL_SAFE_STOP_ESTOP) {
		m |= BIT(SPINAL_AAS_OVERRUN_STOP);
		*flags |= SPINAL_TF_SAFE_STOP;
	}
	m |= fault_reasons(in->faults);
	/* the goal latch holds until the goal moves */
	if (in->goal_x != a->goal_x || in->goal_y != a->goal_y) {
		a->goal_latched = 0;
		a->goal_x = in->goal_x;
		a->goal_y = in->goal_y;
	}
	if (isfinite(in->goal_dist) && in->goal_dist <= a->cfg.goal_tol)
		a->goal_latched = 1;
	if (a->goal_latched) {
		m |= BIT(SPINAL_AAS_GOAL_REACHED);
		*flags |= SPINAL_TF_GOAL_REACHED;
	}
	return m;
}

uint32_t aas_step(struct aas *a, const struct aas_in *in, struct spinal_cmd *cmd,
		  uint32_t *flags)
{
	uint32_t m = stop_reasons(a, in, flags);
	float v, w;

	arbitrate(a, in);
	if (a->fallback && in->have_fallback) {
		v = in->fb_v;
		w = in->fb_omega;
		m |= BIT(SPINAL_AAS_FALLBACK);
		*flags |= SPINAL_TF_FALLBACK;
	} else if (in->have_policy) {
		v = in->pol_v;
		w = in->pol_omega;
		if (!isfinite(v) || !isfinite(w) || !isfinite(in->conf))
			m |= BIT(SPINAL_AAS_NAN);
	} else {
		v = w = 0.0f;
		m |= BIT(SPINAL_AAS_NO_POLICY);
	}
	if (!isfinite(v) || !isfinite(w)) /* a follower never does, but never pass it on */
		m |= BIT(SPINAL_AAS_NAN);
	if (m & (BIT(SPINAL_AAS_ESTOP) | BIT(SPINAL_AAS_STALE_STATE) |
		 BIT(SPINAL_AAS_OVERRUN_STOP) | BIT(SPINAL_AAS_GOAL_REACHED) |
		 BIT(SPINAL_AAS_NAN) | BIT(SPINAL_AAS_NO_POLICY) | BIT(SPINAL_AAS_HW_ESTOP) |
		 BIT(SPINAL_AAS_BUMPER) | BIT(SPINAL_AAS_MOTOR_FAULT) | BIT(SPINAL_AAS_LOC_LOST))) {
		cmd->v = cmd->omega = 0.0f;
		aas_reset_motion(a);
		return m;
	}
	cmd->v = v;
	cmd->omega = w;
	m |= aas_clamp(&a->lim, &a->cfg.hard, &a->prev, a->cfg.dt, &a->prev_a, &a->prev_alpha,
		       cmd);
	a->prev = *cmd;
	return m;
}
