/* SPDX-License-Identifier: MIT */
/*
 * Why was that tick late: the RT thread reports late ticks into a private
 * SPSC queue (trace_note(), RT-safe, no syscall); the tracer thread
 * (trace.c, SCHED_OTHER, housekeeping CPU) reads the kernel events of the RT
 * CPU from a tracefs instance (trace_setup.c), parses them (trace_parse.c),
 * attributes each late tick's delay (trace_attr.c) and publishes the verdict
 * in the incident ring of the STATS region (include/spinal/incident.h) and
 * the core's log.  Without tracefs it attributes what /proc and the core's
 * own timestamps allow.  docs/incident.md.
 */
#ifndef SPINAL_TRACE_H
#define SPINAL_TRACE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <spinal/incident.h>

/* ---- kernel events (trace_parse.c) ---------------------------------- */

enum trace_ev_type {
	TEV_NONE = 0,
	TEV_SWITCH,        /* pid = prev (common_pid), a = next pid, prio = next prio */
	TEV_WAKEUP,        /* a = woken pid, prio = its prio */
	TEV_IRQ_ENTRY,     /* a = irq, name = handler name */
	TEV_IRQ_EXIT,      /* a = irq */
	TEV_SOFTIRQ_ENTRY, /* a = vector */
	TEV_SOFTIRQ_EXIT,
	TEV_VEC_ENTRY,     /* x86 irq_vectors: a = vector, name = "local_timer", ... */
	TEV_VEC_EXIT,
};

#define TRACE_COMM 16

struct trace_ev {
	uint64_t ts_ns;           /* trace clock "mono" = CLOCK_MONOTONIC, us resolution */
	int32_t pid;              /* task running when the event was recorded */
	int32_t a;
	int16_t prio;
	uint8_t type;             /* enum trace_ev_type */
	uint8_t cpu;
	char comm[TRACE_COMM];    /* comm of pid (the line's prefix) */
	char name[TRACE_COMM];    /* next_comm / woken comm / irq name / vector name */
};

/*
 * trace_parse_line - one line of a tracefs text stream (trace_pipe) into @ev.
 * Pure, any thread.  The comm of a task is untrusted text (any user names
 * its threads): every number is read at a fixed offset or anchored at the
 * end of the line, never after a comm, so a hostile comm can only change a
 * label.  Returns 1 for an event we use, 0 for a line to ignore, -EINVAL for
 * a malformed line.
 */
int trace_parse_line(const char *line, size_t len, struct trace_ev *ev);

/* ---- attribution (trace_attr.c) ------------------------------------- */

struct trace_window {
	uint64_t planned_ns;   /* planned wake */
	uint64_t wake_ns;
	uint64_t end_ns;
	uint64_t period_ns;
	uint64_t late_ns;
	uint64_t tick;
	uint32_t kind;         /* enum spinal_incident_kind */
	int32_t rt_pid;        /* tid of the RT thread */
};

/*
 * trace_attribute - attribute the delay of one late tick from the events of
 * the RT CPU, @ev[0..n) in time order (the window and some history before
 * it).  Fills @out (all but seq).  Pure, any thread, no allocation.
 * Returns the number of events inside the window.
 */
unsigned int trace_attribute(const struct trace_ev *ev, size_t n, const struct trace_window *w,
			     struct spinal_incident *out);

/* Cause of a thread from its comm and kernel prio (0-99 RT, >= 100 normal). */
uint32_t trace_thread_cause(const char *comm, int prio);

/* ---- tracefs instance (trace_setup.c) -------------------------------- */

struct trace_fds {
	int pipe;      /* per_cpu/cpuN/trace_pipe, O_RDONLY|O_NONBLOCK, or -1 */
	int stats;     /* per_cpu/cpuN/stats (pread at 0), or -1 */
	int on;        /* tracing_on, O_WRONLY, or -1 */
};

/*
 * trace_instance_setup - create (or reuse) the tracefs instance
 * "spinal-NAME", bounded to @buf_kb on @cpu, trace clock mono, recording
 * sched_switch, sched_wakeup, irq and softirq entry/exit (and x86
 * irq_vectors) on @cpu only.  Needs write access to tracefs (root, or the
 * unit's ExecStartPre=+spinal-trace-helper).  Setup only.  Returns 0 or a
 * negative errno with a one-line reason in @err.
 */
int trace_instance_setup(const char *tracefs, const char *name, int cpu, unsigned int buf_kb,
			 char *err, size_t errlen);

/*
 * trace_instance_open - open the descriptors the tracer keeps (read access
 * only, plus tracing_on); the instance must exist.  Setup only, before the
 * privilege drop.  Returns 0 or a negative errno with a reason in @err.
 */
int trace_instance_open(const char *tracefs, const char *name, int cpu, struct trace_fds *fds,
			char *err, size_t errlen);

/* trace_instance_remove - tracing off and rmdir of the instance (helper, root). */
int trace_instance_remove(const char *tracefs, const char *name, char *err, size_t errlen);

/* Where tracefs is mounted ("/sys/kernel/tracing" or the debugfs path), or NULL. */
const char *trace_tracefs_path(void);

/* Is @path the root of a tracefs mount?  1 yes, 0 no. */
int trace_is_tracefs(const char *path);

void trace_fds_close(struct trace_fds *fds);

/* ---- the tracer (trace.c) ------------------------------------------- */

enum trace_mode {
	TRACE_MODE_AUTO = 0, /* tracefs when available, else /proc */
	TRACE_MODE_OFF = 1,
	TRACE_MODE_PROC = 2, /* never use tracefs (tests force the fallback) */
};

struct trace_cfg {
	int mode;                /* enum trace_mode */
	const char *name;        /* instance name */
	const char *tracefs;     /* NULL: trace_tracefs_path() */
	int cpu;                 /* RT CPU */
	uint64_t period_ns;
	uint64_t late_ns;        /* late-wake threshold, 0 = overruns only */
	unsigned int buf_kb;     /* kernel ring per RT CPU */
	unsigned int max_per_s;  /* analyses per second; the rest are counted as skipped */
	int quiet;
};

/* One late tick, from the RT thread. */
struct trace_note {
	uint64_t tick, planned_ns, wake_ns, end_ns;
	uint32_t kind;
	uint32_t pad;
};

#define TRACE_NOTE_SLOTS 64u

struct core_trace {
	/* RT thread -> tracer, SPSC; RT side only touches these */
	_Atomic uint32_t head;   /* written by the RT thread (R1) */
	uint32_t head_local;
	uint32_t tail_cached;
	uint64_t late_ns;        /* copy of cfg.late_ns */
	uint64_t period_ns;
	_Atomic uint64_t dropped;
	struct trace_note note[TRACE_NOTE_SLOTS];
	_Atomic uint32_t tail __attribute__((aligned(64))); /* written by the tracer (R2) */
	/* the rest is the tracer's (trace.c) */
	struct trace_priv *p;
};

/*
 * trace_note_tick - the RT thread's hook, once per tick.  RT-safe: no
 * syscall, no lock; a full queue is a counted drop.
 */
static inline void trace_note_tick(struct core_trace *t, uint64_t tick, uint64_t planned,
				   uint64_t wake, uint64_t end)
{
	uint32_t kind;
	struct trace_note *n;

	if (!t)
		return;
	if (end > planned + t->period_ns)
		kind = SPINAL_INCIDENT_OVERRUN;
	else if (t->late_ns && wake > planned + t->late_ns)
		kind = SPINAL_INCIDENT_LATE_WAKE;
	else
		return;
	if (t->head_local - t->tail_cached >= TRACE_NOTE_SLOTS) {
		/* A1: pairs with R2 in trace.c */
		t->tail_cached = atomic_load_explicit(&t->tail, memory_order_acquire);
		if (t->head_local - t->tail_cached >= TRACE_NOTE_SLOTS) {
			atomic_store_explicit(&t->dropped,
					      atomic_load_explicit(&t->dropped, memory_order_relaxed) + 1,
					      memory_order_relaxed);
			return;
		}
	}
	n = &t->note[t->head_local % TRACE_NOTE_SLOTS];
	n->tick = tick;
	n->planned_ns = planned;
	n->wake_ns = wake;
	n->end_ns = end;
	n->kind = kind;
	t->head_local++;
	/* R1: pairs with A2 in trace.c */
	atomic_store_explicit(&t->head, t->head_local, memory_order_release);
}

/*
 * trace_create - set the tracer up (main thread, during setup, while still
 * privileged): tracefs instance and descriptors, or the /proc fallback.
 * @ring: the incident section of the STATS region (formatted here).
 * Logs one line saying which source is in use.  Returns NULL only with
 * TRACE_MODE_OFF or on ENOMEM.
 */
struct core_trace *trace_create(const struct trace_cfg *cfg, struct spinal_incident_ring *ring,
				uint32_t nslots);

/* trace_start - start the tracer thread once the RT thread's tid is known. */
int trace_start(struct core_trace *t, int rt_tid);

/* trace_stop - stop and join the tracer thread, tracing off, free. NULL ok. */
void trace_destroy(struct core_trace *t);

#endif /* SPINAL_TRACE_H */
