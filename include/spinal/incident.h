/* SPDX-License-Identifier: MIT */
/*
 * Late-tick incidents: section SPINAL_SECT_INCIDENTS of the STATS region,
 * written by spinal-core's tracer thread only (rtcore/trace.c), read-only to
 * everyone else (agent, spinal-inspect).  docs/incident.md tells how a cause
 * is attributed.
 *
 * Layout: one struct spinal_incident_ring (header + counters) followed, in
 * the same section, by ->nslots struct spinal_incident slots.  Incident n
 * (0, 1, 2, ...) lives in slot n % nslots.
 *
 * Ordering (C11), writer = tracer thread:
 *   W1 slot->seq = 2n+1 (relaxed), release fence, then the payload
 *   W2 release fence, slot->seq = 2n+2 (relaxed)
 *   W3 ring->head = n+1 (release)
 * A reader loads head (acquire, pairs with W3), loads slot->seq (acquire,
 * pairs with W2), copies the payload, acquire fence (pairs with W1), and
 * re-loads slot->seq: the copy is incident n only when both loads were 2n+2.
 * spinal_incident_read() in lib/incident.c does exactly that.
 *
 * Readers treat every field as untrusted: names are NUL-terminated by the
 * reader, counts and class numbers are clamped.
 */
#ifndef SPINAL_INCIDENT_H
#define SPINAL_INCIDENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SPINAL_INCIDENT_MAGIC 0x31434e49u /* "INC1" */

/* Cause classes (stable numbers: /metrics labels and telemetry use them). */
enum spinal_cause {
	SPINAL_CAUSE_UNKNOWN = 0,      /* nothing to attribute it to */
	SPINAL_CAUSE_IRQ = 1,          /* hard IRQ / IPI, or a threaded IRQ handler (irq/N-name) */
	SPINAL_CAUSE_SOFTIRQ = 2,      /* softirq, ksoftirqd */
	SPINAL_CAUSE_THREAD_RT = 3,    /* another RT (FIFO/RR/DL) thread ran */
	SPINAL_CAUSE_THREAD_OTHER = 4, /* a SCHED_OTHER thread ran: the RT CPU is not isolated */
	SPINAL_CAUSE_TIMER = 5,        /* the local timer interrupt (the wake-up path itself) */
	SPINAL_CAUSE_IDLE = 6,         /* CPU idle past the planned wake: exit-from-idle/timer latency */
	SPINAL_CAUSE_SELF = 7,         /* the tick's own work took longer than the period */
	SPINAL_CAUSE_PREEMPTED = 8,    /* no tracefs: runnable but not running (schedstat) */
	SPINAL_CAUSE_COUNT = 9,
	SPINAL_CAUSE_SLOTS = 16,       /* room without an ABI break */
};

/* What was late. */
enum spinal_incident_kind {
	SPINAL_INCIDENT_OVERRUN = 1, /* work ended after the next planned wake */
	SPINAL_INCIDENT_LATE_WAKE = 2, /* woke later than the configured threshold */
};

/* Where the attribution came from. */
enum spinal_incident_source {
	SPINAL_TRACE_OFF = 0,     /* --trace off */
	SPINAL_TRACE_TRACEFS = 1, /* kernel events from a tracefs instance */
	SPINAL_TRACE_PROC = 2,    /* no tracefs: /proc + the core's own timestamps */
};

#define SPINAL_INCIDENT_TOP 4
#define SPINAL_INCIDENT_NAME 24

struct spinal_incident_contrib {
	uint32_t cause;  /* enum spinal_cause */
	int32_t id;      /* IRQ number, softirq vector, pid; -1 none */
	int32_t prio;    /* kernel prio of a thread (0-99 RT, 100-139 normal), -1 none */
	uint32_t count;  /* IRQ entries / times scheduled in the window */
	uint64_t ns;     /* time on the RT CPU in the window */
	char name[SPINAL_INCIDENT_NAME]; /* irq name / comm, NUL-padded */
};

_Static_assert(sizeof(struct spinal_incident_contrib) == 48, "contrib layout");

struct spinal_incident {
	_Atomic uint64_t seq;  /* 2n+1 while incident n is written, 2n+2 when done */
	uint64_t tick;         /* telemetry seq of the late tick */
	uint64_t planned_ns;   /* CLOCK_MONOTONIC planned wake */
	uint64_t wake_ns;      /* when the RT thread woke */
	uint64_t end_ns;       /* when its work ended */
	uint64_t late_ns;      /* overrun: end - next planned wake; late wake: wake - planned */
	uint32_t kind;         /* enum spinal_incident_kind */
	uint32_t cause;        /* dominant enum spinal_cause */
	uint32_t source;       /* enum spinal_incident_source */
	uint32_t ntop;         /* valid entries in top[] */
	uint64_t cause_ns[SPINAL_CAUSE_SLOTS]; /* time in the window by class */
	struct spinal_incident_contrib top[SPINAL_INCIDENT_TOP]; /* largest first */
};

_Static_assert(offsetof(struct spinal_incident, cause_ns) == 64, "incident layout");
_Static_assert(sizeof(struct spinal_incident) == 384, "incident layout");

struct spinal_incident_ring {
	uint32_t magic;        /* SPINAL_INCIDENT_MAGIC, written once at creation */
	uint32_t nslots;       /* idem */
	uint32_t slot_size;    /* sizeof(struct spinal_incident), idem */
	_Atomic uint32_t source; /* enum spinal_incident_source in use */
	_Atomic uint64_t head; /* incidents published (W3) */
	_Atomic uint64_t candidates; /* late ticks the RT thread reported */
	_Atomic uint64_t skipped;    /* not analysed: rate limit or queue full */
	_Atomic uint64_t events_lost; /* kernel ring overwrote events before they were read */
	_Atomic uint64_t late_threshold_ns; /* late-wake threshold (0 = overruns only) */
	_Atomic uint64_t by_cause[SPINAL_CAUSE_SLOTS]; /* published incidents by dominant cause */
	uint64_t reserved[9];
	/* struct spinal_incident slots[nslots] follow */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct spinal_incident_ring) == 256, "incident ring header");
_Static_assert(offsetof(struct spinal_incident_ring, by_cause) == 56, "incident ring layout");

#define SPINAL_INCIDENT_SLOTS_DEFAULT 256u

static inline struct spinal_incident *spinal_incident_slots(struct spinal_incident_ring *r)
{
	return (struct spinal_incident *)(void *)(r + 1);
}

/* Bytes of the section for @nslots incidents. */
static inline size_t spinal_incident_section_size(uint32_t nslots)
{
	return sizeof(struct spinal_incident_ring) + (size_t)nslots * sizeof(struct spinal_incident);
}

#endif /* SPINAL_INCIDENT_H */
