/* SPDX-License-Identifier: MIT */
/*
 * Command-line numbers, one rule for every program: the whole string is the
 * number (no trailing text), finite, within [lo, hi]; lists are
 * comma-separated ("X,Y,THETA").  Any thread.
 */
#ifndef SPINAL_LIB_NUMPARSE_H
#define SPINAL_LIB_NUMPARSE_H

/* @n comma-separated finite doubles into @out.  0 or -1. */
int spinal_parse_doubles(const char *s, double *out, int n);

/* One finite double in [@lo, @hi].  0 or -1. */
int spinal_parse_double(const char *s, double lo, double hi, double *out);

/* One decimal integer in [@lo, @hi].  0 or -1. */
int spinal_parse_long(const char *s, long lo, long hi, long *out);

#endif
