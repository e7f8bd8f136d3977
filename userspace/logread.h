/* SPDX-License-Identifier: MIT */
/* Reading agent telemetry logs: CSV export and an accounting summary. */
#ifndef SPINAL_USERSPACE_LOGREAD_H
#define SPINAL_USERSPACE_LOGREAD_H

#include <stdint.h>
#include <stdio.h>

#include <spinal/telemlog.h>
#include <spinal/telemetry.h>

struct logstat {
	uint64_t files;
	uint64_t bad_files;     /* unreadable or wrong header: skipped */
	uint64_t torn_bytes;    /* trailing bytes that are not a whole entry */
	uint64_t runs;          /* distinct core runs (pid + start time) */
	uint64_t records;       /* TICK entries */
	uint64_t gap_markers;
	uint64_t missing;       /* sum of gap_count */
	uint64_t first_seq;     /* of the last core run seen */
	uint64_t last_seq;      /* seq of the last entry covered (gap end - 1) */
	uint64_t end_seq;       /* seq after the last entry: records + missing for a full run */
	uint64_t overlaps;      /* entries at or below an earlier seq (duplicates) */
	uint64_t holes;         /* seq jumps not covered by a gap marker */
	uint64_t holes_missing;
	int32_t core_pid;       /* of the last run */
};

/*
 * Walk @n paths (directories: every *.tlog inside, in name order; files as
 * given) and summarise.  Any thread.  Problems are reported on @err, one line
 * each.  Returns 0, or -errno when nothing could be read.
 */
int logread_stat(char *const *paths, int n, struct logstat *st, FILE *err);

/*
 * logread_walk - call @fn(header, entry, @arg) for every whole entry of
 * @paths (as logread_stat), in file order; a non-zero return from @fn stops
 * the walk and is returned.  Files that are not logs this reader
 * understands are skipped (counted in *@bad, reported on @err).  Any
 * thread.  Returns the number of files read, @fn's stop value, or -errno.
 */
int logread_walk(char *const *paths, int n,
		 int (*fn)(const struct spinal_tlog_hdr *h, const struct spinal_telem_rec *r,
			   void *arg),
		 void *arg, uint64_t *bad, FILE *err);

/* Print @st as one JSON object on @out. */
void logread_stat_json(const struct logstat *st, FILE *out);

/* Export every entry of @paths as CSV (header line first) to @out.  0 or -errno. */
int logread_export_csv(char *const *paths, int n, FILE *out, FILE *err);

#endif
