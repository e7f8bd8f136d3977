// SPDX-License-Identifier: MIT
/* Unit tests for histogram bucketing and percentile maths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <spinal/hist.h>

static void test_bucket_edges(void **state)
{
	uint32_t b;

	(void)state;
	assert_int_equal(spinal_hist_bucket(0), 0);
	assert_int_equal(spinal_hist_bucket(99), 0);
	assert_int_equal(spinal_hist_bucket(100), 1);
	assert_int_equal(spinal_hist_bucket(109), 1);
	assert_int_equal(spinal_hist_bucket(110), 2);
	assert_int_equal(spinal_hist_bucket(999), 90);
	assert_int_equal(spinal_hist_bucket(1000), 91);
	assert_int_equal(spinal_hist_bucket(1099), 91);
	assert_int_equal(spinal_hist_bucket(1100), 92);
	assert_int_equal(spinal_hist_bucket(99999999), SPINAL_HIST_NBUCKETS - 2);
	assert_int_equal(spinal_hist_bucket(100000000), SPINAL_HIST_NBUCKETS - 1);
	assert_int_equal(spinal_hist_bucket(UINT64_MAX), SPINAL_HIST_NBUCKETS - 1);
	/* every bucket's lower edge maps to itself, the value below it to its predecessor */
	for (b = 1; b < SPINAL_HIST_NBUCKETS; b++) {
		uint64_t lo = spinal_hist_lower(b);

		assert_int_equal(spinal_hist_bucket(lo), b);
		assert_int_equal(spinal_hist_bucket(lo - 1), b - 1);
		if (b < SPINAL_HIST_NBUCKETS - 1) {
			uint64_t hi = spinal_hist_upper(b);

			assert_true(hi > lo);
			/* relative width at most 10 % */
			assert_true((hi - lo) * 10 <= lo);
		}
	}
	/* decimal 1-2-5 edges are bucket edges */
	assert_int_equal(spinal_hist_lower(spinal_hist_bucket(2000)), 2000);
	assert_int_equal(spinal_hist_lower(spinal_hist_bucket(5000000)), 5000000);
}

static void test_quantiles(void **state)
{
	static struct spinal_hist h;
	static struct spinal_hist_snap s;
	int i;

	(void)state;
	memset(&h, 0, sizeof(h));
	spinal_hist_snapshot(&h, &s);
	assert_int_equal(spinal_hist_quantile(&s, 0.99), 0);
	/* 990 samples at 1 us, 10 at 50 us: p50 ~ 1 us, p99 1 us, p99.9 ~ 50 us */
	for (i = 0; i < 990; i++)
		spinal_hist_add(&h, 1000);
	for (i = 0; i < 10; i++)
		spinal_hist_add(&h, 50000);
	spinal_hist_snapshot(&h, &s);
	assert_int_equal(s.count, 1000);
	assert_int_equal(s.max_ns, 50000);
	assert_int_equal(s.sum_ns, 990 * 1000 + 10 * 50000);
	assert_int_equal(spinal_hist_quantile(&s, 0.5), 1100);   /* bucket [1000,1100) */
	assert_int_equal(spinal_hist_quantile(&s, 0.99), 1100);
	assert_int_equal(spinal_hist_quantile(&s, 0.991), 50000); /* clamped to max */
	assert_int_equal(spinal_hist_quantile(&s, 1.0), 50000);
	/* reported quantile is never below the true one */
	assert_true(spinal_hist_quantile(&s, 0.5) >= 1000);
}

static void test_quantile_bounds_random(void **state)
{
	static struct spinal_hist h;
	static struct spinal_hist_snap s;
	static uint64_t v[5000];
	uint64_t x = 88172645463325252ull;
	int i, j;

	(void)state;
	memset(&h, 0, sizeof(h));
	for (i = 0; i < 5000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		v[i] = 100 + x % 5000000;
		spinal_hist_add(&h, v[i]);
	}
	/* sort for the exact quantile */
	for (i = 1; i < 5000; i++) {
		uint64_t k = v[i];

		for (j = i - 1; j >= 0 && v[j] > k; j--)
			v[j + 1] = v[j];
		v[j + 1] = k;
	}
	spinal_hist_snapshot(&h, &s);
	{
		double qs[] = { 0.5, 0.9, 0.99, 0.999 };

		for (i = 0; i < 4; i++) {
			uint64_t exact = v[(int)(qs[i] * 5000 + 0.999999) - 1];
			uint64_t got = spinal_hist_quantile(&s, qs[i]);

			assert_true(got >= exact);
			assert_true((double)got <= (double)exact * 1.1 + 1);
		}
	}
}

static void test_diff(void **state)
{
	static struct spinal_hist h;
	static struct spinal_hist_snap a, b, d;
	int i;

	(void)state;
	memset(&h, 0, sizeof(h));
	for (i = 0; i < 100; i++)
		spinal_hist_add(&h, 500);
	spinal_hist_snapshot(&h, &a);
	for (i = 0; i < 50; i++)
		spinal_hist_add(&h, 20000);
	spinal_hist_snapshot(&h, &b);
	spinal_hist_diff(&b, &a, &d);
	assert_int_equal(d.count, 50);
	assert_int_equal(d.sum_ns, 50 * 20000);
	assert_int_equal(spinal_hist_quantile(&d, 0.5), 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_edges),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_quantile_bounds_random),
		cmocka_unit_test(test_diff),
	};
	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
