// SPDX-License-Identifier: MIT
/*
 * tracefs text lines (trace_pipe) -> struct trace_ev.
 *
 * A line is "%16s-%-7d [%03d] FLAGS SECONDS.USECS: EVENT: FIELDS" (kernel
 * trace_print_context()): the comm is right-aligned in exactly 16 columns
 * (TASK_COMM_LEN - 1 = 15 characters at most), so the '-' before the pid is
 * always column 16 and nothing after it depends on what the comm says.
 * Inside FIELDS the comms of sched_switch/sched_wakeup come before the
 * numbers we need, so those are read anchored at the end of the line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtcore/trace.h"

#define COMM_COL 16

/* copy at most @n bytes of @s (stops at @stop or NUL), printable ASCII only */
static void label(char *dst, size_t dlen, const char *s, size_t n)
{
	size_t i, j = 0;

	for (i = 0; i < n && s[i] && j + 1 < dlen; i++)
		dst[j++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	dst[j] = '\0';
}

/* parse a decimal integer at @p (optional '-'), advance; -1 if none */
static int num(const char **p, const char *end, long long *out)
{
	const char *s = *p;
	int neg = 0;
	long long v = 0;

	if (s < end && *s == '-') {
		neg = 1;
		s++;
	}
	if (s >= end || *s < '0' || *s > '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9') {
		if (v > (1LL << 50))
			return -1;
		v = v * 10 + (*s - '0');
		s++;
	}
	*out = neg ? -v : v;
	*p = s;
	return 0;
}

/* last occurrence of @key in [s, end), or NULL */
static const char *rfind(const char *s, const char *end, const char *key)
{
	size_t k = strlen(key);
	const char *p;

	if ((size_t)(end - s) < k)
		return NULL;
	for (p = end - k; p >= s; p--)
		if (memcmp(p, key, k) == 0)
			return p;
	return NULL;
}

/* value of "key=NUM" whose last occurrence is in [s, end) */
static int rfield(const char *s, const char *end, const char *key, long long *v)
{
	const char *p = rfind(s, end, key);

	if (!p)
		return -1;
	p += strlen(key);
	return num(&p, end, v);
}

/* value of the first "key=NUM" in [s, end) (fields the kernel writes, no comm before) */
static int field(const char *s, const char *end, const char *key, long long *v)
{
	size_t k = strlen(key);
	const char *p;

	for (p = s; p + k <= end; p++)
		if (memcmp(p, key, k) == 0) {
			p += k;
			return num(&p, end, v);
		}
	return -1;
}

/*
 * sched_switch's next side / sched_wakeup: "...KEYcomm=C KEYpid=N KEYprio=N[ ...]",
 * numbers read from their last occurrence (a comm cannot fake them).
 */
static int fields_task(const char *f, const char *end, struct trace_ev *ev, uint8_t type,
		       const char *pid_key, const char *prio_key, const char *comm_key)
{
	const char *c = rfind(f, end, pid_key);
	const char *cm;
	long long pid, prio;

	if (!c || rfield(c, end, pid_key, &pid) || rfield(c, end, prio_key, &prio))
		return -EINVAL;
	ev->type = type;
	ev->a = (int32_t)pid;
	ev->prio = (int16_t)prio;
	cm = rfind(f, c, comm_key);
	if (cm) {
		cm += strlen(comm_key);
		label(ev->name, sizeof(ev->name), cm, (size_t)(c - cm));
	}
	return 1;
}

static int ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

static int fields_event(const char *ev_name, size_t en, const char *f, const char *end,
			struct trace_ev *ev)
{
	long long v;

#define IS(lit) (en == sizeof(lit) - 1 && memcmp(ev_name, lit, en) == 0)
	if (IS("sched_switch"))
		return fields_task(f, end, ev, TEV_SWITCH, " next_pid=", " next_prio=", "next_comm=");
	if (IS("sched_wakeup"))
		return fields_task(f, end, ev, TEV_WAKEUP, " pid=", " prio=", "comm=");
	if (IS("irq_handler_entry") || IS("irq_handler_exit")) {
		if (field(f, end, "irq=", &v))
			return -EINVAL;
		ev->a = (int32_t)v;
		if (IS("irq_handler_entry")) {
			const char *nm = f;

			ev->type = TEV_IRQ_ENTRY;
			for (; nm + 6 <= end; nm++)
				if (memcmp(nm, " name=", 6) == 0)
					break;
			if (nm + 6 <= end)
				label(ev->name, sizeof(ev->name), nm + 6, (size_t)(end - nm - 6));
		} else {
			ev->type = TEV_IRQ_EXIT;
		}
		return 1;
	}
	if (IS("softirq_entry") || IS("softirq_exit")) {
		if (field(f, end, "vec=", &v))
			return -EINVAL;
		ev->a = (int32_t)v;
		ev->type = IS("softirq_entry") ? TEV_SOFTIRQ_ENTRY : TEV_SOFTIRQ_EXIT;
		return 1;
	}
#undef IS
	/* x86 irq_vectors: local_timer_entry: vector=236, call_function_exit, ... */
	if (ends_with(ev_name, en, "_entry") || ends_with(ev_name, en, "_exit")) {
		size_t base = en - (ends_with(ev_name, en, "_entry") ? 6 : 5);

		if (field(f, end, "vector=", &v))
			return 0;
		ev->a = (int32_t)v;
		ev->type = ends_with(ev_name, en, "_entry") ? TEV_VEC_ENTRY : TEV_VEC_EXIT;
		label(ev->name, sizeof(ev->name), ev_name, base);
		return 1;
	}
	return 0;
}

int trace_parse_line(const char *line, size_t len, struct trace_ev *ev)
{
	const char *p, *end = line + len, *evn, *colon;
	long long pid, cpu, sec, usec;
	size_t i;

	memset(ev, 0, sizeof(*ev));
	while (end > line && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (end - line < COMM_COL + 2 || line[0] == '#')
		return line[0] == '#' ? 0 : -EINVAL;
	if (line[COMM_COL] != '-') {
		/* "CPU:N [LOST M EVENTS]" and other notes */
		return 0;
	}
	for (i = 0; i < COMM_COL && line[i] == ' '; i++)
		;
	label(ev->comm, sizeof(ev->comm), line + i, COMM_COL - i);
	p = line + COMM_COL + 1;
	if (num(&p, end, &pid) || pid < 0)
		return -EINVAL;
	while (p < end && *p == ' ')
		p++;
	if (p < end && *p == '(') { /* record-tgid */
		while (p < end && *p != ')')
			p++;
		p++;
		while (p < end && *p == ' ')
			p++;
	}
	if (p >= end || *p++ != '[' || num(&p, end, &cpu) || p >= end || *p++ != ']')
		return -EINVAL;
	while (p < end && *p == ' ')
		p++;
	/* irq-info flags ("d.h1."), when present: not a digit */
	if (p < end && (*p < '0' || *p > '9')) {
		while (p < end && *p != ' ')
			p++;
		while (p < end && *p == ' ')
			p++;
	}
	if (num(&p, end, &sec) || p >= end || *p++ != '.')
		return -EINVAL;
	{
		const char *u = p;

		if (num(&p, end, &usec) || p - u != 6)
			return -EINVAL;
	}
	if (end - p < 2 || p[0] != ':' || p[1] != ' ')
		return -EINVAL;
	evn = p + 2;
	colon = memchr(evn, ':', (size_t)(end - evn));
	if (!colon)
		return -EINVAL;
	ev->ts_ns = (uint64_t)sec * 1000000000ull + (uint64_t)usec * 1000ull;
	ev->pid = (int32_t)pid;
	ev->cpu = (uint8_t)cpu;
	return fields_event(evn, (size_t)(colon - evn), colon + 1, end, ev);
}
