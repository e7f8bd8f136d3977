// SPDX-License-Identifier: MIT
/* Command-line numbers (lib/numparse.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "lib/numparse.h"

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
