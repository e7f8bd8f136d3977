// SPDX-License-Identifier: MIT
/* Unit tests: isolated-CPU list parsing, PREEMPT_RT detection, region checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <spinal/region.h>
#include <spinal/shm.h>

#include "lib/host.h"

static uint8_t set[SPINAL_MAX_CPUS];

static void test_cpulist(void **state)
{
	(void)state;
	assert_int_equal(spinal_cpulist_parse("", set), 0);
	assert_int_equal(spinal_cpulist_parse("\n", set), 0);
	assert_int_equal(spinal_cpulist_highest(set), -1);
	assert_int_equal(spinal_cpulist_parse("3\n", set), 1);
	assert_int_equal(spinal_cpulist_highest(set), 3);
	assert_int_equal(spinal_cpulist_parse("0-3,7,9-10\n", set), 7);
	assert_int_equal(spinal_cpulist_highest(set), 10);
	assert_true(set[0] && set[3] && set[7] && set[9] && !set[4] && !set[8]);
	assert_int_equal(spinal_cpulist_parse("2,2,1-2", set), 2);
	assert_int_equal(spinal_cpulist_parse("1023", set), 1);
	assert_int_equal(spinal_cpulist_parse("1024", set), -EINVAL);
	assert_int_equal(spinal_cpulist_parse("3-1", set), -EINVAL);
	assert_int_equal(spinal_cpulist_parse("1,", set), -EINVAL);
	assert_int_equal(spinal_cpulist_parse("a", set), -EINVAL);
	assert_int_equal(spinal_cpulist_parse("-1", set), -EINVAL);
	assert_int_equal(spinal_cpulist_parse("1-", set), -EINVAL);
	assert_int_equal(spinal_cpulist_parse("1 2", set), -EINVAL);
}

static void test_rt_detect(void **state)
{
	(void)state;
	assert_int_equal(spinal_kernel_is_rt("1\n", NULL), 1);
	assert_int_equal(spinal_kernel_is_rt("0\n", "#1 SMP PREEMPT_DYNAMIC"), 0);
	assert_int_equal(spinal_kernel_is_rt(NULL, "#1 SMP PREEMPT_RT Debian 6.1.0-rt"), 1);
	/* newer kernels: no sysfs file, "PREEMPT_RT" in uname -v */
	assert_int_equal(spinal_kernel_is_rt(NULL, "#1 SMP PREEMPT_RT Thu Jan 1"), 1);
	assert_int_equal(spinal_kernel_is_rt(NULL, "#1 SMP PREEMPT RT 2024"), 1);
	assert_int_equal(spinal_kernel_is_rt(NULL, "#1 SMP PREEMPT_DYNAMIC"), 0);
	assert_int_equal(spinal_kernel_is_rt(NULL, "#1 SMP PREEMPT_RTX"), 0);
	assert_int_equal(spinal_kernel_is_rt(NULL, NULL), 0);
}

static void test_region_check(void **state)
{
	static union {
		struct spinal_region_hdr h;
		unsigned char bytes[8192];
	} r;
	const char *why;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.h.magic = SPINAL_REGION_MAGIC;
	r.h.abi_major = SPINAL_ABI_MAJOR;
	r.h.kind = SPINAL_REGION_STATS;
	r.h.size = sizeof(r);
	r.h.hdr_size = sizeof(r.h);
	r.h.nsections = 1;
	r.h.sect[0] = (struct spinal_section){ SPINAL_SECT_STATS, 0, 512, 1024 };
	assert_int_equal(spinal_region_check(&r.h, sizeof(r), SPINAL_REGION_STATS, &why), 0);
	assert_non_null(spinal_region_section(&r.h, SPINAL_SECT_STATS, NULL, NULL));
	assert_null(spinal_region_section(&r.h, SPINAL_SECT_AGENT, NULL, NULL));
	assert_int_equal(spinal_region_check(&r.h, 100, SPINAL_REGION_STATS, &why), -EBADMSG);
	assert_int_equal(spinal_region_check(&r.h, sizeof(r), SPINAL_REGION_TELEM, &why), -EPROTO);
	r.h.sect[0].size = 8000; /* past the end */
	assert_int_equal(spinal_region_check(&r.h, sizeof(r), SPINAL_REGION_STATS, &why), -EBADMSG);
	r.h.sect[0].size = 1024;
	r.h.sect[0].off = UINT64_MAX - 10; /* overflow attempt */
	assert_int_equal(spinal_region_check(&r.h, sizeof(r), SPINAL_REGION_STATS, &why), -EBADMSG);
	r.h.sect[0].off = 512;
	r.h.nsections = 99;
	assert_int_equal(spinal_region_check(&r.h, sizeof(r), SPINAL_REGION_STATS, &why), -EBADMSG);
	r.h.nsections = 1;
	r.h.abi_major = SPINAL_ABI_MAJOR + 1;
	assert_int_equal(spinal_region_check(&r.h, sizeof(r), SPINAL_REGION_STATS, &why), -ENOTSUP);
	r.h.abi_major = SPINAL_ABI_MAJOR;
	r.h.size = sizeof(r) * 2; /* claims more than is mapped */
	assert_int_equal(spinal_region_check(&r.h, sizeof(r), SPINAL_REGION_STATS, &why), -EBADMSG);
	r.h.size = sizeof(r);
	r.h.magic ^= 1;
	assert_int_equal(spinal_region_check(&r.h, sizeof(r), SPINAL_REGION_STATS, &why), -EPROTO);
}

static void test_names(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(spinal_region_path(buf, sizeof(buf), "robot_1", SPINAL_REGION_TELEM), 0);
	assert_string_equal(buf, "/spinal.robot_1.telem");
	assert_int_equal(spinal_region_path(buf, sizeof(buf), "../x", SPINAL_REGION_STATS), -EINVAL);
	assert_int_equal(spinal_region_path(buf, sizeof(buf), "", SPINAL_REGION_STATS), -EINVAL);
	assert_int_equal(spinal_region_path(buf, 8, "robot", SPINAL_REGION_STATS), -ENAMETOOLONG);
	assert_int_equal(spinal_instance_valid("0123456789012345678901234567890"), 1);
	assert_int_equal(spinal_instance_valid("01234567890123456789012345678901"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist),
		cmocka_unit_test(test_rt_detect),
		cmocka_unit_test(test_region_check),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests_name("host", tests, NULL, NULL);
}
