// SPDX-License-Identifier: MIT
/* Command lines: numbers and option errors (lib/cli.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/cli.h"

int spinal_parse_doubles(const char *s, double *out, int n)
{
	char *end = NULL;
	int i;

	for (i = 0; i < n; i++) {
		errno = 0;
		out[i] = strtod(s, &end);
		if (errno || end == s || !isfinite(out[i]))
			return -1;
		if (i < n - 1) {
			if (*end != ',')
				return -1;
			s = end + 1;
		}
	}
	return n > 0 && !*end ? 0 : -1;
}

int spinal_parse_double(const char *s, double lo, double hi, double *out)
{
	double v;

	if (spinal_parse_doubles(s, &v, 1) || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int spinal_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

void spinal_opt_invalid(const char *prog, const struct option *lo, int c, const char *arg,
			const char *why)
{
	while (lo->name && lo->val != c)
		lo++;
	fprintf(stderr, "%s: invalid value '%s' for --%s%s%s\nTry '%s --help'.\n", prog,
		arg ? arg : "", lo->name ? lo->name : "?", why && why[0] ? ": " : "",
		why ? why : "", prog);
}
