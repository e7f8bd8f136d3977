// SPDX-License-Identifier: MIT
/* Unit tests: PARAMS_SET validation and narrowing (rtcore/params.c). */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rtcore/cfg_validate.h"
#include "rtcore/params.h"
#include "rtcore/pipeline.h"
#include "graph_testutil.h"

static void init_pipe(struct pipeline *pl)
{
	struct pipeline_cfg pc = {
		.period_ns = 1000000, .goal_tol = 0.2f, .stale_ns = 50000000,
		.lim = { .v_max = 1.0f, .omega_max = 2.0f, .accel_max = 2.0f, .alpha_max = 8.0f },
	};

	follower_defaults(&pc.fol);
	assert_int_equal(pipeline_init(pl, &pc), 0);
}

static struct spinal_params mk(uint32_t id, float speed, float omega, float accel, float jerk,
			       float tol, float conf, float stale)
{
	struct spinal_params p = { .params_id = id,
				   .value = { speed, omega, accel, jerk, tol, conf, stale } };
	return p;
}

static void test_check(void **state)
{
	struct spinal_cfg_params pa = { .params_id = 7, .count = SPINAL_PARAM_COUNT };
	int i;

	(void)state;
	for (i = 0; i < SPINAL_PARAM_COUNT; i++)
		pa.value[i] = SPINAL_PARAM_UNSET;
	assert_int_equal(spinal_params_check(&pa, NULL), 0);
	pa.value[SPINAL_PARAM_MAX_SPEED] = 0.5f;
	pa.value[SPINAL_PARAM_MIN_CONFIDENCE] = 0.0f; /* zero is a valid confidence */
	assert_int_equal(spinal_params_check(&pa, NULL), 0);
	pa.value[SPINAL_PARAM_MAX_SPEED] = 0.0f;      /* zero speed limit: use e-stop instead */
	assert_int_equal(spinal_params_check(&pa, NULL), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE));
	pa.value[SPINAL_PARAM_MAX_SPEED] = 1e9f;
	assert_int_equal(spinal_params_check(&pa, NULL), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE));
	pa.value[SPINAL_PARAM_MAX_SPEED] = NAN;
	assert_int_equal(spinal_params_check(&pa, NULL), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_NOT_FINITE));
	pa.value[SPINAL_PARAM_MAX_SPEED] = 0.5f;
	pa.value[SPINAL_PARAM_MIN_CONFIDENCE] = 1.5f;
	assert_int_equal(spinal_params_check(&pa, NULL), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE));
	pa.value[SPINAL_PARAM_MIN_CONFIDENCE] = 0.5f;
	pa.params_id = 0;
	assert_int_equal(spinal_params_check(&pa, NULL), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE));
	pa.params_id = 1;
	pa.count = SPINAL_PARAM_COUNT + 1;
	assert_int_equal(spinal_params_check(&pa, NULL), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE));
}

static void test_only_narrows(void **state)
{
	static struct pipeline pl;
	struct spinal_params p;

	(void)state;
	init_pipe(&pl);
	/* narrower speed, wider omega (ignored), stricter stale and confidence */
	p = mk(3, 0.4f, 5.0f, 1.0f, -1, 0.05f, 0.9f, 20);
	spinal_params_apply(&pl, &p);
	assert_float_equal(pl.aas.lim.v_max, 0.4f, 1e-6);
	assert_float_equal(pl.aas.lim.omega_max, 2.0f, 1e-6);
	assert_float_equal(pl.aas.lim.accel_max, 1.0f, 1e-6);
	assert_float_equal(pl.aas.cfg.goal_tol, 0.05f, 1e-6);
	assert_int_equal(pl.aas.cfg.stale_ns, 20000000);
	assert_float_equal(pl.aas.cfg.conf_low, 0.9f, 1e-6);
	assert_true(pl.aas.cfg.conf_high >= pl.aas.cfg.conf_low);
	assert_int_equal(pl.params_id, 3);
	/* asking for more than the hard limits changes nothing */
	p = mk(4, 10.0f, 10.0f, 100.0f, -1, 5.0f, 0.0f, 10000);
	spinal_params_apply(&pl, &p);
	assert_float_equal(pl.aas.lim.v_max, 1.0f, 1e-6);
	assert_float_equal(pl.aas.lim.accel_max, 2.0f, 1e-6);
	assert_float_equal(pl.aas.cfg.goal_tol, 0.2f, 1e-6);
	assert_int_equal(pl.aas.cfg.stale_ns, 50000000);
	assert_float_equal(pl.aas.cfg.conf_low, pl.aas_core.conf_low, 1e-6);
	/* a new set replaces the old one whole; NULL restores the core's values */
	p = mk(5, -1, -1, -1, -1, -1, -1, -1);
	spinal_params_apply(&pl, &p);
	assert_float_equal(pl.aas.lim.v_max, 1.0f, 1e-6);
	assert_float_equal(pl.aas.lim.omega_max, 2.0f, 1e-6);
	assert_float_equal(pl.aas.lim.accel_max, 2.0f, 1e-6);
	spinal_params_apply(&pl, NULL);
	assert_int_equal(pl.params_id, 0);
	assert_float_equal(pl.aas.lim.omega_max, 2.0f, 1e-6);
}

static void test_narrowed_speed_is_enforced(void **state)
{
	static struct pipeline pl;
	struct spinal_params p = mk(9, 0.3f, -1, -1, -1, -1, -1, -1);
	struct tick t;
	int i;

	(void)state;
	init_pipe(&pl);
	pl.cfg.require_model = 0; /* the follower drives */
	pl.cfg.goal_x = 50.0f;
	pl.cfg.goal_y = 0.0f;
	spinal_params_apply(&pl, &p);
	assert_float_equal(pl.aas.lim.omega_max, 2.0f, 1e-6); /* unset: untouched */
	for (i = 0; i < 2000; i++) {
		memset(&t, 0, sizeof(t));
		t.st.seq = (uint64_t)i;
		t.st.stamp_ns = t.st.read_ns = (uint64_t)i * 1000000u;
		t.st.x = (float)i * 0.0003f;
		pipeline_tick(&pl, &t);
		assert_true(fabsf(t.cmd.v) <= 0.3f + 1e-6f);
	}
	assert_true(t.cmd.v > 0.29f); /* it did drive, at the narrowed limit */
}

/*
 * Issue 12 item 1: stale_state_ms = 1e-7 passed validation, became 0 ns, and
 * 0 meant "no stale check": a stalled driver kept the last command.
 */
static void test_stale_tiny_is_refused_and_cannot_disable(void **state)
{
	static struct pipeline pl;
	struct spinal_cfg_params pa = { .params_id = 7, .count = SPINAL_PARAM_COUNT };
	struct spinal_cfg_why why = { 0 };
	struct spinal_params p = mk(8, -1, -1, -1, -1, -1, -1, 1e-7f);
	struct aas_in in = { 0 };
	struct spinal_cmd cmd;
	uint32_t fl = 0, m;
	int i;

	(void)state;
	for (i = 0; i < SPINAL_PARAM_COUNT; i++)
		pa.value[i] = SPINAL_PARAM_UNSET;
	pa.value[SPINAL_PARAM_STALE_STATE_MS] = 1e-7f;
	assert_int_equal(spinal_params_check(&pa, &why), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE));
	assert_int_equal(why.detail, SPINAL_CFG_D_PARAM_LOW);
	assert_int_equal(why.index, SPINAL_PARAM_STALE_STATE_MS);
	assert_true(why.value == (double)1e-7f && why.limit == 1.0);
	assert_non_null(strstr(why.text, "stale_state_ms"));
	/* the apply path on its own (unchecked value): never 0, never "off" */
	init_pipe(&pl);
	spinal_params_apply(&pl, &p);
	assert_true(pl.aas.cfg.stale_ns >= 1 && pl.aas.cfg.stale_ns <= 50000000);
	/* and a state 2 s old stops the robot */
	in = (struct aas_in){ .now_ns = 3000000000ull, .state_stamp_ns = 1000000000ull,
			      .state_ok = 1, .goal_dist = 5.0f, .have_policy = 1, .pol_v = 0.5f,
			      .conf = 1.0f };
	m = aas_step(&pl.aas, &in, &cmd, &fl);
	assert_true(m & (1u << SPINAL_AAS_STALE_STATE));
	assert_true(cmd.v == 0.0f && cmd.omega == 0.0f);
}

/* Adversarial values for one parameter: tiny, huge, denormal, NaN, +-Inf,
 * -0, just inside and just outside each bound. */
static float adversarial(uint64_t *s, unsigned int i)
{
	const float lo = spinal_param_min(i), hi = spinal_param_max(i);
	const float pool[] = {
		NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, FLT_MIN, 1e-45f, -1e-45f, 1e-38f,
		1e-7f, 1e-3f, lo, nextafterf(lo, 0.0f), nextafterf(lo, INFINITY), hi,
		nextafterf(hi, INFINITY), nextafterf(hi, 0.0f), 1e30f, FLT_MAX, -FLT_MAX,
		SPINAL_PARAM_UNSET, -5.0f, 0.5f, 1.0f, 50.0f, 60000.0f, 1e5f,
	};
	uint64_t r = tu_rand(s);

	if (r % 4 == 0) /* a uniformly random value on a log scale */
		return (r & 16 ? 1.0f : -1.0f) * powf(10.0f, tu_randf(s, -45.0f, 38.0f));
	return pool[(r >> 8) % (sizeof(pool) / sizeof(pool[0]))];
}

/* Every check enabled and every effective limit within the core's own. */
static void check_effective(const struct pipeline *pl, const char *what, uint64_t iter)
{
	const struct aas_cfg *core = &pl->aas_core, *c = &pl->aas.cfg;
	const struct aas_limits *h = &core->hard, *l = &pl->aas.lim;
	int ok = 1;

#define INV(cond) do { if (!(cond)) { print_error("%s #%llu: %s\n", what, \
		(unsigned long long)iter, #cond); ok = 0; } } while (0)
	INV(isfinite(l->v_max) && l->v_max >= 0 && l->v_max <= h->v_max);
	INV(isfinite(l->omega_max) && l->omega_max >= 0 && l->omega_max <= h->omega_max);
	INV(isfinite(l->accel_max) && l->accel_max > 0 && l->accel_max <= h->accel_max);
	INV(l->alpha_max == h->alpha_max);
	INV(isfinite(l->jerk_max) && l->jerk_max >= 0);
	INV(h->jerk_max == 0 || (l->jerk_max > 0 && l->jerk_max <= h->jerk_max));
	INV(l->ajerk_max == h->ajerk_max);
	INV(c->stale_ns >= 1 && c->stale_ns <= core->stale_ns);
	INV(isfinite(c->goal_tol) && c->goal_tol <= core->goal_tol);
	INV(c->goal_tol >= fminf(core->goal_tol, spinal_param_min(SPINAL_PARAM_GOAL_TOLERANCE)));
	INV(isfinite(c->conf_low) && c->conf_low >= core->conf_low && c->conf_low <= 1.0f);
	INV(isfinite(c->conf_high) && c->conf_high >= c->conf_low &&
	    c->conf_high >= core->conf_high);
	INV(c->low_ticks == core->low_ticks && c->high_ticks == core->high_ticks);
	INV(c->dt == core->dt);
	INV(memcmp(&c->hard, h, sizeof(*h)) == 0);
#undef INV
	if (!ok)
		fail();
}

/* Drive with the effective limits: stops stop, the speed comes down to the
 * narrowed limit no slower than the core's own acceleration allows, and
 * nothing ever exceeds a hard limit. */
static void check_behaviour(struct pipeline *pl, uint64_t *s, uint64_t iter)
{
	const struct aas_limits *h = &pl->aas_core.hard;
	struct aas *a = &pl->aas;
	const float dt = a->cfg.dt;
	struct aas_in in = { .now_ns = 1000000000000ull, .state_stamp_ns = 1000000000000ull,
			     .state_ok = 1, .goal_dist = 1e3f, .goal_x = 1, .goal_y = 2,
			     .have_policy = 1, .pol_v = 3.0f * h->v_max, .pol_omega = 0.0f,
			     .conf = 1.0f, .have_fallback = 1 };
	struct spinal_cmd cmd, prev;
	uint32_t fl = 0, m;
	unsigned int t, n;

	/* full speed under the hard limits, then the narrowed set applies */
	aas_reset_motion(a);
	a->prev.v = h->v_max;
	a->prev.omega = h->omega_max;
	a->fallback = 0;
	a->goal_latched = 0;
	prev = a->prev;
	in.pol_omega = 3.0f * h->omega_max;
	/* time to come down under the hard limits: dv / a, plus a / j twice for
	 * the jerk-limited ramp into and out of full braking */
	n = (unsigned int)ceilf(fmaxf(
		    h->v_max / (h->accel_max * dt) +
			    (h->jerk_max > 0 ? 2.0f * h->accel_max / (h->jerk_max * dt) : 0.0f),
		    h->omega_max / (h->alpha_max * dt) +
			    (h->ajerk_max > 0 ? 2.0f * h->alpha_max / (h->ajerk_max * dt) : 0.0f))) + 3;
	for (t = 0; t < n; t++) {
		in.now_ns = in.state_stamp_ns += 1000000;
		m = aas_step(a, &in, &cmd, &fl);
		if (!(fabsf(cmd.v) <= h->v_max + 1e-6f && fabsf(cmd.omega) <= h->omega_max + 1e-6f &&
		      fabsf(cmd.v - prev.v) <= h->accel_max * dt * 1.001f + 1e-6f &&
		      fabsf(cmd.omega - prev.omega) <= h->alpha_max * dt * 1.001f + 1e-6f)) {
			print_error("#%llu tick %u: v %g -> %g omega %g -> %g (mask 0x%x)\n",
				    (unsigned long long)iter, t, (double)prev.v, (double)cmd.v,
				    (double)prev.omega, (double)cmd.omega, m);
			fail();
		}
		prev = cmd;
	}
	if (!(fabsf(cmd.v) <= a->lim.v_max * 1.0001f + 1e-6f &&
	      fabsf(cmd.omega) <= a->lim.omega_max * 1.0001f + 1e-6f)) {
		print_error("#%llu: after %u ticks v %g > narrowed %g or omega %g > %g\n",
			    (unsigned long long)iter, n, (double)cmd.v, (double)a->lim.v_max,
			    (double)cmd.omega, (double)a->lim.omega_max);
		fail();
	}
	/* state older than the core's own limit: stop, whatever the set said */
	in.state_stamp_ns = in.now_ns - pl->aas_core.stale_ns - 1 - tu_rand(s) % 1000000000ull;
	m = aas_step(a, &in, &cmd, &fl);
	assert_true((m & (1u << SPINAL_AAS_STALE_STATE)) && cmd.v == 0.0f && cmd.omega == 0.0f);
	/* and older than the effective one */
	in.state_stamp_ns = in.now_ns - a->cfg.stale_ns - 1;
	m = aas_step(a, &in, &cmd, &fl);
	assert_true((m & (1u << SPINAL_AAS_STALE_STATE)) && cmd.v == 0.0f);
	in.state_stamp_ns = in.now_ns;
	in.estop = 1;
	m = aas_step(a, &in, &cmd, &fl);
	assert_true((m & (1u << SPINAL_AAS_ESTOP)) && cmd.v == 0.0f && cmd.omega == 0.0f);
	in.estop = 0;
	in.pol_v = NAN;
	m = aas_step(a, &in, &cmd, &fl);
	assert_true((m & (1u << SPINAL_AAS_NAN)) && cmd.v == 0.0f);
	in.pol_v = 0.1f;
	in.goal_dist = 0.0f; /* at the goal: the goal stop still triggers */
	m = aas_step(a, &in, &cmd, &fl);
	assert_true((m & (1u << SPINAL_AAS_GOAL_REACHED)) && cmd.v == 0.0f);
}

/*
 * Property test: random and adversarial parameter sets (tiny, huge,
 * denormal, NaN, +-Inf, -0, every field at once, count edge cases) through
 * the check + apply path and straight into the apply path, against several
 * core configurations.
 */
static void test_property_every_check_stays_enabled(void **state)
{
	static struct pipeline pl;
	const struct aas_limits hards[] = {
		{ 1.0f, 2.0f, 2.0f, 8.0f, 0.0f, 0.0f },
		{ 0.3f, 0.5f, 0.5f, 1.0f, 5.0f, 20.0f },
		{ 100.0f, 100.0f, 1000.0f, 1000.0f, 100000.0f, 0.0f },
		{ 0.0f, 0.0f, 0.01f, 0.01f, 0.0f, 0.0f }, /* a core that must not move */
	};
	const uint64_t stale[] = { 50000000ull, 1000000ull, 60000000000ull, 1ull };
	const float tol[] = { 0.1f, 0.001f, 100.0f, 0.5f };
	uint64_t s = 12, iter = 0, accepted = 0, rejected = 0;
	unsigned int k, i;

	(void)state;
	for (k = 0; k < sizeof(hards) / sizeof(hards[0]); k++) {
		struct pipeline_cfg pc = { .period_ns = 1000000, .goal_tol = tol[k],
					   .stale_ns = stale[k], .lim = hards[k] };

		follower_defaults(&pc.fol);
		assert_int_equal(pipeline_init(&pl, &pc), 0);
		for (unsigned int n = 0; n < 20000; n++, iter++) {
			struct spinal_cfg_params pa = { 0 };
			struct spinal_params p = { 0 };
			int rc;

			pa.params_id = tu_rand(&s) % 8 ? (uint32_t)tu_rand(&s) : 0;
			switch (tu_rand(&s) % 8) {
			case 0: pa.count = 0; break;
			case 1: pa.count = SPINAL_PARAM_COUNT + 1 + (uint32_t)(tu_rand(&s) % 45); break;
			case 2: pa.count = (uint32_t)(tu_rand(&s) % SPINAL_PARAM_COUNT); break;
			default: pa.count = SPINAL_PARAM_COUNT; break;
			}
			for (i = 0; i < 52; i++)
				pa.value[i] = adversarial(&s, i % SPINAL_PARAM_COUNT);
			/* the apply path alone, with whatever is in the set */
			p.params_id = pa.params_id;
			for (i = 0; i < SPINAL_PARAM_COUNT; i++)
				p.value[i] = pa.value[i];
			spinal_params_apply(&pl, &p);
			check_effective(&pl, "unchecked", iter);
			if (n % 64 == 0)
				check_behaviour(&pl, &s, iter);
			/* check, then apply what the handler would publish */
			rc = spinal_params_check(&pa, NULL);
			if (rc) {
				rejected++;
				continue;
			}
			accepted++;
			assert_true(pa.params_id != 0 && pa.count <= SPINAL_PARAM_COUNT);
			for (i = 0; i < SPINAL_PARAM_COUNT; i++) {
				p.value[i] = i < pa.count ? pa.value[i] : SPINAL_PARAM_UNSET;
				assert_true(p.value[i] < 0 ||
					    spinal_param_in_range(i, p.value[i]));
			}
			spinal_params_apply(&pl, &p);
			check_effective(&pl, "checked", iter);
			if (n % 16 == 0)
				check_behaviour(&pl, &s, iter);
		}
		spinal_params_apply(&pl, NULL);
		check_effective(&pl, "none", iter);
	}
	print_message("params property: %llu sets, %llu accepted, %llu rejected\n",
		      (unsigned long long)iter, (unsigned long long)accepted,
		      (unsigned long long)rejected);
	assert_true(accepted > 1000 && rejected > 1000);
}

/* A tiny acceleration (or jerk) limit must not hold the robot above a
 * narrowed speed: it comes down at the core's own acceleration. */
static void test_narrowed_accel_cannot_hold_speed(void **state)
{
	static struct pipeline pl;
	struct spinal_params p = mk(11, 0.3f, -1, 0.01f, 0.1f, -1, -1, -1);
	struct aas_in in = { .now_ns = 1, .state_stamp_ns = 1, .state_ok = 1, .goal_dist = 50,
			     .have_policy = 1, .pol_v = 0.8f, .conf = 1.0f };
	struct spinal_cmd cmd;
	uint32_t fl = 0;
	int t;

	(void)state;
	init_pipe(&pl);
	pl.aas.prev.v = 0.8f; /* cruising when the set arrives */
	spinal_params_apply(&pl, &p);
	for (t = 0; t < 260; t++) /* (0.8 - 0.3) / 2 m/s^2 = 250 ms */
		aas_step(&pl.aas, &in, &cmd, &fl);
	assert_float_equal(cmd.v, 0.3f, 1e-4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_only_narrows),
		cmocka_unit_test(test_narrowed_speed_is_enforced),
		cmocka_unit_test(test_stale_tiny_is_refused_and_cannot_disable),
		cmocka_unit_test(test_narrowed_accel_cannot_hold_speed),
		cmocka_unit_test(test_property_every_check_stays_enabled),
	};
	return cmocka_run_group_tests_name("params", tests, NULL, NULL);
}
