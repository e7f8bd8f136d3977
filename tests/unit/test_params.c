// SPDX-License-Identifier: MIT
/* Unit tests: PARAMS_SET validation and narrowing (rtcore/params.c). */
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
	assert_int_equal(spinal_params_check(&pa), 0);
	pa.value[SPINAL_PARAM_MAX_SPEED] = 0.5f;
	pa.value[SPINAL_PARAM_MIN_CONFIDENCE] = 0.0f; /* zero is a valid confidence */
	assert_int_equal(spinal_params_check(&pa), 0);
	pa.value[SPINAL_PARAM_MAX_SPEED] = 0.0f;      /* zero speed limit: use e-stop instead */
	assert_int_equal(spinal_params_check(&pa), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE));
	pa.value[SPINAL_PARAM_MAX_SPEED] = 1e9f;
	assert_int_equal(spinal_params_check(&pa), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE));
	pa.value[SPINAL_PARAM_MAX_SPEED] = NAN;
	assert_int_equal(spinal_params_check(&pa), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_NOT_FINITE));
	pa.value[SPINAL_PARAM_MAX_SPEED] = 0.5f;
	pa.value[SPINAL_PARAM_MIN_CONFIDENCE] = 1.5f;
	assert_int_equal(spinal_params_check(&pa), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE));
	pa.value[SPINAL_PARAM_MIN_CONFIDENCE] = 0.5f;
	pa.params_id = 0;
	assert_int_equal(spinal_params_check(&pa), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE));
	pa.params_id = 1;
	pa.count = SPINAL_PARAM_COUNT + 1;
	assert_int_equal(spinal_params_check(&pa), SPINAL_CFG_REJECT(SPINAL_CFG_REJ_RANGE));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_only_narrows),
		cmocka_unit_test(test_narrowed_speed_is_enforced),
	};
	return cmocka_run_group_tests_name("params", tests, NULL, NULL);
}
