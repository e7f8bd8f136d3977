// SPDX-License-Identifier: MIT
/* Unit tests: the per-instance runtime path scheme (lib/runpath.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/runpath.h"

static void test_default_scheme(void **state)
{
	char buf[128];

	(void)state;
	unsetenv("SPINAL_RUN_DIR");
	assert_string_equal(spinal_run_base(), "/run/spinal");
	assert_int_equal(spinal_run_path(buf, sizeof(buf), "bot1", SPINAL_RUN_CORE_SOCK), 0);
	assert_string_equal(buf, "/run/spinal/core/bot1.sock");
	assert_int_equal(spinal_run_path(buf, sizeof(buf), "bot1", SPINAL_RUN_CORE_LOCK), 0);
	assert_string_equal(buf, "/run/spinal/core/bot1.lock");
	assert_int_equal(spinal_run_path(buf, sizeof(buf), "bot1", SPINAL_RUN_AGENT_SOCK), 0);
	assert_string_equal(buf, "/run/spinal/agent/bot1.sock");
	assert_int_equal(spinal_run_dir(buf, sizeof(buf), SPINAL_RUN_AGENT_SOCK), 0);
	assert_string_equal(buf, "/run/spinal/agent");
	/* an empty override is no override */
	setenv("SPINAL_RUN_DIR", "", 1);
	assert_string_equal(spinal_run_base(), "/run/spinal");
}

static void test_override_and_limits(void **state)
{
	char buf[128], big[200];

	(void)state;
	setenv("SPINAL_RUN_DIR", "/tmp/t1", 1);
	assert_int_equal(spinal_run_path(buf, sizeof(buf), "a-b_2", SPINAL_RUN_CORE_SOCK), 0);
	assert_string_equal(buf, "/tmp/t1/core/a-b_2.sock");
	assert_int_equal(spinal_run_path(buf, sizeof(buf), "../x", SPINAL_RUN_CORE_SOCK), -EINVAL);
	assert_int_equal(spinal_run_path(buf, sizeof(buf), "", SPINAL_RUN_CORE_SOCK), -EINVAL);
	assert_int_equal(spinal_run_path(buf, sizeof(buf), "a/b", SPINAL_RUN_AGENT_SOCK), -EINVAL);
	assert_int_equal(spinal_run_path(buf, sizeof(buf), "x", (enum spinal_run_obj)7), -EINVAL);
	assert_int_equal(spinal_run_path(buf, 12, "bot1", SPINAL_RUN_CORE_SOCK), -ENAMETOOLONG);
	/* fits the buffer but not a sockaddr_un path (108 bytes) */
	memset(big, 'd', 110);
	big[0] = '/';
	big[110] = '\0';
	setenv("SPINAL_RUN_DIR", big, 1);
	assert_int_equal(spinal_run_path(buf, sizeof(buf), "x", SPINAL_RUN_CORE_SOCK), -ENAMETOOLONG);
	unsetenv("SPINAL_RUN_DIR");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_scheme),
		cmocka_unit_test(test_override_and_limits),
	};
	return cmocka_run_group_tests_name("runpath", tests, NULL, NULL);
}
