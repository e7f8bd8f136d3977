// SPDX-License-Identifier: MIT
/* The incident ring: writer, checked reader, verdict formatter (lib/incident.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/incident.h"
#include "lib/jsonout.h"

static const char *const cause_names[SPINAL_CAUSE_COUNT] = {
	"unknown", "irq", "softirq", "thread_rt", "thread_other", "timer", "idle", "self", "preempted",
};

const char *spinal_cause_name(uint32_t cause)
{
	return cause < SPINAL_CAUSE_COUNT ? cause_names[cause] : "?";
}

const char *spinal_incident_source_name(uint32_t source)
{
	switch (source) {
	case SPINAL_TRACE_OFF: return "off";
	case SPINAL_TRACE_TRACEFS: return "tracefs";
	case SPINAL_TRACE_PROC: return "proc";
	default: return "?";
	}
}

uint32_t spinal_incident_ring_init(struct spinal_incident_ring *r, size_t size)
{
	uint32_t n;

	if (size < spinal_incident_section_size(1))
		return 0;
	n = (uint32_t)((size - sizeof(*r)) / sizeof(struct spinal_incident));
	memset(r, 0, size);
	r->magic = SPINAL_INCIDENT_MAGIC;
	r->nslots = n;
	r->slot_size = sizeof(struct spinal_incident);
	return n;
}

static void bump(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

void spinal_incident_publish(struct spinal_incident_ring *r, const struct spinal_incident *inc)
{
	uint64_t n = atomic_load_explicit(&r->head, memory_order_relaxed);
	struct spinal_incident *s = &spinal_incident_slots(r)[n % r->nslots];

	/* W1: pairs with the reader's acquire fence before its second seq load */
	atomic_store_explicit(&s->seq, 2 * n + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	memcpy((char *)s + sizeof(s->seq), (const char *)inc + sizeof(inc->seq),
	       sizeof(*s) - sizeof(s->seq));
	/* W2: pairs with the reader's acquire load of seq */
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->seq, 2 * n + 2, memory_order_relaxed);
	if (inc->cause < SPINAL_CAUSE_SLOTS)
		bump(&r->by_cause[inc->cause]);
	/* W3: pairs with the reader's acquire load of head */
	atomic_store_explicit(&r->head, n + 1, memory_order_release);
}

uint32_t spinal_incident_ring_check(const struct spinal_incident_ring *r, size_t size,
				    const char **why)
{
	uint32_t magic = r->magic, n = r->nslots, ss = r->slot_size;

	if (magic != SPINAL_INCIDENT_MAGIC) {
		if (why)
			*why = "incident section: bad magic";
		return 0;
	}
	if (ss != sizeof(struct spinal_incident) || !n ||
	    spinal_incident_section_size(n) > size) {
		if (why)
			*why = "incident section: slot size or count does not fit the section";
		return 0;
	}
	return n;
}

int spinal_incident_read(const struct spinal_incident_ring *r, uint32_t nslots, uint64_t n,
			 struct spinal_incident *out)
{
	const struct spinal_incident *s;
	uint64_t head, s1, s2;
	unsigned int i;

	if (!nslots)
		return -ENOENT;
	/* A3: pairs with W3 */
	head = atomic_load_explicit(&r->head, memory_order_acquire);
	if (n >= head || head - n > nslots)
		return -ENOENT;
	s = &spinal_incident_slots((struct spinal_incident_ring *)(uintptr_t)r)[n % nslots];
	/* A2: pairs with W2 */
	s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
	if (s1 != 2 * n + 2)
		return s1 == 2 * n + 1 ? -EAGAIN : -ENOENT;
	memcpy((char *)out + sizeof(out->seq), (const char *)s + sizeof(s->seq),
	       sizeof(*out) - sizeof(out->seq));
	/* A1: pairs with W1 */
	atomic_thread_fence(memory_order_acquire);
	s2 = atomic_load_explicit(&s->seq, memory_order_relaxed);
	if (s2 != s1)
		return s2 > 2 * n + 2 ? -ENOENT : -EAGAIN;
	atomic_store_explicit(&out->seq, s1, memory_order_relaxed);
	if (out->cause >= SPINAL_CAUSE_COUNT)
		out->cause = SPINAL_CAUSE_UNKNOWN;
	if (out->ntop > SPINAL_INCIDENT_TOP)
		out->ntop = SPINAL_INCIDENT_TOP;
	for (i = 0; i < SPINAL_INCIDENT_TOP; i++) {
		out->top[i].name[SPINAL_INCIDENT_NAME - 1] = '\0';
		if (out->top[i].cause >= SPINAL_CAUSE_COUNT)
			out->top[i].cause = SPINAL_CAUSE_UNKNOWN;
	}
	return 0;
}

static void prio_text(char *b, size_t len, int32_t prio)
{
	if (prio >= 0 && prio < 100)
		snprintf(b, len, "FIFO/RR %d", 99 - prio);
	else if (prio >= 100 && prio < 140)
		snprintf(b, len, "nice %d", prio - 120);
	else
		snprintf(b, len, "prio ?");
}

/* one contributor, e.g. "IRQ 24 (virtio0-input) 180 us" */
static int contrib_text(const struct spinal_incident_contrib *c, char *b, size_t len)
{
	unsigned long long us = (unsigned long long)(c->ns / 1000);
	char pr[24];

	switch (c->cause) {
	case SPINAL_CAUSE_IRQ:
		if (strncmp(c->name, "irq/", 4) == 0) {
			prio_text(pr, sizeof(pr), c->prio);
			return snprintf(b, len, "threaded IRQ handler %s ran %llu us at %s", c->name,
					us, pr);
		}
		return snprintf(b, len, "IRQ %d (%s) %llu us", c->id, c->name, us);
	case SPINAL_CAUSE_SOFTIRQ:
		return snprintf(b, len, "softirq %s %llu us", c->name, us);
	case SPINAL_CAUSE_TIMER:
		return snprintf(b, len, "local timer interrupt %llu us", us);
	case SPINAL_CAUSE_IDLE:
		return snprintf(b, len, "CPU idle %llu us past the planned wake (exit from idle)", us);
	case SPINAL_CAUSE_SELF:
		return snprintf(b, len, "the RT thread itself ran %llu us", us);
	case SPINAL_CAUSE_THREAD_RT:
		prio_text(pr, sizeof(pr), c->prio);
		return snprintf(b, len, "%s (pid %d) ran %llu us at %s", c->name, c->id, us, pr);
	case SPINAL_CAUSE_THREAD_OTHER:
		prio_text(pr, sizeof(pr), c->prio);
		return snprintf(b, len, "%s (pid %d) ran %llu us at %s (the RT CPU is not isolated)",
				c->name, c->id, us, pr);
	case SPINAL_CAUSE_PREEMPTED:
		return snprintf(b, len, "the RT thread was runnable but not running for %llu us", us);
	case SPINAL_CAUSE_UNKNOWN:
		return snprintf(b, len, "woke %llu us late (no tracefs: IRQ, timer and idle exit cannot be told apart)",
				us);
	default:
		return snprintf(b, len, "%s %llu us", spinal_cause_name(c->cause), us);
	}
}

int spinal_incident_format(const struct spinal_incident *inc, char *buf, size_t len)
{
	size_t at = 0;
	unsigned int i, n = inc->ntop < SPINAL_INCIDENT_TOP ? inc->ntop : SPINAL_INCIDENT_TOP;
	int k;

#define PUT(...)                                                               \
	do {                                                                   \
		k = snprintf(buf + at, at < len ? len - at : 0, __VA_ARGS__);  \
		if (k > 0)                                                     \
			at += (size_t)k;                                       \
	} while (0)

	if (!len)
		return 0;
	buf[0] = '\0';
	PUT("tick %" PRIu64 " late by %" PRIu64 " us (%s, %s): cause %s", inc->tick,
	    inc->late_ns / 1000, inc->kind == SPINAL_INCIDENT_OVERRUN ? "overrun" : "late wake",
	    spinal_incident_source_name(inc->source), spinal_cause_name(inc->cause));
	for (i = 0; i < n; i++) {
		char c[160];

		contrib_text(&inc->top[i], c, sizeof(c));
		PUT("%s%s", i ? "; " : ": ", c);
	}
	if (!n)
		PUT(": nothing on the RT CPU to attribute it to");
#undef PUT
	if (at >= len)
		buf[len - 1] = '\0';
	return (int)at;
}

static const char *kind_name(uint32_t kind)
{
	return kind == SPINAL_INCIDENT_OVERRUN ? "overrun" : "late_wake";
}

static void report_json(FILE *f, const struct spinal_incident_ring *r, uint32_t nslots,
			unsigned int last)
{
	uint64_t head = atomic_load_explicit(&r->head, memory_order_acquire), n;
	unsigned int i, c, first = 1;

	fprintf(f, "{\"source\":\"%s\",\"candidates\":%" PRIu64 ",\"published\":%" PRIu64
		",\"skipped\":%" PRIu64 ",\"events_lost\":%" PRIu64 ",\"late_threshold_ns\":%" PRIu64
		",\"by_cause\":{",
		spinal_incident_source_name(atomic_load(&r->source)), atomic_load(&r->candidates),
		head, atomic_load(&r->skipped), atomic_load(&r->events_lost),
		atomic_load(&r->late_threshold_ns));
	for (c = 0; c < SPINAL_CAUSE_COUNT; c++)
		fprintf(f, "%s\"%s\":%" PRIu64, c ? "," : "", spinal_cause_name(c),
			atomic_load(&r->by_cause[c]));
	fprintf(f, "},\"last\":[");
	for (n = head > last ? head - last : 0; n < head; n++) {
		struct spinal_incident inc;
		char text[768];

		if (spinal_incident_read(r, nslots, n, &inc))
			continue;
		fprintf(f, "%s{\"n\":%" PRIu64 ",\"tick\":%" PRIu64 ",\"kind\":\"%s\",\"late_ns\":%" PRIu64
			",\"planned_ns\":%" PRIu64 ",\"wake_ns\":%" PRIu64 ",\"end_ns\":%" PRIu64
			",\"source\":\"%s\",\"cause\":\"%s\",\"cause_ns\":{",
			first ? "" : ",", n, inc.tick, kind_name(inc.kind), inc.late_ns, inc.planned_ns,
			inc.wake_ns, inc.end_ns, spinal_incident_source_name(inc.source),
			spinal_cause_name(inc.cause));
		first = 0;
		for (c = 0; c < SPINAL_CAUSE_COUNT; c++)
			fprintf(f, "%s\"%s\":%" PRIu64, c ? "," : "", spinal_cause_name(c), inc.cause_ns[c]);
		fprintf(f, "},\"top\":[");
		for (i = 0; i < inc.ntop; i++) {
			fprintf(f, "%s{\"cause\":\"%s\",\"id\":%d,\"prio\":%d,\"count\":%u,\"ns\":%" PRIu64
				",\"name\":", i ? "," : "", spinal_cause_name(inc.top[i].cause),
				inc.top[i].id, inc.top[i].prio, inc.top[i].count, inc.top[i].ns);
			spinal_json_str(f, inc.top[i].name);
			fputc('}', f);
		}
		spinal_incident_format(&inc, text, sizeof(text));
		fprintf(f, "],\"text\":");
		spinal_json_str(f, text);
		fputc('}', f);
	}
	fprintf(f, "]}");
}

void spinal_incident_report(FILE *f, const struct spinal_incident_ring *r, size_t size,
			    unsigned int last, int json)
{
	const char *why = "no incident section (core older than ABI section 12)";
	uint32_t nslots = r ? spinal_incident_ring_check(r, size, &why) : 0;
	uint64_t head, n;
	unsigned int c;

	if (!nslots) {
		if (json) {
			fprintf(f, "null");
		} else {
			fprintf(f, "  incidents: %s\n", why);
		}
		return;
	}
	if (json) {
		report_json(f, r, nslots, last);
		return;
	}
	head = atomic_load_explicit(&r->head, memory_order_acquire);
	fprintf(f, "  incidents (%s): %" PRIu64 " late ticks, %" PRIu64 " attributed, %" PRIu64
		" skipped, %" PRIu64 " kernel events lost; by cause:",
		spinal_incident_source_name(atomic_load(&r->source)), atomic_load(&r->candidates),
		head, atomic_load(&r->skipped), atomic_load(&r->events_lost));
	for (c = 0; c < SPINAL_CAUSE_COUNT; c++)
		if (atomic_load(&r->by_cause[c]))
			fprintf(f, " %s=%" PRIu64, spinal_cause_name(c), atomic_load(&r->by_cause[c]));
	fputc('\n', f);
	for (n = head > last ? head - last : 0; n < head; n++) {
		struct spinal_incident inc;
		char text[768];

		if (spinal_incident_read(r, nslots, n, &inc))
			continue;
		spinal_incident_format(&inc, text, sizeof(text));
		fprintf(f, "    %s\n", text);
	}
}
