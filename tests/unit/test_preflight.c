// SPDX-License-Identifier: MIT
/* spinal-audit parsers: /proc and /sys text, perf CSV, strace lines (fixtures). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/host.h"
#include "tools/audit_parse.h"

static void test_cmdline(void **state)
{
	static const char cl[] = "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet isolcpus=managed_irq,domain,2-3 "
				 "nohz_full=2-3 rcu_nocbs=2-3 rcu_nocb_poll isolcpus=3 -- isolcpus=9";
	char v[64];

	(void)state;
	/* last occurrence wins, arguments after " -- " belong to init */
	assert_int_equal(ap_cmdline_get(cl, "isolcpus", v, sizeof(v)), 1);
	assert_string_equal(v, "3");
	assert_int_equal(ap_cmdline_get(cl, "nohz_full", v, sizeof(v)), 1);
	assert_string_equal(v, "2-3");
	assert_int_equal(ap_cmdline_get(cl, "rcu_nocb_poll", v, sizeof(v)), 1);
	assert_string_equal(v, "");
	assert_int_equal(ap_cmdline_get(cl, "rcu_nocb", v, sizeof(v)), 0);
	assert_int_equal(ap_cmdline_get(cl, "irqaffinity", v, sizeof(v)), 0);
	assert_int_equal(ap_cmdline_get(cl, "BOOT_IMAGE", v, 4), -ENAMETOOLONG);
	assert_int_equal(ap_cmdline_get("", "isolcpus", v, sizeof(v)), 0);
}

static void test_isolcpus(void **state)
{
	uint8_t set[SPINAL_MAX_CPUS];

	(void)state;
	assert_int_equal(ap_isolcpus_parse("managed_irq,domain,2-3", set), 2);
	assert_true(set[2] && set[3] && !set[1]);
	assert_int_equal(ap_isolcpus_parse("1,5", set), 2);
	assert_true(set[1] && set[5]);
	assert_int_equal(ap_isolcpus_parse("nohz,domain", set), -EINVAL);
	assert_int_equal(ap_isolcpus_parse("domain,x", set), -EINVAL);
	/* sysfs nohz_full says "(null)" when unset */
	assert_int_equal(ap_nohz_full_parse("(null)\n", set), 0);
	assert_int_equal(ap_nohz_full_parse("3\n", set), 1);
	assert_true(set[3]);
	assert_int_equal(ap_nohz_full_parse("\n", set), 0);
}

static const char status_fx[] =
	"Name:\tspinal-core\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\n"
	"VmPeak:\t  120000 kB\nVmLck:\t   98304 kB\nVmRSS:\t   97000 kB\n"
	"voluntary_ctxt_switches:\t1500\nnonvoluntary_ctxt_switches:\t3\n"
	"CapInh:\t0000000000000000\nCapPrm:\t0000000000804000\nCapEff:\t000001ffffffffff\n"
	"NoNewPrivs:\t1\nCpus_allowed_list:\t1\n";

static void test_status(void **state)
{
	uint64_t v, caps;
	char buf[32];

	(void)state;
	assert_int_equal(ap_status_u64(status_fx, "VmLck", &v), 0);
	assert_int_equal(v, 98304);
	assert_int_equal(ap_status_u64(status_fx, "VmRSS", &v), 0);
	assert_int_equal(v, 97000);
	assert_int_equal(ap_status_u64(status_fx, "NoNewPrivs", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(ap_status_u64(status_fx, "nonvoluntary_ctxt_switches", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(ap_status_u64(status_fx, "VmSwap", &v), -ENOENT);
	assert_int_equal(ap_status_u64(status_fx, "State", &v), -EINVAL);
	assert_int_equal(ap_status_caps(status_fx, "CapPrm", &caps), 0);
	assert_int_equal(caps, (1ull << 14) | (1ull << 23)); /* IPC_LOCK + SYS_NICE */
	assert_int_equal(ap_status_caps(status_fx, "CapEff", &caps), 0);
	assert_int_equal(caps, 0x1ffffffffffull);
	assert_int_equal(ap_status_field(status_fx, "Cpus_allowed_list", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "1");
	/* "Vm" must not match "VmLck" */
	assert_int_equal(ap_status_field(status_fx, "Vm", buf, sizeof(buf)), 0);
}

static void test_stat(void **state)
{
	/* comm with a space and a ')' inside; SCHED_FIFO (1) prio 80 on CPU 1 */
	static const char st[] =
		"4243 (spin al) x) S 1 4242 4242 0 -1 4194368 17 0 2 0 5 7 0 0 -81 0 3 0 "
		"12345 120000000 24000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 -1 1 80 1 0 0 0 "
		"0 0 0 0 0 0 0 0 0\n";
	struct ap_stat s;

	(void)state;
	assert_int_equal(ap_stat_parse(st, &s), 0);
	assert_string_equal(s.comm, "spin al) x");
	assert_int_equal(s.state, 'S');
	assert_int_equal(s.minflt, 17);
	assert_int_equal(s.majflt, 2);
	assert_int_equal(s.utime, 5);
	assert_int_equal(s.stime, 7);
	assert_int_equal(s.priority, -81);
	assert_int_equal(s.processor, 1);
	assert_int_equal(s.rt_priority, 80);
	assert_int_equal(s.policy, 1);
	assert_int_equal(ap_stat_parse("12 (x) S 1 2 3", &s), -EINVAL);
	assert_int_equal(ap_stat_parse("no parens", &s), -EINVAL);
}

static void test_sched(void **state)
{
	static const char sc[] = "spinal-rt (4243, #threads: 3)\n---------\n"
				 "se.exec_start                                :     123.456\n"
				 "se.nr_migrations                             :                    5\n"
				 "nr_switches                                  :                 1501\n";
	uint64_t v;

	(void)state;
	assert_int_equal(ap_sched_u64(sc, "se.nr_migrations", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(ap_sched_u64(sc, "nr_switches", &v), 0);
	assert_int_equal(v, 1501);
	assert_int_equal(ap_sched_u64(sc, "nr_voluntary_switches", &v), -ENOENT);
}

static void test_perf_csv(void **state)
{
	char ev[64];
	uint64_t v;
	int counted;

	(void)state;
	assert_int_equal(ap_perf_csv("18008,,minor-faults,140560616,100.00,,", ev, sizeof(ev), &v, &counted), 1);
	assert_string_equal(ev, "minor-faults");
	assert_int_equal(v, 18008);
	assert_int_equal(counted, 1);
	assert_int_equal(ap_perf_csv("<not supported>,,instructions,0,100.00,,", ev, sizeof(ev), &v, &counted), 1);
	assert_string_equal(ev, "instructions");
	assert_int_equal(counted, 0);
	assert_int_equal(ap_perf_csv("<not counted>,,cpu-migrations,0,100.00,,", ev, sizeof(ev), &v, &counted), 1);
	assert_int_equal(counted, 0);
	assert_int_equal(ap_perf_csv("# started on Sun Nov 22", ev, sizeof(ev), &v, &counted), 0);
	assert_int_equal(ap_perf_csv("", ev, sizeof(ev), &v, &counted), 0);
	assert_int_equal(ap_perf_csv("1.50,msec,task-clock,1500000,100.00,0.1,CPUs", ev, sizeof(ev), &v, &counted), 1);
	assert_string_equal(ev, "task-clock");
}

static void test_strace(void **state)
{
	char n[32];

	(void)state;
	assert_int_equal(ap_strace_line("4243  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {tv_sec=1, tv_nsec=0}, NULL) = 0\n",
					n, sizeof(n)), 1);
	assert_string_equal(n, "clock_nanosleep");
	assert_int_equal(ap_strace_line("clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, {...} <unfinished ...>", n, sizeof(n)), 1);
	assert_int_equal(ap_strace_line("4243  <... clock_nanosleep resumed>NULL) = 0", n, sizeof(n)), 0);
	assert_int_equal(ap_strace_line("[pid  4243] write(2, \"bad\\n\", 4) = 4", n, sizeof(n)), 1);
	assert_string_equal(n, "write");
	assert_int_equal(ap_strace_line("4243  restart_syscall(<... resuming interrupted clock_nanosleep ...>) = 0", n,
					sizeof(n)), 1);
	assert_string_equal(n, "restart_syscall");
	assert_int_equal(ap_strace_line("4243  --- SIGINT {si_signo=SIGINT} ---", n, sizeof(n)), 0);
	assert_int_equal(ap_strace_line("4243  +++ exited with 0 +++", n, sizeof(n)), 0);
	assert_int_equal(ap_strace_line("", n, sizeof(n)), 0);
}

static void test_classes(void **state)
{
	char p[64];

	(void)state;
	assert_int_equal(ap_clocksource_class("tsc"), AP_GOOD);
	assert_int_equal(ap_clocksource_class("arch_sys_counter"), AP_GOOD);
	assert_int_equal(ap_clocksource_class("kvm-clock"), AP_MEH);
	assert_int_equal(ap_clocksource_class("hpet"), AP_MEH);
	assert_int_equal(ap_clocksource_class("jiffies"), AP_BAD);
	assert_int_equal(ap_clocksource_class("weird"), AP_UNKNOWN);
	assert_int_equal(ap_governor_class("performance"), AP_GOOD);
	assert_int_equal(ap_governor_class("schedutil"), AP_MEH);
	assert_int_equal(ap_cgroup_cpu_path("12:pids:/a\n3:cpu,cpuacct:/system.slice/spinal.service\n0::/x\n",
					    p, sizeof(p)), 1);
	assert_string_equal(p, "/system.slice/spinal.service");
	assert_int_equal(ap_cgroup_cpu_path("2:cpuacct:/\n1:cpu:/\n", p, sizeof(p)), 1);
	assert_string_equal(p, "/");
	assert_int_equal(ap_cgroup_cpu_path("3:cpuset:/\n0::/user.slice\n", p, sizeof(p)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_isolcpus),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_sched),
		cmocka_unit_test(test_perf_csv),
		cmocka_unit_test(test_strace),
		cmocka_unit_test(test_classes),
	};

	return cmocka_run_group_tests_name("preflight", tests, NULL, NULL);
}
