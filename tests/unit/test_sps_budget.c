// SPDX-License-Identifier: MIT
/*
 * Issue 12 items 6 and 7: what a model blob may cost the core.
 *   - the cost model (multiply-adds per tick, plan bytes) on a known blob;
 *   - the work budget derived from the period, refused before allocation,
 *     with the numbers in the reason;
 *   - ops sharing one parameter range: one copy in the plan (the 11 MB blob
 *     that grew the core to 2.66 GB), partial overlaps refused;
 *   - the memory budget;
 *   - output count 2 or 3 at load (handler limits and pipeline_set_model),
 *     output buffer zeroed (a 1-output model read omega from the stack);
 *   - no SPS step while a safe stop is latched.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <cmocka.h>

#include <spinal/model_blob.h>
#include <spinal/stats.h>

#include "rtcore/model_rcu.h"
#include "rtcore/options.h"
#include "rtcore/pipeline.h"
#include "rtcore/sps.h"
#include "rtcore/sps_impl.h"
#include "model_build.h"

/* nin -> matvec(hidden, bias) -> LI(hidden) -> matvec(nout) -> LI(nout) */
static void *mlp(unsigned int nin, unsigned int hidden, unsigned int nout, size_t *len)
{
	struct mb *b = mb_new();
	struct spinal_model_op *o;
	void *blob;

	assert_non_null(b);
	b->bufs[0] = nin;
	b->bufs[1] = hidden;
	b->bufs[2] = hidden;
	b->bufs[3] = nout;
	b->bufs[4] = nout;
	o = mb_op(b, SPINAL_OP_MATVEC, 0, 1, SPINAL_OPF_BIAS);
	o->param[0] = mb_put(b, 0.01f, (size_t)nin * hidden);
	o->param[1] = mb_put(b, 0.1f, hidden);
	mb_li(b, 1, 2);
	o = mb_op(b, SPINAL_OP_MATVEC, 2, 3, 0);
	o->param[0] = mb_put(b, 0.02f, (size_t)hidden * nout);
	mb_li(b, 3, 4);
	blob = mb_finish(b, 5, 4, len);
	assert_non_null(blob);
	return blob;
}

/* @nops matvecs nin -> nout all reading ONE weight range (the 11 MB attack) */
static void *shared_weights(unsigned int nops, unsigned int nin, unsigned int nout,
			    uint32_t second_off, size_t *len)
{
	struct mb *b = mb_new();
	uint32_t w;
	void *blob;

	assert_non_null(b);
	b->bufs[0] = nin;
	b->bufs[1] = nout;
	b->bufs[2] = nout;
	w = mb_put(b, 0.001f, (size_t)nin * nout);
	assert_true(nops < SPINAL_MODEL_MAX_OPS);
	for (unsigned int k = 0; k < nops; k++) {
		struct spinal_model_op *o = mb_op(b, SPINAL_OP_MATVEC, 0, 1,
						   k ? SPINAL_OPF_ACC : 0);

		o->param[0] = k == 1 && second_off ? w + second_off : w;
	}
	mb_li(b, 1, 2);
	blob = mb_finish(b, 3, 2, len);
	assert_non_null(blob);
	return blob;
}

static long maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void test_cost_model(void **state)
{
	size_t len;
	void *blob = mlp(40, 96, 2, &len);
	struct sps_cost c;
	struct sps_plan *pl;
	char err[256];
	/* ops: matvec 40x96 (+ bias), LI 96, matvec 96x2 (padded to 16), LI 2 (16) */
	uint64_t want = (40ull * 96 + 96) + 96 * 3 + (96ull * 16 + 16) + 16 * 3 +
			4 * SPS_OP_OVERHEAD_MACS + 2 * 40 + 2;

	(void)state;
	assert_int_equal(sps_blob_validate(blob, len, err, sizeof(err)), 0);
	sps_blob_cost(blob, &c);
	assert_int_equal(c.macs, want);
	assert_int_equal(c.worst_op, 0);
	assert_int_equal(c.n_inputs, 40);
	assert_int_equal(c.n_outputs, 2);
	pl = sps_plan_create_bounded(blob, len, -1, NULL, &c, err, sizeof(err));
	assert_non_null(pl);
	assert_int_equal(c.arena_bytes, sps_plan_bytes(pl)); /* the sizing is exact */
	sps_plan_destroy(pl);
	/* the budget scales with the period */
	assert_int_equal(sps_budget_macs(1000), 500000);
	assert_int_equal(sps_budget_macs(100), 50000);
	assert_int_equal(sps_budget_macs_ceiling(1000), 8000000);
	free(blob);
}

static void test_work_budget(void **state)
{
	struct sps_limits lim = { .max_macs = sps_budget_macs(1000), .period_us = 1000 };
	size_t len;
	void *blob = mlp(40, 4096, 3, &len); /* 40 x 4096 + 4096 x 3(16): 0.24 M */
	struct sps_cost c;
	struct sps_plan *pl;
	char err[256];

	(void)state;
	pl = sps_plan_create_bounded(blob, len, -1, &lim, &c, err, sizeof(err));
	assert_non_null(pl); /* fits 1 kHz */
	sps_plan_destroy(pl);
	lim.max_macs = sps_budget_macs(100);
	lim.period_us = 100;
	errno = 0;
	pl = sps_plan_create_bounded(blob, len, -1, &lim, &c, err, sizeof(err));
	assert_null(pl); /* not 10 kHz */
	assert_int_equal(errno, E2BIG);
	assert_int_equal(c.refusal, SPS_REFUSE_WORK);
	print_message("%s\n", err);
	assert_non_null(strstr(err, "model needs 246 k multiply-adds per tick"));
	assert_non_null(strstr(err, "budget at 100 us is 50 k"));
	free(blob);
}

/*
 * The 11 MB blob of the issue: 255 ops over one 2.75 M-float range.  Before:
 * 255 transposed copies (2.8 GB) and 703 M multiply-adds per tick.  Now: the
 * work budget refuses it before a plan byte is allocated, and without a
 * budget the plan holds the range once.
 */
static void test_shared_ranges(void **state)
{
	struct sps_limits lim = { .max_macs = sps_budget_macs(1000), .period_us = 1000,
				  .max_arena_bytes = (uint64_t)SPS_MEM_DEFAULT_MB << 20 };
	size_t len;
	void *blob = shared_weights(255, 1024, 2688, 0, &len); /* + the readout: 256 ops */
	struct sps_cost c;
	struct sps_plan *pl;
	char err[256];
	long rss0 = maxrss_kb();

	(void)state;
	assert_true(len > 11000000 && len < 11200000); /* 11 MB */
	pl = sps_plan_create_bounded(blob, len, -1, &lim, &c, err, sizeof(err));
	assert_null(pl);
	assert_int_equal(c.refusal, SPS_REFUSE_WORK);
	print_message("%s\n", err);
	assert_non_null(strstr(err, "model needs 702.6 M multiply-adds per tick (op 0 alone 2.8 M); budget at 1000 us is 500 k"));
	/* the plan would be the range once (11 MB), not 256 copies */
	assert_true(c.arena_bytes < 2 * (uint64_t)len);
	/* nothing big was allocated on the way: the blob copy at most */
	assert_true(maxrss_kb() - rss0 < 3 * (long)len / 1024 + 8192);
	free(blob);

	/* a smaller one compiles (no budget): one copy, and it computes */
	blob = shared_weights(64, 256, 1024, 0, &len);
	pl = sps_plan_create(blob, len, -1, err, sizeof(err));
	assert_non_null(pl);
	assert_true(sps_plan_bytes(pl) < 2 * len); /* main: 64 copies, 64 MiB */
	{
		float in[256], out[1024];

		for (int i = 0; i < 256; i++)
			in[i] = 1.0f;
		assert_int_equal(sps_plan_step(pl, in, 256, out, 1024), 0);
		/* v = 0.9*0 + 1*(64 ops * 256 * 0.001) */
		assert_float_equal(out[5], 64 * 256 * 0.001f, 0.01); /* float sums */
	}
	sps_plan_destroy(pl);
	free(blob);

	/* a range shared in part (op 1 starts 16 floats in): refused */
	blob = shared_weights(2, 64, 16, 16, &len);
	pl = sps_plan_create_bounded(blob, len, -1, &lim, &c, err, sizeof(err));
	assert_null(pl);
	assert_int_equal(c.refusal, SPS_REFUSE_SHARED);
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "may be shared only whole"));
	free(blob);
}

static void test_memory_budget(void **state)
{
	struct sps_limits lim = { .max_arena_bytes = 1u << 20 };
	size_t len;
	void *blob = mlp(256, 2048, 2, &len); /* 2 MiB of weights */
	struct sps_cost c;
	char err[256];

	(void)state;
	assert_null(sps_plan_create_bounded(blob, len, -1, &lim, &c, err, sizeof(err)));
	assert_int_equal(c.refusal, SPS_REFUSE_MEMORY);
	assert_int_equal(errno, E2BIG);
	assert_non_null(strstr(err, "MiB, the budget is 1.0 MiB"));
	free(blob);
}

/* A pipeline at 1 kHz with the core's default hard limits. */
static void init_pl(struct pipeline *pl, int require_model)
{
	struct pipeline_cfg pc = { .period_ns = 1000000, .goal_tol = 0.1f, .goal_x = 40,
				   .lim = { 1.0f, 2.0f, 2.0f, 8.0f, 0, 0 },
				   .require_model = require_model };

	follower_defaults(&pc.fol);
	assert_int_equal(pipeline_init(pl, &pc), 0);
}

/* Issue 12 item 7: 2 or 3 outputs, at load. */
static void test_output_count(void **state)
{
	struct spinal_model_ctx mc = { .period_us = 1000 };
	struct sps_limits lim;
	static struct pipeline pl;
	struct sps_plan *p;
	struct sps_cost c;
	unsigned int nin, nout;
	char err[256];
	size_t len;
	void *blob;

	(void)state;
	init_pl(&pl, 0);
	sfs_defaults(&mc.sfs);
	mc.period_us = 0; /* not given: the strictest budget, never none */
	spinal_model_limits(&mc, &lim);
	assert_int_equal(lim.max_macs, sps_budget_macs(CORE_PERIOD_US_MIN));
	mc.period_us = 1000;
	spinal_model_limits(&mc, &lim);
	assert_int_equal(lim.max_macs, 500000);
	nin = sfs_n_features(&mc.sfs);
	assert_int_equal(lim.n_inputs, nin);
	assert_int_equal(lim.min_outputs, 2);
	assert_int_equal(lim.max_outputs, 3);
	for (nout = 1; nout <= 4; nout++) {
		int ok = nout == 2 || nout == 3;

		blob = mlp(nin, 32, nout, &len);
		p = sps_plan_create_bounded(blob, len, -1, &lim, &c, err, sizeof(err));
		assert_int_equal(p != NULL, ok);
		if (!ok) {
			assert_int_equal(c.refusal, SPS_REFUSE_OUTPUTS);
			assert_non_null(strstr(err, "outputs, the control pipeline reads 2..3"));
		}
		sps_plan_destroy(p);
		/* the offline tools' path refuses the same */
		p = sps_plan_create(blob, len, -1, err, sizeof(err));
		assert_non_null(p);
		assert_int_equal(pipeline_set_model(&pl, p, err, sizeof(err)), ok ? 0 : -EBADMSG);
		pipeline_set_model(&pl, NULL, err, sizeof(err));
		sps_plan_destroy(p);
		free(blob);
	}
	/* wrong input count: refused before allocation, SFS's message */
	blob = mlp(nin + 1, 32, 2, &len);
	assert_null(sps_plan_create_bounded(blob, len, -1, &lim, &c, err, sizeof(err)));
	assert_int_equal(c.refusal, SPS_REFUSE_INPUTS);
	free(blob);
}

/* Fill a stack area with a pattern, as the tick before might have. */
static __attribute__((noinline)) void dirty_stack(void)
{
	volatile float junk[256];

	for (int i = 0; i < 256; i++)
		junk[i] = 12345.0f;
	(void)junk[7];
}

static __attribute__((noinline)) void run_sps(struct pipeline *pl, struct tick *t)
{
	dirty_stack();
	pipeline_sps(pl, t);
}

/*
 * A 1-output model that got into the pipeline anyway (set_model refuses it
 * now): omega must not come from the stack.  Before, pol_w was whatever
 * the stack held (here 12345).
 */
static void test_output_buffer_zeroed(void **state)
{
	static struct pipeline pl;
	struct tick t;
	struct sps_plan *p;
	char err[256];
	size_t len;
	void *blob;
	unsigned int nin;

	(void)state;
	init_pl(&pl, 0);
	nin = sfs_n_features(&pl.cfg.sfs);
	blob = mlp(nin, 16, 1, &len);
	p = sps_plan_create(blob, len, -1, err, sizeof(err));
	assert_non_null(p);
	pl.plan = p; /* bypass pipeline_set_model() on purpose */
	memset(&t, 0, sizeof(t));
	t.st.x = 1.0f;
	pipeline_sfs(&pl, &t);
	assert_true(t.sf.n == nin);
	run_sps(&pl, &t);
	assert_true(t.pol_w != 12345.0f);
	assert_true(isnan(t.pol_w) || t.pol_w == 0.0f);
	pl.plan = NULL;
	sps_plan_destroy(p);
	free(blob);
}

/* No SPS while a safe stop is latched (a model that overran keeps not running). */
static void test_no_sps_during_safe_stop(void **state)
{
	static struct pipeline pl;
	struct tick t;
	struct sps_plan *p;
	char err[256];
	size_t len;
	void *blob;

	(void)state;
	init_pl(&pl, 1);
	blob = mlp(sfs_n_features(&pl.cfg.sfs), 16, 2, &len);
	p = sps_plan_create(blob, len, -1, err, sizeof(err));
	assert_int_equal(pipeline_set_model(&pl, p, err, sizeof(err)), 0);
	for (int i = 0; i < 5; i++) {
		memset(&t, 0, sizeof(t));
		pipeline_tick(&pl, &t);
	}
	assert_int_equal(sps_plan_ticks(p), 5);
	pl.safe_stop = SPINAL_SAFE_STOP_OVERRUN;
	for (int i = 0; i < 5; i++) {
		memset(&t, 0, sizeof(t));
		pipeline_tick(&pl, &t);
		assert_true(t.cmd.v == 0.0f && t.cmd.omega == 0.0f);
		assert_false(t.have_policy);
	}
	assert_int_equal(sps_plan_ticks(p), 5);
	pipeline_set_model(&pl, NULL, err, sizeof(err));
	sps_plan_destroy(p);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cost_model),
		cmocka_unit_test(test_work_budget),
		cmocka_unit_test(test_shared_ranges),
		cmocka_unit_test(test_memory_budget),
		cmocka_unit_test(test_output_count),
		cmocka_unit_test(test_output_buffer_zeroed),
		cmocka_unit_test(test_no_sps_during_safe_stop),
	};

	return cmocka_run_group_tests_name("sps_budget", tests, NULL, NULL);
}
