// SPDX-License-Identifier: MIT
/*
 * libspinal-driver (include/spinal/driver.h): attach as the core's I/O
 * driver, publish robot states, judge the core's commands, follow a core
 * restart, read the core's status as an observer.  The goal call (operator
 * role) is in lib/agent_client.c.
 *
 * One attachment (struct drv_att) holds the mappings of one core run.  A
 * restart replaces it: spinal_driver_follow() publishes the new one with an
 * atomic exchange and unmaps the old one only when no publish()/command() is
 * inside it (the `busy` count), so the two RT-safe calls never lock.
 */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <spinal/clock.h>
#include <spinal/driver.h>
#include <spinal/handoff.h>
#include <spinal/io_shm.h>
#include <spinal/shm.h>
#include <spinal/stats.h>

#include "lib/agent_client.h"
#include "lib/handoff_client.h"
#include "lib/region_map.h"
#include "lib/runpath.h"
#include "lib/wd.h"

#define NSEC 1000000000ull
#define CMD_TRIES 4
#define FOLLOW_EVERY_NS (NSEC / 4)
#define FUTURE_SLACK_NS (NSEC / 1000)

_Static_assert(SPINAL_DRIVER_FAULT_ESTOP == SPINAL_IO_SF_HW_ESTOP, "fault bits");
_Static_assert(SPINAL_DRIVER_FAULT_BUMPER == SPINAL_IO_SF_BUMPER, "fault bits");
_Static_assert(SPINAL_DRIVER_FAULT_MOTOR == SPINAL_IO_SF_MOTOR_FAULT, "fault bits");
_Static_assert(SPINAL_DRIVER_FAULT_LOC_LOST == SPINAL_IO_SF_LOC_LOST, "fault bits");

/* The mappings of one core run. */
struct drv_att {
	const struct spinal_region_hdr *stats, *io, *cons;
	struct spinal_region_hdr *st;
	size_t stats_len, io_len, cons_len, st_len;
	const struct spinal_io_cmd_box *cmd;
	struct spinal_io_state_box *stb;
	const struct spinal_agent_info *agent;
	const struct spinal_stats *sb;
	uint64_t start_mono_ns;
	int socket; /* regions from the core's socket: 2 all of them (driver role),
		     * 1 stats and agent info (observer role; mailboxes in /dev/shm) */
};

struct spinal_driver {
	char instance[32];
	char sock[108];
	int sock_given;
	uint64_t stale_ns;
	uint32_t period_us;
	_Atomic(struct drv_att *) cur;
	_Atomic uint32_t busy;     /* publish()/command() inside cur */
	struct spinal_wd *wd;
	uint64_t seq;              /* publisher thread only */
	uint64_t next_follow_ns;   /* follow() caller only */
	_Atomic uint32_t last_stop; /* last verdict of command() */
	_Atomic uint64_t published, rejected, commands, reattaches;
	_Atomic uint64_t stops[SPINAL_DRIVER_STOP_COUNT];
};

static const char *const stop_names[SPINAL_DRIVER_STOP_COUNT] = {
	"go", "no_cmd", "torn", "stale_cmd", "core_stopped", "safe_stop", "core_dead",
	"wd_trip", "nan",
};

const char *spinal_driver_stop_name(unsigned int stop)
{
	return stop < SPINAL_DRIVER_STOP_COUNT ? stop_names[stop] : "?";
}

const char *spinal_driver_aas_reason_name(unsigned int reason)
{
	return spinal_aas_reason_name(reason);
}

const char *spinal_driver_core_state_name(unsigned int state)
{
	return spinal_state_name(state);
}

static void inc(_Atomic uint64_t *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

void spinal_driver_config_init(struct spinal_driver_config *c)
{
	memset(c, 0, sizeof(*c));
	c->size = sizeof(*c);
	c->cmd_stale_ms = 50;
	c->instance = SPINAL_DEFAULT_INSTANCE;
	c->use_kernel_wd = 1;
}

static void att_free(struct drv_att *a)
{
	if (!a)
		return;
	if (a->stats)
		munmap((void *)a->stats, a->stats_len);
	if (a->io)
		munmap((void *)a->io, a->io_len);
	if (a->cons)
		munmap((void *)a->cons, a->cons_len);
	if (a->st)
		munmap(a->st, a->st_len);
	free(a);
}

/* Sections and run identity of a freshly mapped set.  0 or -errno + @err. */
static int att_check(struct drv_att *a, const char *name, char *err, size_t errlen)
{
	uint64_t sz;
	uint32_t elem;

	if (a->io->start_mono_ns != a->stats->start_mono_ns ||
	    a->st->start_mono_ns != a->stats->start_mono_ns ||
	    (a->cons && a->cons->start_mono_ns != a->stats->start_mono_ns)) {
		snprintf(err, errlen, "the regions of instance '%s' belong to different core runs (core restarting?)",
			 name);
		return -ESTALE;
	}
	a->cmd = spinal_region_section(a->io, SPINAL_SECT_IO_CMD, &sz, &elem);
	if (!a->cmd || sz < sizeof(*a->cmd) || elem != sizeof(struct spinal_io_cmd)) {
		snprintf(err, errlen, "instance '%s' has no command mailbox of this layout (core and driver library from different versions?)",
			 name);
		return -EPROTO;
	}
	a->stb = spinal_region_section(a->st, SPINAL_SECT_IO_STATE, &sz, &elem);
	if (!a->stb || sz < sizeof(*a->stb) || elem != sizeof(struct spinal_io_state)) {
		snprintf(err, errlen, "instance '%s' has no state mailbox of this layout (core and driver library from different versions?)",
			 name);
		return -EPROTO;
	}
	a->sb = spinal_region_section(a->stats, SPINAL_SECT_STATS, &sz, NULL);
	if (a->sb && sz < sizeof(*a->sb))
		a->sb = NULL;
	if (a->cons) {
		a->agent = spinal_region_section(a->cons, SPINAL_SECT_AGENT, &sz, NULL);
		if (a->agent && sz < sizeof(*a->agent))
			a->agent = NULL;
	}
	a->start_mono_ns = a->stats->start_mono_ns;
	return 0;
}

/*
 * The /dev/shm mailboxes of a core started with --io shm.  @obs: the stats
 * and agent info already received over the core's socket as an observer (a
 * core with --socket but without the driver role), else they come from
 * /dev/shm too.  Takes @obs's mappings either way.
 */
static struct drv_att *att_shm(const char *name, struct spinal_handoff *obs, char *err,
			       size_t errlen)
{
	struct drv_att *a = calloc(1, sizeof(*a));
	int rc = -ENOMEM;

	if (!a) {
		snprintf(err, errlen, "out of memory");
		if (obs)
			spinal_handoff_detach(obs);
		goto fail;
	}
	if (obs) {
		a->socket = 1;
		a->stats = spinal_handoff_take(obs, SPINAL_REGION_STATS, &a->stats_len);
		a->cons = spinal_handoff_take(obs, SPINAL_REGION_CONS, &a->cons_len);
		spinal_handoff_detach(obs);
		if (!a->stats) {
			snprintf(err, errlen, "spinal-core gave no stats region to an observer");
			rc = -EPROTO;
			goto fail;
		}
	} else {
		a->stats = spinal_region_map(name, SPINAL_REGION_STATS, 0, &a->stats_len, err,
					     errlen);
		if (!a->stats)
			goto fail_errno;
	}
	a->io = spinal_region_map(name, SPINAL_REGION_IO, 0, &a->io_len, err, errlen);
	if (!a->io) {
		if (errno == ENOENT)
			snprintf(err, errlen, "spinal-core instance '%s' has no /dev/shm/spinal.%s.io: start it with --io shm",
				 name, name);
		goto fail_errno;
	}
	a->st = spinal_region_map(name, SPINAL_REGION_IO_STATE, 1, &a->st_len, err, errlen);
	if (!a->st)
		goto fail_errno;
	/* the agent's info is optional: no agent yet is fine */
	if (!obs)
		a->cons = spinal_region_map(name, SPINAL_REGION_CONS, 0, &a->cons_len, err, errlen);
	rc = att_check(a, name, err, errlen);
	if (rc)
		goto fail;
	return a;
fail_errno:
	rc = errno ? -errno : -EIO;
fail:
	att_free(a);
	errno = -rc;
	return NULL;
}

/* Over the core's socket as SPINAL_ROLE_DRIVER.  -EPROTO: the core has no such role. */
static struct drv_att *att_socket(const char *path, const char *name, char *err, size_t errlen)
{
	struct spinal_handoff h;
	struct drv_att *a;
	int rc;

	rc = spinal_handoff_attach(path, SPINAL_ROLE_DRIVER, &h, err, errlen);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		spinal_handoff_detach(&h);
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	a->socket = 2;
	a->stats = spinal_handoff_take(&h, SPINAL_REGION_STATS, &a->stats_len);
	a->io = spinal_handoff_take(&h, SPINAL_REGION_IO, &a->io_len);
	a->st = spinal_handoff_take(&h, SPINAL_REGION_IO_STATE, &a->st_len);
	a->cons = spinal_handoff_take(&h, SPINAL_REGION_CONS, &a->cons_len);
	spinal_handoff_detach(&h);
	if (!a->stats || !a->io || !a->st) {
		snprintf(err, errlen, "spinal-core at %s gave the driver no %s region: is it running with --io shm?",
			 path, !a->stats ? "stats" : !a->io ? "command" : "state");
		att_free(a);
		errno = ENOENT;
		return NULL;
	}
	rc = att_check(a, name, err, errlen);
	if (rc) {
		att_free(a);
		errno = -rc;
		return NULL;
	}
	return a;
}

static struct drv_att *att_any(struct spinal_driver *d, char *err, size_t errlen)
{
	struct spinal_handoff obs;
	struct drv_att *a;
	struct stat st;
	int rc;

	if (d->sock[0] && (d->sock_given || stat(d->sock, &st) == 0)) {
		a = att_socket(d->sock, d->instance, err, errlen);
		/* only a core that does not know the driver role sends us elsewhere */
		if (a || errno != EPROTO)
			return a;
		/* such a core keeps the mailboxes in /dev/shm; its stats we read as an observer */
		rc = spinal_handoff_attach(d->sock, SPINAL_ROLE_INSPECTOR, &obs, err, errlen);
		if (rc) {
			errno = -rc;
			return NULL;
		}
		return att_shm(d->instance, &obs, err, errlen);
	}
	return att_shm(d->instance, NULL, err, errlen);
}

static void att_announce(struct spinal_driver *d, struct drv_att *a)
{
	atomic_store_explicit(&a->stb->driver_pid, (int32_t)getpid(), memory_order_relaxed);
	atomic_store_explicit(&a->stb->driver_period_us, d->period_us, memory_order_relaxed);
}

struct spinal_driver *spinal_driver_open(const struct spinal_driver_config *c, char *err,
					 size_t errlen)
{
	struct spinal_driver_config def;
	struct spinal_driver *d;
	struct drv_att *a = NULL;
	uint64_t deadline;
	const char *name;
	int e;

	if (!c) {
		spinal_driver_config_init(&def);
		c = &def;
	}
	if (c->size < offsetof(struct spinal_driver_config, reserved)) {
		snprintf(err, errlen, "struct spinal_driver_config too small (%u bytes): rebuild against this header",
			 c->size);
		errno = EINVAL;
		return NULL;
	}
	name = c->instance ? c->instance : SPINAL_DEFAULT_INSTANCE;
	if (!spinal_instance_valid(name)) {
		snprintf(err, errlen, "invalid instance name '%s': use 1-31 of [A-Za-z0-9_-]", name);
		errno = EINVAL;
		return NULL;
	}
	if (c->cmd_stale_ms < 1 || c->cmd_stale_ms > 60000) {
		snprintf(err, errlen, "cmd_stale_ms %u outside 1..60000", c->cmd_stale_ms);
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(d->instance, sizeof(d->instance), "%s", name);
	if (c->socket_path) {
		if (strlen(c->socket_path) >= sizeof(d->sock)) {
			snprintf(err, errlen, "socket path %s is too long", c->socket_path);
			free(d);
			errno = ENAMETOOLONG;
			return NULL;
		}
		snprintf(d->sock, sizeof(d->sock), "%s", c->socket_path);
		d->sock_given = 1;
	} else if (spinal_run_path(d->sock, sizeof(d->sock), name, SPINAL_RUN_CORE_SOCK)) {
		d->sock[0] = '\0';
	}
	d->stale_ns = (uint64_t)c->cmd_stale_ms * 1000000ull;
	d->period_us = c->period_us;
	deadline = spinal_mono_ns() + (uint64_t)c->wait_ms * 1000000ull;
	for (;;) {
		struct timespec nap = { 0, 50 * 1000 * 1000 };

		a = att_any(d, err, errlen);
		if (a)
			break;
		e = errno;
		/*
		 * Permission problems do not go away by waiting.  Everything else
		 * may: a starting core's region exists before its header is
		 * published (bad magic, EPROTO), an old run's regions are being
		 * replaced (other ABI, ENOTSUP).
		 */
		if (e == EACCES || e == EPERM || spinal_mono_ns() >= deadline) {
			free(d);
			errno = e;
			return NULL;
		}
		nanosleep(&nap, NULL);
	}
	atomic_init(&d->cur, a);
	att_announce(d, a);
	/* optional: absent module = NULL, every call then says "not available" */
	if (c->use_kernel_wd)
		d->wd = spinal_wd_open(NULL, SPINAL_WD_SUPERVISOR);
	return d;
}

/* Enter/leave the current attachment from publish()/command(). */
static struct drv_att *att_enter(struct spinal_driver *d)
{
	/* seq_cst pair with the exchange + busy check in att_replace() */
	atomic_fetch_add(&d->busy, 1);
	return atomic_load(&d->cur);
}

static void att_leave(struct spinal_driver *d)
{
	atomic_fetch_sub_explicit(&d->busy, 1, memory_order_release);
}

static void att_replace(struct spinal_driver *d, struct drv_att *n)
{
	struct drv_att *old = atomic_exchange(&d->cur, n);
	struct timespec nap = { 0, 100 * 1000 };

	/* anyone who entered before the exchange may still use @old */
	while (atomic_load(&d->busy))
		nanosleep(&nap, NULL);
	att_free(old);
}

void spinal_driver_close(struct spinal_driver *d)
{
	struct drv_att *a;

	if (!d)
		return;
	a = atomic_load(&d->cur);
	if (a)
		atomic_store_explicit(&a->stb->driver_pid, 0, memory_order_relaxed);
	att_replace(d, NULL);
	spinal_wd_close(d->wd);
	free(d);
}

int spinal_driver_publish(struct spinal_driver *d, const struct spinal_driver_state *s)
{
	struct spinal_io_state m = { 0 };
	struct drv_att *a;

	if (s->size < offsetof(struct spinal_driver_state, source_stamp_ns) ||
	    !isfinite(s->x) || !isfinite(s->y) || !isfinite(s->theta) || !isfinite(s->v) ||
	    !isfinite(s->omega)) {
		inc(&d->rejected);
		return -EINVAL;
	}
	m.stamp_ns = s->stamp_ns ? s->stamp_ns : spinal_mono_ns();
	m.seq = ++d->seq;
	m.x = (float)s->x;
	m.y = (float)s->y;
	m.theta = (float)s->theta;
	m.v = (float)s->v;
	m.omega = (float)s->omega;
	m.flags = s->faults;
	m.source_stamp_ns = s->size >= sizeof(*s) ? s->source_stamp_ns : 0;
	a = att_enter(d);
	if (!a) {
		att_leave(d);
		return -ENOTCONN;
	}
	spinal_seqbox_write(&a->stb->box, &m, sizeof(m));
	att_leave(d);
	inc(&d->published);
	return 0;
}

/* May the command in the mailbox be applied?  Reads each shared field once. */
static unsigned int judge(const struct spinal_driver *d, const struct drv_att *a, uint64_t now,
			  struct spinal_driver_cmd *c)
{
	struct spinal_io_cmd m = { 0 };
	struct spinal_wd_status ws;
	uint32_t state;
	int rc;

	rc = spinal_seqbox_read(&a->cmd->box, &m, sizeof(m), CMD_TRIES, NULL, NULL);
	if (rc == -ENODATA)
		return SPINAL_DRIVER_STOP_NO_CMD;
	if (rc)
		return SPINAL_DRIVER_STOP_TORN;
	c->seq = m.seq;
	c->stamp_ns = m.stamp_ns;
	c->state_seq = m.state_seq;
	c->age_ns = now > m.stamp_ns ? now - m.stamp_ns : 0;
	if (m.flags & SPINAL_IO_CF_STOPPED)
		return SPINAL_DRIVER_STOP_CORE_STOPPED;
	state = atomic_load_explicit(&((struct spinal_region_hdr *)a->stats)->state,
				     memory_order_relaxed);
	if (state == SPINAL_STATE_STOPPED)
		return SPINAL_DRIVER_STOP_CORE_STOPPED;
	/* a stamp in the future is as wrong as an old one */
	if (m.stamp_ns > now + FUTURE_SLACK_NS || now - m.stamp_ns > d->stale_ns)
		return SPINAL_DRIVER_STOP_STALE;
	if (a->agent) {
		if (atomic_load_explicit(&a->agent->safe_stop_req, memory_order_relaxed))
			return SPINAL_DRIVER_STOP_SAFE_STOP;
		if (atomic_load_explicit(&a->agent->core_dead, memory_order_relaxed))
			return SPINAL_DRIVER_STOP_CORE_DEAD;
	}
	if (spinal_wd_status(d->wd, &ws) == 0 && ws.state == SPINAL_WD_TRIPPED)
		return SPINAL_DRIVER_STOP_WD_TRIP;
	if (!isfinite(m.v) || !isfinite(m.omega))
		return SPINAL_DRIVER_STOP_NAN;
	c->v = m.v;
	c->omega = m.omega;
	return SPINAL_DRIVER_GO;
}

int spinal_driver_command(struct spinal_driver *d, struct spinal_driver_cmd *c)
{
	uint64_t now = spinal_mono_ns();
	struct drv_att *a;
	uint32_t size = c->size;
	unsigned int stop;

	if (size < sizeof(*c))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->size = size;
	a = att_enter(d);
	stop = a ? judge(d, a, now, c) : SPINAL_DRIVER_STOP_STALE;
	if (stop != SPINAL_DRIVER_GO)
		c->v = c->omega = 0.0;
	if (a) {
		if (stop != SPINAL_DRIVER_GO)
			atomic_fetch_add_explicit(&a->stb->driver_stops, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&a->stb->driver_heartbeat, 1, memory_order_relaxed);
		atomic_store_explicit(&a->stb->driver_heartbeat_ns, now, memory_order_relaxed);
	}
	att_leave(d);
	c->stop = stop;
	inc(&d->commands);
	inc(&d->stops[stop]);
	atomic_store_explicit(&d->last_stop, stop, memory_order_relaxed);
	return (int)stop;
}

int spinal_driver_follow(struct spinal_driver *d, char *err, size_t errlen)
{
	uint64_t now = spinal_mono_ns();
	struct drv_att *a = atomic_load(&d->cur), *n;
	uint32_t last = atomic_load_explicit(&d->last_stop, memory_order_relaxed);
	char e2[256];
	size_t len;
	const struct spinal_region_hdr *h;
	int replaced;

	if (err && errlen)
		err[0] = '\0';
	/* a live core run keeps commands fresh: nothing to check */
	if (a && last != SPINAL_DRIVER_STOP_STALE && last != SPINAL_DRIVER_STOP_CORE_STOPPED &&
	    last != SPINAL_DRIVER_STOP_NO_CMD)
		return 0;
	if (now < d->next_follow_ns)
		return 0;
	d->next_follow_ns = now + FOLLOW_EVERY_NS;
	if (a && a->socket < 2) {
		/* cheap: the command region of whatever run owns the name now */
		h = spinal_region_map(d->instance, SPINAL_REGION_IO, 0, &len, e2, sizeof(e2));
		if (!h)
			return 0; /* no new core yet */
		replaced = h->start_mono_ns != a->start_mono_ns;
		munmap((void *)h, len);
		if (!replaced)
			return 0;
	} else if (a && atomic_load_explicit(&((struct spinal_region_hdr *)a->stats)->state,
					      memory_order_relaxed) != SPINAL_STATE_STOPPED &&
		   last != SPINAL_DRIVER_STOP_STALE) {
		return 0;
	}
	n = att_any(d, err ? err : e2, err ? errlen : sizeof(e2));
	if (!n)
		return -errno;
	if (a && n->start_mono_ns == a->start_mono_ns) {
		att_free(n); /* same run (socket mode asks the core again) */
		return 0;
	}
	att_announce(d, n);
	att_replace(d, n);
	inc(&d->reattaches);
	return 1;
}

uint32_t spinal_driver_core_period_ns(const struct spinal_driver *d)
{
	const struct drv_att *a = atomic_load(&((struct spinal_driver *)d)->cur);

	return a ? a->stats->period_ns : 0;
}

int spinal_driver_core_pid(const struct spinal_driver *d)
{
	const struct drv_att *a = atomic_load(&((struct spinal_driver *)d)->cur);

	return a ? a->stats->creator_pid : 0;
}

int spinal_driver_kernel_wd(const struct spinal_driver *d)
{
	return spinal_wd_available(d->wd);
}

const char *spinal_driver_attach_mode(const struct spinal_driver *d)
{
	const struct drv_att *a = atomic_load(&((struct spinal_driver *)d)->cur);

	return !a ? "detached" : a->socket == 2 ? "socket" : a->socket ? "socket+shm" : "shm";
}

static uint64_t ld(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

int spinal_driver_counters(const struct spinal_driver *d, struct spinal_driver_counters *o)
{
	struct spinal_driver *w = (struct spinal_driver *)d;
	const struct drv_att *a;
	uint32_t size = o->size;
	unsigned int i;

	if (size < sizeof(*o))
		return -EINVAL;
	memset(o, 0, sizeof(*o));
	o->size = size;
	o->published = ld(&d->published);
	o->rejected = ld(&d->rejected);
	o->commands = ld(&d->commands);
	o->reattaches = ld(&d->reattaches);
	for (i = 0; i < SPINAL_DRIVER_STOP_COUNT; i++)
		o->stops[i] = ld(&d->stops[i]);
	a = att_enter(w);
	if (a) {
		o->core_state_fresh = ld(&a->cmd->state_fresh);
		o->core_state_repeat = ld(&a->cmd->state_repeat);
		o->core_state_torn = ld(&a->cmd->state_torn);
		o->core_state_rejected = ld(&a->cmd->state_rejected);
		o->core_state_empty = ld(&a->cmd->state_empty);
	}
	att_leave(w);
	return 0;
}

static float fbits(const _Atomic uint32_t *p)
{
	uint32_t u = atomic_load_explicit(p, memory_order_relaxed);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

int spinal_driver_status(const struct spinal_driver *d, struct spinal_driver_status *s)
{
	struct spinal_driver *w = (struct spinal_driver *)d;
	struct spinal_hist_snap snap;
	const struct drv_att *a;
	const struct spinal_stats *sb;
	uint32_t size = s->size;
	unsigned int i;

	if (size < sizeof(*s))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->size = size;
	a = att_enter(w);
	if (!a || !a->sb) {
		att_leave(w);
		return -ENOTCONN;
	}
	sb = a->sb;
	s->state = atomic_load_explicit(&((struct spinal_region_hdr *)a->stats)->state,
					memory_order_relaxed);
	s->core_pid = a->stats->creator_pid;
	s->period_ns = a->stats->period_ns;
	s->ticks = ld(&sb->ticks);
	s->overruns = ld(&sb->overruns);
	s->missed_periods = ld(&sb->missed_periods);
	s->consec_miss_max = ld(&sb->consec_miss_max);
	s->heartbeat_ns = ld(&sb->heartbeat_ns);
	s->safe_stop = atomic_load_explicit(&sb->safe_stop, memory_order_relaxed);
	s->goal_reached = atomic_load_explicit(&sb->goal_reached, memory_order_relaxed);
	for (i = 0; i < SPINAL_STAGE_COUNT && i < 8; i++) {
		spinal_hist_snapshot(&sb->stage[i], &snap);
		s->stage_p50_ns[i] = spinal_hist_quantile(&snap, 0.50);
		s->stage_p99_ns[i] = spinal_hist_quantile(&snap, 0.99);
		s->stage_max_ns[i] = snap.max_ns;
	}
	for (i = 0; i < SPINAL_AAS_COUNT && i < 16; i++)
		s->aas[i] = ld(&sb->aas[i]);
	s->pose_x = fbits(&sb->pose_x);
	s->pose_y = fbits(&sb->pose_y);
	s->pose_theta = fbits(&sb->pose_theta);
	s->cmd_v = fbits(&sb->cmd_v);
	s->cmd_omega = fbits(&sb->cmd_omega);
	s->goal_x = fbits(&sb->goal_x);
	s->goal_y = fbits(&sb->goal_y);
	if (a->agent) {
		s->agent_safe_stop = atomic_load_explicit(&a->agent->safe_stop_req,
							  memory_order_relaxed);
		s->agent_core_dead = atomic_load_explicit(&a->agent->core_dead,
							  memory_order_relaxed);
		s->agent_attached = atomic_load_explicit(&a->agent->attached, memory_order_relaxed);
	}
	att_leave(w);
	s->estop = (s->safe_stop & SPINAL_SAFE_STOP_ESTOP) ? 1 : 0;
	return 0;
}

int spinal_driver_goal(const struct spinal_driver *d, double x, double y, const char *listen,
		       int timeout_ms, char *err, size_t errlen)
{
	char body[128], resp[512];

	if (!isfinite(x) || !isfinite(y) || fabs(x) > 1e6 || fabs(y) > 1e6) {
		snprintf(err, errlen, "goal (%g, %g) is not a finite point within 1e6 m", x, y);
		return -EINVAL;
	}
	snprintf(body, sizeof(body), "{\"x\": %.9g, \"y\": %.9g}", x, y);
	return spinal_agent_request(d->instance, listen, "POST", "/goal", body, timeout_ms, resp,
				    sizeof(resp), err, errlen);
}
