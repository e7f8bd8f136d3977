// SPDX-License-Identifier: MIT
/*
 * spinal-core: the privileged half of spinal.  Sets the process up for real
 * time, creates the shared regions, runs the RT loop on its own thread and
 * keeps housekeeping (signals, logging, shutdown) on the main thread, off the
 * RT CPU.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spinal/clock.h>
#include <spinal/shm.h>
#include <spinal/stats.h>
#include <spinal/telemetry.h>

#include "lib/wd.h"
#include "rtcore/handoff.h"
#include "rtcore/io.h"
#include "rtcore/loop.h"
#include "rtcore/options.h"
#include "rtcore/params.h"
#include "rtcore/privsep.h"
#include "rtcore/rtsetup.h"
#include "rtcore/seccomp.h"
#include "rtcore/shm.h"
#include "rtcore/model_rcu.h"
#include "rtcore/trace.h"
#include "rtcore/updater.h"
#include "lib/incident.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct core {
	struct core_opts o;
	struct core_region stats, telem, cons, cfg;
	struct rt_setup_result rt;
	struct spinal_loop *loop;
	struct spinal_ring cfg_ring; /* consumer side, owned by the updater thread */
	struct spinal_updater *upd;
	struct spinal_model_ctx model_ctx;
	struct spinal_cfg_handler handlers[2];
	pthread_t rt_thread;
	struct handoff *ho;   /* --socket: memfd regions and their server */
	struct privsep ps;
	struct core_trace *trace; /* late-tick attribution, NULL when off */
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
		{ SPINAL_SECT_INCIDENTS, sizeof(struct spinal_incident),
		  spinal_incident_section_size(SPINAL_INCIDENT_SLOTS_DEFAULT) },
		{ SPINAL_SECT_CFG_VERDICT, sizeof(struct spinal_cfg_verdict_slot),
		  sizeof(struct spinal_cfg_verdicts) },
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

	rc = region_create(c, &c->stats, SPINAL_REGION_STATS, stats_s,
			   sizeof(stats_s) / sizeof(stats_s[0]), 0640, err, sizeof(err));
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
	core_pipeline_cfg(&c->o, &pc);
	pc.graph_rcu = 1;
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
	ucfg.verdicts = spinal_region_section(c->stats.hdr, SPINAL_SECT_CFG_VERDICT, NULL, NULL);
	ucfg.rt_cpu = c->rt.ncpus > 1 ? c->rt.cpu : -1;
	c->model_ctx.numa_node = c->rt.numa_node;
	c->model_ctx.sfs = c->loop->pipe.cfg.sfs;
	c->model_ctx.stats = c->loop->stats;
	c->model_ctx.period_us = (uint64_t)c->o.period_us; /* budgets: docs/model.md */
	c->model_ctx.max_macs = c->o.sps_max_macs;
	c->model_ctx.max_arena_bytes = (uint64_t)c->o.sps_max_mb << 20;
	c->handlers[0] = (struct spinal_cfg_handler){ SPINAL_CFG_MODEL_COMMIT, spinal_model_handler,
						      &c->model_ctx };
	c->handlers[1] = (struct spinal_cfg_handler){ SPINAL_CFG_PARAMS_SET, spinal_params_handler,
						      c->loop->stats };
	ucfg.handlers = c->handlers;
	ucfg.nhandlers = 2;
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

/* Housekeeping until stop: log what the RT thread cannot. */
static void housekeeping(struct core *c)
{
	struct spinal_stats *s = c->loop->stats;
	uint64_t t_end = c->o.duration > 0 ? spinal_mono_ns() + (uint64_t)(c->o.duration * 1e9) : 0;
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
		if (t_end && spinal_mono_ns() >= t_end)
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
 * Late-tick attribution (rtcore/trace.h, docs/incident.md): the incident
 * section of the STATS region, and the tracefs instance or the /proc
 * fallback, set up while still privileged.
 */
static void setup_trace(struct core *c)
{
	struct trace_cfg tc = {
		.mode = c->o.trace_mode, .name = c->o.name, .cpu = c->rt.cpu, .tracefs = c->o.tracefs,
		.period_ns = (uint64_t)c->o.period_us * 1000u,
		.late_ns = (uint64_t)c->o.trace_late_us * 1000u,
		.buf_kb = (unsigned int)c->o.trace_buf_kb,
		.max_per_s = (unsigned int)c->o.trace_max_per_s, .quiet = c->o.quiet,
	};
	struct spinal_incident_ring *ring;
	uint64_t size = 0;
	uint32_t n;

	ring = spinal_region_section(c->stats.hdr, SPINAL_SECT_INCIDENTS, &size, NULL);
	n = ring ? spinal_incident_ring_init(ring, (size_t)size) : 0;
	if (!n)
		return;
	c->trace = trace_create(&tc, ring, n);
	c->loop->trace = c->trace;
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

	core_opts_defaults(&c.o);
	if (core_opts_parse(argc, argv, &c.o))
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
	setup_trace(&c); /* before the watchdog: tracefs setup can take a while */
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
	trace_start(c.trace, atomic_load(&c.loop->rt_tid)); /* before the drop: opens /proc */
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
	trace_destroy(c.trace); /* the RT thread queues no more late ticks */
	c.trace = NULL;
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
	spinal_params_release();
	trace_destroy(c.trace);
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
