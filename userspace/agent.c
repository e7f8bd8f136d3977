// SPDX-License-Identifier: MIT
/*
 * spinal-agent main loop: wait for the core, attach, drain telemetry into the
 * durable log, watch the core, re-attach after a core restart, reload config
 * on SIGHUP.  Single-threaded except for the HTTP server (userspace/http.c),
 * which reads only @view and the mapped regions, under @lock.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "userspace/agent.h"
#include "userspace/config.h"
#include "userspace/graph_json.h"
#include "userspace/handoff_attach.h"
#include "userspace/http.h"
#include "userspace/nir.h"

volatile sig_atomic_t agent_stop, agent_reload;

#define IDLE_MIN_MS 10
#define IDLE_MAX_MS 1000

void agent_opts_defaults(struct agent_opts *o)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", SPINAL_DEFAULT_INSTANCE);
	snprintf(o->log_dir, sizeof(o->log_dir), "%s", AGENT_DEFAULT_LOG_DIR);
	snprintf(o->user, sizeof(o->user), "%s", AGENT_DEFAULT_USER);
	snprintf(o->listen, sizeof(o->listen), "%s", AGENT_DEFAULT_LISTEN);
	o->flush_records = 1024;
	o->flush_ms = 200;
	o->rotate_bytes = 64ULL << 20;
	o->keep_files = 64;
	o->fsync_mode = TLOG_FSYNC_ROTATE;
	o->stall_periods = 50;
	o->stall_min_ms = 20;
	o->goal_node = -1;
	snprintf(o->web_dir, sizeof(o->web_dir), "%s", AGENT_DEFAULT_WEB_DIR);
	o->console_hz = 25;
	o->console_streams = 16;
}

uint64_t agent_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void agent_log(const struct agent *ag, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "spinal-agent[%s]: %s\n", ag->opt.name, line);
}

static uint64_t stall_ns(const struct agent *ag)
{
	uint64_t ns = (uint64_t)ag->opt.stall_periods * ag->at.id.period_ns;
	uint64_t min = (uint64_t)ag->opt.stall_min_ms * 1000000ULL;

	return ns > min ? ns : min;
}

/* Copy what the HTTP thread may show.  Caller holds ag->lock. */
static void update_view_locked(struct agent *ag)
{
	struct agent_view *v = &ag->view;

	v->attached = ag->attached;
	if (ag->log)
		tlog_get_counters(ag->log, &v->log);
	if (ag->attached) {
		v->written = ag->dr.written;
		v->missing = ag->dr.missing;
		v->dups = ag->dr.dups;
		v->invalid = ag->dr.invalid;
		v->next_seq = ag->dr.next_seq;
		v->stalled = ag->wd.stalled;
		v->wd_stalls = ag->wd.stalls;
		v->wd_deaths = ag->wd.deaths;
	}
}

static void update_view(struct agent *ag)
{
	pthread_mutex_lock(&ag->lock);
	update_view_locked(ag);
	pthread_mutex_unlock(&ag->lock);
}

static int same_run(const struct tlog_core_id *a, const struct tlog_core_id *b)
{
	return a->pid == b->pid && a->start_realtime_ns == b->start_realtime_ns;
}

static void set_core_dead(struct agent *ag, int dead)
{
	atomic_store_explicit(&ag->at.ai->core_dead, (uint32_t)dead, memory_order_relaxed);
	/* R3: pairs with the acquire load of safe_stop_req in I/O drivers */
	atomic_store_explicit(&ag->at.ai->safe_stop_req, (uint32_t)dead, memory_order_release);
	pthread_mutex_lock(&ag->lock);
	ag->view.core_dead = dead;
	ag->view.safe_stop_req = dead;
	ag->view.last_detect_ns = ag->wd.detect_ns;
	pthread_mutex_unlock(&ag->lock);
}

/* After an attach: the config sender, then what the core must have again. */
static void attach_cfg_link(struct agent *ag)
{
	char sum[2048];

	if (cfglink_attach(&ag->cfg, &ag->at)) {
		agent_log(ag, "control API and --graph/--model cannot reach core pid %d: %s",
			  ag->at.id.pid, ag->cfg.why);
		return;
	}
	if (cfglink_replay(&ag->cfg, CFGL_ALL, AGENT_CFG_TIMEOUT_MS, sum, sizeof(sum)) || sum[0])
		agent_log(ag, "sent to core pid %d: %s", ag->at.id.pid, sum);
}

/* Returns 0 attached, 1 not yet (wait), or -errno for a refusal. */
static int try_attach(struct agent *ag, int *said)
{
	struct tlog_opts lo = {
		.dir = ag->opt.log_dir,
		.instance = ag->opt.name,
		.rotate_bytes = ag->opt.rotate_bytes,
		.keep_files = ag->opt.keep_files,
		.batch_max = ag->opt.flush_records + 2,
		.fsync_mode = ag->opt.fsync_mode,
	};
	struct attach at;
	uint64_t resume = 0;
	char err[512];
	int rc;

	rc = ag->opt.socket[0] ? attach_open_handoff(&at, ag->opt.socket, ag->opt.name, err, sizeof(err))
			       : attach_open(&at, ag->opt.name, err, sizeof(err));
	if (rc == -ENOTSUP) {
		agent_log(ag, "refusing to attach: %s", err);
		return rc;
	}
	if (rc) {
		if (!*said || rc != -ENOENT) {
			if (*said != rc)
				agent_log(ag, "waiting for the core: %s", err);
			*said = rc;
		}
		return 1;
	}
	if (ag->have_done && same_run(&at.id, &ag->done_id)) {
		attach_close(&at);
		return 1;
	}
	if (wd_start(&ag->wd, at.id.pid, 0) == -ESRCH &&
	    attach_state(&at) != SPINAL_STATE_STOPPED) {
		/* stale regions of a dead core; drain them once all the same */
		agent_log(ag, "core pid %d of '%s' is gone, its regions are stale: draining what is left",
			  at.id.pid, ag->opt.name);
	}
	ag->log = tlog_open(&lo, &at.id, &resume);
	if (!ag->log) {
		agent_log(ag, "cannot open a telemetry log in %s: %s; check the directory and its owner",
			  ag->opt.log_dir, strerror(errno));
		wd_stop(&ag->wd);
		attach_close(&at);
		return -errno;
	}
	pthread_mutex_lock(&ag->lock);
	ag->at = at;
	rc = drain_init(&ag->dr, &ag->at, ag->log, resume, ag->opt.flush_records,
			(uint64_t)ag->opt.flush_ms * 1000000ULL);
	if (rc == 0) {
		ag->attached = 1;
		ag->view.attaches++;
		ag->view.core_dead = 0;
		ag->view.safe_stop_req = 0;
	}
	pthread_mutex_unlock(&ag->lock);
	if (rc) {
		agent_log(ag, "telemetry ring of '%s' is invalid (%s): waiting for a new core",
			  ag->opt.name, strerror(-rc));
		tlog_close(ag->log);
		ag->log = NULL;
		ag->done_id = at.id;
		ag->have_done = 1;
		pthread_mutex_lock(&ag->lock);
		attach_close(&ag->at);
		pthread_mutex_unlock(&ag->lock);
		wd_stop(&ag->wd);
		return 1;
	}
	ag->wd.stall_ns = stall_ns(ag);
	set_core_dead(ag, 0);
	atomic_store_explicit(&ag->at.ai->pid, (int32_t)getpid(), memory_order_relaxed);
	atomic_store_explicit(&ag->at.ai->attached, 1, memory_order_release);
	*said = 0;
	agent_log(ag, "attached to core pid %d (ABI %u.%u, period %u ns, ring %u x %u B), resuming at seq %" PRIu64 ", logging to %s",
		  at.id.pid, at.id.abi_major, at.id.abi_minor, at.id.period_ns, at.nslots,
		  at.slot_size, ag->dr.next_seq, tlog_path(ag->log));
	attach_cfg_link(ag);
	return 0;
}

static void report_gaps(struct agent *ag, uint64_t now, int force)
{
	uint64_t m = ag->dr.missing;

	if (m == ag->gap_reported || (!force && now - ag->gap_report_ns < 1000000000ULL))
		return;
	agent_log(ag, "telemetry: %" PRIu64 " records missed (core ring full or agent away), %" PRIu64 " in total; all marked in the log",
		  m - ag->gap_reported, m);
	ag->gap_reported = m;
	ag->gap_report_ns = now;
}

/* Drain to empty, close the run's log, unmap.  @finished: the run is over. */
static void detach(struct agent *ag, int finished)
{
	uint64_t produced;
	int rc, i;

	for (i = 0; i < 1000; i++) {
		rc = drain_step(&ag->dr, agent_now_ns());
		if (rc <= 0)
			break;
	}
	if (finished) {
		produced = atomic_load_explicit(&ag->at.stats->telem_produced, memory_order_acquire);
		rc = drain_tail(&ag->dr, produced);
	} else {
		rc = drain_flush(&ag->dr);
	}
	if (rc)
		agent_log(ag, "final flush failed: %s; %u records stay in the ring for the next agent",
			  strerror(-rc), ag->dr.unreleased);
	report_gaps(ag, agent_now_ns(), 1);
	agent_log(ag, "detached from core pid %d: this agent wrote %" PRIu64 " records, reported %" PRIu64 " missing, next seq %" PRIu64,
		  ag->at.id.pid, ag->dr.written, ag->dr.missing, ag->dr.next_seq);
	if (!rc)
		atomic_store_explicit(&ag->at.ai->attached, 0, memory_order_release);
	if (finished) {
		ag->done_id = ag->at.id;
		ag->have_done = 1;
	}
	wd_stop(&ag->wd);
	cfglink_detach(&ag->cfg); /* before the CFG region goes away */
	pthread_mutex_lock(&ag->lock);
	update_view_locked(ag);
	tlog_close(ag->log);
	ag->log = NULL;
	attach_close(&ag->at);
	ag->attached = 0;
	ag->view.attached = 0;
	pthread_mutex_unlock(&ag->lock);
}

static int open_inotify(void)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	if (fd < 0)
		return -1;
	if (inotify_add_watch(fd, "/dev/shm", IN_CREATE | IN_MOVED_TO | IN_ATTRIB) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void drain_inotify(int fd)
{
	char buf[4096];

	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
}

static void wait_fds(int fd1, int fd2, int fd3, int timeout_ms)
{
	struct pollfd p[3];
	int n = 0;

	if (fd1 >= 0)
		p[n++] = (struct pollfd){ .fd = fd1, .events = POLLIN };
	if (fd2 >= 0)
		p[n++] = (struct pollfd){ .fd = fd2, .events = POLLIN };
	if (fd3 >= 0)
		p[n++] = (struct pollfd){ .fd = fd3, .events = POLLIN };
	poll(p, (nfds_t)n, timeout_ms);
}

/* /dev/spinal_wd (optional): a supervisor handle; NULL when not available. */
static void open_kernel_wd(struct agent *ag)
{
	struct spinal_wd_status st;

	ag->kwd = spinal_wd_open(NULL, SPINAL_WD_SUPERVISOR);
	if (!ag->kwd) {
		if (errno != ENODEV && errno != ENOENT)
			agent_log(ag, "kernel watchdog present but not usable (%s): relying on the agent's own pidfd/heartbeat watchdog; check /dev/spinal_wd permissions",
				  strerror(errno));
		return;
	}
	ag->view.kwd_available = 1;
	if (spinal_wd_status(ag->kwd, &st) == 0)
		agent_log(ag, "kernel watchdog: supervising (state %s, owner pid %d, %llu trips since load)",
			  spinal_wd_state_name(st.state), st.owner_pid,
			  (unsigned long long)st.trips);
}

/*
 * A kernel watchdog trip: the module saw the core's heartbeat stop (or the
 * core die).  Same verdict as our own watchdog: core_dead + safe stop.
 */
static void check_kernel_wd(struct agent *ag)
{
	struct spinal_wd_status ev;
	int rc;

	while ((rc = spinal_wd_read_trip(ag->kwd, &ev)) == 1) {
		int ours = ag->attached && (ev.owner_pid == 0 || ev.owner_pid == ag->at.id.pid);

		pthread_mutex_lock(&ag->lock);
		ag->view.kwd_trips++;
		pthread_mutex_unlock(&ag->lock);
		if (ours)
			set_core_dead(ag, 1);
		agent_log(ag, "kernel watchdog tripped: reason %s, heartbeat gap %.1f ms, owner pid %d%s",
			  spinal_wd_reason_name(ev.last_reason), ev.last_trip_gap_ns / 1e6,
			  ev.owner_pid,
			  ours ? ": core_dead set, safe stop raised for the I/O drivers" :
			  ag->attached ? ": not the core this agent serves, ignored" :
			  ": no core attached");
	}
	if (rc < 0 && rc != SPINAL_WD_NA) {
		agent_log(ag, "kernel watchdog: read failed (%s); no longer watching it",
			  strerror(-rc));
		spinal_wd_close(ag->kwd);
		ag->kwd = NULL;
	}
}

static void handle_wd_event(struct agent *ag, int ev, uint64_t now)
{
	switch (ev) {
	case WD_DIED:
		set_core_dead(ag, 1);
		agent_log(ag, "core pid %d died without stopping cleanly: core_dead set, safe stop raised for the I/O drivers",
			  ag->at.id.pid);
		break;
	case WD_STALLED:
		set_core_dead(ag, 1);
		agent_log(ag, "core pid %d stalled: heartbeat %.1f ms old (bound %.1f ms): core_dead set, safe stop raised",
			  ag->at.id.pid, wd_heartbeat_age(ag->at.stats, now) / 1e6,
			  ag->wd.stall_ns / 1e6);
		break;
	case WD_RECOVERED:
		set_core_dead(ag, 0);
		agent_log(ag, "core pid %d recovered: heartbeat moving again, safe stop cleared",
			  ag->at.id.pid);
		break;
	case WD_EXITED:
		agent_log(ag, "core pid %d exited after a clean stop", ag->at.id.pid);
		break;
	default:
		break;
	}
}

/* Sleep bound while attached: a quarter of the ring's fill time, <= flush_ms. */
static int active_sleep_ms(const struct agent *ag)
{
	uint64_t fill_ms = (uint64_t)ag->at.nslots * ag->at.id.period_ns / 4000000ULL;
	uint64_t ms = ag->opt.flush_ms < fill_ms ? ag->opt.flush_ms : fill_ms;
	uint64_t st = ag->wd.stall_ns / 2000000ULL;

	if (st && st < ms)
		ms = st;
	return ms < 1 ? 1 : ms > 100 ? 100 : (int)ms;
}

static void do_reload(struct agent *ag)
{
	char err[1024];
	int rc;

	agent_reload = 0;
	if (!ag->opt.config[0]) {
		agent_log(ag, "SIGHUP: no --config file to reload");
		return;
	}
	rc = config_reload(ag, err, sizeof(err));
	pthread_mutex_lock(&ag->lock);
	if (rc)
		ag->view.reload_errors++;
	else
		ag->view.reloads++;
	pthread_mutex_unlock(&ag->lock);
	if (rc) {
		agent_log(ag, "config reload rejected, running config kept: %s", err);
		return;
	}
	if (ag->attached) {
		drain_set_policy(&ag->dr, ag->opt.flush_records,
				 (uint64_t)ag->opt.flush_ms * 1000000ULL);
		tlog_set_opts(ag->log, ag->opt.rotate_bytes, ag->opt.keep_files,
			      ag->opt.flush_records + 2, ag->opt.fsync_mode);
		ag->wd.stall_ns = stall_ns(ag);
	}
}

int agent_run(struct agent *ag)
{
	int said = 0, idle_ms = IDLE_MIN_MS, status = 0, rc;
	uint64_t last_replace_check = 0;
	char err[512];

	pthread_mutex_init(&ag->lock, NULL);
	ag->wd.pidfd = -1;
	ag->inotify_fd = open_inotify();
	open_kernel_wd(ag);
	if (http_start(ag, err, sizeof(err)) < 0) {
		agent_log(ag, "%s", err);
		status = 2;
		goto out;
	}
	while (!agent_stop) {
		uint64_t now = agent_now_ns();
		uint32_t state;

		if (agent_reload)
			do_reload(ag);
		if (!ag->attached) {
			drain_inotify(ag->inotify_fd);
			rc = try_attach(ag, &said);
			if (rc < 0) {
				status = 2;
				break;
			}
			if (rc == 0) {
				idle_ms = IDLE_MIN_MS;
				update_view(ag);
				continue;
			}
			/* adaptive backoff; inotify on /dev/shm wakes us when a core appears */
			wait_fds(ag->inotify_fd, spinal_wd_fd(ag->kwd), -1, idle_ms);
			check_kernel_wd(ag);
			idle_ms = idle_ms * 2 > IDLE_MAX_MS ? IDLE_MAX_MS : idle_ms * 2;
			continue;
		}
		rc = drain_step(&ag->dr, now);
		if (rc < 0 && rc != -EBADMSG) {
			agent_log(ag, "cannot write telemetry log %s: %s; records stay in the ring, retrying",
				  tlog_path(ag->log), strerror(-rc));
			wait_fds(-1, -1, -1, 100);
		} else if (rc == -EBADMSG) {
			agent_log(ag, "core's ring position is impossible: treating the core as broken, detaching");
			detach(ag, 1);
			continue;
		}
		atomic_store_explicit(&ag->at.ai->heartbeat_ns, now, memory_order_relaxed);
		state = attach_state(&ag->at);
		handle_wd_event(ag, wd_check(&ag->wd, ag->at.stats, state, now), now);
		report_gaps(ag, now, 0);
		if (now - last_replace_check > 100000000ULL) {
			last_replace_check = now;
			if ((ag->opt.socket[0] ? attach_handoff_replaced(&ag->at) : attach_replaced(&ag->at)) &&
			    state != SPINAL_STATE_STOPPED && !ag->wd.gone) {
				agent_log(ag, "regions of '%s' were replaced: a new core started; re-attaching",
					  ag->opt.name);
				detach(ag, 0);
				continue;
			}
		}
		if (state == SPINAL_STATE_STOPPED || ag->wd.gone) {
			if (drain_backlog(&ag->dr) > 0)
				continue;
			detach(ag, 1);
			if (ag->opt.exit_with_core)
				break;
			continue;
		}
		update_view(ag);
		if (rc <= 0)
			wait_fds(wd_fd(&ag->wd), spinal_wd_fd(ag->kwd), -1, active_sleep_ms(ag));
		check_kernel_wd(ag);
	}
	if (ag->attached)
		detach(ag, 0);
out:
	http_stop(ag);
	if (ag->inotify_fd >= 0)
		close(ag->inotify_fd);
	spinal_wd_close(ag->kwd);
	ag->kwd = NULL;
	return status;
}
