// SPDX-License-Identifier: MIT
/* spinal-core's command line (see options.h). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spinal/ring.h>
#include <spinal/shm.h>

#include "lib/cli.h"
#include "rtcore/options.h"
#include "rtcore/pipeline.h"
#include "rtcore/seccomp.h"
#include "rtcore/trace.h"
#include "rtcore/sps.h"

void core_opts_defaults(struct core_opts *o)
{
	*o = (struct core_opts){
		.name = SPINAL_DEFAULT_INSTANCE, .io = "sim", .period_us = 1000, .cpu = -1,
		.priority = 80, .want_rt = 1, .telem_slots = 16384, .cfg_slots = 256,
		.staging_mb = 16, .max_consec_miss = 5, .goal_x = 4.0, .goal_y = 3.0,
		.goal_tol = 0.1, .wd_timeout_ms = 100, .seccomp = -1,
		.ps = { .rttime_soft_us = 200000, .rttime_hard_us = 1000000 },
		.lim = { .v_max = 1.0f, .omega_max = 2.0f, .accel_max = 2.0f, .alpha_max = 8.0f },
		.stale_ms = 50, .trace_mode = TRACE_MODE_AUTO, .trace_buf_kb = 512,
		.trace_max_per_s = 20,
		.sps_max_mb = SPS_MEM_DEFAULT_MB,
	};
}

void core_pipeline_cfg(const struct core_opts *o, struct pipeline_cfg *pc)
{
	memset(pc, 0, sizeof(*pc));
	pc->period_ns = (uint64_t)o->period_us * 1000u;
	pc->goal_x = (float)o->goal_x;
	pc->goal_y = (float)o->goal_y;
	pc->goal_tol = (float)o->goal_tol;
	pc->lim = o->lim;
	pc->stale_ns = (uint64_t)o->stale_ms * 1000000u;
	pc->require_model = !o->fallback_only;
	follower_defaults(&pc->fol);
	if (pc->fol.v_max > o->lim.v_max)
		pc->fol.v_max = o->lim.v_max;
	if (pc->fol.omega_max > o->lim.omega_max)
		pc->fol.omega_max = o->lim.omega_max;
}

static void usage(FILE *f)
{
	fputs(
"Usage: spinal-core [OPTION]...\n"
"Run spinal's real-time policy loop: every period, read the robot state,\n"
"compute features, run the policy, filter it for safety and write a velocity\n"
"command.  Shared memory /dev/shm/spinal.NAME.* carries telemetry and stats\n"
"to spinal-agent and spinal-inspect.\n"
"\n"
"Instance and loop:\n"
"  -n, --name NAME        instance name (default: spinal); names the shared memory\n"
"  -p, --period-us US     loop period in microseconds (default: 1000 = 1 kHz)\n"
"  -c, --cpu N            CPU for the RT thread (default: highest isolated CPU,\n"
"                         else the last CPU, with a warning)\n"
"  -P, --priority N       SCHED_FIFO priority 1..99 (default: 80)\n"
"  -d, --duration S       stop by itself after S seconds (default: run until\n"
"                         SIGINT/SIGTERM)\n"
"      --no-rt            do not ask for real-time scheduling or locked memory\n"
"      --max-consec-miss K  K consecutive overruns latch a safe stop (default 5;\n"
"                         0 disables)\n"
"      --wd-timeout-ms MS arm the spinal_wd kernel watchdog (/dev/spinal_wd, if\n"
"                         loaded): a heartbeat gap over MS ms or the death of\n"
"                         this process trips it (default 100; 0 disables)\n"
"Why a tick was late (docs/incident.md):\n"
"      --trace MODE       auto (default): record the RT CPU's kernel events in a\n"
"                         tracefs instance spinal-NAME when tracefs is there and\n"
"                         writable at setup (or made by spinal-trace-helper), and\n"
"                         attribute each late tick from them; without tracefs,\n"
"                         from /proc and the core's own timestamps.  proc: never\n"
"                         use tracefs.  off: no attribution\n"
"      --trace-late-us US also attribute wake-ups later than US (default 0:\n"
"                         overruns only)\n"
"      --trace-buf-kb KB  kernel ring for the RT CPU (default 512)\n"
"      --trace-max-per-s N  analyse at most N late ticks a second, count the rest\n"
"                         as skipped (default 20; 0: no limit)\n"
"      --tracefs DIR      where tracefs is mounted (default /sys/kernel/tracing,\n"
"                         then /sys/kernel/debug/tracing)\n"
"I/O:\n"
"      --io sim           in-process deterministic unicycle robot (default)\n"
"      --io shm           external robot driver (spinal-sim, or a real one):\n"
"                         state and command mailboxes in /dev/shm/spinal.NAME.io\n"
"                         and .iostate (docs/driver.md); --start is then the\n"
"                         driver's option\n"
"      --start X,Y,THETA  sim start pose (default 0,0,0)\n"
"      --goal X,Y         goal point (default 4,3)\n"
"      --goal-tol M       goal reached within M metres (default 0.1)\n"
"Hard safety limits (the agent may only narrow them, never switch one off):\n"
"      --max-speed V      m/s, 0..100 (default 1.0; 0: never move)\n"
"      --max-omega W      rad/s, 0..100 (default 2.0)\n"
"      --max-accel A      m/s^2, 0.001..1000 (default 2.0)\n"
"      --max-alpha B      rad/s^2, 0.001..1000 (default 8.0)\n"
"      --max-jerk J       m/s^3 (default 0: no jerk limit)\n"
"      --max-ajerk J      rad/s^3 (default 0: no limit)\n"
"      --stale-ms MS      robot state older than MS stops the robot, 1..60000\n"
"                         (default 50; the stale check cannot be turned off)\n"
"Policy:\n"
"      --fallback-only    with no model loaded, drive with the classical path\n"
"                         follower instead of standing still (testing; the safe\n"
"                         default is: no model, no motion)\n"
"      --sps-budget-macs N  a model may need at most N multiply-adds per tick\n"
"                         (worst case, docs/model.md); default: half the period\n"
"                         at 1 per ns = 500 per us of period (500000 at 1 kHz);\n"
"                         at most 8 per ns of the whole period\n"
"      --sps-max-mb N     a model plan may take at most N MiB of (locked)\n"
"                         memory, 1..1024 (default 64)\n"
"Shared memory sizes:\n"
"      --telem-slots N    telemetry ring records, power of two (default 16384)\n"
"      --cfg-slots N      config ring messages, power of two (default 256)\n"
"      --staging-mb N     blob staging area (default 16)\n"
"Privilege separation (docs/operator-guide.md):\n"
"      --socket PATH      hand the regions to peers over this UNIX socket as\n"
"                         sealed memfds (agent: CONS and CFG writable, the rest\n"
"                         read-only; inspector: read-only) instead of /dev/shm\n"
"      --socket-mode OCT  socket file mode (default 0660)\n"
"      --socket-group G   socket group, also who may inspect (default spinal)\n"
"      --agent-user U     the only user given writable descriptors (default\n"
"                         spinal)\n"
"      --user U           when started as root, run as U after setup (default\n"
"                         spinal-core, else nobody)\n"
"      --seccomp MODE     system-call allowlist after setup: off, trap (log the\n"
"                         call, die of SIGSYS), kill (kernel kills at once), log\n"
"                         (default: trap with --socket, else off)\n"
"      --seccomp-test     test hook: make a forbidden call after setup\n"
"      --rttime-ms S[,H]  RLIMIT_RTTIME: the RT thread running S ms without\n"
"                         sleeping latches a safe stop, H ms kills the core\n"
"                         (default 200,1000; 0 disables)\n"
"  -q, --quiet            only warnings and errors\n"
"  -h, --help             this help\n"
"\n"
"Privileges: CAP_SYS_NICE (SCHED_FIFO) and CAP_IPC_LOCK (mlockall) make the\n"
"loop real-time; without them spinal-core still runs, as an ordinary process,\n"
"and says so.  Exit status: 0 on a clean stop, 1 on a setup error, 2 on bad\n"
"usage, 3 when the loop stopped on a safe-stop latch.\n", f);
}

enum {
	OPT_NO_RT = 256, OPT_IO, OPT_START, OPT_GOAL, OPT_GOAL_TOL, OPT_MAX_SPEED,
	OPT_MAX_OMEGA, OPT_MAX_ACCEL, OPT_MAX_ALPHA, OPT_TELEM_SLOTS, OPT_CFG_SLOTS,
	OPT_STAGING, OPT_MAX_MISS, OPT_WD_TIMEOUT,
	OPT_SOCKET, OPT_SOCKET_MODE, OPT_SOCKET_GROUP, OPT_AGENT_USER, OPT_USER, OPT_SECCOMP,
	OPT_SECCOMP_TEST, OPT_RTTIME, OPT_STALE_MS, OPT_MAX_JERK, OPT_MAX_AJERK,
	OPT_FALLBACK_ONLY, OPT_TRACE, OPT_TRACE_LATE, OPT_TRACE_BUF, OPT_TRACE_RATE, OPT_TRACEFS,
	OPT_SPS_MACS, OPT_SPS_MB,
};

/* Options of rtcore/privsep.h, seccomp.h and handoff.h.  Returns 0 or -1. */
static int parse_privsep_opt(struct core_opts *o, int c, const char *arg)
{
	enum core_seccomp_mode m;
	double f[2];
	char *end;
	long v;

	switch (c) {
	case OPT_SOCKET:
		o->sock.path = arg;
		return arg[0] == '/' ? 0 : -1;
	case OPT_SOCKET_MODE:
		v = strtol(arg, &end, 8);
		o->sock.mode = (mode_t)v;
		return *end || v <= 0 || v > 0777 ? -1 : 0;
	case OPT_SOCKET_GROUP:
		o->sock.group = arg;
		return 0;
	case OPT_AGENT_USER:
		o->sock.agent_user = arg;
		return 0;
	case OPT_USER:
		o->ps.user = arg;
		o->ps.user_given = 1;
		return 0;
	case OPT_SECCOMP:
		if (core_seccomp_parse(arg, &m))
			return -1;
		o->seccomp = (int)m;
		return 0;
	case OPT_SECCOMP_TEST:
		o->seccomp_test = 1;
		return 0;
	case OPT_RTTIME:
		f[1] = -1;
		if (spinal_parse_doubles(arg, f, 1) && spinal_parse_doubles(arg, f, 2))
			return -1;
		if (f[1] < 0)
			f[1] = f[0] ? f[0] * 5 : 0;
		if (f[0] < 0 || f[0] > 1e6 || f[1] < f[0] || f[1] > 1e6)
			return -1;
		o->ps.rttime_soft_us = (uint64_t)(f[0] * 1000);
		o->ps.rttime_hard_us = (uint64_t)(f[1] * 1000);
		return 0;
	}
	return -1;
}

int core_opts_parse(int argc, char **argv, struct core_opts *o)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "period-us", required_argument, NULL, 'p' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "priority", required_argument, NULL, 'P' },
		{ "duration", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "no-rt", no_argument, NULL, OPT_NO_RT },
		{ "io", required_argument, NULL, OPT_IO },
		{ "start", required_argument, NULL, OPT_START },
		{ "goal", required_argument, NULL, OPT_GOAL },
		{ "goal-tol", required_argument, NULL, OPT_GOAL_TOL },
		{ "max-speed", required_argument, NULL, OPT_MAX_SPEED },
		{ "max-omega", required_argument, NULL, OPT_MAX_OMEGA },
		{ "max-accel", required_argument, NULL, OPT_MAX_ACCEL },
		{ "max-alpha", required_argument, NULL, OPT_MAX_ALPHA },
		{ "telem-slots", required_argument, NULL, OPT_TELEM_SLOTS },
		{ "cfg-slots", required_argument, NULL, OPT_CFG_SLOTS },
		{ "staging-mb", required_argument, NULL, OPT_STAGING },
		{ "max-consec-miss", required_argument, NULL, OPT_MAX_MISS },
		{ "wd-timeout-ms", required_argument, NULL, OPT_WD_TIMEOUT },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "socket-mode", required_argument, NULL, OPT_SOCKET_MODE },
		{ "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
		{ "agent-user", required_argument, NULL, OPT_AGENT_USER },
		{ "user", required_argument, NULL, OPT_USER },
		{ "seccomp", required_argument, NULL, OPT_SECCOMP },
		{ "seccomp-test", no_argument, NULL, OPT_SECCOMP_TEST },
		{ "rttime-ms", required_argument, NULL, OPT_RTTIME },
		{ "stale-ms", required_argument, NULL, OPT_STALE_MS },
		{ "max-jerk", required_argument, NULL, OPT_MAX_JERK },
		{ "max-ajerk", required_argument, NULL, OPT_MAX_AJERK },
		{ "fallback-only", no_argument, NULL, OPT_FALLBACK_ONLY },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "trace-late-us", required_argument, NULL, OPT_TRACE_LATE },
		{ "trace-buf-kb", required_argument, NULL, OPT_TRACE_BUF },
		{ "trace-max-per-s", required_argument, NULL, OPT_TRACE_RATE },
		{ "tracefs", required_argument, NULL, OPT_TRACEFS },
		{ "sps-budget-macs", required_argument, NULL, OPT_SPS_MACS },
		{ "sps-max-mb", required_argument, NULL, OPT_SPS_MB },
		{ NULL, 0, NULL, 0 },
	};
	double f[3], d;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "n:p:c:P:d:qh", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!spinal_instance_valid(optarg))
				goto bad;
			o->name = optarg;
			break;
		case 'p':
			if (spinal_parse_long(optarg, CORE_PERIOD_US_MIN, 1000000, &o->period_us))
				goto bad;
			break;
		case 'c':
			if (spinal_parse_long(optarg, 0, 1023, &v))
				goto bad;
			o->cpu = (int)v;
			break;
		case 'P':
			if (spinal_parse_long(optarg, 1, 99, &v))
				goto bad;
			o->priority = (int)v;
			break;
		case 'd':
			if (spinal_parse_double(optarg, 0.001, 1e9, &o->duration))
				goto bad;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_NO_RT:
			o->want_rt = 0;
			break;
		case OPT_IO:
			if (strcmp(optarg, "sim") != 0 && strcmp(optarg, "shm") != 0)
				goto bad;
			o->io = optarg;
			break;
		case OPT_START:
			if (spinal_parse_doubles(optarg, f, 3))
				goto bad;
			o->start_x = f[0], o->start_y = f[1], o->start_theta = f[2];
			break;
		case OPT_GOAL:
			if (spinal_parse_doubles(optarg, f, 2))
				goto bad;
			o->goal_x = f[0], o->goal_y = f[1];
			break;
		case OPT_GOAL_TOL:
			if (spinal_parse_double(optarg, 0.001, 100, &o->goal_tol))
				goto bad;
			break;
		case OPT_MAX_SPEED:
			if (spinal_parse_double(optarg, 0, 100, &d))
				goto bad;
			o->lim.v_max = (float)d;
			break;
		case OPT_MAX_OMEGA:
			if (spinal_parse_double(optarg, 0, 100, &d))
				goto bad;
			o->lim.omega_max = (float)d;
			break;
		case OPT_MAX_ACCEL:
			/* > 0: a zero acceleration limit would freeze the robot */
			if (spinal_parse_double(optarg, 0.001, 1000, &d))
				goto bad;
			o->lim.accel_max = (float)d;
			break;
		case OPT_MAX_ALPHA:
			if (spinal_parse_double(optarg, 0.001, 1000, &d))
				goto bad;
			o->lim.alpha_max = (float)d;
			break;
		case OPT_TELEM_SLOTS:
		case OPT_CFG_SLOTS:
			if (spinal_parse_long(optarg, 16, 1 << 22, &v) || !spinal_ring_is_pow2((uint32_t)v))
				goto bad;
			if (c == OPT_TELEM_SLOTS)
				o->telem_slots = (uint32_t)v;
			else
				o->cfg_slots = (uint32_t)v;
			break;
		case OPT_STAGING:
			if (spinal_parse_long(optarg, 1, 1024, &v))
				goto bad;
			o->staging_mb = (uint32_t)v;
			break;
		case OPT_MAX_MISS:
			if (spinal_parse_long(optarg, 0, 1000000, &v))
				goto bad;
			o->max_consec_miss = (uint32_t)v;
			break;
		case OPT_STALE_MS:
			/* no 0: there is no "no stale check" (rtcore/aas.h) */
			if (spinal_parse_long(optarg, 1, 60000, &o->stale_ms))
				goto bad;
			break;
		case OPT_MAX_JERK:
			if (spinal_parse_double(optarg, 0, 100000, &d))
				goto bad;
			o->lim.jerk_max = (float)d;
			break;
		case OPT_MAX_AJERK:
			if (spinal_parse_double(optarg, 0, 100000, &d))
				goto bad;
			o->lim.ajerk_max = (float)d;
			break;
		case OPT_FALLBACK_ONLY:
			o->fallback_only = 1;
			break;
		case OPT_SPS_MACS:
			/* the ceiling depends on the period: checked below */
			if (spinal_parse_long(optarg, 1, LONG_MAX, &v))
				goto bad;
			o->sps_max_macs = (uint64_t)v;
			break;
		case OPT_SPS_MB:
			if (spinal_parse_long(optarg, 1, SPS_MEM_CEIL_MB, &v))
				goto bad;
			o->sps_max_mb = (uint32_t)v;
			break;
		case OPT_WD_TIMEOUT:
			if (spinal_parse_long(optarg, 0, 60000, &o->wd_timeout_ms))
				goto bad;
			break;
		case OPT_TRACE:
			if (strcmp(optarg, "auto") == 0)
				o->trace_mode = TRACE_MODE_AUTO;
			else if (strcmp(optarg, "off") == 0)
				o->trace_mode = TRACE_MODE_OFF;
			else if (strcmp(optarg, "proc") == 0)
				o->trace_mode = TRACE_MODE_PROC;
			else
				goto bad;
			break;
		case OPT_TRACE_LATE:
			if (spinal_parse_long(optarg, 0, 10000000, &o->trace_late_us))
				goto bad;
			break;
		case OPT_TRACE_BUF:
			if (spinal_parse_long(optarg, 16, 65536, &o->trace_buf_kb))
				goto bad;
			break;
		case OPT_TRACEFS:
			o->tracefs = optarg;
			break;
		case OPT_TRACE_RATE:
			if (spinal_parse_long(optarg, 0, 10000, &o->trace_max_per_s))
				goto bad;
			break;
		case OPT_SOCKET ... OPT_RTTIME:
			if (parse_privsep_opt(o, c, optarg))
				goto bad;
			break;
		default:
			fprintf(stderr, "Try 'spinal-core --help'.\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "spinal-core: unexpected argument '%s'\nTry 'spinal-core --help'.\n",
			argv[optind]);
		return -1;
	}
	if (o->sps_max_macs > sps_budget_macs_ceiling((uint64_t)o->period_us)) {
		fprintf(stderr,
			"spinal-core: --sps-budget-macs %llu is above the ceiling for a %ld us period (%llu: %d multiply-adds per ns of the whole period)\nTry 'spinal-core --help'.\n",
			(unsigned long long)o->sps_max_macs, o->period_us,
			(unsigned long long)sps_budget_macs_ceiling((uint64_t)o->period_us),
			SPS_MACS_PER_NS_CEIL);
		return -1;
	}
	return 0;
bad:
	for (v = 0; lo[v].name; v++)
		if (lo[v].val == c)
			break;
	fprintf(stderr, "spinal-core: invalid value '%s' for --%s\nTry 'spinal-core --help'.\n",
		optarg, lo[v].name ? lo[v].name : "?");
	return -1;
}
