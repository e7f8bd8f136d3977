// SPDX-License-Identifier: MIT
/* lib/cli.c: the one rule for command-line numbers and option errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/cli.h"

static void test_doubles(void **st)
{
	double v[3] = { 0 };

	(void)st;
	assert_int_equal(spinal_parse_doubles("2,8,-0.5", v, 3), 0);
	assert_true(v[0] == 2 && v[1] == 8 && v[2] == -0.5);
	assert_int_equal(spinal_parse_doubles("2,8", v, 3), -1);      /* too few */
	assert_int_equal(spinal_parse_doubles("2,8,1,", v, 3), -1);   /* trailing comma */
	assert_int_equal(spinal_parse_doubles("2,8,1x", v, 3), -1);   /* trailing text */
	assert_int_equal(spinal_parse_doubles("2,nan,1", v, 3), -1);  /* not finite */
	assert_int_equal(spinal_parse_doubles("2,,1", v, 3), -1);
	assert_int_equal(spinal_parse_doubles("1e999", v, 1), -1);    /* overflow */
	assert_int_equal(spinal_parse_doubles("", v, 1), -1);
	assert_int_equal(spinal_parse_doubles("1", v, 0), -1);
}

static void test_ranges(void **st)
{
	double d = 7;
	long l = 7;

	(void)st;
	assert_int_equal(spinal_parse_double("0.25", 0, 1, &d), 0);
	assert_true(d == 0.25);
	assert_int_equal(spinal_parse_double("1.5", 0, 1, &d), -1);
	assert_true(d == 0.25); /* untouched on failure */
	assert_int_equal(spinal_parse_double("inf", 0, 1e308, &d), -1);
	assert_int_equal(spinal_parse_long("80", 1, 99, &l), 0);
	assert_int_equal(l, 80);
	assert_int_equal(spinal_parse_long("100", 1, 99, &l), -1);
	assert_int_equal(spinal_parse_long("8.5", 1, 99, &l), -1);
	assert_int_equal(spinal_parse_long("99999999999999999999", 1, 99, &l), -1);
	assert_int_equal(l, 80);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
