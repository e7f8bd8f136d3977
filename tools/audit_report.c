// SPDX-License-Identifier: MIT
/* spinal-audit: check list and its human / JSON rendering. */
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "tools/audit_report.h"
#include "lib/jsonout.h"

struct audit_check *audit_add(struct audit_report *r, const char *id, int verdict,
			      const char *fmt, ...)
{
	struct audit_check *c;
	va_list ap;

	if (r->n < AUDIT_MAX_CHECKS)
		r->n++;
	c = &r->c[r->n - 1];
	memset(c, 0, sizeof(*c));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->verdict = verdict;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	return c;
}

void audit_advise(struct audit_check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->advice, sizeof(c->advice), fmt, ap);
	va_end(ap);
}

void audit_metric(struct audit_check *c, const char *key, double val)
{
	if (c->nmetrics >= AUDIT_MAX_METRICS)
		return;
	snprintf(c->m[c->nmetrics].key, sizeof(c->m[0].key), "%s", key);
	c->m[c->nmetrics++].val = val;
}

struct audit_check *audit_find(struct audit_report *r, const char *id)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->c[i].id, id))
			return &r->c[i];
	return NULL;
}

const char *audit_verdict_name(int v)
{
	static const char *const names[] = { "PASS", "INFO", "SKIP", "WARN", "FAIL" };

	return v >= 0 && v <= AV_FAIL ? names[v] : "?";
}

static void print_json(const struct audit_report *r, FILE *f, const int *count, int worst)
{
	int i, k;

	fprintf(f, "{\n  \"tool\": \"spinal-audit\",\n  \"mode\": ");
	spinal_json_str(f, r->mode);
	fprintf(f, ",\n  \"subject\": ");
	spinal_json_str(f, r->subject);
	fprintf(f, ",\n  \"checks\": [");
	for (i = 0; i < r->n; i++) {
		const struct audit_check *c = &r->c[i];

		fprintf(f, "%s\n    {\"id\": ", i ? "," : "");
		spinal_json_str(f, c->id);
		fprintf(f, ", \"verdict\": \"%s\", \"detail\": ", audit_verdict_name(c->verdict));
		spinal_json_str(f, c->detail);
		fprintf(f, ", \"advice\": ");
		spinal_json_str(f, c->advice);
		fprintf(f, ", \"metrics\": {");
		for (k = 0; k < c->nmetrics; k++) {
			double v = c->m[k].val;

			fprintf(f, "%s", k ? ", " : "");
			spinal_json_str(f, c->m[k].key);
			if (isfinite(v))
				fprintf(f, ": %.17g", v);
			else
				fprintf(f, ": null");
		}
		fprintf(f, "}}");
	}
	fprintf(f, "\n  ],\n  \"summary\": {\"pass\": %d, \"info\": %d, \"skip\": %d, "
		   "\"warn\": %d, \"fail\": %d, \"worst\": \"%s\"}\n}\n",
		count[AV_PASS], count[AV_INFO], count[AV_SKIP], count[AV_WARN], count[AV_FAIL],
		audit_verdict_name(worst));
}

int audit_print(const struct audit_report *r, FILE *f, int json)
{
	int count[AV_FAIL + 1] = { 0 }, worst = AV_PASS, i;

	for (i = 0; i < r->n; i++) {
		count[r->c[i].verdict]++;
		if (r->c[i].verdict > worst)
			worst = r->c[i].verdict;
	}
	if (json) {
		print_json(r, f, count, worst);
		return worst;
	}
	fprintf(f, "spinal-audit %s: %s\n", r->mode, r->subject);
	for (i = 0; i < r->n; i++) {
		const struct audit_check *c = &r->c[i];

		fprintf(f, "  [%s] %-16s %s\n", audit_verdict_name(c->verdict), c->id, c->detail);
		if (c->advice[0] && c->verdict >= AV_WARN)
			fprintf(f, "         %-16s -> %s\n", "", c->advice);
	}
	fprintf(f, "summary: %d PASS, %d WARN, %d FAIL, %d INFO, %d SKIP -> %s\n",
		count[AV_PASS], count[AV_WARN], count[AV_FAIL], count[AV_INFO], count[AV_SKIP],
		worst == AV_FAIL ? "FAIL" : worst == AV_WARN ? "PASS with warnings" : "PASS");
	return worst;
}

int audit_exit_code(const struct audit_report *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->c[i].verdict == AV_FAIL)
			return 1;
	return 0;
}
