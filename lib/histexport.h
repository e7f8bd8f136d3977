/* SPDX-License-Identifier: MIT */
/*
 * Histogram export: write spinal latency histograms (struct spinal_hist_snap)
 * in cyclictest's --histfile text format and in a cyclictest-compatible JSON
 * layout, and parse both back (including files written by cyclictest itself).
 *
 * cyclictest rows are 1 us wide ("%06d %06lu", one column per thread).  A
 * spinal bucket is written on the row of its lower edge: exact below 100 us
 * (spinal buckets there are <= 1 us wide), at 10 us resolution from 100 us to
 * 1 ms, and so on.  Samples at or above @rows_us are "Histogram Overflows",
 * as in cyclictest.  With SPINAL_HISTEXPORT_NATIVE the exact spinal buckets
 * follow as '#' comment lines (ignored by plotting scripts that grep -v '^#'),
 * so a spinal file parses back bucket for bucket.
 *
 * Parsing a file without the native lines (e.g. one cyclictest wrote): a row
 * of r us becomes one sample of r*1000+999 ns, i.e. in the spinal bucket
 * whose upper edge is the row's upper edge, so quantiles keep the "never
 * below the truth" property of spinal_hist_quantile().  Overflows (value
 * unknown, >= rows_us) are put in the bucket of the reported maximum.
 *
 * All functions: any non-RT thread, they do stdio / allocate.  Not RT-safe.
 */
#ifndef SPINAL_LIB_HISTEXPORT_H
#define SPINAL_LIB_HISTEXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <spinal/hist.h>

#define SPINAL_HISTEXPORT_MAXCOLS 16
#define SPINAL_HISTEXPORT_NAME_MAX 32
#define SPINAL_HISTEXPORT_DEFAULT_ROWS 1000 /* 1 ms, one row per us */
#define SPINAL_HISTEXPORT_MAX_ROWS 100000   /* 100 ms, spinal's last bucket edge */

/* flags */
#define SPINAL_HISTEXPORT_NATIVE 0x1u /* add exact spinal buckets as comments */

/* What a parser found besides the histograms. */
struct spinal_histexport_info {
	unsigned int ncols;
	unsigned int rows_us;  /* data rows seen (text) or histogram extent (JSON) */
	int native;            /* 1: exact spinal buckets were present and used */
	uint64_t total[SPINAL_HISTEXPORT_MAXCOLS];     /* samples in rows */
	uint64_t overflows[SPINAL_HISTEXPORT_MAXCOLS]; /* samples beyond the rows */
	uint64_t max_us[SPINAL_HISTEXPORT_MAXCOLS];
	char name[SPINAL_HISTEXPORT_MAXCOLS][SPINAL_HISTEXPORT_NAME_MAX];
};

/*
 * spinal_histfile_write - write @n histograms (columns, like cyclictest
 * threads) in --histfile format with @rows_us rows (1..SPINAL_HISTEXPORT_MAX_ROWS).
 * @names may be NULL (names only appear in the native comment lines).
 * Returns 0, -EINVAL (bad @n/@rows_us) or -EIO (write error).
 */
int spinal_histfile_write(FILE *f, const struct spinal_hist_snap *snaps,
			  const char *const *names, unsigned int n,
			  unsigned int rows_us, unsigned int flags);

/*
 * spinal_histfile_parse - read a --histfile (spinal's or cyclictest's) into
 * at most @max histograms.  @info may be NULL.
 * Returns the number of columns (>= 1), or -EBADMSG (malformed, or a
 * "# Total:" line that disagrees with the rows), -E2BIG (more than @max
 * columns), -ENODATA (no histogram at all), -EIO.
 */
int spinal_histfile_parse(FILE *f, struct spinal_hist_snap *snaps, unsigned int max,
			  struct spinal_histexport_info *info);

/*
 * spinal_histjson_write - the same histograms as JSON in cyclictest's --json
 * layout ("thread": {"0": {"histogram": {"<us>": count}, "cycles", "min",
 * "max", "avg"}}) plus a "spinal" object per thread with name, quantiles and
 * the exact buckets [[index, lower_ns, count], ...].  Flags are ignored
 * (native buckets are always written).  Returns 0, -EINVAL or -EIO.
 */
int spinal_histjson_write(FILE *f, const struct spinal_hist_snap *snaps,
			  const char *const *names, unsigned int n,
			  unsigned int rows_us, unsigned int flags);

/*
 * spinal_histjson_parse - parse JSON written by spinal_histjson_write() or by
 * cyclictest --json (needs -h so it has "histogram").  Uses the exact spinal
 * buckets when present.  Returns the number of threads/columns, or -EBADMSG
 * (syntax, or buckets inconsistent with this build's bucket edges),
 * -E2BIG, -ENODATA.  @text must be NUL-terminated (text[len] == 0).
 */
int spinal_histjson_parse(const char *text, size_t len, struct spinal_hist_snap *snaps,
			  unsigned int max, struct spinal_histexport_info *info);

/* Read a whole (small) file into a NUL-terminated malloc'd buffer.  NULL+errno. */
char *spinal_histexport_slurp(FILE *f, size_t *len);

#endif
