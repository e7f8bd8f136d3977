// SPDX-License-Identifier: MIT
/*
 * spinal-core: the privileged half of spinal.  Sets the process up for real
 * time, creates the shared regions, runs the RT loop on its own thread and
 * keeps housekeeping (signals, logging, shutdown) on the main thread, off the
 * RT CPU.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spinal/shm.h>
#include <spinal/stats.h>
#include <spinal/telemetry.h>

#include "lib/wd.h"
#include "rtcore/handoff.h"
#include "rtcore/io.h"
#include "rtcore/loop.h"
#include "rtcore/privsep.h"
#include "rtcore/rtsetup.h"
#include "rtcore/seccomp.h"
#include "rtcore/shm.h"
#include "rtcore/model_rcu.h"
#include "rtcore/updater.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct core_opts {
	const char *name;
	const char *io;
	long period_us;
	int cpu;
	int priority;
	double duration;
	int want_rt;
	int quiet;
	uint32_t telem_slots;
	uint32_t cfg_slots;
	uint32_t staging_mb;
	uint32_t max_consec_miss;
	long wd_timeout_ms;
	/* privilege separation (rtcore/privsep.h, seccomp.h, handoff.h) */
	struct handoff_cfg sock;        /* .path NULL: shm_open regions, no socket */
	struct privsep_cfg ps;
	int seccomp;                    /* enum core_seccomp_mode, -1: by --socket */
	int seccomp_test;
	double start_x, start_y, start_theta;
	double goal_x, goal_y, goal_tol;
	struct aas_limits lim;
	long stale_ms;     /* state older than this: stop */
	int fallback_only; /* drive with the classical follower when no model is loaded */
};

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
"I/O:\n"
"      --io sim           in-process deterministic unicycle robot (default)\n"
"      --io shm           external robot driver (spinal-sim, or a real one):\n"
"                         state and command mailboxes in /dev/shm/spinal.NAME.io\n"
"                         and .iostate (docs/driver.md); --start is then the\n"
"                         driver's option\n"
"      --start X,Y,THETA  sim start pose (default 0,0,0)\n"
"      --goal X,Y         goal point (default 4,3)\n"
"      --goal-tol M       goal reached within M metres (default 0.1)\n"
"Hard safety limits (the agent may only narrow them):\n"
"      --max-speed V      m/s (default 1.0)\n"
"      --max-omega W      rad/s (default 2.0)\n"
"      --max-accel A      m/s^2 (default 2.0)\n"
"      --max-alpha B      rad/s^2 (default 8.0)\n"
"      --max-jerk J       m/s^3 (default 0: no jerk limit)\n"
"      --max-ajerk J      rad/s^3 (default 0: no limit)\n"
"      --stale-ms MS      robot state older than MS stops the robot (default 50)\n"
"Policy:\n"
"      --fallback-only    with no model loaded, drive with the classical path\n"
"                         follower instead of standing still (testing; the safe\n"
"                         default is: no model, no motion)\n"
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

static int parse_floats(const char *s, double *out, int n)
{
	char *end;
	int i;

	for (i = 0; i < n; i++) {
		errno = 0;
		out[i] = strtod(s, &end);
		if (errno || end == s || !isfinite(out[i]))
			return -1;
		if (i < n - 1) {
			if (*end != ',')
				return -1;
			s = end + 1;
		}
	}
	return *end ? -1 : 0;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_opt_float(const char *s, double lo, double hi, double *out)
{
	return parse_floats(s, out, 1) || *out < lo || *out > hi ? -1 : 0;
}

enum {
	OPT_NO_RT = 256, OPT_IO, OPT_START, OPT_GOAL, OPT_GOAL_TOL, OPT_MAX_SPEED,
	OPT_MAX_OMEGA, OPT_MAX_ACCEL, OPT_MAX_ALPHA, OPT_TELEM_SLOTS, OPT_CFG_SLOTS,
	OPT_STAGING, OPT_MAX_MISS, OPT_WD_TIMEOUT,
	OPT_SOCKET, OPT_SOCKET_MODE, OPT_SOCKET_GROUP, OPT_AGENT_USER, OPT_USER, OPT_SECCOMP,
	OPT_SECCOMP_TEST, OPT_RTTIME, OPT_STALE_MS, OPT_MAX_JERK, OPT_MAX_AJERK,
	OPT_FALLBACK_ONLY,
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
		if (parse_floats(arg, f, 1) && parse_floats(arg, f, 2))
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

static int parse_args(int argc, char **argv, struct core_opts *o)
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
			if (parse_long(optarg, 50, 1000000, &o->period_us))
				goto bad;
			break;
		case 'c':
			if (parse_long(optarg, 0, 1023, &v))
				goto bad;
			o->cpu = (int)v;
			break;
		case 'P':
			if (parse_long(optarg, 1, 99, &v))
				goto bad;
			o->priority = (int)v;
			break;
		case 'd':
			if (parse_opt_float(optarg, 0.001, 1e9, &o->duration))
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
			if (parse_floats(optarg, f, 3))
				goto bad;
			o->start_x = f[0], o->start_y = f[1], o->start_theta = f[2];
			break;
		case OPT_GOAL:
			if (parse_floats(optarg, f, 2))
				goto bad;
			o->goal_x = f[0], o->goal_y = f[1];
			break;
		case OPT_GOAL_TOL:
			if (parse_opt_float(optarg, 0.001, 100, &o->goal_tol))
				goto bad;
			break;
		case OPT_MAX_SPEED:
			if (parse_opt_float(optarg, 0, 100, &d))
				goto bad;
			o->lim.v_max = (float)d;
			break;
		case OPT_MAX_OMEGA:
			if (parse_opt_float(optarg, 0, 100, &d))
				goto bad;
			o->lim.omega_max = (float)d;
			break;
		case OPT_MAX_ACCEL:
			if (parse_opt_float(optarg, 0, 1000, &d))
				goto bad;
			o->lim.accel_max = (float)d;
			break;
		case OPT_MAX_ALPHA:
			if (parse_opt_float(optarg, 0, 1000, &d))
				goto bad;
			o->lim.alpha_max = (float)d;
			break;
		case OPT_TELEM_SLOTS:
		case OPT_CFG_SLOTS:
			if (parse_long(optarg, 16, 1 << 22, &v) || !spinal_ring_is_pow2((uint32_t)v))
				goto bad;
			if (c == OPT_TELEM_SLOTS)
				o->telem_slots = (uint32_t)v;
			else
				o->cfg_slots = (uint32_t)v;
			break;
		case OPT_STAGING:
			if (parse_long(optarg, 1, 1024, &v))
				goto bad;
			o->staging_mb = (uint32_t)v;
			break;
		case OPT_MAX_MISS:
			if (parse_long(optarg, 0, 1000000, &v))
				goto bad;
			o->max_consec_miss = (uint32_t)v;
			break;
		case OPT_STALE_MS:
			if (parse_long(optarg, 0, 60000, &o->stale_ms))
				goto bad;
			break;
		case OPT_MAX_JERK:
			if (parse_opt_float(optarg, 0, 100000, &d))
				goto bad;
			o->lim.jerk_max = (float)d;
			break;
		case OPT_MAX_AJERK:
			if (parse_opt_float(optarg, 0, 100000, &d))
				goto bad;
			o->lim.ajerk_max = (float)d;
			break;
		case OPT_FALLBACK_ONLY:
			o->fallback_only = 1;
			break;
		case OPT_WD_TIMEOUT:
			if (parse_long(optarg, 0, 60000, &o->wd_timeout_ms))
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
	return 0;
bad:
	for (v = 0; lo[v].name; v++)
		if (lo[v].val == c)
			break;
	fprintf(stderr, "spinal-core: invalid value '%s' for --%s\nTry 'spinal-core --help'.\n",
		optarg, lo[v].name ? lo[v].name : "?");
	return -1;
}

struct core {
	struct core_opts o;
	struct core_region stats, telem, cons, cfg;
	struct rt_setup_result rt;
	struct spinal_loop *loop;
	struct spinal_ring cfg_ring; /* consumer side, owned by the updater thread */
	struct spinal_updater *upd;
	struct spinal_model_ctx model_ctx;
	struct spinal_cfg_handler handlers[1];
	pthread_t rt_thread;
	struct handoff *ho;   /* --socket: memfd regions and their server */
	struct privsep ps;
};

/* One region: a sealed memfd with --socket, else a /dev/shm object. */
static int region_create(struct core *c, struct core_region *r, uint32_t kind,
			 const struct core_sect_spec *spec, unsigned int n, mode_t mode,
			 char *err, size_t errlen)
{
	if (c->ho)
		return handoff_region_create(c->ho, r, c->o.name, kind, spec, n, err, errlen);
	return core_region_create(r, c->o.name, kind, spec, n, mode, err, errlen);
}

static int create_regions(struct core *c)
{
	const struct core_sect_spec stats_s[] = {
		{ SPINAL_SECT_STATS, 0, sizeof(struct spinal_stats) },
		{ SPINAL_SECT_CFG_CONS, 0, sizeof(struct spinal_ring_idx) },
	};
	const struct core_sect_spec telem_s[] = {
		{ SPINAL_SECT_RING_PROD, 0, sizeof(struct spinal_ring_idx) },
		{ SPINAL_SECT_RING_SLOTS, sizeof(struct spinal_telem_rec),
		  (uint64_t)c->o.telem_slots * sizeof(struct spinal_telem_rec) },
	};
	const struct core_sect_spec cons_s[] = {
		{ SPINAL_SECT_RING_CONS, 0, sizeof(struct spinal_ring_idx) },
		{ SPINAL_SECT_AGENT, 0, sizeof(struct spinal_agent_info) },
	};
	const struct core_sect_spec cfg_s[] = {
		{ SPINAL_SECT_CFG_PROD, 0, sizeof(struct spinal_ring_idx) },
		{ SPINAL_SECT_CFG_SLOTS, 256, (uint64_t)c->o.cfg_slots * 256 },
		{ SPINAL_SECT_STAGING, 0, (uint64_t)c->o.staging_mb << 20 },
	};
	char err[256] = "";
	int rc;

	rc = region_create(c, &c->stats, SPINAL_REGION_STATS, stats_s, 2, 0640, err,
			   sizeof(err));
	if (!rc)
		rc = region_create(c, &c->telem, SPINAL_REGION_TELEM, telem_s, 2, 0640, err,
				   sizeof(err));
	if (!rc)
		rc = region_create(c, &c->cons, SPINAL_REGION_CONS, cons_s, 2, 0660, err,
				   sizeof(err));
	if (!rc)
		rc = region_create(c, &c->cfg, SPINAL_REGION_CFG, cfg_s, 3, 0660, err, sizeof(err));
	if (!rc && c->ho)
		rc = handoff_listen(c->ho, err, sizeof(err));
	if (rc) {
		core_log("%s", err);
		return rc;
	}
	return 0;
}

/*
 * The I/O backend (rtcore/io.h).  --io shm creates and publishes its own two
 * regions, /spinal.NAME.io (core writes, 0640) and .iostate (driver writes,
 * 0660), always as /dev/shm objects, also with --socket (the driver is not a
 * handoff peer).
 */
static int setup_io(struct core *c)
{
	struct spinal_loop *l = c->loop;
	char err[256] = "";

	if (strcmp(c->o.io, "shm") == 0) {
		l->io = io_shm_create(c->o.name, err, sizeof(err));
		if (!l->io) {
			int rc = -errno;

			core_log("%s", err);
			return rc;
		}
		return 0;
	}
	l->io = io_sim_create(c->o.start_x, c->o.start_y, c->o.start_theta,
			      (double)l->period_ns * 1e-9);
	return l->io ? 0 : -errno;
}

static int setup_loop(struct core *c)
{
	struct pipeline_cfg pc = { 0 };
	struct spinal_loop *l;
	struct spinal_ring_idx *prod, *cons, *cprod, *ccons;
	uint64_t slots_len;
	void *slots;
	int rc;

	/* RT-private state, allocated once, prefaulted by calloc + mlockall */
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	c->loop = l;
	l->period_ns = (uint64_t)c->o.period_us * 1000u;
	l->max_consec_miss = c->o.max_consec_miss;
	pc.period_ns = l->period_ns;
	pc.goal_x = (float)c->o.goal_x;
	pc.goal_y = (float)c->o.goal_y;
	pc.goal_tol = (float)c->o.goal_tol;
	pc.lim = c->o.lim;
	pc.stale_ns = (uint64_t)c->o.stale_ms * 1000000u;
	pc.require_model = !c->o.fallback_only;
	pc.graph_rcu = 1;
	follower_defaults(&pc.fol);
	if (pc.fol.v_max > c->o.lim.v_max)
		pc.fol.v_max = c->o.lim.v_max;
	if (pc.fol.omega_max > c->o.lim.omega_max)
		pc.fol.omega_max = c->o.lim.omega_max;
	l->stats = spinal_region_section(c->stats.hdr, SPINAL_SECT_STATS, NULL, NULL);
	pc.stats = l->stats;
	rc = pipeline_init(&l->pipe, &pc);
	if (rc)
		return rc;
	prod = spinal_region_section(c->telem.hdr, SPINAL_SECT_RING_PROD, NULL, NULL);
	slots = spinal_region_section(c->telem.hdr, SPINAL_SECT_RING_SLOTS, &slots_len, NULL);
	cons = spinal_region_section(c->cons.hdr, SPINAL_SECT_RING_CONS, NULL, NULL);
	spinal_ring_init_shared(prod, cons, c->o.telem_slots, sizeof(struct spinal_telem_rec), 0);
	rc = spinal_ring_attach(&l->telem, prod, cons, slots, c->o.telem_slots,
				sizeof(struct spinal_telem_rec), slots_len, 1);
	if (rc)
		return rc;
	cprod = spinal_region_section(c->cfg.hdr, SPINAL_SECT_CFG_PROD, NULL, NULL);
	ccons = spinal_region_section(c->stats.hdr, SPINAL_SECT_CFG_CONS, NULL, NULL);
	spinal_ring_init_shared(cprod, ccons, c->o.cfg_slots, 256, 0);

	return setup_io(c);
}

/* The updater thread drains the config ring and publishes map/model snapshots. */
static int start_updater(struct core *c)
{
	struct spinal_updater_cfg ucfg = { 0 };
	struct spinal_ring_idx *cprod, *ccons;
	uint64_t slots_len, staging_len;
	void *slots, *staging;
	int rc;

	cprod = spinal_region_section(c->cfg.hdr, SPINAL_SECT_CFG_PROD, NULL, NULL);
	slots = spinal_region_section(c->cfg.hdr, SPINAL_SECT_CFG_SLOTS, &slots_len, NULL);
	staging = spinal_region_section(c->cfg.hdr, SPINAL_SECT_STAGING, &staging_len, NULL);
	ccons = spinal_region_section(c->stats.hdr, SPINAL_SECT_CFG_CONS, NULL, NULL);
	rc = spinal_ring_attach(&c->cfg_ring, cprod, ccons, slots, c->o.cfg_slots, 256,
				slots_len, 0);
	if (rc) {
		core_log("cannot attach the config ring: %s", strerror(-rc));
		return rc;
	}
	ucfg.cfg_ring = &c->cfg_ring;
	ucfg.staging = staging;
	ucfg.staging_len = staging_len;
	ucfg.stats = c->loop->stats;
	ucfg.rt_cpu = c->rt.ncpus > 1 ? c->rt.cpu : -1;
	c->model_ctx.numa_node = c->rt.numa_node;
	c->model_ctx.sfs = c->loop->pipe.cfg.sfs;
	c->model_ctx.stats = c->loop->stats;
	c->handlers[0] = (struct spinal_cfg_handler){ SPINAL_CFG_MODEL_COMMIT, spinal_model_handler,
						      &c->model_ctx };
	ucfg.handlers = c->handlers;
	ucfg.nhandlers = 1;
	c->upd = spinal_updater_start(&ucfg);
	if (!c->upd) {
		rc = -errno;
		core_log("cannot start the updater thread: %s", strerror(errno));
		return rc;
	}
	c->loop->upd = c->upd;
	c->loop->pipe.cfg.upd = c->upd; /* e-stop and visit reports */
	return 0;
}

static int start_rt_thread(struct core *c)
{
	pthread_attr_t attr;
	int fifo = c->o.want_rt, rc;

	rc = rt_setup_thread_attr(&attr, &c->rt, c->o.priority, fifo);
	if (rc) {
		core_log("cannot prepare the RT thread: %s", strerror(-rc));
		return rc;
	}
	rc = pthread_create(&c->rt_thread, &attr, loop_thread, c->loop);
	pthread_attr_destroy(&attr);
	if (rc == EPERM && fifo) {
		core_log("running without real-time scheduling: SCHED_FIFO was refused (needs CAP_SYS_NICE or root; with RT group scheduling the cgroup also needs an RT budget); the loop runs as an ordinary process");
		rc = rt_setup_thread_attr(&attr, &c->rt, c->o.priority, 0);
		if (!rc)
			rc = pthread_create(&c->rt_thread, &attr, loop_thread, c->loop);
		pthread_attr_destroy(&attr);
	}
	if (rc) {
		core_log("cannot start the RT thread: %s", strerror(rc));
		return -rc;
	}
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Housekeeping until stop: log what the RT thread cannot. */
static void housekeeping(struct core *c)
{
	struct spinal_stats *s = c->loop->stats;
	uint64_t t_end = c->o.duration > 0 ? mono_ns() + (uint64_t)(c->o.duration * 1e9) : 0;
	struct timespec nap = { 0, 20 * 1000 * 1000 };
	int overrun_logged = 0, stop_logged = 0, goal_logged = 0, rttime_logged = 0;

	while (!stop_requested) {
		nanosleep(&nap, NULL);
		if (!rttime_logged && privsep_rttime_hits()) {
			rttime_logged = 1;
			core_log("SAFE STOP: the RT thread ran longer than RLIMIT_RTTIME (%llu ms) without sleeping; command latched to zero",
				 (unsigned long long)c->o.ps.rttime_soft_us / 1000);
		}
		if (!overrun_logged && atomic_load(&s->first_overrun_tick)) {
			overrun_logged = 1;
			core_log("warning: unexpected real-time delay: tick %llu ended %llu us after the next planned wake (logged once; see overruns in spinal-inspect)",
				 (unsigned long long)atomic_load(&s->first_overrun_tick) - 1,
				 (unsigned long long)atomic_load(&s->first_overrun_ns) / 1000);
		}
		if (!stop_logged && (atomic_load(&s->safe_stop) & SPINAL_SAFE_STOP_OVERRUN)) {
			stop_logged = 1;
			core_log("SAFE STOP: %u consecutive overruns; command latched to zero",
				 c->o.max_consec_miss);
		}
		if (!goal_logged && atomic_load(&s->goal_reached)) {
			goal_logged = 1;
			if (!c->o.quiet)
				core_log("goal reached at tick %llu",
					 (unsigned long long)atomic_load(&s->ticks));
		}
		if (t_end && mono_ns() >= t_end)
			break;
	}
}

/*
 * The optional spinal_wd kernel watchdog (lib/wd.h): armed before the RT
 * thread starts; the loop stores a heartbeat into its page every tick.
 */
static void arm_kernel_wd(struct core *c)
{
	int rc;

	if (!c->o.wd_timeout_ms)
		return;
	c->loop->wd = spinal_wd_open(NULL, SPINAL_WD_OWNER);
	if (!c->loop->wd && errno != ENODEV)
		core_log("warning: cannot open %s: %s; the kernel watchdog stays off (the agent's watchdog still applies)",
			 SPINAL_WD_DEV, strerror(errno));
	rc = spinal_wd_arm(c->loop->wd, c->loop->period_ns,
			   (uint64_t)c->o.wd_timeout_ms * 1000000u, 0);
	if (!rc && !c->o.quiet)
		core_log("kernel watchdog armed: %s, timeout %ld ms", SPINAL_WD_DEV,
			 c->o.wd_timeout_ms);
	else if (rc && rc != SPINAL_WD_NA)
		core_log("warning: kernel watchdog not armed: %s (timeout must be >= 1 ms and >= the period; -EBUSY: another spinal-core owns it)",
			 strerror(-rc));
}

/*
 * After setup, with every thread running: drop to the service user and clear
 * every capability on every thread, verify it, start the handoff server,
 * install the seccomp allowlist.  Returns 0 or -1 (logged).
 */
static int harden(struct core *c)
{
	char err[384];
	unsigned int bad = 0;
	int rc, n;

	privsep_set_safe_stop(&c->loop->stats->safe_stop);
	/* before the drop: a thread's stack is locked memory (MCL_FUTURE) */
	if (c->ho && (rc = handoff_start(c->ho))) {
		core_log("cannot start the handoff server: %s", strerror(-rc));
		return -1;
	}
	rc = privsep_drop(&c->ps, err, sizeof(err));
	if (!rc) {
		n = privsep_verify(0, NULL, 0, 0, &bad, err, sizeof(err));
		rc = n < 0 ? n : bad ? -EPERM : 0;
	}
	if (rc) {
		core_log("privilege drop failed: %s", err);
		return -1;
	}
	rc = core_seccomp_install((enum core_seccomp_mode)c->o.seccomp, err, sizeof(err));
	if (rc) {
		core_log("%s", err);
		return -1;
	}
	if (!c->o.quiet)
		core_log("privileges: user %s (uid %u), no capabilities and NoNewPrivs on all %u threads; seccomp %s%s",
			 c->ps.user, (unsigned int)getuid(), c->ps.threads,
			 core_seccomp_name((enum core_seccomp_mode)c->o.seccomp),
			 c->o.seccomp ? " (every thread, TSYNC)" : "");
	if (c->o.seccomp_test) {
		core_log("seccomp test: making a forbidden call (socket(AF_INET))");
		rc = core_seccomp_test_forbidden();
		core_log("seccomp test: the forbidden call returned %d (%s): the filter did not stop it",
			 rc, rc < 0 ? strerror(errno) : "success");
		return -1;
	}
	return 0;
}

/* Setup steps of privilege separation that need NSS and run before regions. */
static int harden_prepare(struct core *c)
{
	char err[384];

	if (c->o.seccomp < 0)
		c->o.seccomp = c->o.sock.path ? CORE_SECCOMP_TRAP : CORE_SECCOMP_OFF;
	c->o.ps.quiet = c->o.sock.quiet = c->o.quiet;
	c->o.sock.no_unlink = c->o.seccomp != CORE_SECCOMP_OFF;
	if (privsep_prepare(&c->ps, &c->o.ps, err, sizeof(err))) {
		core_log("%s", err);
		return -1;
	}
	if (!c->o.sock.path)
		return 0;
	c->ho = handoff_create(&c->o.sock, err, sizeof(err));
	if (!c->ho) {
		core_log("%s", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct core c = { 0 };
	struct rt_setup_cfg rcfg;
	struct sigaction sa = { 0 };
	sigset_t block, old;
	int rc, status = 0;

	c.o = (struct core_opts){
		.name = SPINAL_DEFAULT_INSTANCE, .io = "sim", .period_us = 1000, .cpu = -1,
		.priority = 80, .want_rt = 1, .telem_slots = 16384, .cfg_slots = 256,
		.staging_mb = 16, .max_consec_miss = 5, .goal_x = 4.0, .goal_y = 3.0,
		.goal_tol = 0.1, .wd_timeout_ms = 100, .seccomp = -1,
		.ps = { .rttime_soft_us = 200000, .rttime_hard_us = 1000000 },
		.lim = { .v_max = 1.0f, .omega_max = 2.0f, .accel_max = 2.0f, .alpha_max = 8.0f },
		.stale_ms = 50,
	};
	if (parse_args(argc, argv, &c.o))
		return 2;

	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	rcfg = (struct rt_setup_cfg){ .cpu = c.o.cpu, .priority = c.o.priority,
				      .want_rt = c.o.want_rt, .quiet = c.o.quiet };
	if (rt_setup_process(&rcfg, &c.rt))
		return 1;
	if (harden_prepare(&c)) {
		status = 1;
		goto out_regions;
	}
	if (create_regions(&c)) {
		status = 1;
		goto out_regions;
	}
	rc = setup_loop(&c);
	if (rc) {
		core_log("cannot set up the loop: %s", strerror(-rc));
		status = 1;
		goto out_regions;
	}
	arm_kernel_wd(&c);
	rc = start_updater(&c);
	if (rc) {
		status = 1;
		goto out_loop;
	}
	c.stats.hdr->period_ns = (uint32_t)(c.o.period_us * 1000);
	c.stats.hdr->rt_cpu = c.rt.cpu;
	c.stats.hdr->flags = (c.rt.mlocked ? SPINAL_F_MLOCKED : 0) |
			     (c.rt.preempt_rt ? SPINAL_F_PREEMPT_RT : 0) |
			     (c.rt.cpu_isolated ? SPINAL_F_ISOLATED : 0);
	core_region_publish(&c.telem);
	core_region_publish(&c.cons);
	core_region_publish(&c.cfg);
	core_region_publish(&c.stats);

	/* signals go to the main thread only: the RT thread never sees EINTR */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = start_rt_thread(&c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		status = 1;
		goto out_loop;
	}
	/* wait until the RT thread reports how it runs */
	while (!atomic_load(&c.loop->rt_tid))
		usleep(1000);
	if (harden(&c)) {
		status = 1;
		stop_requested = 1;
	}
	if (atomic_load(&c.loop->rt_fifo))
		c.stats.hdr->flags |= SPINAL_F_RT_SCHED;
	atomic_store(&c.stats.hdr->state, SPINAL_STATE_RUNNING);
	if (!c.o.quiet) {
		char sched[64];

		if (atomic_load(&c.loop->rt_fifo))
			snprintf(sched, sizeof(sched), "SCHED_FIFO priority %d", c.o.priority);
		else
			snprintf(sched, sizeof(sched), "SCHED_OTHER (not real-time)");
		core_log("running: instance '%s', period %ld us, RT thread tid %d on CPU %d, %s, memory %s",
			 c.o.name, c.o.period_us, atomic_load(&c.loop->rt_tid), c.rt.cpu, sched,
			 c.rt.mlocked ? "locked" : "not locked");
	}
	housekeeping(&c);

	atomic_store(&c.stats.hdr->state, SPINAL_STATE_STOPPING);
	atomic_store(&c.loop->stop, 1);
	pthread_join(c.rt_thread, NULL);
	if (atomic_load(&c.loop->stats->safe_stop) & SPINAL_SAFE_STOP_OVERRUN)
		status = 3;
	if (!c.o.quiet) {
		struct spinal_stats *s = c.loop->stats;

		core_log("stopped: %llu ticks, %llu overruns, telemetry %llu produced / %llu dropped",
			 (unsigned long long)atomic_load(&s->ticks),
			 (unsigned long long)atomic_load(&s->overruns),
			 (unsigned long long)atomic_load(&s->telem_produced),
			 (unsigned long long)atomic_load(&s->telem_dropped));
	}
out_loop:
	/* the RT thread has stopped reading: the updater may unpublish and free */
	spinal_updater_stop(c.upd);
	spinal_model_release();
	if (c.loop)
		spinal_wd_close(c.loop->wd); /* disarms: a clean stop is not a trip */
	if (c.loop && c.loop->io)
		c.loop->io->destroy(c.loop->io);
	free(c.loop);
out_regions:
	if (c.stats.hdr)
		atomic_store(&c.stats.hdr->state, SPINAL_STATE_STOPPED);
	handoff_destroy(c.ho);
	core_region_close(&c.cfg, 0);
	core_region_close(&c.cons, 0);
	core_region_close(&c.telem, 0);
	core_region_close(&c.stats, 0);
	rt_setup_release(&c.rt);
	return status;
}
