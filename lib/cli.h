/* SPDX-License-Identifier: MIT */
/*
 * Command lines, one rule for every program.  Numbers: the whole string is
 * the number (no trailing text), finite, within [lo, hi]; lists are
 * comma-separated ("X,Y,THETA").  A bad value: one line naming the program,
 * the option and the value, and where --help is.  Any thread.
 */
#ifndef SPINAL_LIB_CLI_H
#define SPINAL_LIB_CLI_H

struct option;

/* @n comma-separated finite doubles into @out.  0 or -1. */
int spinal_parse_doubles(const char *s, double *out, int n);

/* One finite double in [@lo, @hi].  0 or -1. */
int spinal_parse_double(const char *s, double lo, double hi, double *out);

/* One decimal integer in [@lo, @hi].  0 or -1. */
int spinal_parse_long(const char *s, long lo, long hi, long *out);

/*
 * spinal_opt_invalid - "PROG: invalid value 'ARG' for --NAME[: WHY]" and
 * "Try 'PROG --help'." on stderr; NAME is found by @c (getopt_long's return)
 * in @lo.  @why may be NULL or "".
 */
void spinal_opt_invalid(const char *prog, const struct option *lo, int c, const char *arg,
			const char *why);

#endif
