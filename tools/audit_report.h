/* SPDX-License-Identifier: MIT */
/*
 * spinal-audit: a list of checks, each PASS/INFO/WARN/FAIL/SKIP with what was
 * found, the advice for anything not PASS, and optional numeric metrics;
 * printed for humans or as JSON.  Single-threaded tool code, not RT.
 */
#ifndef SPINAL_TOOLS_AUDIT_REPORT_H
#define SPINAL_TOOLS_AUDIT_REPORT_H

#include <stdio.h>

enum audit_verdict { AV_PASS = 0, AV_INFO, AV_SKIP, AV_WARN, AV_FAIL };

#define AUDIT_MAX_CHECKS 48
#define AUDIT_MAX_METRICS 24

struct audit_metric {
	char key[32];
	double val;
};

struct audit_check {
	char id[32];
	int verdict;
	char detail[512];
	char advice[512];
	int nmetrics;
	struct audit_metric m[AUDIT_MAX_METRICS];
};

struct audit_report {
	const char *mode; /* "preflight", "audit" */
	char subject[160];
	int n;
	struct audit_check c[AUDIT_MAX_CHECKS];
};

/* Add a check with its finding; returns it (never NULL: the last slot is reused). */
struct audit_check *audit_add(struct audit_report *r, const char *id, int verdict,
			      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Set the advice line of @c. */
void audit_advise(struct audit_check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Attach a number to @c (shown in JSON). */
void audit_metric(struct audit_check *c, const char *key, double val);

/* Find a check by id, NULL if none. */
struct audit_check *audit_find(struct audit_report *r, const char *id);

const char *audit_verdict_name(int v);

/* Print for humans (@json 0) or as one JSON document.  Returns the worst verdict. */
int audit_print(const struct audit_report *r, FILE *f, int json);

/* Process exit status for a report: 1 when any check FAILed, else 0. */
int audit_exit_code(const struct audit_report *r);

#endif
