// SPDX-License-Identifier: MIT
/* Unit tests for AAS (rtcore/aas.c): every rule and the hand-over hysteresis. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include <spinal/io_shm.h>
#include <spinal/stats.h>
#include <spinal/telemetry.h>

#include "rtcore/aas.h"

#define B(r) (1u << (r))
#define MS 1000000ull

static void init(struct aas *a)
{
	struct aas_cfg c;

	aas_cfg_defaults(&c);
	c.hard = (struct aas_limits){ .v_max = 1.0f, .omega_max = 2.0f, .accel_max = 2.0f,
				      .alpha_max = 8.0f };
	c.dt = 0.001f;
	c.stale_ns = 50 * MS;
	c.low_ticks = 3;
	c.high_ticks = 4;
	assert_int_equal(aas_init(a, &c), 0);
}

/* A healthy input: fresh state, far from the goal, policy wants (v, w). */
static struct aas_in in_ok(float v, float w)
{
	return (struct aas_in){ .now_ns = 1000 * MS, .state_stamp_ns = 999 * MS, .state_ok = 1,
				.goal_dist = 5.0f, .goal_x = 5, .goal_y = 0, .have_policy = 1,
				.pol_v = v, .pol_omega = w, .conf = 1.0f, .have_fallback = 1,
				.fb_v = 0.1f, .fb_omega = -0.1f };
}

/* Drive @a to steady command (v, w) so that clamps do not interfere. */
static void settle(struct aas *a, float v, float w)
{
	a->prev.v = v;
	a->prev.omega = w;
}

static void test_pass_through(void **st)
{
	struct aas a;
	struct aas_in in = in_ok(0.5f, 0.2f);
	struct spinal_cmd c;
	uint32_t fl = 0;

	(void)st;
	init(&a);
	settle(&a, 0.5f, 0.2f);
	assert_int_equal(aas_step(&a, &in, &c, &fl), 0);
	assert_float_equal(c.v, 0.5f, 0);
	assert_float_equal(c.omega, 0.2f, 0);
	assert_int_equal(fl, 0);
}

static void test_stale_state(void **st)
{
	struct aas a;
	struct aas_in in = in_ok(0.5f, 0.2f);
	struct spinal_cmd c;
	uint32_t fl = 0;

	(void)st;
	init(&a);
	settle(&a, 0.5f, 0.2f);
	in.state_stamp_ns = in.now_ns - 50 * MS; /* exactly the age: still fresh */
	assert_int_equal(aas_step(&a, &in, &c, &fl), 0);
	in.state_stamp_ns = in.now_ns - 50 * MS - 1;
	assert_int_equal(aas_step(&a, &in, &c, &fl), B(SPINAL_AAS_STALE_STATE));
	assert_float_equal(c.v, 0, 0);
	assert_float_equal(c.omega, 0, 0);
	assert_true(fl & SPINAL_TF_STATE_STALE);
	/* no sample at all */
	in = in_ok(0.5f, 0.2f);
	in.state_ok = 0;
	assert_true(aas_step(&a, &in, &c, &fl) & B(SPINAL_AAS_STALE_STATE));
	/* fresh again: the ramp restarts from zero */
	in = in_ok(0.5f, 0.2f);
	aas_step(&a, &in, &c, &fl);
	assert_float_equal(c.v, 0.002f, 1e-6);
}

static void test_goal_reached_latches(void **st)
{
	struct aas a;
	struct aas_in in = in_ok(0.5f, 0.2f);
	struct spinal_cmd c;
	uint32_t fl = 0;

	(void)st;
	init(&a);
	in.goal_dist = 0.05f;
	assert_int_equal(aas_step(&a, &in, &c, &fl), B(SPINAL_AAS_GOAL_REACHED));
	assert_float_equal(c.v, 0, 0);
	assert_true(fl & SPINAL_TF_GOAL_REACHED);
	/* drifting out of tolerance: still stopped (same goal) */
	in.goal_dist = 0.5f;
	assert_int_equal(aas_step(&a, &in, &c, &fl), B(SPINAL_AAS_GOAL_REACHED));
	/* a new goal releases the latch */
	in.goal_x = 7;
	assert_int_equal(aas_step(&a, &in, &c, &fl) & B(SPINAL_AAS_GOAL_REACHED), 0);
	assert_true(c.v > 0);
}

static void test_estop_until_cleared(void **st)
{
	struct aas a;
	struct aas_in in = in_ok(0.5f, 0.2f);
	struct spinal_cmd c;
	uint32_t fl = 0;
	int i;

	(void)st;
	init(&a);
	settle(&a, 0.5f, 0.2f);
	in.estop = 1;
	for (i = 0; i < 10; i++) {
		assert_int_equal(aas_step(&a, &in, &c, &fl), B(SPINAL_AAS_ESTOP));
		assert_float_equal(c.v, 0, 0);
		assert_float_equal(c.omega, 0, 0);
	}
	assert_true(fl & SPINAL_TF_ESTOP);
	in.estop = 0;
	in.safe_stop = SPINAL_SAFE_STOP_ESTOP; /* the stats latch works too */
	assert_int_equal(aas_step(&a, &in, &c, &fl), B(SPINAL_AAS_ESTOP));
	in.safe_stop = 0;
	assert_int_equal(aas_step(&a, &in, &c, &fl) & B(SPINAL_AAS_ESTOP), 0);
	assert_true(c.v > 0);
}

static void test_overrun_latch(void **st)
{
	struct aas a;
	struct aas_in in = in_ok(0.5f, 0.2f);
	struct spinal_cmd c;
	uint32_t fl = 0;

	(void)st;
	init(&a);
	in.safe_stop = SPINAL_SAFE_STOP_OVERRUN;
	assert_int_equal(aas_step(&a, &in, &c, &fl), B(SPINAL_AAS_OVERRUN_STOP));
	assert_float_equal(c.v, 0, 0);
	assert_true(fl & SPINAL_TF_SAFE_STOP);
}

static void test_nan_inf(void **st)
{
	struct aas a;
	struct aas_in in = in_ok(NAN, 0.2f);
	struct spinal_cmd c;
	uint32_t fl = 0;

	(void)st;
	init(&a);
	settle(&a, 0.5f, 0.2f);
	assert_int_equal(aas_step(&a, &in, &c, &fl), B(SPINAL_AAS_NAN));
	assert_float_equal(c.v, 0, 0);
	assert_float_equal(c.omega, 0, 0);
	in = in_ok(0.1f, INFINITY);
	assert_int_equal(aas_step(&a, &in, &c, &fl), B(SPINAL_AAS_NAN));
	in = in_ok(0.1f, 0.1f);
	in.conf = NAN;
	assert_int_equal(aas_step(&a, &in, &c, &fl), B(SPINAL_AAS_NAN));
	/* no policy at all */
	in = in_ok(0.1f, 0.1f);
	in.have_policy = 0;
	assert_int_equal(aas_step(&a, &in, &c, &fl), B(SPINAL_AAS_NO_POLICY));
	assert_float_equal(c.v, 0, 0);
}

static void test_clamps(void **st)
{
	struct aas a;
	struct aas_in in = in_ok(3.0f, -5.0f);
	struct spinal_cmd c;
	uint32_t fl = 0, m;

	(void)st;
	init(&a);
	settle(&a, 1.0f, -2.0f);
	m = aas_step(&a, &in, &c, &fl);
	assert_int_equal(m, B(SPINAL_AAS_CLAMP_SPEED) | B(SPINAL_AAS_CLAMP_OMEGA));
	assert_float_equal(c.v, 1.0f, 0);
	assert_float_equal(c.omega, -2.0f, 0);
	/* acceleration: 2 m/s^2 * 1 ms = 2 mm/s per tick; alpha 8 mrad/s */
	init(&a);
	in = in_ok(1.0f, 1.0f);
	m = aas_step(&a, &in, &c, &fl);
	assert_int_equal(m, B(SPINAL_AAS_CLAMP_ACCEL));
	assert_float_equal(c.v, 0.002f, 1e-7);
	assert_float_equal(c.omega, 0.008f, 1e-7);
	/* braking is limited the same way */
	settle(&a, 1.0f, 0);
	in = in_ok(0, 0);
	aas_step(&a, &in, &c, &fl);
	assert_float_equal(c.v, 0.998f, 1e-6);
}

static void test_jerk(void **st)
{
	struct aas a;
	struct aas_in in = in_ok(1.0f, 0);
	struct spinal_cmd c;
	uint32_t fl = 0, m;
	float prev_a = 0;
	int i, jerk_seen = 0;

	(void)st;
	init(&a);
	a.cfg.hard.jerk_max = 10.0f;
	a.lim.jerk_max = 10.0f;
	/* from rest, acceleration may grow by 10 m/s^3 * 1 ms per tick */
	for (i = 0; i < 2000; i++) {
		float acc;

		m = aas_step(&a, &in, &c, &fl);
		jerk_seen |= !!(m & B(SPINAL_AAS_CLAMP_JERK));
		acc = a.prev_a;
		assert_true(fabsf(acc - prev_a) <= 10.0f * 0.001f + 1e-4f || c.v == 1.0f);
		assert_true(fabsf(acc) <= 2.0f + 1e-5f);
		assert_true(c.v <= 1.0f + 1e-6f); /* no overshoot */
		prev_a = acc;
	}
	assert_true(jerk_seen);
	assert_float_equal(c.v, 1.0f, 1e-4);
}

static void test_limits_only_narrow(void **st)
{
	struct aas a;
	struct aas_limits req = { .v_max = 5.0f, .omega_max = 0.5f, .accel_max = 1.0f,
				  .alpha_max = 100.0f };
	struct aas_in in = in_ok(3.0f, 0);
	struct spinal_cmd c;
	uint32_t fl = 0;

	(void)st;
	init(&a);
	assert_int_equal(aas_narrow(&a, &req), 0);
	assert_float_equal(a.lim.v_max, 1.0f, 0);     /* cannot raise */
	assert_float_equal(a.lim.omega_max, 0.5f, 0); /* can narrow */
	assert_float_equal(a.lim.accel_max, 1.0f, 0);
	assert_float_equal(a.lim.alpha_max, 8.0f, 0);
	settle(&a, 1.0f, 0);
	aas_step(&a, &in, &c, &fl);
	assert_float_equal(c.v, 1.0f, 0);
	req.v_max = NAN;
	assert_int_equal(aas_narrow(&a, &req), -EINVAL);
	req.v_max = -1;
	assert_int_equal(aas_narrow(&a, &req), -EINVAL);
	assert_float_equal(a.lim.omega_max, 0.5f, 0); /* nothing applied */
}

static void test_fallback_hysteresis(void **st)
{
	struct aas a;
	struct aas_in in = in_ok(0.5f, 0.2f);
	struct spinal_cmd c;
	uint32_t fl, m;
	int i;

	(void)st;
	init(&a); /* low: conf < 0.3 for 3 ticks; high: >= 0.6 for 4 ticks */
	settle(&a, 0.1f, -0.1f);
	in.conf = 0.2f;
	for (i = 0; i < 2; i++) {
		fl = 0;
		m = aas_step(&a, &in, &c, &fl);
		assert_int_equal(m & B(SPINAL_AAS_FALLBACK), 0);
	}
	/* one good tick resets the low run */
	in.conf = 0.9f;
	aas_step(&a, &in, &c, &fl);
	in.conf = 0.2f;
	for (i = 0; i < 2; i++)
		assert_int_equal(aas_step(&a, &in, &c, &fl) & B(SPINAL_AAS_FALLBACK), 0);
	fl = 0;
	m = aas_step(&a, &in, &c, &fl);
	assert_true(m & B(SPINAL_AAS_FALLBACK));
	assert_true(fl & SPINAL_TF_FALLBACK);
	/* between the thresholds: stays with the follower (hysteresis); the
	 * hand-over itself is smoothed by the acceleration limit */
	in.conf = 0.5f;
	for (i = 0; i < 300; i++)
		assert_true(aas_step(&a, &in, &c, &fl) & B(SPINAL_AAS_FALLBACK));
	assert_float_equal(c.v, 0.1f, 1e-6); /* the follower's command */
	assert_float_equal(c.omega, -0.1f, 1e-6);
	/* 3 high ticks are not enough, the 4th hands back */
	in.conf = 0.7f;
	for (i = 0; i < 3; i++)
		assert_true(aas_step(&a, &in, &c, &fl) & B(SPINAL_AAS_FALLBACK));
	assert_int_equal(aas_step(&a, &in, &c, &fl) & B(SPINAL_AAS_FALLBACK), 0);
}

/* Driver-reported faults (state flags): each stops with its own reason, unknown bits do not. */
static void test_driver_faults(void **st)
{
	static const struct { uint32_t bit; unsigned int reason; } f[] = {
		{ SPINAL_IO_SF_HW_ESTOP, SPINAL_AAS_HW_ESTOP },
		{ SPINAL_IO_SF_BUMPER, SPINAL_AAS_BUMPER },
		{ SPINAL_IO_SF_MOTOR_FAULT, SPINAL_AAS_MOTOR_FAULT },
		{ SPINAL_IO_SF_LOC_LOST, SPINAL_AAS_LOC_LOST },
	};
	struct aas a;
	struct aas_in in = in_ok(0.5f, 0.2f);
	struct spinal_cmd c;
	uint32_t fl = 0, m;
	unsigned int i;

	(void)st;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		init(&a);
		settle(&a, 0.5f, 0.2f);
		in.faults = f[i].bit;
		m = aas_step(&a, &in, &c, &fl);
		assert_int_equal(m, B(f[i].reason));
		assert_true(c.v == 0.0f && c.omega == 0.0f);
		/* the fault clears: driving again, ramping from zero */
		in.faults = 0;
		m = aas_step(&a, &in, &c, &fl);
		assert_false(m & B(f[i].reason));
		assert_true(c.v > 0.0f && c.v <= 2.0f * 0.001f + 1e-6f);
	}
	in.faults = SPINAL_IO_SF_BUMPER | SPINAL_IO_SF_LOC_LOST;
	init(&a);
	m = aas_step(&a, &in, &c, &fl);
	assert_int_equal(m, B(SPINAL_AAS_BUMPER) | B(SPINAL_AAS_LOC_LOST));
	/* bits no one defined yet are ignored */
	in.faults = ~SPINAL_IO_SF_FAULTS;
	init(&a);
	settle(&a, 0.5f, 0.2f);
	assert_int_equal(aas_step(&a, &in, &c, &fl), 0);
	assert_true(c.v == 0.5f);
	assert_string_equal(spinal_aas_reason_name(SPINAL_AAS_BUMPER), "bumper");
	assert_string_equal(spinal_aas_reason_name(SPINAL_AAS_LOC_LOST), "localization_lost");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass_through),
		cmocka_unit_test(test_stale_state),
		cmocka_unit_test(test_goal_reached_latches),
		cmocka_unit_test(test_estop_until_cleared),
		cmocka_unit_test(test_overrun_latch),
		cmocka_unit_test(test_nan_inf),
		cmocka_unit_test(test_clamps),
		cmocka_unit_test(test_jerk),
		cmocka_unit_test(test_limits_only_narrow),
		cmocka_unit_test(test_fallback_hysteresis),
		cmocka_unit_test(test_driver_faults),
	};
	return cmocka_run_group_tests_name("aas", tests, NULL, NULL);
}
