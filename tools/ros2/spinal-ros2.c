// SPDX-License-Identifier: MIT
/*
 * spinal-ros2: the bridge between spinal-core and a ROS 2 graph, with no ROS
 * installation (docs/ros2.md).  The core's I/O driver (libspinal-driver),
 * an observer of its stats, an operator of spinal-agent for goals, and a
 * ROS 2 node on Cyclone DDS (tools/ros2/ros2_wire.c):
 *
 *   /odom       nav_msgs/Odometry         -> state mailbox (judged, counted)
 *   /cmd_vel    geometry_msgs/Twist[Stamped] <- the core's command, every period
 *   /goal_pose  geometry_msgs/PoseStamped -> spinal-agent POST /goal
 *   /diagnostics diagnostic_msgs/DiagnosticArray, /spinal/status std_msgs/String
 *
 * Threads: Cyclone's receive threads run the odometry and goal listeners;
 * one command thread publishes /cmd_vel at --cmd-rate-hz; one goal thread
 * talks to the agent (may block); the main thread publishes diagnostics.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dds/version.h>

#include <spinal/clock.h>
#include <spinal/driver.h>
#include <spinal/hist.h>
#include <spinal/shm.h>

#include "lib/cli.h"
#include "tools/ros2/ros2_diag.h"
#include "tools/ros2/ros2_msg.h"
#include "tools/ros2/ros2_wire.h"

#define NSEC 1000000000ull
/* the command thread wakes this long after the core's expected command write */
#define R2_CMD_PHASE_NS 100000ull

static const char usage_text[] =
"Usage: spinal-ros2 [OPTION]...\n"
"Bridge a spinal-core started with --io shm to a ROS 2 graph (any ROS 2\n"
"distribution that speaks DDS; type hashes of ROS 2 Kilted), with no ROS\n"
"installation: Eclipse Cyclone DDS with the ROS 2 wire conventions.\n"
"\n"
"  odometry  --odom-topic (nav_msgs/Odometry) is the robot state for the core,\n"
"            stamped with its CLOCK_MONOTONIC arrival time; a message with NaN,\n"
"            a wrong frame, a non-unit quaternion, a stamp not newer than the\n"
"            last one, or absurd values is counted and dropped.  When odometry\n"
"            stops, the core's --stale-ms stops the robot.\n"
"  command   the core's command goes out on --cmd-topic (geometry_msgs/Twist,\n"
"            or TwistStamped) every 1/--cmd-rate-hz; zero whenever the command\n"
"            is stale, the core stopped, the agent raised a safe stop or the\n"
"            kernel watchdog tripped.  Zero is also sent on every orderly exit.\n"
"            If the bridge dies, nothing is sent: the base controller must stop\n"
"            by its own command timeout (diff_drive_controller cmd_vel_timeout,\n"
"            required; see docs/ros2.md).\n"
"  goals     --goal-topic (geometry_msgs/PoseStamped, what RViz and Nav2 send)\n"
"            in --map-frame go to spinal-agent's control API as POST /goal;\n"
"            goals in another frame are refused with the reason.\n"
"  status    --diag-topic (diagnostic_msgs/DiagnosticArray) and --status-topic\n"
"            (std_msgs/String, JSON) once a second: loop rate, overruns, stage\n"
"            p99, safe stop and e-stop with the reason, the bridge's counters.\n"
"\n"
"Options:\n"
"  -n, --name NAME         spinal instance (default: spinal)\n"
"      --socket PATH       the core's handoff socket (default: <run>/core/NAME.sock\n"
"                          if it exists, else the /dev/shm regions)\n"
"      --agent ADDR:PORT   spinal-agent's control API for goals (default: the\n"
"                          agent's socket <run>/agent/NAME.sock if it exists, else\n"
"                          127.0.0.1:9477; $SPINAL_AGENT_TOKEN is sent as bearer token)\n"
"      --domain-id N       ROS domain (default: $ROS_DOMAIN_ID, else 0)\n"
"      --namespace NS      node namespace (default: /)\n"
"      --node-name NAME    ROS node name (default: spinal_bridge)\n"
"      --odom-topic T      (default: odom)\n"
"      --cmd-topic T       (default: cmd_vel)\n"
"      --goal-topic T      (default: goal_pose)\n"
"      --diag-topic T      (default: /diagnostics)\n"
"      --status-topic T    (default: spinal/status)\n"
"      --cmd-type TYPE     twist (default) or twist_stamped\n"
"      --cmd-rate-hz HZ    /cmd_vel publish rate, 1..10000 (default 50)\n"
"      --map-frame F       the core's map frame, required of goals (default: map)\n"
"      --odom-frame F      required header.frame_id of odometry (default: odom)\n"
"      --base-frame F      required child_frame_id of odometry and the frame of\n"
"                          TwistStamped; \"\" accepts any (default: base_link)\n"
"      --odom-in-map X,Y,TH  pose of the odom frame in the map frame (default 0,0,0)\n"
"      --odom-qos Q        odometry subscription QoS (default: best_effort,volatile,5)\n"
"      --cmd-qos Q         command publisher QoS (default: reliable,volatile,10)\n"
"      --goal-qos Q        goal subscription QoS (default: reliable,volatile,10)\n"
"                          Q: reliable|best_effort, volatile|transient_local, DEPTH\n"
"      --cmd-stale-ms MS   a core command older than MS is replaced by zero (default 50)\n"
"      --wait S            wait up to S s for the core at start (default 10)\n"
"  -d, --duration S        exit after S seconds (default: until SIGINT/SIGTERM)\n"
"      --status-ms MS      print a status line every MS ms (default 0: never)\n"
"      --latency-json FILE at exit, write the latency histograms' p50/p99/max as JSON\n"
"  -q, --quiet             only errors and the exit summary\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n"
"Discovery: Cyclone DDS's defaults (multicast on the default interface);\n"
"CYCLONEDDS_URI configures interfaces and unicast peers.\n"
"Exit status: 0 clean stop, 1 cannot attach to the core or create the DDS\n"
"entities, 2 bad usage.\n";

struct opts {
	const char *name, *socket, *agent, *ns, *node;
	const char *odom_topic, *cmd_topic, *goal_topic, *diag_topic, *status_topic;
	const char *latency_json;
	int cmd_stamped, quiet;
	double cmd_rate_hz, wait_s, duration;
	long cmd_stale_ms, status_ms;
	uint32_t domain;
	struct r2_qos odom_qos, cmd_qos, goal_qos;
	struct r2_frames fr;
};

struct bridge {
	struct opts o;
	struct spinal_driver *drv;
	struct r2_node *node;
	dds_entity_t cmd_w, diag_w, status_w, odom_r, goal_r;
	/* odometry listener (one Cyclone thread at a time per reader) */
	uint64_t last_odom_stamp;
	_Atomic uint64_t odom_rx, odom_ok, odom_bad[R2_ODOM_COUNT];
	/* command thread */
	_Atomic uint64_t cmd_pub, cmd_zero;
	_Atomic uint32_t last_stop;
	uint64_t last_cmd_seq;
	/* goals: listener -> goal thread, latest wins */
	pthread_mutex_t goal_lock;
	pthread_cond_t goal_cond;
	int goal_pending;
	double goal_x, goal_y;
	char goal_err[160];
	_Atomic uint64_t goals_rx, goals_accepted, goals_refused;
	/* latency, ns */
	struct spinal_hist h_arrive_mailbox; /* odometry listener entry -> state in mailbox */
	struct spinal_hist h_wire;           /* ROS stamp (sender's realtime) -> arrival */
	struct spinal_hist h_cmd_publish;    /* core wrote the command -> dds_write returned */
	struct spinal_hist h_mailbox_write;  /* mailbox read -> dds_write returned */
};

static volatile sig_atomic_t stop_requested;
static int quiet_logs;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void blog(const char *fmt, ...)
{
	va_list ap;

	if (quiet_logs)
		return;
	va_start(ap, fmt);
	flockfile(stderr);
	fputs("spinal-ros2: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}

static uint64_t ld(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void inc(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/* Cyclone thread: odometry arrived. */
static void on_odom(dds_entity_t rd, void *arg)
{
	struct bridge *b = arg;
	void *s[8] = { NULL };
	dds_sample_info_t si[8];
	int k, i;

	for (;;) {
		uint64_t t0 = spinal_mono_ns();

		k = dds_take(rd, s, si, 8, 8);
		if (k <= 0)
			break;
		for (i = 0; i < k; i++) {
			const nav_msgs_msg_dds__Odometry_ *m = s[i];
			struct spinal_driver_state st;
			uint64_t rt, stamp;
			int v;

			if (!si[i].valid_data)
				continue;
			inc(&b->odom_rx);
			v = r2_odom_to_state(m, &b->o.fr, b->last_odom_stamp, t0, 0, &st);
			if (v != R2_ODOM_OK) {
				if (ld(&b->odom_bad[v]) == 0)
					blog("odometry rejected (%s): frame '%s', child '%s'; counted as odom_rejected.%s (first of its kind)",
					     r2_odom_verdict_name((unsigned int)v),
					     m->header.frame_id ? m->header.frame_id : "",
					     m->child_frame_id ? m->child_frame_id : "",
					     r2_odom_verdict_name((unsigned int)v));
				inc(&b->odom_bad[v]);
				continue;
			}
			if (spinal_driver_publish(b->drv, &st)) {
				inc(&b->odom_bad[R2_ODOM_RANGE]);
				continue;
			}
			if (st.source_stamp_ns)
				b->last_odom_stamp = st.source_stamp_ns;
			inc(&b->odom_ok);
			spinal_hist_add(&b->h_arrive_mailbox, spinal_mono_ns() - t0);
			stamp = st.source_stamp_ns;
			rt = realtime_ns();
			/* same host or synchronised clocks: the message's time on the wire */
			if (stamp && rt >= stamp && rt - stamp < 10 * NSEC)
				spinal_hist_add(&b->h_wire, rt - stamp);
		}
		dds_return_loan(rd, s, k);
	}
}

/* Cyclone thread: a goal arrived.  Judged here, sent by the goal thread. */
static void on_goal(dds_entity_t rd, void *arg)
{
	struct bridge *b = arg;
	void *s[4] = { NULL };
	dds_sample_info_t si[4];
	int k, i;

	while ((k = dds_take(rd, s, si, 4, 4)) > 0) {
		for (i = 0; i < k; i++) {
			char why[192];
			double x, y;

			if (!si[i].valid_data)
				continue;
			inc(&b->goals_rx);
			if (r2_goal_from_pose(s[i], &b->o.fr, &x, &y, why, sizeof(why))) {
				inc(&b->goals_refused);
				blog("goal refused: %s", why);
				pthread_mutex_lock(&b->goal_lock);
				snprintf(b->goal_err, sizeof(b->goal_err), "%.159s", why);
				pthread_mutex_unlock(&b->goal_lock);
				continue;
			}
			pthread_mutex_lock(&b->goal_lock);
			b->goal_x = x;
			b->goal_y = y;
			b->goal_pending = 1;
			pthread_cond_signal(&b->goal_cond);
			pthread_mutex_unlock(&b->goal_lock);
		}
		dds_return_loan(rd, s, k);
	}
}

/* Goal thread: hands goals to spinal-agent (the operator role); may block. */
static void *goal_thread(void *arg)
{
	struct bridge *b = arg;

	pthread_mutex_lock(&b->goal_lock);
	while (!stop_requested) {
		struct timespec ts;
		char err[256];
		double x, y;
		int rc;

		if (!b->goal_pending) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200 * 1000 * 1000;
			if (ts.tv_nsec >= (long)NSEC) {
				ts.tv_sec++;
				ts.tv_nsec -= (long)NSEC;
			}
			pthread_cond_timedwait(&b->goal_cond, &b->goal_lock, &ts);
			continue;
		}
		x = b->goal_x;
		y = b->goal_y;
		b->goal_pending = 0;
		pthread_mutex_unlock(&b->goal_lock);
		rc = spinal_driver_goal(b->drv, x, y, b->o.agent, 3000, err, sizeof(err));
		pthread_mutex_lock(&b->goal_lock);
		if (rc == 200 || rc == 202) {
			inc(&b->goals_accepted);
			b->goal_err[0] = '\0';
			blog("goal (%.3f, %.3f) in '%s' sent to spinal-agent: %s", x, y, b->o.fr.map,
			     rc == 200 ? "accepted by the core" : "queued");
		} else {
			inc(&b->goals_refused);
			snprintf(b->goal_err, sizeof(b->goal_err), "%.159s", err);
			blog("goal (%.3f, %.3f) NOT set: %s", x, y, err);
		}
	}
	pthread_mutex_unlock(&b->goal_lock);
	return NULL;
}

static int write_cmd(struct bridge *b, double v, double w)
{
	if (b->o.cmd_stamped) {
		geometry_msgs_msg_dds__TwistStamped_ m;

		memset(&m, 0, sizeof(m));
		r2_now(&m.header.stamp.sec, &m.header.stamp.nanosec);
		m.header.frame_id = b->o.fr.base;
		r2_twist_fill(&m.twist, v, w);
		return dds_write(b->cmd_w, &m);
	} else {
		geometry_msgs_msg_dds__Twist_ m;

		r2_twist_fill(&m, v, w);
		return dds_write(b->cmd_w, &m);
	}
}

/* Command thread: the core's judged command onto /cmd_vel at a fixed rate. */
static void *cmd_thread(void *arg)
{
	struct bridge *b = arg;
	uint64_t period = (uint64_t)(1e9 / b->o.cmd_rate_hz), next = spinal_mono_ns() + period;
	uint64_t core_period = spinal_driver_core_period_ns(b->drv);
	char err[256];

	while (!stop_requested) {
		struct spinal_driver_cmd c = { .size = sizeof(c) };
		struct timespec ts = { (time_t)(next / NSEC), (long)(next % NSEC) };
		uint64_t t_read, t_done;
		int stop, rc;

		if (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINVAL)
			break;
		t_read = spinal_mono_ns();
		stop = spinal_driver_command(b->drv, &c);
		if (stop != (int)atomic_load_explicit(&b->last_stop, memory_order_relaxed)) {
			blog("command: %s%s", stop == SPINAL_DRIVER_GO ? "forwarding the core's commands" : "publishing zero: ",
			     stop == SPINAL_DRIVER_GO ? "" : spinal_driver_stop_name((unsigned int)stop));
			atomic_store_explicit(&b->last_stop, (uint32_t)stop, memory_order_relaxed);
		}
		rc = write_cmd(b, c.v, c.omega);
		t_done = spinal_mono_ns();
		if (rc >= 0) {
			inc(&b->cmd_pub);
			if (stop != SPINAL_DRIVER_GO)
				inc(&b->cmd_zero);
			if (stop == SPINAL_DRIVER_GO && c.seq != b->last_cmd_seq && t_done > c.stamp_ns) {
				spinal_hist_add(&b->h_cmd_publish, t_done - c.stamp_ns);
				spinal_hist_add(&b->h_mailbox_write, t_done - t_read);
			}
			b->last_cmd_seq = c.seq;
		}
		rc = spinal_driver_follow(b->drv, err, sizeof(err));
		if (rc == 1)
			blog("the core restarted; re-attached (core pid %d)", spinal_driver_core_pid(b->drv));
		next += period;
		/* phase-lock to the core: wake just after its next command is written */
		if (stop == SPINAL_DRIVER_GO && core_period && c.stamp_ns) {
			uint64_t base = c.stamp_ns + R2_CMD_PHASE_NS;

			if (next > base)
				next = base + (next - base) / core_period * core_period;
		}
		if (next < t_done)
			next = t_done + period; /* stalled: do not burst */
		while (core_period && next <= t_done)
			next += core_period;
	}
	return NULL;
}

static void counts(struct bridge *b, struct r2_bridge_counts *c, char *gerr, size_t gerrlen)
{
	const struct r2_counters *w = r2_node_counters(b->node);
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->odom_rx = ld(&b->odom_rx);
	c->odom_ok = ld(&b->odom_ok);
	for (i = 0; i < R2_ODOM_COUNT; i++)
		c->odom_bad[i] = ld(&b->odom_bad[i]);
	c->cmd_pub = ld(&b->cmd_pub);
	c->cmd_zero = ld(&b->cmd_zero);
	c->goals_rx = ld(&b->goals_rx);
	c->goals_accepted = ld(&b->goals_accepted);
	c->goals_refused = ld(&b->goals_refused);
	c->incompatible_qos = ld(&w->incompatible_qos);
	c->typehash_ok = ld(&w->typehash_ok);
	c->typehash_mismatch = ld(&w->typehash_mismatch);
	c->type_mismatch = ld(&w->type_mismatch);
	c->last_stop = atomic_load_explicit(&b->last_stop, memory_order_relaxed);
	c->attach = spinal_driver_attach_mode(b->drv);
	pthread_mutex_lock(&b->goal_lock);
	snprintf(gerr, gerrlen, "%s", b->goal_err);
	pthread_mutex_unlock(&b->goal_lock);
	c->last_goal_error = gerr;
}

static void publish_status(struct bridge *b, const struct spinal_driver_status *now,
			   const struct spinal_driver_status *prev, double dt, int print)
{
	static struct r2_diag d;
	struct r2_bridge_counts c;
	char json[2048], gerr[160];
	std_msgs_msg_dds__String_ s = { .data = json };

	counts(b, &c, gerr, sizeof(gerr));
	r2_diag_build(&d, b->o.name, now, prev, dt, &c);
	dds_write(b->diag_w, &d.arr);
	r2_status_json(json, sizeof(json), b->o.name, now, prev, dt, &c);
	dds_write(b->status_w, &s);
	if (print) {
		printf("spinal-ros2: %s\n", json);
		fflush(stdout);
	}
}

static void hist_json(FILE *f, const char *key, const struct spinal_hist *h, int last)
{
	struct spinal_hist_snap s;

	spinal_hist_snapshot(h, &s);
	fprintf(f, "  \"%s\": {\"count\": %llu, \"p50_ns\": %llu, \"p99_ns\": %llu, \"max_ns\": %llu}%s\n",
		key, (unsigned long long)s.count,
		(unsigned long long)spinal_hist_quantile(&s, 0.50),
		(unsigned long long)spinal_hist_quantile(&s, 0.99), (unsigned long long)s.max_ns,
		last ? "" : ",");
}

static int write_latency(const struct bridge *b, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "spinal-ros2: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\n");
	hist_json(f, "odom_arrival_to_mailbox", &b->h_arrive_mailbox, 0);
	hist_json(f, "odom_stamp_to_arrival", &b->h_wire, 0);
	hist_json(f, "cmd_mailbox_to_publish", &b->h_cmd_publish, 0);
	hist_json(f, "cmd_read_to_publish", &b->h_mailbox_write, 1);
	fprintf(f, "}\n");
	return fclose(f) ? -1 : 0;
}

static int set_frame(char *dst, size_t len, const char *v, int may_be_empty)
{
	if ((!may_be_empty && !*v) || strlen(v) >= len)
		return -1;
	snprintf(dst, len, "%s", v);
	return 0;
}

enum {
	OPT_SOCKET = 256, OPT_AGENT, OPT_DOMAIN, OPT_NS, OPT_NODE, OPT_ODOM_T, OPT_CMD_T,
	OPT_GOAL_T, OPT_DIAG_T, OPT_STATUS_T, OPT_CMD_TYPE, OPT_CMD_RATE, OPT_MAP_F,
	OPT_ODOM_F, OPT_BASE_F, OPT_ODOM_IN_MAP, OPT_ODOM_QOS, OPT_CMD_QOS, OPT_GOAL_QOS,
	OPT_STALE, OPT_WAIT, OPT_STATUS, OPT_LAT,
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "agent", required_argument, NULL, OPT_AGENT },
		{ "domain-id", required_argument, NULL, OPT_DOMAIN },
		{ "namespace", required_argument, NULL, OPT_NS },
		{ "node-name", required_argument, NULL, OPT_NODE },
		{ "odom-topic", required_argument, NULL, OPT_ODOM_T },
		{ "cmd-topic", required_argument, NULL, OPT_CMD_T },
		{ "goal-topic", required_argument, NULL, OPT_GOAL_T },
		{ "diag-topic", required_argument, NULL, OPT_DIAG_T },
		{ "status-topic", required_argument, NULL, OPT_STATUS_T },
		{ "cmd-type", required_argument, NULL, OPT_CMD_TYPE },
		{ "cmd-rate-hz", required_argument, NULL, OPT_CMD_RATE },
		{ "map-frame", required_argument, NULL, OPT_MAP_F },
		{ "odom-frame", required_argument, NULL, OPT_ODOM_F },
		{ "base-frame", required_argument, NULL, OPT_BASE_F },
		{ "odom-in-map", required_argument, NULL, OPT_ODOM_IN_MAP },
		{ "odom-qos", required_argument, NULL, OPT_ODOM_QOS },
		{ "cmd-qos", required_argument, NULL, OPT_CMD_QOS },
		{ "goal-qos", required_argument, NULL, OPT_GOAL_QOS },
		{ "cmd-stale-ms", required_argument, NULL, OPT_STALE },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "duration", required_argument, NULL, 'd' },
		{ "status-ms", required_argument, NULL, OPT_STATUS },
		{ "latency-json", required_argument, NULL, OPT_LAT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char why[160] = "";
	double d = 0;
	int c, bad;

	while ((c = getopt_long(argc, argv, "n:d:qhV", lo, NULL)) != -1) {
		bad = 0;
		switch (c) {
		case 'n':
			o->name = optarg;
			bad = !spinal_instance_valid(optarg);
			break;
		case OPT_SOCKET: o->socket = optarg; break;
		case OPT_AGENT: o->agent = optarg; break;
		case OPT_DOMAIN:
			bad = spinal_parse_double(optarg, 0, 232, &d);
			o->domain = (uint32_t)d;
			bad |= d != floor(d);
			break;
		case OPT_NS: o->ns = optarg; break;
		case OPT_NODE: o->node = optarg; break;
		case OPT_ODOM_T: o->odom_topic = optarg; break;
		case OPT_CMD_T: o->cmd_topic = optarg; break;
		case OPT_GOAL_T: o->goal_topic = optarg; break;
		case OPT_DIAG_T: o->diag_topic = optarg; break;
		case OPT_STATUS_T: o->status_topic = optarg; break;
		case OPT_CMD_TYPE:
			o->cmd_stamped = !strcmp(optarg, "twist_stamped");
			bad = !o->cmd_stamped && strcmp(optarg, "twist");
			break;
		case OPT_CMD_RATE: bad = spinal_parse_double(optarg, 1, 10000, &o->cmd_rate_hz); break;
		case OPT_MAP_F: bad = set_frame(o->fr.map, sizeof(o->fr.map), optarg, 0); break;
		case OPT_ODOM_F: bad = set_frame(o->fr.odom, sizeof(o->fr.odom), optarg, 0); break;
		case OPT_BASE_F: bad = set_frame(o->fr.base, sizeof(o->fr.base), optarg, 1); break;
		case OPT_ODOM_IN_MAP: bad = r2_frames_parse_pose(optarg, &o->fr); break;
		case OPT_ODOM_QOS: bad = r2_qos_parse(optarg, &o->odom_qos, why, sizeof(why)); break;
		case OPT_CMD_QOS: bad = r2_qos_parse(optarg, &o->cmd_qos, why, sizeof(why)); break;
		case OPT_GOAL_QOS: bad = r2_qos_parse(optarg, &o->goal_qos, why, sizeof(why)); break;
		case OPT_STALE:
			bad = spinal_parse_double(optarg, 1, 60000, &d);
			o->cmd_stale_ms = (long)d;
			break;
		case OPT_WAIT: bad = spinal_parse_double(optarg, 0, 3600, &o->wait_s); break;
		case 'd': bad = spinal_parse_double(optarg, 0.001, 1e9, &o->duration); break;
		case OPT_STATUS:
			bad = spinal_parse_double(optarg, 0, 3600000, &d);
			o->status_ms = (long)d;
			break;
		case OPT_LAT: o->latency_json = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("spinal-ros2 %d.%d (libspinal-driver %d.%d; Cyclone DDS %s; ROS 2 wire: Kilted type hashes)\n",
			       SPINAL_DRIVER_VERSION_MAJOR, SPINAL_DRIVER_VERSION_MINOR,
			       SPINAL_DRIVER_VERSION_MAJOR, SPINAL_DRIVER_VERSION_MINOR, DDS_VERSION);
			exit(0);
		default:
			fprintf(stderr, "Try 'spinal-ros2 --help'.\n");
			return -1;
		}
		if (bad) {
			spinal_opt_invalid("spinal-ros2", lo, c, optarg, why);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "spinal-ros2: unexpected argument '%s'\nTry 'spinal-ros2 --help'.\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

static void defaults(struct opts *o)
{
	const char *dom = getenv("ROS_DOMAIN_ID");
	double d = 0;

	memset(o, 0, sizeof(*o));
	o->name = SPINAL_DEFAULT_INSTANCE;
	o->ns = "/";
	o->node = "spinal_bridge";
	o->odom_topic = "odom";
	o->cmd_topic = "cmd_vel";
	o->goal_topic = "goal_pose";
	o->diag_topic = "/diagnostics";
	o->status_topic = "spinal/status";
	o->cmd_rate_hz = 50;
	o->cmd_stale_ms = 50;
	o->wait_s = 10;
	/* Nav2 / diff_drive_controller conventions (docs/ros2.md) */
	o->odom_qos = (struct r2_qos){ .reliable = 0, .transient_local = 0, .depth = 5 };
	o->cmd_qos = (struct r2_qos){ .reliable = 1, .transient_local = 0, .depth = 10 };
	o->goal_qos = (struct r2_qos){ .reliable = 1, .transient_local = 0, .depth = 10 };
	snprintf(o->fr.map, sizeof(o->fr.map), "map");
	snprintf(o->fr.odom, sizeof(o->fr.odom), "odom");
	snprintf(o->fr.base, sizeof(o->fr.base), "base_link");
	if (dom && !spinal_parse_double(dom, 0, 232, &d) && d == floor(d))
		o->domain = (uint32_t)d;
}

/* DDS side: the node and its endpoints.  0 or -1 (logged). */
static int dds_setup(struct bridge *b)
{
	struct r2_qos diag_q = { .reliable = 1, .transient_local = 0, .depth = 10 };
	struct r2_qos status_q = { .reliable = 1, .transient_local = 1, .depth = 1 };
	char err[256];

	b->node = r2_node_create(b->o.domain, b->o.ns, b->o.node, blog, err, sizeof(err));
	if (!b->node)
		goto fail;
	b->odom_r = r2_reader(b->node, &r2_odometry, b->o.odom_topic, &b->o.odom_qos, on_odom, b,
			      err, sizeof(err));
	if (b->odom_r < 0)
		goto fail;
	b->goal_r = r2_reader(b->node, &r2_pose_stamped, b->o.goal_topic, &b->o.goal_qos, on_goal,
			      b, err, sizeof(err));
	if (b->goal_r < 0)
		goto fail;
	b->cmd_w = r2_writer(b->node, b->o.cmd_stamped ? &r2_twist_stamped : &r2_twist,
			     b->o.cmd_topic, &b->o.cmd_qos, err, sizeof(err));
	if (b->cmd_w < 0)
		goto fail;
	b->diag_w = r2_writer(b->node, &r2_diagnostic_array, b->o.diag_topic, &diag_q, err,
			      sizeof(err));
	if (b->diag_w < 0)
		goto fail;
	b->status_w = r2_writer(b->node, &r2_string, b->o.status_topic, &status_q, err,
				sizeof(err));
	if (b->status_w < 0)
		goto fail;
	if (r2_node_announce(b->node, err, sizeof(err)))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "spinal-ros2: %s\n", err);
	return -1;
}

static void summary(struct bridge *b)
{
	struct r2_bridge_counts c;
	char gerr[160];
	unsigned int i;

	counts(b, &c, gerr, sizeof(gerr));
	printf("spinal-ros2: stopped: odometry %llu received, %llu forwarded", (unsigned long long)c.odom_rx,
	       (unsigned long long)c.odom_ok);
	for (i = 1; i < R2_ODOM_COUNT; i++)
		if (c.odom_bad[i])
			printf(", %s %llu", r2_odom_verdict_name(i), (unsigned long long)c.odom_bad[i]);
	printf("; commands %llu published (%llu zero); goals %llu received, %llu accepted, %llu refused; incompatible QoS %llu; peer type hashes %llu match, %llu differ\n",
	       (unsigned long long)c.cmd_pub, (unsigned long long)c.cmd_zero,
	       (unsigned long long)c.goals_rx, (unsigned long long)c.goals_accepted,
	       (unsigned long long)c.goals_refused, (unsigned long long)c.incompatible_qos,
	       (unsigned long long)c.typehash_ok, (unsigned long long)c.typehash_mismatch);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static struct bridge b;
	struct spinal_driver_config cfg;
	struct spinal_driver_status now = { .size = sizeof(now) }, prev = { .size = sizeof(prev) };
	struct sigaction sa = { 0 };
	pthread_t cmd_tid, goal_tid;
	uint64_t t_end, t_prev, t_status = 0;
	char err[256];
	int rc = 0, i;

	defaults(&b.o);
	if (parse_args(argc, argv, &b.o))
		return 2;
	quiet_logs = b.o.quiet;
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&b.goal_lock, NULL);
	pthread_cond_init(&b.goal_cond, NULL);

	spinal_driver_config_init(&cfg);
	cfg.instance = b.o.name;
	cfg.socket_path = b.o.socket;
	cfg.cmd_stale_ms = (uint32_t)b.o.cmd_stale_ms;
	cfg.wait_ms = (uint32_t)(b.o.wait_s * 1000);
	cfg.period_us = (uint32_t)(1e6 / b.o.cmd_rate_hz);
	b.drv = spinal_driver_open(&cfg, err, sizeof(err));
	if (!b.drv) {
		fprintf(stderr, "spinal-ros2: cannot attach to instance '%s' as its driver: %s\n",
			b.o.name, err);
		return 1;
	}
	if (dds_setup(&b)) {
		r2_node_destroy(b.node);
		spinal_driver_close(b.drv);
		return 1;
	}
	blog("node %s in ROS domain %u: %s -> core '%s' (%s attach, core pid %d), core -> %s at %.0f Hz, goals %s in frame '%s'",
	     r2_node_fqn(b.node), b.o.domain, b.o.odom_topic, b.o.name,
	     spinal_driver_attach_mode(b.drv), spinal_driver_core_pid(b.drv), b.o.cmd_topic,
	     b.o.cmd_rate_hz, b.o.goal_topic, b.o.fr.map);
	atomic_store(&b.last_stop, SPINAL_DRIVER_STOP_COUNT); /* first verdict is logged */
	if (pthread_create(&cmd_tid, NULL, cmd_thread, &b) ||
	    pthread_create(&goal_tid, NULL, goal_thread, &b)) {
		fprintf(stderr, "spinal-ros2: cannot start threads\n");
		return 1;
	}
	t_end = b.o.duration > 0 ? spinal_mono_ns() + (uint64_t)(b.o.duration * 1e9) : 0;
	spinal_driver_status(b.drv, &prev);
	t_prev = spinal_mono_ns();
	while (!stop_requested) {
		struct timespec nap = { 0, 100 * 1000 * 1000 };
		uint64_t t = spinal_mono_ns();

		if (t_end && t >= t_end)
			break;
		if (t - t_prev >= NSEC) {
			int print = b.o.status_ms && t >= t_status;

			if (print)
				t_status = t + (uint64_t)b.o.status_ms * 1000000u;
			if (spinal_driver_status(b.drv, &now) == 0)
				publish_status(&b, &now, &prev, (double)(t - t_prev) / 1e9, print);
			prev = now;
			t_prev = t;
		}
		nanosleep(&nap, NULL);
	}
	stop_requested = 1;
	pthread_join(cmd_tid, NULL);
	pthread_cond_signal(&b.goal_cond);
	pthread_join(goal_tid, NULL);
	/* an orderly exit leaves the base commanded to zero, acknowledged */
	for (i = 0; i < 3; i++)
		write_cmd(&b, 0.0, 0.0);
	if (dds_wait_for_acks(b.cmd_w, DDS_MSECS(500)) < 0)
		blog("warning: the last zero command was not acknowledged by every subscriber within 500 ms");
	summary(&b);
	if (b.o.latency_json && write_latency(&b, b.o.latency_json))
		rc = 1;
	r2_node_destroy(b.node);
	spinal_driver_close(b.drv);
	return rc;
}
