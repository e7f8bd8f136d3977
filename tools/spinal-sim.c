// SPDX-License-Identifier: MIT
/*
 * spinal-sim: the external robot driver for `spinal-core --io shm`, and the
 * template for real robot drivers (docs/driver.md).  The robot is the same
 * unicycle as the in-process backend (lib/unicycle.c); replace robot_step()
 * with your hardware I/O and keep everything else.
 *
 * Every period: read the command mailbox, decide whether the command may be
 * applied (fresh, finite, core running, no safe stop, kernel watchdog not
 * tripped) or the robot must stop, apply it, sample the robot and publish
 * the state with its CLOCK_MONOTONIC stamp.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <spinal/clock.h>
#include <spinal/io_shm.h>
#include <spinal/shm.h>

#include "lib/region_map.h"
#include "lib/unicycle.h"
#include "lib/wd.h"

#define NSEC 1000000000ull
#define CMD_TRIES 4

static const char usage_text[] =
"Usage: spinal-sim [OPTION]...\n"
"Drive a simulated unicycle robot for a spinal-core started with --io shm:\n"
"publish the robot state into /dev/shm/spinal.NAME.iostate and apply the\n"
"velocity commands from /dev/shm/spinal.NAME.io, at a fixed rate.\n"
"\n"
"The robot is commanded to zero velocity (and the reason counted) whenever\n"
"  - no command was ever written, or the command is older than --cmd-stale-ms\n"
"    (core stopped, stalled or dead),\n"
"  - the core marked its last command STOPPED, or its stats say it stopped,\n"
"  - spinal-agent raised a safe stop (safe_stop_req) or declared the core dead,\n"
"  - the spinal_wd kernel watchdog (/dev/spinal_wd, optional) has tripped,\n"
"  - the command mailbox stayed torn for " "4 reads, or holds NaN/Inf.\n"
"Commands are also clamped to --max-speed/--max-omega (the robot's own limits).\n"
"When the core restarts (its regions are replaced), spinal-sim re-attaches and\n"
"the robot keeps its pose.\n"
"\n"
"Options:\n"
"  -n, --name NAME        spinal-core instance (default: spinal)\n"
"  -r, --rate-hz HZ       driver loop rate (default: the core's loop rate from\n"
"                         its stats region)\n"
"      --start X,Y,THETA  initial pose, m, m, rad (default 0,0,0)\n"
"      --cmd-stale-ms MS  a command older than MS stops the robot (default 50)\n"
"      --max-speed V      |v| limit of the robot, m/s (default 2.0)\n"
"      --max-omega W      |omega| limit of the robot, rad/s (default 4.0)\n"
"      --wait S           wait up to S seconds for the core's regions at start\n"
"                         (default 10)\n"
"  -d, --duration S       exit after S seconds (default: until SIGINT/SIGTERM)\n"
"      --status-ms MS     print a status line every MS ms (default 0: never)\n"
"  -q, --quiet            only errors and the exit summary\n"
"  -h, --help             this help\n"
"\n"
"Permissions: the state region is mode 0660, group spinal: run as a member of\n"
"the spinal group (or as the core's user).  spinal-sim needs no privileges;\n"
"a real driver should run SCHED_FIFO with locked memory like the core.\n"
"Exit status: 0 clean stop, 1 the core's regions could not be attached,\n"
"2 bad usage.\n";

enum stop_reason {
	STOP_NONE = 0, STOP_NO_CMD, STOP_TORN, STOP_STALE, STOP_CORE_STOPPED, STOP_SAFE_STOP,
	STOP_CORE_DEAD, STOP_WD_TRIP, STOP_NAN, STOP_COUNT,
};

static const char *const stop_names[STOP_COUNT] = {
	"none", "no_cmd", "torn", "stale_cmd", "core_stopped", "safe_stop",
	"core_dead", "wd_trip", "nan",
};

struct sim_opts {
	const char *name;
	double rate_hz, duration, wait_s;
	double x, y, theta;
	double max_v, max_w;
	long stale_ms, status_ms;
	int quiet;
};

/* One attachment to one core run; replaced when the core restarts. */
struct attach {
	const struct spinal_region_hdr *stats, *io, *cons;
	struct spinal_region_hdr *st;
	size_t stats_len, io_len, cons_len, st_len;
	const struct spinal_io_cmd_box *cmd;
	struct spinal_io_state_box *stb;
	const struct spinal_agent_info *agent;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void detach(struct attach *a)
{
	if (a->stb) {
		atomic_store_explicit(&a->stb->driver_pid, 0, memory_order_relaxed);
		a->stb = NULL;
	}
	if (a->stats)
		munmap((void *)a->stats, a->stats_len);
	if (a->io)
		munmap((void *)a->io, a->io_len);
	if (a->cons)
		munmap((void *)a->cons, a->cons_len);
	if (a->st)
		munmap(a->st, a->st_len);
	memset(a, 0, sizeof(*a));
}

/* Map the four regions of one core run and find the sections.  0 or -1 + @err. */
static int try_attach(struct attach *a, const char *name, char *err, size_t errlen)
{
	uint64_t sz;
	uint32_t elem;

	memset(a, 0, sizeof(*a));
	a->stats = spinal_region_map(name, SPINAL_REGION_STATS, 0, &a->stats_len, err, errlen);
	if (!a->stats)
		goto fail;
	a->io = spinal_region_map(name, SPINAL_REGION_IO, 0, &a->io_len, err, errlen);
	if (!a->io) {
		if (errno == ENOENT)
			snprintf(err, errlen, "spinal-core instance '%s' has no /dev/shm/spinal.%s.io: start it with --io shm",
				 name, name);
		goto fail;
	}
	a->st = spinal_region_map(name, SPINAL_REGION_IO_STATE, 1, &a->st_len, err, errlen);
	if (!a->st)
		goto fail;
	a->cons = spinal_region_map(name, SPINAL_REGION_CONS, 0, &a->cons_len, err, errlen);
	if (!a->cons)
		goto fail;
	if (a->io->start_mono_ns != a->stats->start_mono_ns ||
	    a->st->start_mono_ns != a->stats->start_mono_ns ||
	    a->cons->start_mono_ns != a->stats->start_mono_ns) {
		snprintf(err, errlen, "the regions of instance '%s' belong to different core runs (core restarting?)",
			 name);
		goto fail;
	}
	a->cmd = spinal_region_section(a->io, SPINAL_SECT_IO_CMD, &sz, &elem);
	if (!a->cmd || sz < sizeof(*a->cmd) || elem != sizeof(struct spinal_io_cmd)) {
		snprintf(err, errlen, "/dev/shm/spinal.%s.io has no command mailbox of this layout (core and spinal-sim from different versions?)",
			 name);
		goto fail;
	}
	a->stb = spinal_region_section(a->st, SPINAL_SECT_IO_STATE, &sz, &elem);
	if (!a->stb || sz < sizeof(*a->stb) || elem != sizeof(struct spinal_io_state)) {
		a->stb = NULL;
		snprintf(err, errlen, "/dev/shm/spinal.%s.iostate has no state mailbox of this layout (core and spinal-sim from different versions?)",
			 name);
		goto fail;
	}
	a->agent = spinal_region_section(a->cons, SPINAL_SECT_AGENT, &sz, NULL);
	if (a->agent && sz < sizeof(*a->agent))
		a->agent = NULL;
	return 0;
fail:
	detach(a);
	return -1;
}

/* The core run we are attached to has been replaced by a new one? */
static int core_replaced(const struct attach *a, const char *name)
{
	char err[256];
	size_t len;
	const struct spinal_region_hdr *h =
		spinal_region_map(name, SPINAL_REGION_STATS, 0, &len, err, sizeof(err));
	int replaced;

	if (!h)
		return 0;
	replaced = h->start_mono_ns != a->stats->start_mono_ns;
	munmap((void *)h, len);
	return replaced;
}

/*
 * The heart of a driver: may the command be applied?  Returns STOP_NONE with
 * the command in *v, *w, or the reason the robot must stop.
 */
static enum stop_reason cmd_evaluate(const struct attach *a, struct spinal_wd *wd,
				     uint64_t now, uint64_t stale_ns, float *v, float *w)
{
	struct spinal_io_cmd m = { 0 };
	struct spinal_wd_status ws;
	uint32_t state;
	int rc;

	rc = spinal_seqbox_read(&a->cmd->box, &m, sizeof(m), CMD_TRIES, NULL, NULL);
	if (rc == -ENODATA)
		return STOP_NO_CMD;
	if (rc)
		return STOP_TORN;
	if (m.flags & SPINAL_IO_CF_STOPPED)
		return STOP_CORE_STOPPED;
	state = atomic_load_explicit(&((struct spinal_region_hdr *)a->stats)->state,
				     memory_order_relaxed);
	if (state == SPINAL_STATE_STOPPED)
		return STOP_CORE_STOPPED;
	/* a stamp in the future is as wrong as an old one */
	if (m.stamp_ns > now + NSEC / 1000 || now - m.stamp_ns > stale_ns)
		return STOP_STALE;
	if (a->agent) {
		if (atomic_load_explicit(&a->agent->safe_stop_req, memory_order_relaxed))
			return STOP_SAFE_STOP;
		if (atomic_load_explicit(&a->agent->core_dead, memory_order_relaxed))
			return STOP_CORE_DEAD;
	}
	if (spinal_wd_status(wd, &ws) == 0 && ws.state == SPINAL_WD_TRIPPED)
		return STOP_WD_TRIP;
	if (!isfinite(m.v) || !isfinite(m.omega))
		return STOP_NAN;
	*v = m.v;
	*w = m.omega;
	return STOP_NONE;
}

static float clampf(float x, double lim)
{
	return x > lim ? (float)lim : x < -lim ? (float)-lim : x;
}

/* The robot: apply (v, w) for one period.  A real driver talks to hardware here. */
static void robot_step(struct spinal_unicycle *u, float v, float w, double dt)
{
	spinal_unicycle_step(u, v, w, dt);
}

/* Sample the robot and publish its state, stamped now. */
static void state_publish(struct attach *a, const struct spinal_unicycle *u, uint64_t *seq)
{
	struct spinal_io_state m = { 0 };

	m.stamp_ns = spinal_mono_ns();
	m.seq = ++*seq;
	m.x = (float)u->x;
	m.y = (float)u->y;
	m.theta = (float)u->theta;
	m.v = (float)u->v;
	m.omega = (float)u->omega;
	spinal_seqbox_write(&a->stb->box, &m, sizeof(m));
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || !isfinite(*out) || *out < lo || *out > hi ? -1 : 0;
}

static int parse_pose(const char *s, struct sim_opts *o)
{
	double f[3];
	char *end;
	int i;

	for (i = 0; i < 3; i++) {
		errno = 0;
		f[i] = strtod(s, &end);
		if (errno || end == s || !isfinite(f[i]) || *end != (i < 2 ? ',' : '\0'))
			return -1;
		s = end + 1;
	}
	o->x = f[0], o->y = f[1], o->theta = f[2];
	return 0;
}

enum { OPT_START = 256, OPT_STALE, OPT_MAXV, OPT_MAXW, OPT_WAIT, OPT_STATUS };

static int parse_args(int argc, char **argv, struct sim_opts *o)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "rate-hz", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "start", required_argument, NULL, OPT_START },
		{ "cmd-stale-ms", required_argument, NULL, OPT_STALE },
		{ "max-speed", required_argument, NULL, OPT_MAXV },
		{ "max-omega", required_argument, NULL, OPT_MAXW },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "status-ms", required_argument, NULL, OPT_STATUS },
		{ NULL, 0, NULL, 0 },
	};
	double d;
	int c, bad;

	while ((c = getopt_long(argc, argv, "n:r:d:qh", lo, NULL)) != -1) {
		bad = 0;
		switch (c) {
		case 'n':
			o->name = optarg;
			bad = !spinal_instance_valid(optarg);
			break;
		case 'r':
			bad = parse_num(optarg, 1, 100000, &o->rate_hz);
			break;
		case 'd':
			bad = parse_num(optarg, 0.001, 1e9, &o->duration);
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case OPT_START:
			bad = parse_pose(optarg, o);
			break;
		case OPT_STALE:
			bad = parse_num(optarg, 1, 60000, &d);
			o->stale_ms = (long)d;
			break;
		case OPT_MAXV:
			bad = parse_num(optarg, 0, 100, &o->max_v);
			break;
		case OPT_MAXW:
			bad = parse_num(optarg, 0, 100, &o->max_w);
			break;
		case OPT_WAIT:
			bad = parse_num(optarg, 0, 3600, &o->wait_s);
			break;
		case OPT_STATUS:
			bad = parse_num(optarg, 0, 3600000, &d);
			o->status_ms = (long)d;
			break;
		default:
			fprintf(stderr, "Try 'spinal-sim --help'.\n");
			return -1;
		}
		if (bad) {
			const struct option *l = lo;

			while (l->name && l->val != c)
				l++;
			fprintf(stderr, "spinal-sim: invalid value '%s' for --%s\nTry 'spinal-sim --help'.\n",
				optarg, l->name ? l->name : "?");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "spinal-sim: unexpected argument '%s'\nTry 'spinal-sim --help'.\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

/* Attach, retrying until @deadline (CLOCK_MONOTONIC ns).  0 or -1 (logged). */
static int attach_wait(struct attach *a, const struct sim_opts *o, uint64_t deadline)
{
	struct timespec nap = { 0, 50 * 1000 * 1000 };
	char err[256] = "";

	while (!stop_requested) {
		if (try_attach(a, o->name, err, sizeof(err)) == 0)
			return 0;
		if (spinal_mono_ns() >= deadline)
			break;
		nanosleep(&nap, NULL);
	}
	fprintf(stderr, "spinal-sim: cannot attach to instance '%s': %s\n", o->name, err);
	return -1;
}

struct run {
	struct spinal_unicycle u;
	uint64_t seq, ticks, stops[STOP_COUNT], reattaches;
	enum stop_reason last;
};

static uint64_t ld(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* One line: the robot, why it stops, and what the core made of our state. */
static void print_status(const struct run *r, const struct attach *a, const char *prefix)
{
	unsigned int i;

	printf("spinal-sim: %s%llu ticks, pose %.3f %.3f %.3f, v %.3f omega %.3f, now %s; stops:",
	       prefix, (unsigned long long)r->ticks, r->u.x, r->u.y, r->u.theta, r->u.v,
	       r->u.omega, r->last == STOP_NONE ? "driving" : stop_names[r->last]);
	for (i = 1; i < STOP_COUNT; i++)
		if (r->stops[i])
			printf(" %s=%llu", stop_names[i], (unsigned long long)r->stops[i]);
	printf(" (reattached %llu)", (unsigned long long)r->reattaches);
	if (a->cmd)
		printf("; core read %llu fresh, %llu repeat, %llu torn, %llu rejected",
		       (unsigned long long)ld(&a->cmd->state_fresh),
		       (unsigned long long)ld(&a->cmd->state_repeat),
		       (unsigned long long)ld(&a->cmd->state_torn),
		       (unsigned long long)ld(&a->cmd->state_rejected));
	putchar('\n');
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sim_opts o = { .name = SPINAL_DEFAULT_INSTANCE, .stale_ms = 50, .max_v = 2.0,
			      .max_w = 4.0, .wait_s = 10 };
	struct attach a;
	struct run r = { 0 };
	struct spinal_wd *wd;
	struct sigaction sa = { 0 };
	uint64_t period, next, t_end, t_status = 0, t_check = 0, stale_ns;
	struct timespec ts;
	double dt;

	if (parse_args(argc, argv, &o))
		return 2;
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (attach_wait(&a, &o, spinal_mono_ns() + (uint64_t)(o.wait_s * 1e9)))
		return 1;
	if (!o.rate_hz)
		o.rate_hz = a.stats->period_ns ? 1e9 / a.stats->period_ns : 1000;
	period = (uint64_t)(1e9 / o.rate_hz);
	dt = (double)period * 1e-9;
	stale_ns = (uint64_t)o.stale_ms * 1000000u;
	/* optional: absent module = NULL, every call below then says "not available" */
	wd = spinal_wd_open(NULL, SPINAL_WD_SUPERVISOR);
	r.u.x = o.x, r.u.y = o.y, r.u.theta = o.theta;
	if (!o.quiet)
		printf("spinal-sim: attached to '%s' (core pid %d), %.0f Hz, command stale after %ld ms, kernel watchdog %s\n",
		       o.name, a.stats->creator_pid, o.rate_hz, o.stale_ms,
		       wd ? "watched" : "not available");
	atomic_store_explicit(&a.stb->driver_pid, (int32_t)getpid(), memory_order_relaxed);
	atomic_store_explicit(&a.stb->driver_period_us, (uint32_t)(period / 1000),
			      memory_order_relaxed);
	state_publish(&a, &r.u, &r.seq);

	next = spinal_mono_ns() + period;
	t_end = o.duration > 0 ? spinal_mono_ns() + (uint64_t)(o.duration * 1e9) : 0;
	while (!stop_requested) {
		float v = 0, w = 0;
		uint64_t now;

		ts.tv_sec = (time_t)(next / NSEC);
		ts.tv_nsec = (long)(next % NSEC);
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINVAL)
			break;
		now = spinal_mono_ns();
		r.last = cmd_evaluate(&a, wd, now, stale_ns, &v, &w);
		if (r.last != STOP_NONE) {
			v = w = 0;
			r.stops[r.last]++;
			atomic_fetch_add_explicit(&a.stb->driver_stops, 1, memory_order_relaxed);
		}
		robot_step(&r.u, clampf(v, o.max_v), clampf(w, o.max_w), dt);
		state_publish(&a, &r.u, &r.seq);
		atomic_fetch_add_explicit(&a.stb->driver_heartbeat, 1, memory_order_relaxed);
		atomic_store_explicit(&a.stb->driver_heartbeat_ns, now, memory_order_relaxed);
		r.ticks++;

		/* a stopped core may come back as a new run: follow it (housekeeping) */
		if ((r.last == STOP_STALE || r.last == STOP_CORE_STOPPED) && now >= t_check) {
			t_check = now + NSEC / 4;
			if (core_replaced(&a, o.name)) {
				detach(&a);
				if (attach_wait(&a, &o, now + 2 * NSEC))
					break;
				atomic_store_explicit(&a.stb->driver_pid, (int32_t)getpid(),
						      memory_order_relaxed);
				r.reattaches++;
				if (!o.quiet)
					printf("spinal-sim: the core restarted; re-attached (core pid %d)\n",
					       a.stats->creator_pid);
			}
		}
		if (o.status_ms && now >= t_status) {
			t_status = now + (uint64_t)o.status_ms * 1000000u;
			print_status(&r, &a, "");
		}
		if (t_end && now >= t_end)
			break;
		/* skip periods lost to a stall instead of bursting to catch up */
		next += period;
		while (next < now)
			next += period;
	}
	/* leave the robot stopped and say so in the last sample */
	if (a.stb) {
		robot_step(&r.u, 0, 0, dt);
		state_publish(&a, &r.u, &r.seq);
	}
	print_status(&r, &a, "stopped: ");
	spinal_wd_close(wd);
	detach(&a);
	return 0;
}
