// SPDX-License-Identifier: MIT
/*
 * Unit tests: late-tick attribution -- tracefs line parser (rtcore/trace_parse.c,
 * hostile comms included), attribution (rtcore/trace_attr.c) on event
 * sequences in the shapes the kernel writes, the incident ring protocol and
 * the verdict formatter (lib/incident.c), and the RT-side queue
 * (trace_note_tick()).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/incident.h"
#include "rtcore/trace.h"

#define US 1000ull
#define T0 (1000ull * 1000000000ull) /* 1000 s */

static int parse(const char *l, struct trace_ev *e)
{
	return trace_parse_line(l, strlen(l), e);
}

static void test_parse_real_lines(void **state)
{
	struct trace_ev e;

	(void)state;
	assert_int_equal(parse("            bash-11350   [000] d..2.  1198.228684: sched_switch: prev_comm=bash prev_pid=11350 prev_prio=120 prev_state=R+ ==> next_comm=memfd:sealed-91 next_pid=17638 next_prio=120\n", &e), 1);
	assert_int_equal(e.type, TEV_SWITCH);
	assert_int_equal(e.pid, 11350);
	assert_int_equal(e.a, 17638);
	assert_int_equal(e.prio, 120);
	assert_string_equal(e.name, "memfd:sealed-91");
	assert_string_equal(e.comm, "bash");
	assert_true(e.ts_ns == 1198ull * 1000000000ull + 228684ull * 1000ull);

	/* a 15-character comm fills the field: '-' still at column 16 */
	assert_int_equal(parse(" memfd:sealed-91-17638   [000] d..2.  1198.228758: sched_switch: prev_comm=memfd:sealed-91 prev_pid=17638 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120", &e), 1);
	assert_int_equal(e.pid, 17638);
	assert_string_equal(e.comm, "memfd:sealed-91");
	assert_int_equal(e.a, 0);

	assert_int_equal(parse("          <idle>-0       [001] dNh4.  1198.227842: sched_wakeup: comm=spinal-rt pid=240 prio=29 target_cpu=001", &e), 1);
	assert_int_equal(e.type, TEV_WAKEUP);
	assert_int_equal(e.a, 240);
	assert_int_equal(e.prio, 29);
	assert_string_equal(e.name, "spinal-rt");

	assert_int_equal(parse("          <idle>-0       [001] d.h1.   12.000100: irq_handler_entry: irq=4 name=ttyS0", &e), 1);
	assert_int_equal(e.type, TEV_IRQ_ENTRY);
	assert_int_equal(e.a, 4);
	assert_string_equal(e.name, "ttyS0");
	assert_int_equal(parse("          <idle>-0       [001] d.h1.   12.000110: irq_handler_exit: irq=4 ret=handled", &e), 1);
	assert_int_equal(e.type, TEV_IRQ_EXIT);
	assert_int_equal(parse("              ls-11357   [001] .Ns..  1198.232032: softirq_entry: vec=9 [action=RCU]", &e), 1);
	assert_int_equal(e.type, TEV_SOFTIRQ_ENTRY);
	assert_int_equal(e.a, 9);
	assert_int_equal(parse("          <idle>-0       [001] d.h..   12.000050: local_timer_entry: vector=236", &e), 1);
	assert_int_equal(e.type, TEV_VEC_ENTRY);
	assert_string_equal(e.name, "local_timer");
	assert_int_equal(e.a, 236);
	/* events we do not use, headers, notes */
	assert_int_equal(parse("          <idle>-0       [000] d.h1.  1198.232036: softirq_raise: vec=1 [action=TIMER]", &e), 0);
	assert_int_equal(parse("# tracer: nop", &e), 0);
	assert_int_equal(parse("CPU:1 [LOST 120 EVENTS]", &e), 0);
}

static void test_parse_hostile(void **state)
{
	struct trace_ev e;
	char big[4096];

	(void)state;
	/* a comm that imitates the prefix and the fields cannot move the numbers */
	assert_int_equal(parse("  x-1 [000] 1.00-666     [001] d..2.   50.000001: sched_switch: prev_comm=x-1 [000] 1.00 prev_pid=666 prev_prio=120 prev_state=S ==> next_comm= next_pid=1 next_prio=1 next_pid=777 next_prio=139", &e), 1);
	assert_int_equal(e.pid, 666);
	assert_int_equal(e.a, 777);
	assert_int_equal(e.prio, 139);
	assert_true(e.ts_ns == 50ull * 1000000000ull + 1000ull);
	/* control characters in a label become '?' */
	assert_int_equal(parse("            evil-5       [001] d..2.   50.000002: sched_wakeup: comm=a\x01\x7f pid=9 pid=10 prio=20 target_cpu=001", &e), 1);
	assert_int_equal(e.a, 10);
	assert_int_equal(e.prio, 20);
	assert_null(strchr(e.name, '\x01'));
	/* malformed: never crash, never an event */
	assert_true(parse("", &e) <= 0);
	assert_true(parse("short", &e) <= 0);
	assert_true(parse("            bash-x      [000] d..2.  1198.228684: sched_switch: y", &e) < 0);
	assert_true(parse("            bash-1       [000] d..2.  1198.2286: sched_switch: y", &e) < 0);
	assert_true(parse("            bash-1       [000] d..2.  1198.228684: sched_switch: prev_comm=a", &e) < 0);
	memset(big, 'A', sizeof(big));
	memcpy(big, "            bash-1       [000] d..2.  1198.228684: irq_handler_entry: irq=3 name=", 82);
	assert_int_equal(trace_parse_line(big, sizeof(big), &e), 1);
	assert_true(strlen(e.name) < TRACE_COMM);
	assert_int_equal(trace_parse_line(big, 20, &e) <= 0, 1);
}

/* ---- attribution ----------------------------------------------------- */

struct seq {
	struct trace_ev ev[64];
	size_t n;
};

static void sw(struct seq *s, uint64_t t, int prev, int next, int prio, const char *comm)
{
	struct trace_ev *e = &s->ev[s->n++];

	memset(e, 0, sizeof(*e));
	e->ts_ns = t;
	e->type = TEV_SWITCH;
	e->pid = prev;
	e->a = next;
	e->prio = (int16_t)prio;
	snprintf(e->name, sizeof(e->name), "%s", comm);
}

static void ev(struct seq *s, uint64_t t, uint8_t type, int a, const char *name)
{
	struct trace_ev *e = &s->ev[s->n++];

	memset(e, 0, sizeof(*e));
	e->ts_ns = t;
	e->type = type;
	e->a = a;
	snprintf(e->name, sizeof(e->name), "%s", name);
}

#define RT 240

static struct trace_window late_wake(uint64_t planned, uint64_t wake)
{
	struct trace_window w = { .planned_ns = planned, .wake_ns = wake, .end_ns = wake + 20 * US,
				  .period_ns = 1000 * US, .late_ns = wake - planned, .tick = 7,
				  .kind = SPINAL_INCIDENT_LATE_WAKE, .rt_pid = RT };
	return w;
}

static void test_attr_irq(void **state)
{
	struct seq s = { .n = 0 };
	struct spinal_incident inc;
	struct trace_window w = late_wake(T0, T0 + 200 * US);

	(void)state;
	sw(&s, T0 - 500 * US, RT, 0, 120, "swapper/1");
	/* a device IRQ at the planned wake delays the timer: 180 us */
	ev(&s, T0 - 5 * US, TEV_IRQ_ENTRY, 24, "virtio0-input");
	ev(&s, T0 + 175 * US, TEV_IRQ_EXIT, 24, "");
	ev(&s, T0 + 176 * US, TEV_VEC_ENTRY, 236, "local_timer");
	ev(&s, T0 + 186 * US, TEV_VEC_EXIT, 236, "local_timer");
	sw(&s, T0 + 190 * US, 0, RT, 29, "spinal-rt");
	ev(&s, T0 + 400 * US, TEV_NONE, 0, "");
	trace_attribute(s.ev, s.n, &w, &inc);
	assert_int_equal(inc.cause, SPINAL_CAUSE_IRQ);
	assert_true(inc.cause_ns[SPINAL_CAUSE_IRQ] == 175 * US);
	assert_true(inc.cause_ns[SPINAL_CAUSE_TIMER] == 10 * US);
	assert_true(inc.cause_ns[SPINAL_CAUSE_IDLE] == 5 * US);
	assert_true(inc.cause_ns[SPINAL_CAUSE_SELF] == 10 * US);
	assert_int_equal(inc.top[0].cause, SPINAL_CAUSE_IRQ);
	assert_int_equal(inc.top[0].id, 24);
	assert_string_equal(inc.top[0].name, "virtio0-input");
	assert_int_equal(inc.kind, SPINAL_INCIDENT_LATE_WAKE);
}

static void test_attr_threads(void **state)
{
	struct seq s = { .n = 0 };
	struct spinal_incident inc;
	struct trace_window w = late_wake(T0, T0 + 300 * US);
	uint64_t total = 0;
	unsigned int c;

	(void)state;
	/* a SCHED_OTHER hog runs; a FIFO 90 thread (kernel prio 9) holds the CPU past the wake */
	sw(&s, T0 - 100 * US, 0, 555, 120, "hog");
	sw(&s, T0 + 20 * US, 555, 777, 9, "fifo90");
	ev(&s, T0 + 30 * US, TEV_WAKEUP, RT, "spinal-rt");
	sw(&s, T0 + 250 * US, 777, 555, 120, "hog");
	sw(&s, T0 + 280 * US, 555, RT, 29, "spinal-rt");
	ev(&s, T0 + 400 * US, TEV_NONE, 0, "");
	trace_attribute(s.ev, s.n, &w, &inc);
	assert_int_equal(inc.cause, SPINAL_CAUSE_THREAD_RT);
	assert_true(inc.cause_ns[SPINAL_CAUSE_THREAD_RT] == 230 * US);
	assert_true(inc.cause_ns[SPINAL_CAUSE_THREAD_OTHER] == 50 * US);
	assert_int_equal(inc.top[0].id, 777);
	assert_int_equal(inc.top[0].prio, 9);
	assert_int_equal(inc.top[1].id, 555);
	assert_int_equal(inc.top[1].count, 1); /* scheduled in once inside the window */
	for (c = 0; c < SPINAL_CAUSE_COUNT; c++)
		total += inc.cause_ns[c];
	assert_true(total == 300 * US); /* every ns of the window charged exactly once */

	/* the same with the hog only: thread_other, and it names the non-isolated CPU */
	s.n = 0;
	sw(&s, T0 - 100 * US, 0, 555, 120, "hog");
	ev(&s, T0 + 10 * US, TEV_WAKEUP, RT, "spinal-rt");
	sw(&s, T0 + 280 * US, 555, RT, 29, "spinal-rt");
	ev(&s, T0 + 400 * US, TEV_NONE, 0, "");
	trace_attribute(s.ev, s.n, &w, &inc);
	assert_int_equal(inc.cause, SPINAL_CAUSE_THREAD_OTHER);
	{
		char text[512];

		spinal_incident_format(&inc, text, sizeof(text));
		assert_non_null(strstr(text, "tick 7 late by 300 us (late wake, tracefs): cause thread_other"));
		assert_non_null(strstr(text, "hog (pid 555) ran 280 us at nice 0 (the RT CPU is not isolated)"));
	}
	/* a threaded IRQ handler (PREEMPT_RT) is an IRQ, ksoftirqd a softirq */
	assert_int_equal(trace_thread_cause("irq/4-ttyS0", 49), SPINAL_CAUSE_IRQ);
	assert_int_equal(trace_thread_cause("ksoftirqd/1", 120), SPINAL_CAUSE_SOFTIRQ);
	assert_int_equal(trace_thread_cause("rcuc/1", 98), SPINAL_CAUSE_THREAD_RT);
	assert_int_equal(trace_thread_cause("kworker/1:2", 120), SPINAL_CAUSE_THREAD_OTHER);
}

static void test_attr_overrun_self_and_history(void **state)
{
	struct seq s = { .n = 0 };
	struct spinal_incident inc;
	struct trace_window w = { .planned_ns = T0, .wake_ns = T0 + 5 * US, .end_ns = T0 + 1300 * US,
				  .period_ns = 1000 * US, .late_ns = 300 * US, .tick = 9,
				  .kind = SPINAL_INCIDENT_OVERRUN, .rt_pid = RT };

	(void)state;
	/* the RT thread's own work is longer than the period: self */
	sw(&s, T0 - 20 * US, 0, RT, 29, "spinal-rt");
	ev(&s, T0 + 600 * US, TEV_SOFTIRQ_ENTRY, 1, "");
	ev(&s, T0 + 650 * US, TEV_SOFTIRQ_EXIT, 1, "");
	ev(&s, T0 + 2000 * US, TEV_NONE, 0, "");
	trace_attribute(s.ev, s.n, &w, &inc);
	assert_int_equal(inc.cause, SPINAL_CAUSE_SELF);
	assert_true(inc.cause_ns[SPINAL_CAUSE_SELF] == 1250 * US);
	assert_true(inc.cause_ns[SPINAL_CAUSE_SOFTIRQ] == 50 * US);
	assert_string_equal(inc.top[1].name, "TIMER");

	/* no switch before the window: charged to the first event's task, never read past n */
	s.n = 0;
	ev(&s, T0 + 100 * US, TEV_IRQ_EXIT, 3, ""); /* exit without entry: ignored */
	ev(&s, T0 + 200 * US, TEV_NONE, 0, "");
	s.ev[0].pid = 31;
	snprintf(s.ev[0].comm, sizeof(s.ev[0].comm), "worker");
	trace_attribute(s.ev, s.n, &w, &inc);
	assert_true(inc.cause_ns[SPINAL_CAUSE_THREAD_OTHER] > 0);
	/* no events at all: unknown, nothing attributed */
	trace_attribute(s.ev, 0, &w, &inc);
	assert_int_equal(inc.cause, SPINAL_CAUSE_UNKNOWN);
	assert_int_equal(inc.ntop, 0);
}

/* ---- incident ring and the RT queue ------------------------------------ */

static void test_ring_protocol(void **state)
{
	size_t size = spinal_incident_section_size(4);
	struct spinal_incident_ring *r = calloc(1, size);
	struct spinal_incident inc, out;
	uint32_t n;
	uint64_t i;

	(void)state;
	assert_non_null(r);
	assert_int_equal(spinal_incident_ring_init(r, 10), 0);
	n = spinal_incident_ring_init(r, size);
	assert_int_equal(n, 4);
	assert_int_equal(spinal_incident_ring_check(r, size, NULL), 4);
	assert_int_equal(spinal_incident_read(r, n, 0, &out), -ENOENT);
	for (i = 0; i < 6; i++) {
		memset(&inc, 0, sizeof(inc));
		inc.tick = 100 + i;
		inc.cause = i % 2 ? SPINAL_CAUSE_IRQ : SPINAL_CAUSE_THREAD_RT;
		inc.ntop = 1;
		snprintf(inc.top[0].name, sizeof(inc.top[0].name), "n%llu", (unsigned long long)i);
		spinal_incident_publish(r, &inc);
	}
	assert_int_equal(spinal_incident_read(r, n, 1, &out), -ENOENT); /* overwritten */
	assert_int_equal(spinal_incident_read(r, n, 6, &out), -ENOENT); /* not yet */
	assert_int_equal(spinal_incident_read(r, n, 5, &out), 0);
	assert_true(out.tick == 105);
	assert_int_equal(atomic_load(&r->by_cause[SPINAL_CAUSE_IRQ]), 3);
	assert_int_equal(atomic_load(&r->by_cause[SPINAL_CAUSE_THREAD_RT]), 3);

	/* a slot being written reads as -EAGAIN; a hostile slot is clamped */
	{
		struct spinal_incident *slot = &spinal_incident_slots(r)[5 % n];

		atomic_store(&slot->seq, 2 * 5 + 1);
		assert_int_equal(spinal_incident_read(r, n, 5, &out), -EAGAIN);
		atomic_store(&slot->seq, 2 * 5 + 2);
		slot->cause = 9999;
		slot->ntop = 1000;
		memset(slot->top[0].name, 'x', sizeof(slot->top[0].name));
		assert_int_equal(spinal_incident_read(r, n, 5, &out), 0);
		assert_int_equal(out.cause, SPINAL_CAUSE_UNKNOWN);
		assert_int_equal(out.ntop, SPINAL_INCIDENT_TOP);
		assert_true(strlen(out.top[0].name) < SPINAL_INCIDENT_NAME);
	}
	/* a lying header is refused */
	r->slot_size = 1;
	assert_int_equal(spinal_incident_ring_check(r, size, NULL), 0);
	r->slot_size = sizeof(struct spinal_incident);
	r->nslots = 1000;
	assert_int_equal(spinal_incident_ring_check(r, size, NULL), 0);
	free(r);
}

static void test_note_queue(void **state)
{
	struct core_trace *t = calloc(1, sizeof(*t));
	uint32_t i;

	(void)state;
	assert_non_null(t);
	t->period_ns = 1000 * US;
	t->late_ns = 100 * US;
	trace_note_tick(NULL, 1, T0, T0 + 900 * US, T0 + 2000 * US); /* off: no-op */
	trace_note_tick(t, 1, T0, T0 + 50 * US, T0 + 100 * US);      /* on time */
	assert_int_equal(atomic_load(&t->head), 0);
	trace_note_tick(t, 2, T0, T0 + 150 * US, T0 + 200 * US);     /* late wake */
	trace_note_tick(t, 3, T0, T0 + 10 * US, T0 + 1001 * US);     /* overrun */
	assert_int_equal(atomic_load(&t->head), 2);
	assert_int_equal(t->note[0].kind, SPINAL_INCIDENT_LATE_WAKE);
	assert_int_equal(t->note[1].kind, SPINAL_INCIDENT_OVERRUN);
	assert_true(t->note[1].tick == 3);
	t->late_ns = 0; /* overruns only */
	trace_note_tick(t, 4, T0, T0 + 900 * US, T0 + 950 * US);
	assert_int_equal(atomic_load(&t->head), 2);
	/* full queue: counted drops, never an overwrite */
	for (i = 0; i < TRACE_NOTE_SLOTS + 10; i++)
		trace_note_tick(t, 10 + i, T0, T0, T0 + 2000 * US);
	assert_int_equal(atomic_load(&t->head), TRACE_NOTE_SLOTS);
	assert_int_equal(atomic_load(&t->dropped), 12);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_real_lines),
		cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_attr_irq),
		cmocka_unit_test(test_attr_threads),
		cmocka_unit_test(test_attr_overrun_self_and_history),
		cmocka_unit_test(test_ring_protocol),
		cmocka_unit_test(test_note_queue),
	};

	return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
