// SPDX-License-Identifier: MIT
/*
 * spinal-sim: the simulated robot as the I/O driver of `spinal-core --io shm`
 * (docs/driver.md), on libspinal-driver (include/spinal/driver.h) like any
 * robot driver.  The robot is the same unicycle as the in-process backend
 * (lib/unicycle.c).
 *
 * Every period: the library judges the core's command (fresh, finite, core
 * running, no safe stop, kernel watchdog not tripped) or says why the robot
 * must stop; apply it, sample the robot, publish the state with its
 * CLOCK_MONOTONIC stamp, follow a core restart.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spinal/clock.h>
#include <spinal/driver.h>
#include <spinal/shm.h>

#include "lib/cli.h"
#include "lib/unicycle.h"

#define NSEC 1000000000ull

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
"      --socket PATH      the core's handoff socket (default: <run>/core/NAME.sock\n"
"                         if it exists, else /dev/shm; docs/driver.md)\n"
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

struct sim_opts {
	const char *name, *socket;
	double rate_hz, duration, wait_s;
	double x, y, theta;
	double max_v, max_w;
	long stale_ms, status_ms;
	int quiet;
};

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
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
static void state_publish(struct spinal_driver *d, const struct spinal_unicycle *u)
{
	struct spinal_driver_state m = { .size = sizeof(m) };

	m.stamp_ns = spinal_mono_ns();
	m.x = u->x;
	m.y = u->y;
	m.theta = u->theta;
	m.v = u->v;
	m.omega = u->omega;
	spinal_driver_publish(d, &m);
}

static int parse_pose(const char *s, struct sim_opts *o)
{
	double f[3];

	if (spinal_parse_doubles(s, f, 3))
		return -1;
	o->x = f[0], o->y = f[1], o->theta = f[2];
	return 0;
}

enum { OPT_START = 256, OPT_STALE, OPT_MAXV, OPT_MAXW, OPT_WAIT, OPT_STATUS, OPT_SOCKET };

static int parse_args(int argc, char **argv, struct sim_opts *o)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, OPT_SOCKET },
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
	double d = 0;
	int c, bad;

	while ((c = getopt_long(argc, argv, "n:r:d:qh", lo, NULL)) != -1) {
		bad = 0;
		switch (c) {
		case 'n':
			o->name = optarg;
			bad = !spinal_instance_valid(optarg);
			break;
		case 'r':
			bad = spinal_parse_double(optarg, 1, 100000, &o->rate_hz);
			break;
		case 'd':
			bad = spinal_parse_double(optarg, 0.001, 1e9, &o->duration);
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
		case OPT_SOCKET:
			o->socket = optarg;
			break;
		case OPT_STALE:
			bad = spinal_parse_double(optarg, 1, 60000, &d);
			o->stale_ms = (long)d;
			break;
		case OPT_MAXV:
			bad = spinal_parse_double(optarg, 0, 100, &o->max_v);
			break;
		case OPT_MAXW:
			bad = spinal_parse_double(optarg, 0, 100, &o->max_w);
			break;
		case OPT_WAIT:
			bad = spinal_parse_double(optarg, 0, 3600, &o->wait_s);
			break;
		case OPT_STATUS:
			bad = spinal_parse_double(optarg, 0, 3600000, &d);
			o->status_ms = (long)d;
			break;
		default:
			fprintf(stderr, "Try 'spinal-sim --help'.\n");
			return -1;
		}
		if (bad) {
			spinal_opt_invalid("spinal-sim", lo, c, optarg, NULL);
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

struct run {
	struct spinal_unicycle u;
	uint64_t ticks;
	unsigned int last;
};

/* One line: the robot, why it stops, and what the core made of our state. */
static void print_status(const struct run *r, const struct spinal_driver *d, const char *prefix)
{
	struct spinal_driver_counters c = { .size = sizeof(c) };
	unsigned int i;

	spinal_driver_counters(d, &c);
	printf("spinal-sim: %s%llu ticks, pose %.3f %.3f %.3f, v %.3f omega %.3f, now %s; stops:",
	       prefix, (unsigned long long)r->ticks, r->u.x, r->u.y, r->u.theta, r->u.v,
	       r->u.omega, r->last == SPINAL_DRIVER_GO ? "driving" : spinal_driver_stop_name(r->last));
	for (i = 1; i < SPINAL_DRIVER_STOP_COUNT; i++)
		if (c.stops[i])
			printf(" %s=%llu", spinal_driver_stop_name(i), (unsigned long long)c.stops[i]);
	printf(" (reattached %llu)", (unsigned long long)c.reattaches);
	printf("; core read %llu fresh, %llu repeat, %llu torn, %llu rejected",
	       (unsigned long long)c.core_state_fresh, (unsigned long long)c.core_state_repeat,
	       (unsigned long long)c.core_state_torn, (unsigned long long)c.core_state_rejected);
	putchar('\n');
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct sim_opts o = { .name = SPINAL_DEFAULT_INSTANCE, .stale_ms = 50, .max_v = 2.0,
			      .max_w = 4.0, .wait_s = 10 };
	struct spinal_driver_config cfg;
	struct spinal_driver *d;
	struct run r = { 0 };
	struct sigaction sa = { 0 };
	uint64_t period, next, t_end, t_status = 0;
	struct timespec ts;
	char err[256];
	double dt;
	int rc;

	if (parse_args(argc, argv, &o))
		return 2;
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	spinal_driver_config_init(&cfg);
	cfg.instance = o.name;
	cfg.socket_path = o.socket;
	cfg.cmd_stale_ms = (uint32_t)o.stale_ms;
	cfg.wait_ms = (uint32_t)(o.wait_s * 1000);
	d = spinal_driver_open(&cfg, err, sizeof(err));
	if (!d) {
		fprintf(stderr, "spinal-sim: cannot attach to instance '%s': %s\n", o.name, err);
		return 1;
	}
	if (!o.rate_hz)
		o.rate_hz = spinal_driver_core_period_ns(d) ? 1e9 / spinal_driver_core_period_ns(d) : 1000;
	period = (uint64_t)(1e9 / o.rate_hz);
	dt = (double)period * 1e-9;
	r.u.x = o.x, r.u.y = o.y, r.u.theta = o.theta;
	if (!o.quiet)
		printf("spinal-sim: attached to '%s' (core pid %d, %s), %.0f Hz, command stale after %ld ms, kernel watchdog %s\n",
		       o.name, spinal_driver_core_pid(d), spinal_driver_attach_mode(d), o.rate_hz,
		       o.stale_ms, spinal_driver_kernel_wd(d) ? "watched" : "not available");
	state_publish(d, &r.u);

	next = spinal_mono_ns() + period;
	t_end = o.duration > 0 ? spinal_mono_ns() + (uint64_t)(o.duration * 1e9) : 0;
	while (!stop_requested) {
		struct spinal_driver_cmd c = { .size = sizeof(c) };
		uint64_t now;

		ts.tv_sec = (time_t)(next / NSEC);
		ts.tv_nsec = (long)(next % NSEC);
		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINVAL)
			break;
		now = spinal_mono_ns();
		r.last = (unsigned int)spinal_driver_command(d, &c); /* zero unless applicable */
		robot_step(&r.u, clampf((float)c.v, o.max_v), clampf((float)c.omega, o.max_w), dt);
		state_publish(d, &r.u);
		r.ticks++;
		/* a stopped core may come back as a new run: follow it (housekeeping) */
		rc = spinal_driver_follow(d, err, sizeof(err));
		if (rc == 1 && !o.quiet)
			printf("spinal-sim: the core restarted; re-attached (core pid %d)\n",
			       spinal_driver_core_pid(d));
		if (o.status_ms && now >= t_status) {
			t_status = now + (uint64_t)o.status_ms * 1000000u;
			print_status(&r, d, "");
		}
		if (t_end && now >= t_end)
			break;
		/* skip periods lost to a stall instead of bursting to catch up */
		next += period;
		while (next < now)
			next += period;
	}
	/* leave the robot stopped and say so in the last sample */
	robot_step(&r.u, 0, 0, dt);
	state_publish(d, &r.u);
	print_status(&r, d, "stopped: ");
	spinal_driver_close(d);
	return 0;
}
