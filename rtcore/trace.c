// SPDX-License-Identifier: MIT
/*
 * The tracer thread: SCHED_OTHER, off the RT CPU (it inherits the main
 * thread's housekeeping affinity).  Every 10 ms it drains the RT CPU's
 * trace_pipe without blocking (a reader that never sleeps on the pipe never
 * makes the kernel send the RT CPU a wake-up irq_work), keeps the last
 * events in a bounded window, takes the late ticks the RT thread queued
 * (trace_note_tick()), and once the events past a tick's end have arrived
 * attributes it (trace_attr.c), publishes the incident and logs it.
 * Without tracefs it attributes from /proc/self/task/RT/schedstat and the
 * tick's own timestamps.
 *
 * System calls made here, after setup: read (trace_pipe), pread64 (per-CPU
 * stats, schedstat), write (log, tracing_on at the end), clock_nanosleep.
 * rtcore/seccomp.c allows them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <spinal/clock.h>

#include "lib/incident.h"
#include "rtcore/rtsetup.h"
#include "rtcore/trace.h"

#define POLL_NS (10 * 1000 * 1000ull)
#define EV_CAP 16384u          /* events kept (about 3 s at 1 kHz on an isolated CPU) */
#define READ_CHUNK 65536u
#define READ_MAX_PER_POLL (4u << 20)
#define HISTORY_NS (200 * 1000 * 1000ull) /* look back this far for the task at the wake */
#define GIVE_UP_NS (500 * 1000 * 1000ull) /* analyse with what arrived by then */
#define PEND_MAX 64u
#define SAMPLES 128u /* schedstat samples kept: 1.28 s */

struct trace_priv {
	struct trace_cfg cfg;
	char name[64];
	struct spinal_incident_ring *ring;
	uint32_t source;
	struct trace_fds fds;
	int fd_schedstat;
	int rt_tid;
	pthread_t th;
	int started;
	atomic_int stop;
	/* event window, oldest first */
	struct trace_ev *ev;
	size_t nev;
	uint64_t last_ts;
	char *buf;            /* READ_CHUNK + one partial line */
	size_t blen;
	uint64_t bad_lines;
	/* late ticks waiting for their events */
	struct trace_note pend[PEND_MAX];
	unsigned int npend;
	uint64_t notes_dropped_seen;
	/* rate limit of analyses and of log lines */
	uint64_t sec_start, log_sec;
	unsigned int in_sec, log_suppressed;
	/* /proc fallback: schedstat run-queue wait at the last polls */
	uint64_t poll_ns[SAMPLES], wait_ns[SAMPLES];
	unsigned int nsamples;
};

static void bump(_Atomic uint64_t *c, uint64_t by)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by,
			      memory_order_relaxed);
}

/* ---- event window -------------------------------------------------- */

static void add_event(struct trace_priv *p, const struct trace_ev *e)
{
	if (p->nev == EV_CAP) {
		/* drop the older half; what a pending tick needs is recent */
		memmove(p->ev, p->ev + EV_CAP / 2, (EV_CAP / 2) * sizeof(*p->ev));
		p->nev = EV_CAP / 2;
	}
	p->ev[p->nev++] = *e;
	if (e->ts_ns > p->last_ts)
		p->last_ts = e->ts_ns;
}

static void parse_buf(struct trace_priv *p)
{
	size_t start = 0, i;
	struct trace_ev e;

	for (i = 0; i < p->blen; i++) {
		if (p->buf[i] != '\n')
			continue;
		if (trace_parse_line(p->buf + start, i - start, &e) > 0)
			add_event(p, &e);
		else if (i > start && p->buf[start] != '#')
			p->bad_lines++;
		start = i + 1;
	}
	if (start < p->blen && p->blen - start >= READ_CHUNK)
		start = p->blen; /* a line longer than the buffer: drop it */
	memmove(p->buf, p->buf + start, p->blen - start);
	p->blen -= start;
}

static void drain_pipe(struct trace_priv *p)
{
	size_t total = 0;
	ssize_t n;

	while (total < READ_MAX_PER_POLL) {
		n = read(p->fds.pipe, p->buf + p->blen, READ_CHUNK);
		if (n <= 0)
			break; /* EAGAIN: drained */
		p->blen += (size_t)n;
		total += (size_t)n;
		parse_buf(p);
	}
}

/* per_cpu/cpuN/stats "overrun: N": events the kernel ring overwrote */
static void read_lost(struct trace_priv *p)
{
	char b[512];
	ssize_t n = pread(p->fds.stats, b, sizeof(b) - 1, 0);
	const char *o;

	if (n <= 0)
		return;
	b[n] = '\0';
	o = strstr(b, "overrun: ");
	if (o)
		atomic_store_explicit(&p->ring->events_lost, strtoull(o + 9, NULL, 10),
				      memory_order_relaxed);
}

/* ---- /proc fallback ------------------------------------------------ */

static int read_schedstat(struct trace_priv *p, uint64_t *wait)
{
	char b[128];
	unsigned long long run, w;
	ssize_t n;

	if (p->fd_schedstat < 0)
		return -1;
	n = pread(p->fd_schedstat, b, sizeof(b) - 1, 0);
	if (n <= 0)
		return -1;
	b[n] = '\0';
	if (sscanf(b, "%llu %llu", &run, &w) != 2)
		return -1;
	*wait = w;
	return 0;
}

static void proc_attribute(struct trace_priv *p, const struct trace_note *n,
			   struct spinal_incident *out)
{
	uint64_t period = p->cfg.period_ns, work = n->end_ns - n->wake_ns;
	uint64_t wake_late = n->wake_ns - n->planned_ns, waited = 0;
	struct spinal_incident_contrib *c;
	unsigned int i, before = SAMPLES, after = SAMPLES;

	memset(out, 0, sizeof(*out));
	out->tick = n->tick;
	out->planned_ns = n->planned_ns;
	out->wake_ns = n->wake_ns;
	out->end_ns = n->end_ns;
	out->kind = n->kind;
	out->source = SPINAL_TRACE_PROC;
	out->late_ns = n->kind == SPINAL_INCIDENT_OVERRUN ? n->end_ns - (n->planned_ns + period)
							  : wake_late;
	/* run-queue wait between the polls around the tick (an upper bound) */
	for (i = 0; i < p->nsamples && i < SAMPLES; i++) {
		unsigned int k = (p->nsamples - 1 - i) % SAMPLES; /* newest first */

		if (p->poll_ns[k] >= n->end_ns)
			after = k;
		else if (p->poll_ns[k] <= n->planned_ns) {
			before = k;
			break;
		}
	}
	if (before < SAMPLES && after < SAMPLES && p->wait_ns[after] >= p->wait_ns[before])
		waited = p->wait_ns[after] - p->wait_ns[before];
	if (waited > n->end_ns - n->planned_ns)
		waited = n->end_ns - n->planned_ns;
	out->cause_ns[SPINAL_CAUSE_PREEMPTED] = waited;
	out->cause_ns[SPINAL_CAUSE_SELF] = work > waited ? work - waited : 0;
	out->cause_ns[SPINAL_CAUSE_UNKNOWN] = wake_late;
	if (n->kind == SPINAL_INCIDENT_OVERRUN && out->cause_ns[SPINAL_CAUSE_SELF] > period)
		out->cause = SPINAL_CAUSE_SELF;
	else if (waited)
		out->cause = SPINAL_CAUSE_PREEMPTED;
	else
		out->cause = SPINAL_CAUSE_UNKNOWN;
	c = &out->top[0];
	if (waited) {
		c->cause = SPINAL_CAUSE_PREEMPTED;
		c->id = p->rt_tid;
		c->prio = -1;
		c->ns = waited;
		c++;
	}
	if (wake_late > waited) {
		c->cause = SPINAL_CAUSE_UNKNOWN;
		c->id = -1;
		c->prio = -1;
		c->ns = wake_late - waited;
		snprintf(c->name, sizeof(c->name), "wake-up");
		c++;
	}
	if (n->kind == SPINAL_INCIDENT_OVERRUN) {
		c->cause = SPINAL_CAUSE_SELF;
		c->id = p->rt_tid;
		c->prio = -1;
		c->ns = out->cause_ns[SPINAL_CAUSE_SELF];
		snprintf(c->name, sizeof(c->name), "spinal-rt");
		c++;
	}
	out->ntop = (uint32_t)(c - out->top);
}

/* ---- analysis ------------------------------------------------------ */

static void log_incident(struct trace_priv *p, const struct spinal_incident *inc)
{
	uint64_t sec = spinal_mono_ns() / 1000000000ull;
	char line[768];

	if (p->cfg.quiet)
		return;
	if (sec == p->log_sec) {
		p->log_suppressed++;
		return;
	}
	spinal_incident_format(inc, line, sizeof(line));
	if (p->log_suppressed)
		core_log("incident: %s (and %u more since the last line: spinal-inspect shows them)", line,
			 p->log_suppressed);
	else
		core_log("incident: %s", line);
	p->log_sec = sec;
	p->log_suppressed = 0;
}

/* 1 when done with @n (published or skipped), 0 to wait for more events */
static int handle(struct trace_priv *p, const struct trace_note *n, uint64_t now)
{
	struct spinal_incident inc;
	uint64_t w1 = n->kind == SPINAL_INCIDENT_OVERRUN ? n->end_ns : n->wake_ns;
	uint64_t sec = now / 1000000000ull;

	if (p->source == SPINAL_TRACE_TRACEFS && p->last_ts <= w1 && now < n->end_ns + GIVE_UP_NS)
		return 0;
	if (p->source == SPINAL_TRACE_PROC && now < n->end_ns + 2 * POLL_NS)
		return 0;
	if (sec != p->sec_start) {
		p->sec_start = sec;
		p->in_sec = 0;
	}
	if (p->cfg.max_per_s && p->in_sec >= p->cfg.max_per_s) {
		bump(&p->ring->skipped, 1);
		return 1;
	}
	p->in_sec++;
	if (p->source == SPINAL_TRACE_TRACEFS) {
		struct trace_window w = {
			.planned_ns = n->planned_ns, .wake_ns = n->wake_ns, .end_ns = n->end_ns,
			.period_ns = p->cfg.period_ns, .tick = n->tick, .kind = n->kind,
			.rt_pid = p->rt_tid,
		};
		size_t lo = 0, hi = p->nev;

		w.late_ns = n->kind == SPINAL_INCIDENT_OVERRUN
				    ? n->end_ns - (n->planned_ns + p->cfg.period_ns)
				    : n->wake_ns - n->planned_ns;
		/* first event at or after planned - HISTORY_NS */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (p->ev[mid].ts_ns + HISTORY_NS < n->planned_ns)
				lo = mid + 1;
			else
				hi = mid;
		}
		trace_attribute(p->ev + lo, p->nev - lo, &w, &inc);
	} else {
		proc_attribute(p, n, &inc);
	}
	spinal_incident_publish(p->ring, &inc);
	log_incident(p, &inc);
	return 1;
}

static void take_notes(struct core_trace *t)
{
	struct trace_priv *p = t->p;
	uint32_t tail = atomic_load_explicit(&t->tail, memory_order_relaxed);
	/* A2: pairs with R1 in trace_note_tick() */
	uint32_t head = atomic_load_explicit(&t->head, memory_order_acquire);
	uint64_t dropped;

	while (tail != head) {
		const struct trace_note *n = &t->note[tail % TRACE_NOTE_SLOTS];

		bump(&p->ring->candidates, 1);
		if (p->npend < PEND_MAX)
			p->pend[p->npend++] = *n;
		else
			bump(&p->ring->skipped, 1);
		tail++;
	}
	/* R2: pairs with A1 in trace_note_tick() */
	atomic_store_explicit(&t->tail, tail, memory_order_release);
	dropped = atomic_load_explicit(&t->dropped, memory_order_relaxed);
	if (dropped != p->notes_dropped_seen) {
		bump(&p->ring->candidates, dropped - p->notes_dropped_seen);
		bump(&p->ring->skipped, dropped - p->notes_dropped_seen);
		p->notes_dropped_seen = dropped;
	}
}

static void *tracer_thread(void *arg)
{
	struct core_trace *t = arg;
	struct trace_priv *p = t->p;
	struct timespec nap = { 0, (long)POLL_NS };

	pthread_setname_np(pthread_self(), "spinal-trace");
	while (!atomic_load_explicit(&p->stop, memory_order_relaxed)) {
		uint64_t now, w;
		unsigned int i, j;

		clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, NULL);
		if (p->source == SPINAL_TRACE_TRACEFS) {
			drain_pipe(p);
			read_lost(p);
		} else if (read_schedstat(p, &w) == 0) {
			p->poll_ns[p->nsamples % SAMPLES] = spinal_mono_ns();
			p->wait_ns[p->nsamples % SAMPLES] = w;
			p->nsamples++;
		}
		take_notes(t);
		now = spinal_mono_ns();
		for (i = j = 0; i < p->npend; i++)
			if (!handle(p, &p->pend[i], now))
				p->pend[j++] = p->pend[i];
		p->npend = j;
	}
	return NULL;
}

/* ---- setup --------------------------------------------------------- */

static int setup_tracefs(struct trace_priv *p)
{
	const char *tfs = p->cfg.tracefs ? p->cfg.tracefs : trace_tracefs_path();
	char err[512] = "";
	int rc;

	if (!tfs || !trace_is_tracefs(tfs)) {
		if (!p->cfg.quiet)
			core_log("tracing: no tracefs (not mounted at %s); late ticks are attributed from /proc and the core's own timestamps only",
				 tfs ? tfs : "/sys/kernel/tracing");
		return -ENOENT;
	}
	/* the helper may have made it already (systemd: ExecStartPre=+spinal-trace-helper) */
	rc = trace_instance_open(tfs, p->name, p->cfg.cpu, &p->fds, err, sizeof(err));
	if (rc == -ENOENT) {
		rc = trace_instance_setup(tfs, p->name, p->cfg.cpu, p->cfg.buf_kb, err, sizeof(err));
		if (!rc)
			rc = trace_instance_open(tfs, p->name, p->cfg.cpu, &p->fds, err, sizeof(err));
	}
	if (rc) {
		if (!p->cfg.quiet)
			core_log("%s; late ticks are attributed from /proc and the core's own timestamps only (docs/incident.md: spinal-trace-helper)",
				 err);
		return rc;
	}
	if (!p->cfg.quiet)
		core_log("tracing: kernel events of CPU %d in %s/instances/spinal-%s (%u KiB ring); late ticks are attributed from them",
			 p->cfg.cpu, tfs, p->name, p->cfg.buf_kb);
	return 0;
}

struct core_trace *trace_create(const struct trace_cfg *cfg, struct spinal_incident_ring *ring,
				uint32_t nslots)
{
	struct core_trace *t;
	struct trace_priv *p;

	(void)nslots;
	if (cfg->mode == TRACE_MODE_OFF || !ring)
		return NULL;
	t = calloc(1, sizeof(*t));
	p = calloc(1, sizeof(*p));
	if (!t || !p) {
		free(t);
		free(p);
		return NULL;
	}
	t->p = p;
	t->late_ns = cfg->late_ns;
	t->period_ns = cfg->period_ns;
	p->cfg = *cfg;
	snprintf(p->name, sizeof(p->name), "%s", cfg->name);
	p->cfg.name = p->name;
	p->ring = ring;
	p->fds.pipe = p->fds.stats = p->fds.on = -1;
	p->fd_schedstat = -1;
	atomic_store(&ring->late_threshold_ns, cfg->late_ns);
	if (cfg->mode != TRACE_MODE_PROC && setup_tracefs(p) == 0) {
		p->ev = calloc(EV_CAP, sizeof(*p->ev));
		p->buf = malloc(2 * READ_CHUNK);
		if (!p->ev || !p->buf) {
			trace_destroy(t);
			return NULL;
		}
		p->source = SPINAL_TRACE_TRACEFS;
	} else {
		if (cfg->mode == TRACE_MODE_PROC && !cfg->quiet)
			core_log("tracing: --trace proc: late ticks are attributed from /proc and the core's own timestamps only");
		p->source = SPINAL_TRACE_PROC;
	}
	atomic_store(&ring->source, p->source);
	return t;
}

int trace_start(struct core_trace *t, int rt_tid)
{
	struct trace_priv *p;
	char path[64];
	int rc;

	if (!t)
		return 0;
	p = t->p;
	p->rt_tid = rt_tid;
	if (p->source == SPINAL_TRACE_PROC) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", rt_tid);
		p->fd_schedstat = open(path, O_RDONLY | O_CLOEXEC);
		if (p->fd_schedstat < 0 && !p->cfg.quiet)
			core_log("tracing: cannot open %s: %s; without it only the tick's own timestamps are used",
				 path, strerror(errno));
	}
	rc = pthread_create(&p->th, NULL, tracer_thread, t);
	if (rc) {
		core_log("tracing: cannot start the tracer thread: %s", strerror(rc));
		return -rc;
	}
	p->started = 1;
	return 0;
}

void trace_destroy(struct core_trace *t)
{
	struct trace_priv *p;

	if (!t)
		return;
	p = t->p;
	if (p->started) {
		atomic_store(&p->stop, 1);
		pthread_join(p->th, NULL);
	}
	if (p->fds.on >= 0 && write(p->fds.on, "0", 1) != 1 && !p->cfg.quiet)
		core_log("tracing: cannot switch the instance off: %s", strerror(errno));
	trace_fds_close(&p->fds);
	if (p->fd_schedstat >= 0)
		close(p->fd_schedstat);
	free(p->ev);
	free(p->buf);
	free(p);
	free(t);
}
