// SPDX-License-Identifier: MIT
/*
 * Attribution of one late tick, after rtla's timerlat auto-analysis
 * (tools/tracing/rtla/src/timerlat_aa.c): walk what ran on the RT CPU from
 * the planned wake to the moment the tick was judged late -- the wake for a
 * late wake, the end of the work for an overrun -- and charge every interval
 * to exactly one context: the innermost hard IRQ / vector / softirq if one
 * is active, else the running task.  Time is exclusive (an IRQ's time is not
 * also charged to the task it interrupted), as rtla's "net" figures are.
 *
 * Classes (include/spinal/incident.h): the RT thread itself is SELF, the
 * idle task IDLE (exit-from-idle / timer latency), the local timer vector
 * TIMER (the wake-up path), device IRQs, IPIs and threaded IRQ handlers
 * (irq/N-name, how PREEMPT_RT runs them) IRQ, softirqs and ksoftirqd
 * SOFTIRQ, other RT threads THREAD_RT, normal threads THREAD_OTHER.
 *
 * The dominant cause is SELF when the RT thread's own run time alone
 * exceeds the period (the work does not fit), else the class with the most
 * time in the window other than SELF.
 */
#include <string.h>

#include "rtcore/trace.h"

#define MAX_CONTRIB 32
#define MAX_DEPTH 8

static const char *const softirq_names[] = {
	"HI", "TIMER", "NET_TX", "NET_RX", "BLOCK", "IRQ_POLL", "TASKLET", "SCHED", "HRTIMER", "RCU",
};

uint32_t trace_thread_cause(const char *comm, int prio)
{
	if (strncmp(comm, "irq/", 4) == 0)
		return SPINAL_CAUSE_IRQ;
	if (strncmp(comm, "ksoftirqd/", 10) == 0)
		return SPINAL_CAUSE_SOFTIRQ;
	return prio >= 0 && prio < 100 ? SPINAL_CAUSE_THREAD_RT : SPINAL_CAUSE_THREAD_OTHER;
}

struct ctx {
	uint32_t cause;
	int32_t id;
	int32_t prio;
	char name[SPINAL_INCIDENT_NAME];
};

struct acc {
	struct spinal_incident_contrib c[MAX_CONTRIB];
	unsigned int n;
	uint64_t other_ns; /* contributors that did not fit in c[] */
};

/* @src is NUL-terminated (a struct trace_ev name, a ctx name or a literal) */
static void setname(char *dst, const char *src)
{
	size_t n = 0;

	while (n < SPINAL_INCIDENT_NAME - 1 && src[n]) {
		dst[n] = src[n];
		n++;
	}
	memset(dst + n, 0, SPINAL_INCIDENT_NAME - n);
}

static struct spinal_incident_contrib *find(struct acc *a, const struct ctx *x)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (a->c[i].cause == x->cause && a->c[i].id == x->id &&
		    strncmp(a->c[i].name, x->name, SPINAL_INCIDENT_NAME) == 0)
			return &a->c[i];
	if (a->n == MAX_CONTRIB)
		return NULL;
	memset(&a->c[a->n], 0, sizeof(a->c[a->n]));
	a->c[a->n].cause = x->cause;
	a->c[a->n].id = x->id;
	a->c[a->n].prio = x->prio;
	setname(a->c[a->n].name, x->name);
	return &a->c[a->n++];
}

/* charge [t0, t1) clipped to [w0, w1) to @x */
static void charge(struct acc *a, struct spinal_incident *out, const struct ctx *x, uint64_t t0,
		   uint64_t t1, uint64_t w0, uint64_t w1)
{
	struct spinal_incident_contrib *c;

	if (t0 < w0)
		t0 = w0;
	if (t1 > w1)
		t1 = w1;
	if (t1 <= t0)
		return;
	out->cause_ns[x->cause] += t1 - t0;
	c = find(a, x);
	if (c)
		c->ns += t1 - t0;
	else
		a->other_ns += t1 - t0;
}

static void count(struct acc *a, const struct ctx *x, uint64_t ts, uint64_t w0, uint64_t w1)
{
	struct spinal_incident_contrib *c;

	if (ts < w0 || ts >= w1)
		return;
	c = find(a, x);
	if (c)
		c->count++;
}

static void task_ctx(struct ctx *x, int32_t pid, int prio, const char *comm, int32_t rt_pid)
{
	x->id = pid;
	x->prio = prio;
	setname(x->name, comm);
	if (pid == rt_pid)
		x->cause = SPINAL_CAUSE_SELF;
	else if (pid == 0)
		x->cause = SPINAL_CAUSE_IDLE;
	else
		x->cause = trace_thread_cause(comm, prio);
}

static void irq_ctx(struct ctx *x, const struct trace_ev *e)
{
	x->id = e->a;
	x->prio = -1;
	switch (e->type) {
	case TEV_IRQ_ENTRY:
		x->cause = SPINAL_CAUSE_IRQ;
		setname(x->name, e->name);
		break;
	case TEV_VEC_ENTRY:
		x->cause = strcmp(e->name, "local_timer") == 0 ? SPINAL_CAUSE_TIMER : SPINAL_CAUSE_IRQ;
		setname(x->name, e->name);
		break;
	default: /* softirq */
		x->cause = SPINAL_CAUSE_SOFTIRQ;
		setname(x->name, e->a >= 0 && (size_t)e->a < sizeof(softirq_names) / sizeof(softirq_names[0])
					 ? softirq_names[e->a] : "softirq");
		break;
	}
}

/* top contributors, largest first */
static void pick_top(struct acc *a, struct spinal_incident *out)
{
	unsigned int k, i, best;

	for (k = 0; k < SPINAL_INCIDENT_TOP && k < a->n; k++) {
		best = k;
		for (i = k + 1; i < a->n; i++)
			if (a->c[i].ns > a->c[best].ns)
				best = i;
		if (best != k) {
			struct spinal_incident_contrib tmp = a->c[k];

			a->c[k] = a->c[best];
			a->c[best] = tmp;
		}
		if (!a->c[k].ns)
			break;
		out->top[k] = a->c[k];
	}
	out->ntop = k;
}

unsigned int trace_attribute(const struct trace_ev *ev, size_t n, const struct trace_window *w,
			     struct spinal_incident *out)
{
	const uint64_t w0 = w->planned_ns;
	const uint64_t w1 = w->kind == SPINAL_INCIDENT_OVERRUN ? w->end_ns : w->wake_ns;
	struct ctx stack[MAX_DEPTH], task;
	struct acc a;
	unsigned int depth = 0, inside = 0, c;
	size_t i, start = 0;
	uint64_t t, best = 0;

	memset(out, 0, sizeof(*out));
	memset(&a, 0, sizeof(a));
	out->tick = w->tick;
	out->planned_ns = w->planned_ns;
	out->wake_ns = w->wake_ns;
	out->end_ns = w->end_ns;
	out->late_ns = w->late_ns;
	out->kind = w->kind;
	out->source = SPINAL_TRACE_TRACEFS;
	out->cause = SPINAL_CAUSE_UNKNOWN;

	/* who ran at the planned wake: the last switch at or before it */
	for (i = 0; i < n && ev[i].ts_ns <= w0; i++)
		if (ev[i].type == TEV_SWITCH)
			start = i + 1;
	if (start) {
		task_ctx(&task, ev[start - 1].a, ev[start - 1].prio, ev[start - 1].name, w->rt_pid);
		t = ev[start - 1].ts_ns;
	} else {
		/* no switch before the window in the history: the first event's task */
		if (!n)
			return 0;
		task_ctx(&task, ev[0].pid, -1, ev[0].comm, w->rt_pid);
		t = ev[0].ts_ns;
	}

	for (i = start; i < n && t < w1; i++) {
		const struct trace_ev *e = &ev[i];
		const struct ctx *cur = depth ? &stack[depth - 1] : &task;

		if (e->ts_ns < t)
			continue; /* out of order: never trust it */
		charge(&a, out, cur, t, e->ts_ns, w0, w1);
		t = e->ts_ns;
		if (t >= w0 && t < w1)
			inside++;
		switch (e->type) {
		case TEV_SWITCH:
			depth = 0;
			task_ctx(&task, e->a, e->prio, e->name, w->rt_pid);
			count(&a, &task, t, w0, w1);
			break;
		case TEV_IRQ_ENTRY:
		case TEV_VEC_ENTRY:
		case TEV_SOFTIRQ_ENTRY:
			if (depth < MAX_DEPTH) {
				irq_ctx(&stack[depth], e);
				count(&a, &stack[depth], t, w0, w1);
				depth++;
			}
			break;
		case TEV_IRQ_EXIT:
		case TEV_VEC_EXIT:
		case TEV_SOFTIRQ_EXIT:
			if (depth)
				depth--;
			break;
		default:
			break;
		}
	}
	if (t < w1)
		charge(&a, out, depth ? &stack[depth - 1] : &task, t, w1, w0, w1);

	pick_top(&a, out);
	if (w->kind == SPINAL_INCIDENT_OVERRUN && out->cause_ns[SPINAL_CAUSE_SELF] > w->period_ns) {
		out->cause = SPINAL_CAUSE_SELF;
	} else {
		for (c = 0; c < SPINAL_CAUSE_COUNT; c++)
			if (c != SPINAL_CAUSE_SELF && out->cause_ns[c] > best) {
				best = out->cause_ns[c];
				out->cause = c;
			}
	}
	return inside;
}
