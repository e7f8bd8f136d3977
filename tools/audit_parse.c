// SPDX-License-Identifier: MIT
/* spinal-audit: pure text parsers (see audit_parse.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/host.h"
#include "tools/audit_parse.h"

char *ap_chomp(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int copy_out(char *dst, size_t len, const char *src, size_t n)
{
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 1;
}

int ap_cmdline_get(const char *cmdline, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	const char *p = cmdline, *hit = NULL;
	size_t hitlen = 0;

	while (*p) {
		const char *tok, *end;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		end = p;
		if (end - tok == 2 && tok[0] == '-' && tok[1] == '-')
			break; /* init's arguments follow */
		if ((size_t)(end - tok) >= klen && !strncmp(tok, key, klen)) {
			if ((size_t)(end - tok) == klen) {
				hit = end;
				hitlen = 0;
			} else if (tok[klen] == '=') {
				hit = tok + klen + 1;
				hitlen = (size_t)(end - hit);
			}
		}
	}
	if (!hit)
		return 0;
	return copy_out(val, len, hit, hitlen);
}

int ap_isolcpus_parse(const char *val, uint8_t *set)
{
	/* skip leading alphabetic flags: "nohz,domain,managed_irq," */
	while (isalpha((unsigned char)*val)) {
		const char *c = strchr(val, ',');

		if (!c)
			return -EINVAL; /* flags but no CPU list */
		val = c + 1;
	}
	return spinal_cpulist_parse(val, set);
}

int ap_nohz_full_parse(const char *text, uint8_t *set)
{
	while (isspace((unsigned char)*text))
		text++;
	if (!strncmp(text, "(null)", 6)) {
		memset(set, 0, SPINAL_MAX_CPUS);
		return 0;
	}
	return spinal_cpulist_parse(text, set);
}

int ap_status_field(const char *status, const char *field, char *val, size_t len)
{
	size_t flen = strlen(field);
	const char *p = status;

	while (p && *p) {
		if (!strncmp(p, field, flen) && p[flen] == ':') {
			const char *v = p + flen + 1, *e;

			while (*v == ' ' || *v == '\t')
				v++;
			e = strchr(v, '\n');
			if (!e)
				e = v + strlen(v);
			return copy_out(val, len, v, (size_t)(e - v));
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return 0;
}

int ap_status_caps(const char *status, const char *field, uint64_t *caps)
{
	char v[64], *end;
	int rc = ap_status_field(status, field, v, sizeof(v));

	if (rc <= 0)
		return rc == 0 ? -ENOENT : -EINVAL;
	if (!isxdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	*caps = strtoull(v, &end, 16);
	if (errno || (*end && !isspace((unsigned char)*end)))
		return -EINVAL;
	return 0;
}

int ap_status_u64(const char *status, const char *field, uint64_t *out)
{
	char v[64], *end;
	int rc = ap_status_field(status, field, v, sizeof(v));

	if (rc <= 0)
		return rc == 0 ? -ENOENT : -EINVAL;
	if (!isdigit((unsigned char)v[0]))
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 10);
	if (errno)
		return -EINVAL;
	while (*end == ' ')
		end++;
	if (*end && strcmp(end, "kB"))
		return -EINVAL;
	return 0;
}

int ap_stat_parse(const char *text, struct ap_stat *st)
{
	const char *l = strchr(text, '('), *r = strrchr(text, ')');
	unsigned long long f[64];
	const char *p;
	char *end;
	int n = 0;

	memset(st, 0, sizeof(*st));
	if (!l || !r || r < l)
		return -EINVAL;
	snprintf(st->comm, sizeof(st->comm), "%.*s", (int)(r - l - 1), l + 1);
	p = r + 1;
	while (*p == ' ')
		p++;
	if (!*p)
		return -EINVAL;
	st->state = *p++;
	/* field 4 onwards; store as f[field] (fields are 1-based) */
	for (n = 4; n < 64 && *p; n++) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			break;
		errno = 0;
		/* rsslim is 2^64-1, priority may be negative */
		if (*p == '-')
			f[n] = (unsigned long long)strtoll(p, &end, 10);
		else
			f[n] = strtoull(p, &end, 10);
		if (end == p || errno)
			return -EINVAL;
		p = end;
	}
	if (n <= 41)
		return -EINVAL; /* need up to policy (41) */
	st->minflt = f[10];
	st->majflt = f[12];
	st->utime = f[14];
	st->stime = f[15];
	st->priority = (int64_t)f[18];
	st->nice = (int64_t)f[19];
	st->processor = (int)f[39];
	st->rt_priority = (unsigned int)f[40];
	st->policy = (unsigned int)f[41];
	return 0;
}

int ap_sched_u64(const char *text, const char *key, uint64_t *v)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen) && (p[klen] == ' ' || p[klen] == ':')) {
			const char *q = p + klen;
			char *end;

			while (*q == ' ' || *q == ':' || *q == '\t')
				q++;
			if (!isdigit((unsigned char)*q))
				return -EINVAL;
			*v = strtoull(q, &end, 10);
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

int ap_perf_csv(const char *line, char *event, size_t len, uint64_t *val, int *counted)
{
	const char *c1, *c2, *c3;
	char *end;

	if (line[0] == '#' || line[0] == '\0' || line[0] == '\n')
		return 0;
	c1 = strchr(line, ',');
	if (!c1)
		return 0;
	c2 = strchr(c1 + 1, ',');
	if (!c2)
		return 0;
	c3 = strchr(c2 + 1, ',');
	if (!c3)
		c3 = c2 + 1 + strcspn(c2 + 1, "\n");
	if (c3 == c2 + 1 || copy_out(event, len, c2 + 1, (size_t)(c3 - c2 - 1)) < 0)
		return 0;
	*val = 0;
	*counted = 0;
	if (line[0] == '<')
		return 1; /* <not counted> / <not supported> */
	if (!isdigit((unsigned char)line[0]))
		return 0;
	*val = strtoull(line, &end, 10);
	if (end != c1 && *end != '.')
		return 0;
	*counted = 1;
	return 1;
}

int ap_strace_line(const char *line, char *name, size_t len)
{
	const char *p = line, *s;

	if (!strncmp(p, "[pid", 4)) {
		p = strchr(p, ']');
		if (!p)
			return 0;
		p++;
	} else if (isdigit((unsigned char)*p)) {
		while (isdigit((unsigned char)*p))
			p++;
		if (*p != ' ')
			return 0;
	}
	while (*p == ' ')
		p++;
	if (!isalpha((unsigned char)*p) && *p != '_')
		return 0; /* "<... x resumed>", "--- SIG", "+++ exited" */
	s = p;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	if (*p != '(')
		return 0;
	return copy_out(name, len, s, (size_t)(p - s)) > 0;
}

int ap_clocksource_class(const char *name)
{
	static const char *const good[] = { "tsc", "arch_sys_counter", "riscv_clocksource" };
	static const char *const meh[] = { "kvm-clock", "hyperv_clocksource_tsc_page",
					   "xen", "hpet", "acpi_pm" };
	unsigned int i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!strcmp(name, good[i]))
			return AP_GOOD;
	for (i = 0; i < sizeof(meh) / sizeof(meh[0]); i++)
		if (!strcmp(name, meh[i]))
			return AP_MEH;
	if (!strcmp(name, "jiffies") || !strcmp(name, "refined-jiffies"))
		return AP_BAD;
	return AP_UNKNOWN;
}

int ap_governor_class(const char *name)
{
	return !strcmp(name, "performance") ? AP_GOOD : AP_MEH;
}

int ap_cgroup_cpu_path(const char *text, char *path, size_t len)
{
	const char *p = text;

	while (p && *p) {
		const char *c1 = strchr(p, ':'), *c2, *eol = strchr(p, '\n');

		if (!eol)
			eol = p + strlen(p);
		if (c1 && c1 < eol && (c2 = strchr(c1 + 1, ':')) && c2 < eol) {
			const char *q = c1 + 1;

			/* controllers: comma-separated list between the colons */
			while (q < c2) {
				const char *e = memchr(q, ',', (size_t)(c2 - q));

				if (!e)
					e = c2;
				if (e - q == 3 && !strncmp(q, "cpu", 3))
					return copy_out(path, len, c2 + 1, (size_t)(eol - c2 - 1)) > 0;
				q = e + 1;
			}
		}
		p = *eol ? eol + 1 : NULL;
	}
	return 0;
}
