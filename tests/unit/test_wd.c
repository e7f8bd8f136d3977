// SPDX-License-Identifier: MIT
/*
 * lib/wd.c without the kernel module: every call must report "not
 * available" (or do nothing) so that callers need no #ifdef.  The module
 * path itself is tested in the PREEMPT_RT VM (tests/vm/).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/wd.h"

static void test_open_missing_is_enodev(void **state)
{
	(void)state;
	errno = 0;
	assert_null(spinal_wd_open("/nonexistent/spinal_wd", SPINAL_WD_OWNER));
	assert_int_equal(errno, ENODEV);
	errno = 0;
	assert_null(spinal_wd_open("/nonexistent/spinal_wd", SPINAL_WD_SUPERVISOR));
	assert_int_equal(errno, ENODEV);
}

static void test_open_wrong_device_is_enodev(void **state)
{
	(void)state;
	/* /dev/null answers ioctl with ENOTTY: not our device */
	errno = 0;
	assert_null(spinal_wd_open("/dev/null", SPINAL_WD_SUPERVISOR));
	assert_int_equal(errno, ENODEV);
}

static void test_open_bad_role(void **state)
{
	(void)state;
	errno = 0;
	assert_null(spinal_wd_open("/dev/null", (enum spinal_wd_role)7));
	assert_int_equal(errno, EINVAL);
}

static void test_env_path_is_used(void **state)
{
	(void)state;
	assert_int_equal(setenv("SPINAL_WD_DEV", "/nonexistent/wd-from-env", 1), 0);
	errno = 0;
	assert_null(spinal_wd_open(NULL, SPINAL_WD_OWNER));
	assert_int_equal(errno, ENODEV);
	unsetenv("SPINAL_WD_DEV");
}

static void test_null_handle_not_available(void **state)
{
	struct spinal_wd_status st;

	(void)state;
	memset(&st, 0xa5, sizeof(st));
	assert_int_equal(spinal_wd_available(NULL), 0);
	assert_int_equal(spinal_wd_arm(NULL, 1000000, 50000000, 0), SPINAL_WD_NA);
	assert_int_equal(spinal_wd_disarm(NULL), SPINAL_WD_NA);
	assert_int_equal(spinal_wd_fd(NULL), SPINAL_WD_NA);
	assert_int_equal(spinal_wd_status(NULL, &st), SPINAL_WD_NA);
	assert_int_equal(spinal_wd_wait(NULL, 0, &st), SPINAL_WD_NA);
	assert_int_equal(spinal_wd_read_trip(NULL, &st), SPINAL_WD_NA);
	/* untouched output, no crash */
	assert_int_equal(st.len, 0xa5a5a5a5u);
	spinal_wd_beat(NULL, 123);
	spinal_wd_close(NULL);
	assert_true(SPINAL_WD_NA < 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(spinal_wd_state_name(SPINAL_WD_ARMED), "armed");
	assert_string_equal(spinal_wd_state_name(SPINAL_WD_TRIPPED), "tripped");
	assert_string_equal(spinal_wd_state_name(99), "?");
	assert_string_equal(spinal_wd_reason_name(SPINAL_WD_REASON_RELEASE), "release");
	assert_string_equal(spinal_wd_reason_name(SPINAL_WD_REASON_TIMEOUT), "timeout");
	assert_string_equal(spinal_wd_reason_name(42), "?");
}

static void test_uapi_layout(void **state)
{
	(void)state;
	/* fixed-width, 8-byte aligned tails: the same layout on every ABI */
	assert_int_equal(sizeof(struct spinal_wd_arm) % 8, 0);
	assert_int_equal(sizeof(struct spinal_wd_status) % 8, 0);
	assert_int_equal(sizeof(struct spinal_wd_version) % 8, 0);
	assert_int_equal(offsetof(struct spinal_wd_status, arms) % 8, 0);
	assert_int_equal(offsetof(struct spinal_wd_beat, beat), 0);
	assert_true(sizeof(struct spinal_wd_status) <= 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_missing_is_enodev),
		cmocka_unit_test(test_open_wrong_device_is_enodev),
		cmocka_unit_test(test_open_bad_role),
		cmocka_unit_test(test_env_path_is_used),
		cmocka_unit_test(test_null_handle_not_available),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_uapi_layout),
	};

	return cmocka_run_group_tests_name("wd", tests, NULL, NULL);
}
