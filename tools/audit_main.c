// SPDX-License-Identifier: MIT
/* spinal-audit: command line and dispatch (audit, preflight, hist). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/shm.h>

#include "tools/audit.h"

static const char usage_text[] =
"Usage: spinal-audit [--name NAME] [OPTIONS]        audit a running spinal-core\n"
"       spinal-audit preflight [--cpu N] [--json]   check this host before deployment\n"
"       spinal-audit hist [--name NAME] [OPTIONS]   export the core's latency histograms\n"
"\n"
"spinal-audit checks what users of a PREEMPT_RT robot otherwise check by hand\n"
"with perf, strace, chrt, taskset and cyclictest, and prints PASS/WARN/FAIL per\n"
"check with the advice for every WARN and FAIL.\n"
"\n"
"AUDIT (default): finds the core through /dev/shm/spinal.NAME.stats (creator\n"
"pid, period, RT CPU) and its RT thread by name (\"spinal-rt\"), then, during one\n"
"window of --window seconds:\n"
"  faults, ctxsw,   perf stat -t TID (minor/major faults, context switches, CPU\n"
"  migrations       migrations); without perf, /proc/TID/{stat,status,sched} deltas\n"
"  latency          cyclictest at the core's priority and period, on a CPU of the\n"
"                   same class (isolated or not), side by side with the core's own\n"
"                   wake-lateness histogram over the same window: p50, p99, p99.9,\n"
"                   max and their ratio\n"
"then, in a second window (strace slows the traced thread, so it runs alone):\n"
"  syscalls         strace -f -p TID: the contract is clock_nanosleep only\n"
"and from /proc: sched_policy (as chrt -p), affinity (vs the isolated set),\n"
"memlock (VmLck vs VmRSS), capabilities (every thread), no_new_privs,\n"
"housekeeping (other threads off the RT CPU), overruns.\n"
"\n"
"  -n, --name NAME         instance name (default \"" SPINAL_DEFAULT_INSTANCE "\")\n"
"  -w, --window SECONDS    length of each measurement window (default 5)\n"
"      --json              one JSON document on stdout instead of the report\n"
"      --no-perf           use /proc counters even when perf works\n"
"      --no-strace         skip the syscall window\n"
"      --no-cyclictest     skip the side-by-side cyclictest run\n"
"      --allow-syscall LIST  comma-separated syscalls the contract also allows\n"
"      --lat-ratio R       latency PASS if core p99 <= R x cyclictest p99 (default 2)\n"
"      --lat-slack US      ... or at most US microseconds above it (default 20)\n"
"      --histfile FILE     write the window's histograms (core wake, cyclictest)\n"
"                          in cyclictest --histfile format\n"
"      --histjson FILE     the same as JSON\n"
"\n"
"PREFLIGHT: PREEMPT_RT (sysfs and uname -v), isolated CPUs, nohz_full,\n"
"rcu_nocbs, RT throttling, SCHED_FIFO (probed; RT group scheduling explains\n"
"EPERM), memlock limit, capabilities, cpufreq governor, SMT sibling and IRQ\n"
"affinity of the RT CPU, clock source.\n"
"  -c, --cpu N             the CPU the RT thread will use (default: highest\n"
"                          isolated CPU, else the highest online CPU, like spinal-core)\n"
"      --json              JSON instead of the report\n"
"\n"
"HIST: see spinal-audit hist --help.\n"
"\n"
"Exit status: 0 no FAIL (WARNs allowed), 1 at least one FAIL, 2 usage or\n"
"runtime error (no such core, tool missing with no fallback).\n"
"Needs root (or CAP_SYS_PTRACE + CAP_SYS_ADMIN/perf_event_paranoid <= 1) to trace\n"
"the core; packages: linux-perf, strace, rt-tests (cyclictest).\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static int cmd_preflight(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "cpu", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct audit_report *r;
	int ch, cpu = -1, json = 0, rc;
	char *end;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cpu = (int)strtol(optarg, &end, 10);
			if (*end || cpu < 0 || cpu >= SPINAL_MAX_CPUS) {
				fprintf(stderr, "spinal-audit preflight: --cpu '%s': expected a CPU number\n",
					optarg);
				return 2;
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		perror("spinal-audit");
		return 2;
	}
	audit_preflight(r, cpu);
	audit_print(r, stdout, json);
	rc = audit_exit_code(r);
	free(r);
	return rc;
}

static int parse_double(const char *opt, const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	if (end == s || *end || !(*out > 0)) {
		fprintf(stderr, "spinal-audit: %s '%s': expected a positive number\n", opt, s);
		return -1;
	}
	return 0;
}

static int cmd_audit(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "window", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-perf", no_argument, NULL, 'P' },
		{ "no-strace", no_argument, NULL, 'S' },
		{ "no-cyclictest", no_argument, NULL, 'C' },
		{ "allow-syscall", required_argument, NULL, 'a' },
		{ "lat-ratio", required_argument, NULL, 'r' },
		{ "lat-slack", required_argument, NULL, 's' },
		{ "histfile", required_argument, NULL, 'f' },
		{ "histjson", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct audit_opts o = {
		.name = SPINAL_DEFAULT_INSTANCE, .window_s = 5, .lat_ratio = 2, .lat_slack_us = 20,
	};
	struct audit_report *r;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "n:w:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o.name = optarg;
			break;
		case 'w':
			if (parse_double("--window", optarg, &o.window_s))
				return 2;
			break;
		case 'j':
			o.json = 1;
			break;
		case 'P':
			o.no_perf = 1;
			break;
		case 'S':
			o.no_strace = 1;
			break;
		case 'C':
			o.no_cyclictest = 1;
			break;
		case 'a':
			o.allow_syscalls = optarg;
			break;
		case 'r':
			if (parse_double("--lat-ratio", optarg, &o.lat_ratio))
				return 2;
			break;
		case 's':
			if (parse_double("--lat-slack", optarg, &o.lat_slack_us))
				return 2;
			break;
		case 'f':
			o.histfile = optarg;
			break;
		case 'F':
			o.histjson = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "spinal-audit: unexpected argument '%s' (subcommands: preflight, hist)\n",
			argv[optind]);
		return 2;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		perror("spinal-audit");
		return 2;
	}
	rc = audit_core(r, &o);
	if (rc == 0) {
		audit_print(r, stdout, o.json);
		rc = audit_exit_code(r);
	} else {
		rc = 2;
	}
	free(r);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "preflight"))
		return cmd_preflight(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "hist"))
		return audit_hist_main(argc - 1, argv + 1);
	return cmd_audit(argc, argv);
}
